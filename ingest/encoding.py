"""The encoding of a text file a Japanese office saves.

UTF-8 first (with or without its BOM), UTF-32 and UTF-16 by their BOM (Excel's 「Unicode テキスト」,
Notepad's 「Unicode」), then what a Japanese Windows or Unix program writes when nobody chose:
Shift_JIS in its Windows superset (cp932: メモ帳 before 2019, Excel's 「CSV（コンマ区切り）」, with ①,
㈱ and the NEC specials) and EUC-JP (older Unix and mail). Shift_JIS and EUC-JP overlap: EUC-JP's
bytes read as cp932 are half-width katakana and rare kanji without a single hiragana, and a Latin-1
file read as cp932 is rare kanji (「décembre」: 「d馗embre」). So a legacy decoding is trusted only
when it reads as Japanese — hiragana, or kana and kanji most of which are JIS level 1 (the common
kanji, first in cp932's order) — with no control or private-use characters; of those that do, the
one with the most hiragana, then common kanji, wins. Otherwise the caller reports the file.
"""

from __future__ import annotations

import codecs
import re

_LEGACY = ("cp932", "euc-jp")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16's: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30ff\uff66-\uff9f]")
_KANJI = re.compile(r"[\u4e00-\u9fff]")
_FOREIGN = re.compile(r"[\u0080-\u009f\ue000-\uf8ff]")  # C1 controls, private use: not a Japanese text
COMMON_KANJI_SHARE = 0.5


def _common(kanji: str) -> bool:
    """A JIS level 1 kanji (cp932 0x889F–0x9872)."""
    try:
        code = kanji.encode("cp932")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0x889F <= int.from_bytes(code, "big") <= 0x9872


def _reads_as_japanese(text: str) -> tuple[int, int] | None:
    """(hiragana, common kanji) of a plausible Japanese text, None when it is not one."""
    if _FOREIGN.search(text):
        return None
    hiragana = len(_HIRAGANA.findall(text))
    kanji = _KANJI.findall(text)
    common = sum(1 for k in kanji if _common(k))
    if hiragana or (
        (kanji or _KANA.search(text)) and (not kanji or common >= COMMON_KANJI_SHARE * len(kanji))
    ):
        return hiragana, common
    return None


def decode_japanese(data: bytes) -> str | None:
    """The text of ``data`` (module doc), without a BOM; ``None`` when no encoding reads it plausibly."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # A file that says its encoding is read in it; a broken byte (a truncated last
            # character) shows as U+FFFD rather than losing the file.
            return data[len(bom):].decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for rank, codec in enumerate(_LEGACY):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _reads_as_japanese(text)
        if score is not None:
            candidates.append((*score, -rank, text))
    return max(candidates)[3] if candidates else None
