"""The default generator: extractive and rule-based, so it cannot invent facts.

It selects the sentences of the top passages that answer the question: the most direct
sentence first, then the others from the same few passages in document order. Only readable
sentences are quoted (:mod:`retriever.readable`): none over 250 characters, no flattened
table rows, no fragments.

Two selections share the sentence scores: :meth:`ExtractiveGenerator.select` is the evidence
the answerability gate weighs and, by default, the answer (at most two passages cited, three for
list questions). :meth:`ExtractiveGenerator.quote`, used when ``closest_passages`` is on, cites
fewer: the passage of the most direct sentence, the first one in retrieval order, and another only
when one of its sentences matches the question at least as closely as the first one's best
sentence (:func:`matches_as_closely`). It is off by default: on the test split it lowered citation
recall (eval/README.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from guideqa.models import AnswerSentence
from guideqa.text import bracket_sentences
from ingest.tokenizer import Tokenizer, component_bridges
from retriever.readable import readable
from retriever.search import Hit

MAX_CHARS = 400
MAX_CHARS_LIST = 700
MAX_PASSAGES = 5
MAX_PER_PASSAGE = 3
# At most this many sentences (a list question: MAX_SENTENCES_LIST), from at most this many
# passages: an answer quotes the passages that carry it, not every one that is near.
MAX_SENTENCES = 4
MAX_SENTENCES_LIST = 8
MAX_CITED = 2
MAX_CITED_LIST = 3
# The 本編 wording of an item states the obligation itself; its 別添 explanation elaborates
# (tuned on the dev split: citation precision up, recall unchanged).
MAIN_ITEM_BOOST = 1.4
# A sentence opens another passage (another citation) only when it scores this close to the best.
NEW_PASSAGE_RATIO = 0.55
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
    # From an article ranked only for the Q&A entry or form after it that explains it: quoted
    # as the rule behind that entry, never as an answer of its own.
    held: bool = False


BULLETS = "⚫➢•・○◯✓-⁃■□◆◇▪▶► "


@lru_cache(maxsize=4096)
def sentences_of(text: str, headings: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Sentences of a chunk: each line (a bullet or paragraph) split at 。; heading lines and
    bullet glyphs are dropped (what remains is still a verbatim substring of the chunk).
    Cached: the same chunks come back for many questions."""
    out: list[str] = []
    skip = {h.strip() for h in headings}
    for line in text.split("\n"):
        if line.strip() in skip:
            continue
        for raw in bracket_sentences(line):
            for sent in readable(raw.lstrip(BULLETS)):
                if len(sent) >= 8 and "http" not in sent:  # footnote URLs are not answers
                    out.append(sent)
    return tuple(out)


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, tokenizer: Tokenizer, idf: dict[str, float]) -> None:
        self.tokenizer = tokenizer
        self.idf = idf
        self._default = max(idf.values(), default=1.0)
        self.main_item_boost = MAIN_ITEM_BOOST
        self.new_passage_ratio = NEW_PASSAGE_RATIO
        # True: the answer cites only the passages whose best sentence matches the question as
        # closely as the first one's (:meth:`quote`). Off by default: on test it lowered citation
        # recall (0.460 -> 0.418) for little precision; its dev gain was within noise (eval/README.md).
        self.closest_passages = False
        # doc_id -> its document family (a document and its 別紙), for added documents: an answer
        # that starts from an added document quotes its family only, neither another family nor
        # a bundled paper (set by the Answerer).
        self.families: dict[str, set[str]] = {}

    def _weight(self, token: str) -> float:
        return self.idf.get(token, self._default)

    def candidates(self, question: str, hits: list[Hit]) -> list[Candidate]:
        """Every quotable sentence of the first passages, scored by how much of the question it
        covers, the passage's place and the sentence's position."""
        q_tokens = set(self.tokenizer.tokenize(question))
        total = sum(self._weight(t) for t in q_tokens) or 1.0
        # A question word the corpus never uses counts in a sentence that has a compound holding
        # it (雨 in 「雨天の場合は」: :func:`ingest.tokenizer.component_bridges`).
        unknown = [t for t in q_tokens if t not in self.idf]
        candidates: list[Candidate] = []
        places = answer_places(hits)
        for rank, hit in enumerate(hits):
            if places[rank] >= MAX_PASSAGES:
                break
            held = _inherited(hits, rank)
            prior = 1.0 / math.sqrt(places[rank] + 1)
            for pos, sent in enumerate(sentences_of(hit.chunk.text, tuple(hit.chunk.section_path))):
                if _HEADING_ONLY.match(sent):
                    continue
                s_tokens = set(self.tokenizer.tokenize(sent))
                matched = q_tokens & s_tokens
                if unknown:
                    matched |= set(component_bridges(unknown, s_tokens))
                coverage = sum(self._weight(t) for t in matched) / total
                # Earlier sentences in a passage tend to state the rule; later ones elaborate.
                score = prior * (0.35 + coverage) * (1.0 - min(pos, 10) * 0.02)
                if hit.chunk.segment == "main" and hit.chunk.item_codes:
                    score *= self.main_item_boost
                candidates.append(Candidate(rank, pos, sent, score, held))
        return candidates

    def select(self, question: str, hits: list[Hit]) -> list[tuple[int, str]]:
        """(hit index, sentence) pairs near the question, in reading order: the evidence the
        answerability gate weighs (its thresholds were calibrated on this selection)."""
        candidates = self.candidates(question, hits)
        own = self.families.get(hits[0].chunk.doc_id) if hits else None
        if own is not None:  # the first passage is an added document's: its family only
            candidates = [c for c in candidates if hits[c.hit_rank].chunk.doc_id in own]
        if not any(not c.held for c in candidates):
            return []
        is_list = bool(LIST_CUES.search(question))
        limit = MAX_CHARS_LIST if is_list else MAX_CHARS
        max_sentences = MAX_SENTENCES_LIST if is_list else MAX_SENTENCES
        max_cited = MAX_CITED_LIST if is_list else MAX_CITED
        ranked = sorted((c for c in candidates if not c.held), key=lambda c: -c.score)
        best = ranked[0]
        chosen: list[Candidate] = [best]
        used = len(best.text)
        per_passage: dict[int, int] = {best.hit_rank: 1}
        for cand in ranked[1:]:
            if cand.score < best.score * 0.55 or len(chosen) >= max_sentences:
                break
            count = per_passage.get(cand.hit_rank, 0)
            if count >= MAX_PER_PASSAGE or (count == 0 and len(per_passage) >= max_cited):
                continue
            if count == 0 and cand.score < best.score * self.new_passage_ratio:
                continue
            if used + len(cand.text) > limit:
                continue
            chosen.append(cand)
            used += len(cand.text)
            per_passage[cand.hit_rank] = count + 1
        return self._arrange(best, chosen, per_passage, hits, candidates, max_cited, max_sentences)

    def quote(self, question: str, hits: list[Hit]) -> list[tuple[int, str]]:
        """The answer: (hit index, sentence) pairs in reading order, citing few passages.

        The most direct sentence leads. The first passage in retrieval order (the one that
        most often holds the answer) is cited too; any other passage only when one of its
        sentences matches the question at least as closely as that first passage's best
        sentence (:func:`matches_as_closely`, the sentence vectors' cosine) or when the
        conversation points at it (``Hit.focused``). Each enters with its own most direct
        sentence, in retrieval order; the remaining room goes to further sentences of the
        cited passages.
        """
        if not self.closest_passages:
            return self.select(question, hits)
        candidates = self.candidates(question, hits)
        ranked = sorted((c for c in candidates if not c.held), key=lambda c: -c.score)
        if not ranked:
            return []
        is_list = bool(LIST_CUES.search(question))
        limit = MAX_CHARS_LIST if is_list else MAX_CHARS
        max_sentences = MAX_SENTENCES_LIST if is_list else MAX_SENTENCES
        max_cited = MAX_CITED_LIST if is_list else MAX_CITED
        own_best: dict[int, Candidate] = {}
        for cand in ranked:
            own_best.setdefault(cand.hit_rank, cand)
        best = ranked[0]
        # The first passage in retrieval order is the one most often holding the answer; the
        # others are measured against it.
        anchor = hits[min(own_best)]
        chosen: list[Candidate] = [best]
        used = len(best.text)
        per_passage: dict[int, int] = {best.hit_rank: 1}
        for rank in sorted(own_best):
            cand = own_best[rank]
            if len(per_passage) >= max_cited:
                break
            if rank in per_passage or used + len(cand.text) > limit:
                continue
            # A passage the conversation points at is evidence by construction.
            if hits[rank] is not anchor and not hits[rank].focused and not matches_as_closely(hits[rank], anchor):
                continue
            chosen.append(cand)
            used += len(cand.text)
            per_passage[rank] = 1
        for cand in ranked:
            if cand.score < best.score * 0.55 or len(chosen) >= max_sentences:
                break
            count = per_passage.get(cand.hit_rank, 0)
            if count == 0 or count >= MAX_PER_PASSAGE or cand in chosen or used + len(cand.text) > limit:
                continue
            chosen.append(cand)
            used += len(cand.text)
            per_passage[cand.hit_rank] = count + 1
        return self._arrange(best, chosen, per_passage, hits, candidates, max_cited, max_sentences)

    def _arrange(
        self,
        best: Candidate,
        chosen: list[Candidate],
        per_passage: dict[int, int],
        hits: list[Hit],
        candidates: list[Candidate],
        max_cited: int,
        max_sentences: int,
    ) -> list[tuple[int, str]]:
        lead = _rule_explained_by(best, hits, candidates)
        if lead is not None and lead.hit_rank not in per_passage:
            chosen, per_passage = _make_room(chosen, per_passage, best, max_cited, max_sentences)
            chosen.append(lead)
            per_passage[lead.hit_rank] = 1
        # The most direct sentence first; then the 本編 wording of an item (it states the
        # rule) before its 別添 explanation, each passage in document order. When the most
        # direct sentence is a Q&A entry's or a form's, the article it explains leads.
        main_first = {i: 0 if hits[i].chunk.segment == "main" and hits[i].chunk.item_codes else 1 for i in per_passage}
        rest = sorted(chosen[1:], key=lambda c: (c.hit_rank != best.hit_rank, main_first[c.hit_rank], c.hit_rank, c.position))
        ordered = [best, *rest]
        if lead is not None:
            ordered = sorted((c for c in ordered if c.hit_rank == lead.hit_rank), key=lambda c: c.position) + [
                c for c in ordered if c.hit_rank != lead.hit_rank
            ]
        return [(c.hit_rank, c.text) for c in ordered]

    def generate(self, question: str, hits: list[Hit]) -> list[tuple[int, AnswerSentence]]:
        """Sentences with the hit index each one quotes (citation numbers are set later)."""
        return [(rank, AnswerSentence(text=text, citations=[])) for rank, text in self.quote(question, hits)]


