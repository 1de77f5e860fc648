"""The UI is a thin HTTP client: importing its modules loads none of the answering stack."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import ui

REPO = Path(__file__).resolve().parent.parent
HEAVY_PACKAGES = ("fastapi", "langchain", "faiss", "torch", "sudachipy", "api", "retriever", "ingest")

# Imports every ui module (ui.app draws the page against an API that is not there, as a bare script)
# and prints the top-level packages then loaded.
PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def ui_modules() -> list[str]:
    return sorted(f"ui.{m.name}" for m in pkgutil.iter_modules(ui.__path__))


def loaded_packages(modules: list[str]) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GUIDEQA_API_URL": "http://127.0.0.1:9"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def heavy(packages: set[str]) -> set[str]:
    return {p for p in packages if p in HEAVY_PACKAGES or p.startswith("langchain")}


def test_ui_modules_load_no_server_or_model_code():
    modules = ui_modules()
    assert {"ui.app", "ui.catalog_views", "ui.chat", "ui.client", "ui.components", "ui.render"} <= set(modules)
    packages = loaded_packages(modules)
    assert "streamlit" in packages and "guideqa" in packages  # the probe did import the UI
    assert heavy(packages) == set()


def test_the_probe_sees_heavy_imports():
    # The same probe on the API's module must report what the UI is kept free of.
    assert {"fastapi", "api", "retriever", "ingest"} <= heavy(loaded_packages(["api.app"]))
