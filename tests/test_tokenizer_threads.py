"""Server memory under concurrency: every request thread tokenises, over one shared dictionary.

Regression test for the API server growing by ~80 MB per worker thread (one SudachiPy
system dictionary each; up to 40 threads) — found by bench/bench_load.py: 0.77 → 2.6 GB.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sudachipy

from ingest import tokenizer as tk


def test_threads_share_one_sudachi_dictionary(monkeypatch: pytest.MonkeyPatch):
    made: list[object] = []
    real = sudachipy.Dictionary

    def counting(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(sudachipy, "Dictionary", counting)
    monkeypatch.setattr(tk, "_dictionary", None)
    tok = tk.SudachiTokenizer()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: tok.tokenize("AI利用者は個人情報の適正な取扱いに注意する"), range(64)))
    assert len(made) == 1
    assert all(r == results[0] for r in results) and "個人情報" in results[0]
