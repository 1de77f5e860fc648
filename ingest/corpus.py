"""The corpus manifest (corpus/manifest.yaml): which documents, with what metadata."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from pathlib import Path

import yaml
from pydantic import ValidationError

from guideqa.errors import CorpusError
from guideqa.models import DocumentMeta
from guideqa.profiles import load_profile
from ingest.loaders import iter_corpus_files

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")
# doc_ids appear in chunk ids and URLs (/passages/{id}): ASCII letters, digits, "_" and "-".
DOC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
_ASCII_STEM_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_SLUG_MAX = 40


def name_hash(file_name: str) -> str:
    """Six hex digits that depend only on the file name (Unicode-normalised): stable ids."""
    return hashlib.sha1(unicodedata.normalize("NFC", file_name).encode("utf-8")).hexdigest()[:6]


def auto_doc_id(file_name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A unique, readable, stable doc_id for a file name in any script.

    * an ASCII stem is kept as it is (``report_2024.pdf`` -> ``report_2024``);
    * otherwise the ASCII words of the name are kept, lower-cased, and a short hash of the
      whole file name is added: 「○○市 生成AI利用ガイドライン.pdf」 -> ``ai-1a2b3c`` and
      「○○市 生成AI利用ガイドライン 別紙.txt」 -> ``ai-4d5e6f`` (``doc-…`` without ASCII words);
    * an id already taken gets the hash (and if need be a counter) appended.
    """
    stem = unicodedata.normalize("NFKC", Path(file_name).stem)
    digest = name_hash(file_name)
    if _ASCII_STEM_RE.match(stem):
        candidate = stem.strip("_-")[:_SLUG_MAX] or f"doc-{digest}"
    else:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()[:_SLUG_MAX].strip("-")
        candidate = f"{slug or 'doc'}-{digest}"
    if candidate in taken and not candidate.endswith(digest):
        candidate = f"{candidate}-{digest}"
    base, n = candidate, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


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
    ids = [m.doc_id for m in metas]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CorpusError(f"マニフェストに重複した doc_id があります（{', '.join(duplicates)}）。{path.name if path else ''} を直してください。")
    bad = [m.doc_id for m in metas if not DOC_ID_RE.match(m.doc_id)]
    if bad:
        raise CorpusError(
            f"doc_id に使えない文字があります（{', '.join(bad)}）。英数字と - _ だけを使ってください。"
        )
    for meta in metas:
        if meta.profile:
            load_profile(meta.profile)  # CorpusError naming the profile when it does not exist
    listed = {m.file for m in metas}
    taken = set(ids)
    for file in iter_corpus_files(corpus_dir):
        if file.name not in listed:
            doc_id = auto_doc_id(file.name, taken)
            taken.add(doc_id)
            metas.append(DocumentMeta(doc_id=doc_id, title=file.stem, short_title=file.stem, file=file.name))
            log.info("%s is not in the manifest; ingesting as %s with default metadata", file.name, doc_id)
    return metas
