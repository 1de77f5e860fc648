"""Answering: validate the question, retrieve, decide whether the corpus answers, and build
an answer whose every sentence carries a citation to a passage."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from guideqa.errors import QueryError
from guideqa.guideline import PROFILE
from guideqa.models import Answer, AnswerSentence, Citation, Role
from guideqa.records import MAX_QUESTION_CHARS, trimmed
from guideqa.text import match_key, nfkc
from retriever.extractive import ExtractiveGenerator
from retriever.outline import outline, outline_target
from retriever.overview import is_broad_role_question, role_overview
from retriever.roles import detect_role, mentioned_role
from retriever.search import Hit, Retriever

log = logging.getLogger(__name__)

ROLE_OVERVIEW_NOTE = "各項目の詳しい内容は、役割別チェックリストや項目名で質問して確認できます。"
REFUSAL_TEXT = "ガイドラインには該当する記載が見当たりません。"
_TAGS = re.compile(r"<[^>]{0,200}>")
# Questions that assume the guideline is binding law (fines, penalties, duties).
FALSE_PREMISE = re.compile(r"罰金|罰則|処罰|懲役|課徴金|違反(?:する|した)と|違反したら|法的(?:な)?義務|義務付け|強制力|法律で決まって|逮捕")
PREMISE_QUERY = PROFILE.soft_law_statement  # declared in the guideline's document profile


@dataclass(frozen=True)
class RefusalPolicy:
    """Calibrated on the eval dev split (see eval/README)."""

    min_dense: float = 0.835
    min_coverage: float = 0.5
    strong_dense: float = 0.855


class Generator(Protocol):
    name: str

    def generate(self, question: str, hits: list[Hit]) -> list[tuple[int, AnswerSentence]]: ...


def clean_question(question: str) -> str:
    """Trim, normalise and strip markup/control characters; raise QueryError if unusable."""
    if not isinstance(question, str):
        raise QueryError("質問は文字列で指定してください。")
    # Checked on the text as sent (what the API schema states: records.QUESTION_PATTERN), then
    # normalised: NFC may lengthen a few characters (U+0958 …).
    text = trimmed(question)
    if not text:
        raise QueryError("質問が空です。知りたいことを入力してください。", code="empty_question")
    if len(text) > MAX_QUESTION_CHARS:
        raise QueryError(
            f"質問が長すぎます（{len(text)}文字）。{MAX_QUESTION_CHARS}文字以内で入力してください。",
            code="question_too_long",
        )
    return unicodedata.normalize("NFC", text)


# Attempts to re-instruct the assistant. They are removed from what is searched; the rest
# of the question (if any) is answered as usual.
INJECTION = re.compile(
    r"[^。！？\n]*(?:(?:以前|前|上記|これまで)の(?:指示|命令|ルール|規則)[^。！？\n]*(?:無視|忘れ)"
    r"|システムプロンプト|あなたは今から|\{\{\s*system\s*\}\}|ignore (?:all )?(?:previous|prior|above) instructions"
    r"|jailbreak|developer mode)[^。！？\n]*[。！？]?",
    re.IGNORECASE,
)


def search_text(question: str) -> str:
    """What is searched: tags removed (their text kept), injected instructions removed,
    whitespace collapsed."""
    text = INJECTION.sub(" ", _TAGS.sub(" ", question))
    return re.sub(r"\s+", " ", text).strip()


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        generator: Generator | None = None,
        policy: RefusalPolicy | None = None,
    ) -> None:
        self.retriever = retriever
        self.idf = _idf_table(retriever)
        self.extractive = ExtractiveGenerator(retriever.tokenizer, self.idf)
        self.generator = generator or self.extractive
        self.policy = policy or RefusalPolicy()

    # -- evidence ------------------------------------------------------------------------
    def coverage(self, question: str, hits: list[Hit]) -> float:
        """Share of the question's (idf-weighted) content words found in the top passages."""
        tokens = set(self.retriever.tokenizer.tokenize(question))
        if not tokens:
            return 0.0
        seen: set[str] = set()
        for hit in hits[:3]:
            seen |= set(self.retriever.tokenizer.tokenize(hit.chunk.text))
        default = max(self.idf.values(), default=1.0)
        total = sum(self.idf.get(t, default) for t in tokens)
        return sum(self.idf.get(t, default) for t in tokens & seen) / total

    def answerable(self, question: str, hits: list[Hit]) -> bool:
        if not hits:
            return False
        p = self.policy
        dense = max(h.dense for h in hits[:3])
        if dense >= p.strong_dense:
            return True
        return dense >= p.min_dense and self.coverage(question, hits) >= p.min_coverage

    # -- answering -----------------------------------------------------------------------
    def ask(self, question: str, role: Role | None = None, k: int = 10) -> Answer:
        text = clean_question(question)
        query = search_text(text)
        answer = Answer(question=text, role=role, refused=False, answer="", generator=self.generator.name)
        if len(query) < 2:  # nothing left once markup and injected instructions are removed
            return self._refuse(answer)
        role = role or detect_role(query)
        answer.role = role
        hits = self.retriever.hits(query, role, k)
        premise = bool(FALSE_PREMISE.search(nfkc(query)))
        if premise:
            hits = self._with_premise_evidence(hits, role, k)
        answer.passages = [self.retriever.passage(h.chunk, h.score) for h in hits]
        about = role or mentioned_role(query)
        if about is not None and not premise and is_broad_role_question(query):
            overview = role_overview(self.retriever.chunks, about)
            if overview:
                answer.role = about
                return self._overview_answer(answer, overview)
        target = None if premise else outline_target(query)
        if target is not None:
            parts = outline(self.retriever.chunks, target)
            if len(parts) >= 2:
                return self._overview_answer(answer, parts, note=None)
        if not premise and not self.answerable(query, hits):
            return self._refuse(answer)
        picked = self._generate(query, hits, answer)
        if premise:
            picked = self._premise_first(hits, picked)
        if not picked:
            return self._refuse(answer)
        self._attach(answer, hits, picked)
        return answer

    def _overview_answer(
        self, answer: Answer, overview: list[tuple[int, str]], note: str | None = ROLE_OVERVIEW_NOTE
    ) -> Answer:
        hits = []
        picked: list[tuple[int, AnswerSentence]] = []
        for rank, (index, sentence) in enumerate(overview):
            hits.append(Hit(index, self.retriever.chunks[index], 0.0, 0.0, 0.0))
            picked.append((rank, AnswerSentence(text=sentence, citations=[])))
        answer.generator = self.extractive.name
        self._attach(answer, hits, picked)
        if note:
            answer.notes.append(note)
        return answer

    def _generate(self, query: str, hits: list[Hit], answer: Answer) -> list[tuple[int, AnswerSentence]]:
        picked = self.generator.generate(query, hits)
        if not picked and self.generator is not self.extractive:
            # Too little of the LLM's answer was supported by the passages it cited.
            picked = self.extractive.generate(query, hits)
            answer.generator = self.extractive.name
            answer.notes.append("生成AIの回答を出典で確認できなかったため、原文からの抜粋で回答しています。")
        return picked

    def _refuse(self, answer: Answer) -> Answer:
        answer.refused = True
        answer.answer = REFUSAL_TEXT + "近い内容の記載を参考として示します。" if answer.passages else REFUSAL_TEXT
        return answer

    def _with_premise_evidence(self, hits: list[Hit], role: Role | None, k: int) -> list[Hit]:
        extra = [h for h in self.retriever.hits(PREMISE_QUERY, None, 3) if _says_soft_law(h.chunk.text)]
        seen = {h.index for h in extra}
        return (extra[:1] + [h for h in hits if h.index not in seen])[:k]

    def _premise_first(
        self, hits: list[Hit], picked: list[tuple[int, AnswerSentence]]
    ) -> list[tuple[int, AnswerSentence]]:
        for rank, hit in enumerate(hits):
            for sent in re.split(r"(?<=。)", hit.chunk.text.replace("\n", "")):
                if _says_soft_law(sent):
                    lead = AnswerSentence(text="前提について: " + sent.strip(), citations=[])
                    rest = [(r, s) for r, s in picked if match_key(s.text) != match_key(sent)]
                    return [(rank, lead), *rest]
        return picked

    def _attach(self, answer: Answer, hits: list[Hit], picked: list[tuple[int, AnswerSentence]]) -> None:
        numbers: dict[int, int] = {}
        quotes: dict[int, list[str]] = {}
        for rank, sent in picked:
            if rank not in numbers:
                numbers[rank] = len(numbers) + 1
            sent.citations = [numbers[rank]]
            quotes.setdefault(rank, []).append(sent.text.removeprefix("前提について: "))
        answer.sentences = [s for _, s in picked]
        lines: list[str] = []
        last_code: str | None = None
        for rank, sent in picked:
            code = hits[rank].chunk.item_codes[0] if hits[rank].chunk.item_codes else None
            new_item = code and code != last_code and not sent.text.startswith(code)
            prefix = f"【{_item_label(hits[rank])}】" if new_item else ""
            last_code = code
            lines.append(f"{prefix}{sent.text} [{numbers[rank]}]")
        answer.answer = "\n".join(lines)
        for rank, number in sorted(numbers.items(), key=lambda kv: kv[1]):
            p = self.retriever.passage(hits[rank].chunk, hits[rank].score)
            answer.citations.append(
                Citation(number=number, quotes=quotes[rank], **p.model_dump(exclude={"score"}))
            )
        answer.notes = [*answer.notes, *self._notes(answer, hits)]

    def _notes(self, answer: Answer, hits: list[Hit]) -> list[str]:
        """One note per draft/older document cited, naming the citation numbers."""
        newer = any(c.status in ("current", "update") for c in answer.citations) or any(
            self.retriever.documents.get(h.chunk.doc_id, {}).get("status") in ("current", "update") for h in hits[:5]
        )
        by_doc: dict[str, list[Citation]] = {}
        for c in answer.citations:
            if c.status in ("draft", "older"):
                by_doc.setdefault(c.doc_id, []).append(c)
        notes = []
        for cites in by_doc.values():
            c = cites[0]
            numbers = "".join(f"[{x.number}]" for x in cites)
            kind = "案" if c.status == "draft" else "旧資料"
            msg = f"{numbers}は{kind}（{c.title}、{c.version or c.date}）の記載です。"
            if newer:
                msg += "最新の内容は現行のAI事業者ガイドラインや令和7年度更新内容で確認してください。"
            notes.append(msg)
        return notes


def _says_soft_law(text: str) -> bool:
    t = match_key(text)
    return ("非拘束的なソフトロー" in t) or ("ソフトロー" in t and "ガイドライン" in t and "自主" in t)


def _item_label(hit: Hit) -> str:
    last = hit.chunk.section_path[-1] if hit.chunk.section_path else ""
    code = hit.chunk.item_codes[0]
    return last if last.startswith(code) else code


def _idf_table(retriever: Retriever) -> dict[str, float]:
    return retriever.idf