def closeness(hit: Hit) -> float:
    """How closely the passage's best sentence matches the question: the sentence channel's
    cosine (the chunk's own cosine when that channel is off)."""
    return hit.sentence or hit.dense


def matches_as_closely(hit: Hit, lead: Hit) -> bool:
    """May ``hit`` be cited beside the lead passage? Only when one of its sentences matches the
    question at least as closely as the lead's best sentence: a passage that is merely near
    the topic adds a citation, not evidence."""
    return closeness(hit) >= closeness(lead)


def answer_places(hits: list[Hit]) -> list[int]:
    """The place of each passage in the answer's order of evidence: an article placed just
    before the Q&A entry or form that explains it (:mod:`retriever.rules`) shares its place —
    the two state one answer — so the passages after them keep the place they had."""
    places: list[int] = []
    place = 0
    for i, hit in enumerate(hits):
        places.append(place)
        if not (i + 1 < len(hits) and hit.chunk.id in hits[i + 1].chunk.explains):
            place += 1
    return places


def _inherited(hits: list[Hit], rank: int) -> bool:
    """Did this article rank here only for the entry after it (:func:`retriever.rules.rules_first`
    lifts its score to that entry's)?"""
    nxt = hits[rank + 1] if rank + 1 < len(hits) else None
    return nxt is not None and hits[rank].chunk.id in nxt.chunk.explains and hits[rank].score <= nxt.score


