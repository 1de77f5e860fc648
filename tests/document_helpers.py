"""Helpers shared by the tests of the file readers: a document's metadata, a reader's lines without
their numbers, the loader's error for a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideqa.errors import DocumentError
from guideqa.models import DocumentMeta
from ingest.loaders import load_document


def meta(path: Path, doc_id: str) -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, title=path.stem, short_title=path.stem, file=path.name)


def texts(rows: list[tuple[int, str]]) -> list[str]:
    return [text for _, text in rows]


def load_error(path: Path, doc_id: str = "doc") -> DocumentError:
    with pytest.raises(DocumentError) as info:
        load_document(path, meta(path, doc_id))
    return info.value
