"""Document profiles: the guideline's knowledge is data; documents without a profile get the generic features."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guideqa.errors import CorpusError
from guideqa.guideline import PRINCIPLES, PROFILE, ROLE_BY_PART
from guideqa.profiles import GUIDELINE_PROFILE, NO_ROLE_DOCUMENTS, load_profile, profiled_documents
from ingest.chunking import build_chunks
from ingest.corpus import load_manifest
from ingest.loaders import load_document
from retriever.catalog import checklist, topic_menu
from tests.municipal import write_municipal

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_the_guideline_profile_declares_roles_principles_and_soft_law():
    profile = load_profile(GUIDELINE_PROFILE)
    assert [(r.letter, r.part, r.annex) for r in profile.roles] == [("D", 3, 3), ("P", 4, 4), ("U", 5, 5)]
    assert len(profile.principles) == 10 and profile.principles[0] == "人間中心"
    assert "ソフトロー" in profile.soft_law_statement
    assert tuple(profile.principles) == PRINCIPLES and ROLE_BY_PART[5] == "user" and PROFILE is profile


def test_the_bundled_manifest_names_the_profile_and_the_index_records_it():
    metas = {m.doc_id: m for m in load_manifest(CORPUS)}
    assert metas["guideline"].profile == GUIDELINE_PROFILE
    docs = [{"doc_id": m.doc_id, "profile": m.profile} for m in metas.values()]
    assert profiled_documents(docs) == ["guideline"]


def test_an_unknown_profile_is_a_clear_error(tmp_path: Path):
    (tmp_path / "a.txt").write_text("本文です。", encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(
        yaml.safe_dump({"documents": [{"doc_id": "a", "title": "A", "file": "a.txt", "profile": "nope"}]}), encoding="utf-8"
    )
    with pytest.raises(CorpusError, match="文書プロファイル「nope」"):
        load_manifest(tmp_path)


def test_without_a_profiled_document_role_features_are_empty_and_say_why(tmp_path: Path):
    write_municipal(tmp_path)
    chunks = [c for m in load_manifest(tmp_path) for c in build_chunks(load_document(tmp_path / m.file, m))]
    documents = {c.doc_id: {"doc_id": c.doc_id, "profile": ""} for c in chunks}
    listing = checklist(chunks, "user", documents)
    assert listing.items == [] and listing.note == NO_ROLE_DOCUMENTS and "役割を定義している文書" in listing.note
    menu = topic_menu(chunks, documents)
    assert menu.note == NO_ROLE_DOCUMENTS
    assert all(not t.passages for r in menu.roles for t in r.topics if t.group != "theme")