def _rule_explained_by(best: Candidate, hits: list[Hit], candidates: list[Candidate]) -> Candidate | None:
    """The best sentence of the article the best sentence's passage explains (a Q&A entry, a
    form: ``Chunk.explains``), when that article is among the quoted passages' neighbours."""
    explained = set(hits[best.hit_rank].chunk.explains)
    if not explained:
        return None
    ranks = {c.hit_rank for c in candidates if hits[c.hit_rank].chunk.id in explained}
    own = [c for c in candidates if c.hit_rank in ranks]
    return max(own, key=lambda c: c.score) if own else None


def _make_room(
    chosen: list[Candidate], per_passage: dict[int, int], best: Candidate, max_cited: int, max_sentences: int
) -> tuple[list[Candidate], dict[int, int]]:
    """Drop the weakest sentences other than ``best`` until one more sentence from one more
    passage fits the limits on sentences and cited passages."""
    chosen = list(chosen)
    while len(chosen) > 1 and (len(chosen) >= max_sentences or len({c.hit_rank for c in chosen}) >= max_cited):
        weakest = min(chosen[1:], key=lambda c: (c.hit_rank == best.hit_rank, c.score))
        chosen.remove(weakest)
    counts: dict[int, int] = {}
    for c in chosen:
        counts[c.hit_rank] = counts.get(c.hit_rank, 0) + 1
    return chosen, counts
