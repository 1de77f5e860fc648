"""Text helpers for reading PDF extractions: joining broken lines, display form, item codes.

The generic helpers (NFKC, match keys, sentence splitting, circled numbers, n-grams) live in
:mod:`guideqa.text` (the names imported from there are re-exported for older imports).
"""

from __future__ import annotations

import re

from guideqa.text import CIRCLED, match_key, nfkc, split_sentences

__all__ = ["canonical_item_code", "join_fragments", "join_soft_breaks", "match_key", "nfkc", "normalize_line", "ocr_repaired", "split_sentences", "tidy"]

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


# A piece that ends inside a clause: on a particle or an inflection (hiragana) or a comma.
_OPEN_END = re.compile(r"[\u3041-\u3096、，,]$")


def join_soft_breaks(pieces: list[str]) -> list[str]:
    """The lines of one paragraph broken by hand (Word's Shift+Enter, a web page's <br>): a piece
    that ends inside a clause (「…生成AIに」「…のため、」) goes on in the next; one that ends a
    sentence or a unit (「。」, a name, a number: 「デジタル推進課」「電話：0123-45-6789」) stays a line."""
    out: list[str] = []
    for piece in pieces:
        if out and _OPEN_END.search(out[-1]):
            out[-1] = join_fragments(out[-1], piece)
        else:
            out.append(piece)
    return out


def tidy(text: str) -> str:
    """Readable display form: collapse runs of spaces, drop spaces between Japanese characters."""
    text = text.replace("\u3000", " ")
    text = _WS_RE.sub(" ", text).strip()
    # Remove a space that sits between two non-ASCII characters (PDF artefact "AI 提供者").
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])|(?<=[A-Za-z0-9]) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=[A-Za-z0-9])", "", text)


# Misreadings OCR makes of Japanese print, each fixed only where the read form cannot be meant: a
# kanji 口 inside a katakana word (「プ口ンプト」; not 口コミ), a katakana カ right after a kanji and
# before no katakana (「入カ」「協カする」; not a counter: 「三カ月」「数カ所」「何カ国」「3カ所」, not 「新カード」),
# 「Al」 or 「A I」 standing for AI beside Japanese (「生成Al」「生成A I利用」; not 「区分A の」), and a letter O
# among the digits of an article's, paragraph's or item's number (「第1O条」).
_KATA = "\u30a1-\u30fa\u30fc"
_JAPANESE = "\u3040-\u30ff\u4e00-\u9fff"
_NUMERAL_KANJI = "一二三四五六七八九十百千万数何各両幾"
_OCR_REPAIRS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"(?<=[{_KATA}])口(?=[{_KATA}])(?!コミ)"), "ロ"),
    (re.compile(rf"(?<=[\u4e00-\u9fff])(?<![{_NUMERAL_KANJI}])カ(?![{_KATA}月所国年回条])"), "力"),
    (re.compile(rf"(?<=[{_JAPANESE}])A(?:l| I)(?![A-Za-z])|(?<![A-Za-z])A(?:l| I)(?=[{_JAPANESE}])"), "AI"),
)
_NUMBERED_UNIT = re.compile(r"第([0-9０-９OoＯ]{2,4})([条項号])")
_LETTER_O = str.maketrans("OoＯ", "000")


def _unit_number(m: re.Match[str]) -> str:
    digits = m.group(1)
    return f"第{digits.translate(_LETTER_O)}{m.group(2)}" if any(c.isdigit() for c in digits) else m.group(0)


def ocr_repaired(text: str) -> str:
    """``text`` with OCR's misreadings of Japanese print fixed (see :data:`_OCR_REPAIRS`)."""
    for pattern, repl in _OCR_REPAIRS:
        text = pattern.sub(repl, text)
    return _NUMBERED_UNIT.sub(_unit_number, text)


def canonical_item_code(letter: str, number: str, roman: str) -> str:
    """``U``, ``4``, ``ⅰ`` -> ``U-4) i.`` (ASCII form used everywhere in the API)."""
    return f"{letter.upper()}-{int(number)}) {nfkc(roman).lower()}."


def normalize_line(text: str) -> str:
    """NFKC for structure matching, but keep circled numbers (①) that mark sub-headings."""
    if not any(c in CIRCLED for c in text):
        return nfkc(text)
    return "".join(c if c in CIRCLED else nfkc(c) for c in text)
