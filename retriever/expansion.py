"""Query expansion: everyday words -> the guideline's vocabulary, for the lexical side."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from guideqa.text import nfkc

SYNONYMS_PATH = Path(__file__).with_name("synonyms.yaml")


@cache
def load_synonyms(path: Path = SYNONYMS_PATH) -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {nfkc(str(k)): tuple(str(v) for v in vals) for k, vals in raw.items()}


def expansions(question: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """Guideline terms implied by everyday words in the question (deduplicated, in order)."""
    text = nfkc(question)
    out: dict[str, None] = {}
    for key, terms in table.items():
        if key in text:
            for term in terms:
                if term not in text:
                    out[term] = None
    return list(out)
