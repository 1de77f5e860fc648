"""Text helpers for reading PDF extractions: joining broken lines, display form, item codes.

The generic helpers (NFKC, match keys, sentence splitting, circled numbers, n-grams) live in
:mod:`guideqa.text` (the names imported from there are re-exported for older imports).
"""

from __future__ import annotations

import re

from guideqa.text import CIRCLED, match_key, nfkc, split_sentences

__all__ = ["canonical_item_code", "join_fragments", "match_key", "nfkc", "normalize_line", "split_sentences", "tidy"]

_WS_RE = re.compile(r"\s+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def join_fragments(left: str, right: str) -> str:
    """Join two pieces of a sentence broken by the PDF extraction.

    Japanese is written without spaces, so pieces are joined directly; a single space is
    kept only between two ASCII words (``AI Safety`` / ``ISO 42001``).
    """
    left = left.rstrip()
    right = right.strip()
    if not left:
        return right
    if not right:
        return left
    if _ASCII_WORD.match(left[-1]) and _ASCII_WORD.match(right[0]):
        return f"{left} {right}"
    return left + right


def tidy(text: str) -> str:
    """Readable display form: collapse runs of spaces, drop spaces between Japanese characters."""
    text = text.replace("\u3000", " ")
    text = _WS_RE.sub(" ", text).strip()
    # Remove a space that sits between two non-ASCII characters (PDF artefact "AI 提供者").
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])|(?<=[A-Za-z0-9]) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=[A-Za-z0-9])", "", text)


def canonical_item_code(letter: str, number: str, roman: str) -> str:
    """``U``, ``4``, ``ⅰ`` -> ``U-4) i.`` (ASCII form used everywhere in the API)."""
    return f"{letter.upper()}-{int(number)}) {nfkc(roman).lower()}."


def normalize_line(text: str) -> str:
    """NFKC for structure matching, but keep circled numbers (①) that mark sub-headings."""
    if not any(c in CIRCLED for c in text):
        return nfkc(text)
    return "".join(c if c in CIRCLED else nfkc(c) for c in text)
