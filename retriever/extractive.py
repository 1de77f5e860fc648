"""The default generator: extractive and rule-based, so it cannot invent facts.

It selects the sentences of the top passages that answer the question, keeps them in
document order within each passage, groups them by item code and ends each with [n].
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from guideqa.models import AnswerSentence
from guideqa.text import split_sentences
from ingest.tokenizer import Tokenizer
from retriever.search import Hit

MAX_CHARS = 400
MAX_CHARS_LIST = 700
MAX_PASSAGES = 5
MAX_PER_PASSAGE = 3
LIST_CUES = re.compile(r"一覧|すべて|全て|何を|どのような|どんな|何が|チェック|項目|ポイント|具体的")
_HEADING_ONLY = re.compile(
    r"^(?:[DPU]-\d+\) [ivx]+\.|\d+\)|[A-E]\.|第\d部|行動目標)\s*\S{0,40}$|^\S{0,40}」\s*関連$|^\[\S{1,20}\]$"
)


@dataclass
class Candidate:
    hit_rank: int
    position: int
    text: str
    score: float


BULLETS = "⚫➢•・○◯✓-⁃■□◆◇▪▶► "


def sentences_of(text: str, headings: tuple[str, ...] = ()) -> list[str]:
    """Sentences of a chunk: each line (a bullet or paragraph) split at 。; heading lines and
    bullet glyphs are dropped (what remains is still a verbatim substring of the chunk)."""
    out: list[str] = []
    skip = {h.strip() for h in headings}
    for line in text.split("\n"):
        if line.strip() in skip:
            continue
        for sent in split_sentences(line):
            sent = sent.lstrip(BULLETS)
            if len(sent) >= 8 and "http" not in sent:  # footnote URLs are not answers
                out.append(sent)
    return out


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, tokenizer: Tokenizer, idf: dict[str, float]) -> None:
        self.tokenizer = tokenizer
        self.idf = idf
        self._default = max(idf.values(), default=1.0)

    def _weight(self, token: str) -> float:
        return self.idf.get(token, self._default)

    def select(self, question: str, hits: list[Hit]) -> list[tuple[int, str]]:
        """(hit index, sentence) pairs that answer the question, in reading order."""
        q_tokens = set(self.tokenizer.tokenize(question))
        total = sum(self._weight(t) for t in q_tokens) or 1.0
        candidates: list[Candidate] = []
        for rank, hit in enumerate(hits[:MAX_PASSAGES]):
            prior = 1.0 / math.sqrt(rank + 1)
            for pos, sent in enumerate(sentences_of(hit.chunk.text, tuple(hit.chunk.section_path))):
                if _HEADING_ONLY.match(sent):
                    continue
                s_tokens = set(self.tokenizer.tokenize(sent))
                coverage = sum(self._weight(t) for t in q_tokens & s_tokens) / total
                # Earlier sentences in a passage tend to state the rule; later ones elaborate.
                score = prior * (0.35 + coverage) * (1.0 - min(pos, 10) * 0.02)
                candidates.append(Candidate(rank, pos, sent, score))
        if not candidates:
            return []
        limit = MAX_CHARS_LIST if LIST_CUES.search(question) else MAX_CHARS
        best = max(c.score for c in candidates)
        chosen: list[Candidate] = []
        used = 0
        per_passage: dict[int, int] = {}
        for cand in sorted(candidates, key=lambda c: -c.score):
            if cand.score < best * 0.55 and chosen:
                break
            if per_passage.get(cand.hit_rank, 0) >= MAX_PER_PASSAGE:
                continue
            if chosen and used + len(cand.text) > limit:
                continue
            chosen.append(cand)
            used += len(cand.text)
            per_passage[cand.hit_rank] = per_passage.get(cand.hit_rank, 0) + 1
        # The 本編 wording of an item states the rule; its 別添 explanation follows it.
        main_first = {i: 0 if hits[i].chunk.segment == "main" and hits[i].chunk.item_codes else 1 for i in per_passage}
        chosen.sort(key=lambda c: (main_first[c.hit_rank], c.hit_rank, c.position))
        return [(c.hit_rank, c.text) for c in chosen]

    def generate(self, question: str, hits: list[Hit]) -> list[tuple[int, AnswerSentence]]:
        """Sentences with the hit index each one quotes (citation numbers are set later)."""
        return [(rank, AnswerSentence(text=text, citations=[])) for rank, text in self.select(question, hits)]
