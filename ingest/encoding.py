"""The encoding of a text file a Japanese office saves.

UTF-8 first (with or without its BOM), then what a Japanese Windows or Unix program writes when
nobody chose: Shift_JIS in its Windows superset (cp932: メモ帳 before 2019, Excel's 「CSV（コンマ区切り）」,
with ①, ㈱ and the NEC specials), EUC-JP (older Unix and mail), and UTF-16 with its BOM (Excel's
「Unicode テキスト」, Notepad's 「Unicode」). Shift_JIS and EUC-JP overlap: EUC-JP's bytes read as
cp932 are half-width katakana and kanji without a single hiragana, so of the decodings that succeed
the one with the most hiragana wins, and a legacy decoding with no kana at all is not trusted (a
Latin-1 file read as cp932 is kanji soup): the caller reports it as undecidable.
"""

from __future__ import annotations

import codecs
import re

_LEGACY = ("cp932", "euc-jp")
_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30ff]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")


def decode_japanese(data: bytes) -> str | None:
    """The text of ``data`` (module doc), without a BOM; ``None`` when no encoding reads it plausibly."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for codec in _LEGACY:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _KANA.search(text):
            candidates.append((len(_HIRAGANA.findall(text)), -_LEGACY.index(codec), text))
    return max(candidates)[2] if candidates else None
