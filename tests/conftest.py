"""Shared fixtures: a small corpus copy and an index built with the deterministic fake embedder.

Under ``CI=true`` a skipped test fails the run (tests/ci_skips.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guideqa.config import Settings
from tests.fakes import FakeEmbedder

pytest_plugins = ["tests.ci_skips"]

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SMALL_DOCS = ("ai_network_kongo_no_torikumi.txt", "ai_jigyosha_guideline_draft_2023.txt")


def make_small_corpus(target: Path) -> Path:
    """Two real documents with their manifest entries."""
    import yaml

    target.mkdir(parents=True, exist_ok=True)
    manifest = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
    docs = [d for d in manifest["documents"] if d["file"] in SMALL_DOCS]
    for d in docs:
        shutil.copy(CORPUS / d["file"], target / d["file"])
    (target / "manifest.yaml").write_text(yaml.safe_dump({"documents": docs}, allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus indexed once per session with the default embedder (shipped vectors: seconds)."""
    from ingest.pipeline import run_ingest

    settings = Settings(index_dir=tmp_path_factory.mktemp("index"))
    report = run_ingest(settings)
    assert report.documents == 5
    return settings


@pytest.fixture(scope="session")
def real_index_dir(real_settings: Settings) -> Path:
    return real_settings.index_dir


@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    corpus = make_small_corpus(tmp_path / "corpus")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="fake", shipped_vectors=tmp_path / "ship")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()
