"""Document profiles: the knowledge specific to one kind of document, declared once as data.

A profile (``guideqa/profiles/<id>.yaml``) is referenced from a manifest entry
(``profile: ai_jigyosha_guideline``). It declares the roles a document defines and their parts,
its principles, item-code pattern, the headings its guided features start from, its topic
menu and the statement of its legal nature. Documents without a profile get the generic reader
and every generic feature; the role features (topics, checklists, role overviews) cover the
documents whose profile defines roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from guideqa.errors import CorpusError
from guideqa.models import DocumentMeta, DocumentProfile

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
GUIDELINE_PROFILE = "ai_jigyosha_guideline"  # the bundled guideline's profile
# Said by the role features when no document of the corpus defines roles.
NO_ROLE_DOCUMENTS = "役割（AI開発者・AI提供者・AI利用者）別の項目は、役割を定義している文書（AI事業者ガイドライン）だけが対象です。"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


@cache
def load_profile(profile_id: str) -> DocumentProfile:
    """The profile ``profile_id``; CorpusError (Japanese) when it does not exist or is invalid."""
    path = PROFILE_DIR / f"{profile_id}.yaml"
    if not profile_id or "/" in profile_id or not path.is_file():
        names = ", ".join(available_profiles())
        raise CorpusError(f"文書プロファイル「{profile_id}」がありません（使えるもの: {names}）。")
    try:
        return DocumentProfile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CorpusError(f"文書プロファイル「{profile_id}」の形式が正しくありません: {exc}") from exc


def retired(metas: Iterable[DocumentMeta], by: Iterable[DocumentMeta] | None = None) -> frozenset[str]:
    """Editions a newer document replaces: current documents (or updates) that a current
    document (or update) supersedes (``guideqa add --supersedes``); ``by``: the documents that
    may supersede (default: ``metas``). The ingest leaves them out of the index (the file and its
    manifest entry stay; removing the newer edition brings them back). A draft retires nothing,
    and a superseded draft keeps its own status, searchable as a draft."""
    docs = list(metas)
    live = ("current", "update")
    status = {m.doc_id: m.status for m in docs}
    return frozenset(
        old
        for m in (docs if by is None else by)
        if m.status in live
        for old in m.supersedes
        if old != m.doc_id and status.get(old) in live
    )


def profiled_documents(documents: Iterable[Mapping[str, Any]], profile_id: str = GUIDELINE_PROFILE) -> list[str]:
    """doc_ids of the index manifest's documents that use ``profile_id``, in manifest order."""
    return [str(d["doc_id"]) for d in documents if d.get("profile") == profile_id]
