"""Test helper, run as a child process: ``python -m tests.ingest_child STAGE MARKER <guideqa args>``.

Runs the real ``guideqa`` CLI with the deterministic fake embedder, and at STAGE ("embedding":
inside the embedding call; "writing": after the build directory is written, before it is
published) writes MARKER and sleeps, so that the parent test can SIGKILL it mid-ingest.
No production code carries a test hook for this.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import ingest.pipeline as pipeline
from ingest import index_store
from tests.fakes import FakeEmbedder

PAUSE_SECONDS = 120


def main(argv: list[str]) -> None:
    stage, marker, args = argv[0], Path(argv[1]), argv[2:]

    def pause() -> None:
        marker.write_text(stage, encoding="utf-8")
        time.sleep(PAUSE_SECONDS)  # the parent kills us here

    class PausingEmbedder(FakeEmbedder):
        def embed_documents_np(self, texts: Sequence[str]) -> np.ndarray:
            if stage == "embedding":
                pause()
            return super().embed_documents_np(texts)

    pipeline.make_embedder = lambda *a, **k: PausingEmbedder()  # type: ignore[assignment]
    if stage == "writing":
        real_write = index_store.write_build

        def write_then_pause(build_dir: Path, *a: Any, **k: Any) -> None:
            real_write(build_dir, *a, **k)
            pause()

        index_store.write_build = write_then_pause  # type: ignore[assignment]

    from guideqa.cli import app

    app(args, prog_name="guideqa")


if __name__ == "__main__":
    main(sys.argv[1:])
