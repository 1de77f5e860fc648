"""Exception types, a small set per layer. Messages are Japanese and safe to show users."""

from __future__ import annotations


class GuideQAError(Exception):
    """Base class. ``message`` is shown to users; ``code`` is machine-readable."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


# --- ingest layer -----------------------------------------------------------------
class IngestError(GuideQAError):
    code = "ingest_error"


class DocumentError(IngestError):
    """One source file cannot be read (broken/encrypted/empty PDF, non-UTF-8 text)."""

    code = "document_error"

    def __init__(self, path: str, cause: str) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


class CorpusError(IngestError):
    code = "corpus_error"


class EmbedderError(GuideQAError):
    code = "embedder_error"


# --- index layer ------------------------------------------------------------------
class IndexError_(GuideQAError):  # noqa: N801 - avoid shadowing the builtin IndexError
    code = "index_error"


class IndexMissingError(IndexError_):
    code = "index_missing"


class IndexCorruptError(IndexError_):
    code = "index_corrupt"


class EmbedderMismatchError(IndexError_):
    code = "embedder_mismatch"


# --- query layer ------------------------------------------------------------------
class QueryError(GuideQAError):
    code = "invalid_query"


class RoleError(QueryError):
    code = "unknown_role"
