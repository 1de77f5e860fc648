"""The corpus manifest (corpus/manifest.yaml): which documents, with what metadata."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from guideqa.errors import CorpusError
from guideqa.models import DocumentMeta
from ingest.loaders import iter_corpus_files

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")


def manifest_path(corpus_dir: Path) -> Path | None:
    for name in MANIFEST_NAMES:
        if (corpus_dir / name).exists():
            return corpus_dir / name
    return None


def load_manifest(corpus_dir: Path) -> list[DocumentMeta]:
    """Documents of the corpus: manifest entries, plus files the manifest does not list.

    A file added without a manifest entry (e.g. an official PDF dropped into ``corpus/``)
    is still ingested, with its file name as title and ``status: current``.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"コーパスのフォルダがありません（{corpus_dir}）")
    metas: list[DocumentMeta] = []
    path = manifest_path(corpus_dir)
    if path is not None:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            metas = [DocumentMeta(**entry) for entry in raw.get("documents", [])]
        except (yaml.YAMLError, ValidationError, TypeError, AttributeError) as exc:
            raise CorpusError(f"マニフェストの形式が正しくありません（{path.name}）: {exc}") from exc
    listed = {m.file for m in metas}
    for file in iter_corpus_files(corpus_dir):
        if file.name not in listed:
            doc_id = re.sub(r"[^A-Za-z0-9_-]+", "_", file.stem).strip("_") or "doc"
            metas.append(DocumentMeta(doc_id=doc_id, title=file.stem, short_title=file.stem, file=file.name))
            log.info("%s is not in the manifest; ingesting with default metadata", file.name)
    ids = [m.doc_id for m in metas]
    if len(ids) != len(set(ids)):
        raise CorpusError("マニフェストに重複した doc_id があります")
    return metas
