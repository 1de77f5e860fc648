"""Builds the answering stack from settings; shared by the CLI, the API and the eval."""

from __future__ import annotations

from typing import Any

from guideqa.config import Settings
from guideqa.errors import GuideQAError
from guideqa.models import Answer, Role
from guideqa.records import MAX_K, has_lone_surrogate
from ingest.embedders import Embedder
from ingest.tokenizer import Tokenizer
from retriever.answer import Answerer
from retriever.roles import parse_role
from retriever.search import Retriever


def build_answerer(settings: Settings) -> Answerer:
    """Load the index and models once (the heavy part); the default generator is used."""
    return build_answerers(settings)[settings.generator if settings.generator == "llm" else "extractive"]


def generator_names(settings: Settings) -> list[str]:
    """The generators this configuration offers (the API documents exactly these)."""
    return ["extractive"] + (["llm"] if settings.llm_base_url and settings.llm_model else [])


def build_answerers(
    settings: Settings, *, embedder: Embedder | None = None, tokenizer: Tokenizer | None = None
) -> dict[str, Answerer]:
    """One Answerer per available generator, sharing one retriever (index loaded once).

    "extractive" is always there; "llm" when an OpenAI-compatible endpoint is configured.
    An already loaded embedder and tokenizer may be passed in (a server reloading its index).
    """
    from retriever.llm import LLMGenerator, chat_model_from_settings

    retriever = Retriever.open(settings, embedder=embedder, tokenizer=tokenizer)
    answerers = {"extractive": Answerer(retriever, calibration_file=settings.calibration_file)}
    if "llm" in generator_names(settings):
        answerers["llm"] = Answerer(
            retriever, generator=LLMGenerator(chat_model_from_settings(settings)), policy=answerers["extractive"].policy
        )
    elif settings.generator == "llm":
        from guideqa.errors import GuideQAError

        raise GuideQAError("GUIDEQA_GENERATOR=llm ですが、LLM の接続先が設定されていません。", code="llm_not_configured")
    return answerers


def check_text(value: Any, what: str = "質問") -> Any:
    """Reject strings that cannot be encoded (QueryError ``invalid_text``); other values pass."""
    from guideqa.errors import QueryError

    if isinstance(value, str) and has_lone_surrogate(value):
        raise QueryError(f"{what}に、文字として読めないデータ（UTF-8 でないバイトなど）が含まれています。", code="invalid_text")
    return value


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


def check_history(history: Any) -> list[str]:
    """The earlier questions of a conversation (``history``: a list of strings, oldest first)."""
    from guideqa.errors import QueryError

    if history is None:
        return []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise QueryError("会話の履歴（history）は、それまでの質問文（文字列）のリストで指定してください。", code="invalid_history")
    for h in history:
        check_text(h, "会話の履歴（history）の質問")
    return history


def ask_line(answerer: Answerer, line: dict[str, Any], k: int) -> dict[str, Any]:
    """One `guideqa batch` line: ``{"id", "question", "role"?, "k"?, "history"?}``.

    ``history`` holds the earlier questions of the same conversation, oldest first; the
    line's role applies to them too. A follow-up is then answered in their context.
    """
    from guideqa.errors import RoleError
    from retriever.conversation import ask_in_context, replay

    qid = line.get("id")
    raw_role = check_text(line.get("role"), "役割")
    if raw_role is not None and not isinstance(raw_role, str):
        raise RoleError("役割（role）は developer / provider / user のいずれかを文字列で指定してください。")
    role: Role | None = parse_role(raw_role)
    check_text(line.get("question"))
    history = check_history(line.get("history"))
    k = check_k(line.get("k", k))
    if not history:
        answer = answerer.ask(line.get("question"), role=role, k=k)  # type: ignore[arg-type]
    else:
        from retriever.answer import clean_question

        clean_question(line.get("question"))  # type: ignore[arg-type]  # a bad question fails before the history is replayed
        state = replay(answerer, history, role, k)
        answer = ask_in_context(answerer, line.get("question"), role, k, state)  # type: ignore[arg-type]
    return answer_record(qid, answer)
