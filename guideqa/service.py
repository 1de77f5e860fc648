"""Builds the answering stack from settings; shared by the CLI, the API and the eval."""

from __future__ import annotations

from typing import Any

from guideqa.config import Settings
from guideqa.errors import GuideQAError
from guideqa.models import Answer, Role
from retriever.answer import Answerer
from retriever.roles import parse_role
from retriever.search import Retriever

MAX_K = 50


def build_answerer(settings: Settings) -> Answerer:
    """Load the index and models once (the heavy part)."""
    return Answerer(Retriever.open(settings))


def check_k(k: Any) -> int:
    from guideqa.errors import QueryError

    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise QueryError(f"k は 1〜{MAX_K} の整数で指定してください。", code="invalid_k")
    return k


def answer_record(qid: Any, answer: Answer) -> dict[str, Any]:
    """One line of `guideqa batch` output (the stable contract; fields may be added)."""
    data = answer.model_dump()
    return {"id": qid, **data}


def error_record(qid: Any, err: GuideQAError) -> dict[str, Any]:
    return {"id": qid, "error": {"code": err.code, "message": err.message}, "refused": True, "answer": "",
            "citations": [], "passages": []}


def ask_line(answerer: Answerer, line: dict[str, Any], k: int) -> dict[str, Any]:
    qid = line.get("id")
    role: Role | None = parse_role(line.get("role"))
    answer = answerer.ask(line.get("question"), role=role, k=check_k(line.get("k", k)))  # type: ignore[arg-type]
    return answer_record(qid, answer)
