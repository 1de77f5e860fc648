"""Readable answer sentences: pure functions that decide what of a chunk may be quoted.

Every function returns verbatim substrings of its input (so a quoted sentence is still found
in the cited passage); nothing is rewritten.

* Sentences are split at 。！？ but never inside brackets: 「（議会を除く。）、独立行政法人等…」
  is one sentence, not a fragment beginning with 「）、」.
* A sentence over :data:`MAX_SENTENCE_CHARS` is split at the list glyphs a flattened table or
  slide keeps between its cells (✓ ‒ – ➢ …); when that does not yield short pieces, it is not
  quoted at all. Long runs without any 、 or 。 are flattened table rows and are not quoted.
* A leading discourse conjunction (「そして、」「また、」: Sudachi part of speech 接続詞) and a
  leading anaphoric connective (「これらを踏まえ、」) are dropped: they point at text the
  reader does not see.
* A piece that starts inside a clause (with a closing bracket, a comma, a particle or an
  auxiliary) is a fragment and is not quoted.
* A piece in which list numbers (ⅰ. ii. ② 3）) follow the previous word with no break is a
  flattened list or table of headings (「③適正学習ⅰ. 適切なデータの学習ⅱ.人間の…3）公平性」), not
  a sentence: not quoted.
"""

from __future__ import annotations

import re

from guideqa.text import BRACKET_CLOSE, BRACKET_OPEN, LIST_NUMBERING, bracket_depth, nfkc
from ingest.tokenizer import thread_tokenizer

MAX_SENTENCE_CHARS = 250
# Flattened table rows: a long stretch with no Japanese comma is a run of cells, not prose.
# (Prose sentences in the guideline put a 、 at least every ~60 characters.)
TABLE_RUN_CHARS = 120
# Glyphs that separate cells or list items inside flattened slides and tables.
CELL_BREAKS = "✓‒–➢⚫•■□◆◇▪▶►"
_CELL_SPLIT = re.compile(f"(?=[{CELL_BREAKS}])")
# Anaphoric connectives: a demonstrative (こ/そ-series, or 以上/上記) + 踏まえ/受け + 、.
_ANAPHORIC = re.compile(
    r"^(?:(?:これら|これ|それら|それ|こうした[^、]{0,8}|そうした[^、]{0,8}|以上|上記)(?:を|の点を)?(?:踏まえ|受け)て?"
    r"|(?:その|この)(?:ため|上で|ように|際)|(?:上記|以上|これら|この)の観点から)、"
)

# A list number glued to the word before it (no space, comma, bracket or range sign between):
# in prose an enumeration is introduced by a break (「、②」「（ⅱ）」), so two glued numbers in one
# piece mean the cells of a list or table were joined when the PDF was flattened.
_GLUED_NUMBER = re.compile(
    rf"(?<=[^\s\d０-９、。，,（(「『・～〜:：\-/.A-Za-z{CELL_BREAKS}])"
    r"(?:[ⅰ-ⅹ]\.|[ivx]{1,4}\.(?=\s?[^\sa-z./])|[①-⑳]|[0-9０-９]{1,2}）)"
)
GLUED_NUMBERS = 2

# Parts of speech a sentence cannot start with (it would begin inside a clause).
_FRAGMENT_POS = {"助詞", "助動詞", "接尾辞"}
_FRAGMENT_START = set(BRACKET_CLOSE) | set("、，,.。・:：;；")


def strip_opener(sentence: str) -> str:
    """Drop a leading conjunction (「そして、」) or anaphoric connective (「これらを踏まえ、」)."""
    text = sentence
    for _ in range(2):  # 「そして、これらを踏まえ、…」
        m = _ANAPHORIC.match(text)
        if m:
            text = text[m.end() :]
            continue
        head = text[:12]
        if "、" not in head:
            break
        first = next(iter(thread_tokenizer().tokenize(head)), None)
        if first is None or first.part_of_speech()[0] != "接続詞":
            break
        rest = text[len(first.surface()) :]
        if not rest.startswith("、"):
            break
        text = rest[1:]
    return text.lstrip()


def is_fragment(sentence: str) -> bool:
    """True when the text starts inside a clause or leaves a bracket closed without opening it."""
    text = sentence.strip()
    if not text or text[0] in _FRAGMENT_START:
        return True
    depth = 0
    for ch in LIST_NUMBERING.sub("", text):
        depth += (ch in BRACKET_OPEN) - (ch in BRACKET_CLOSE)
        if depth < 0:
            return True
    first = next(iter(thread_tokenizer().tokenize(nfkc(text[:8]))), None)
    return first is not None and first.part_of_speech()[0] in _FRAGMENT_POS


def is_table_run(sentence: str) -> bool:
    """A flattened table row: a long stretch without 、 or 。 (cells glued together)."""
    return any(len(run) >= TABLE_RUN_CHARS for run in re.split(r"[、。，,]", sentence))


def is_glued_list(sentence: str) -> bool:
    """A flattened list of headings: at least two list numbers glued to the word before them."""
    glued = [
        m
        for m in _GLUED_NUMBER.finditer(sentence)
        # 「（データ1）」: a closing bracket, not a list number
        if not (m.group().endswith("）") and bracket_depth(sentence[: m.start()]) > 0)
    ]
    return len(glued) >= GLUED_NUMBERS


def split_cells(sentence: str) -> list[str]:
    """Pieces of a long sentence at cell/list glyphs, when every piece is short enough."""
    pieces = [p.lstrip(CELL_BREAKS + " ") for p in _CELL_SPLIT.split(sentence)]
    pieces = [p for p in pieces if len(p) >= 8]
    if len(pieces) < 2 or any(len(p) > MAX_SENTENCE_CHARS for p in pieces):
        return []
    return pieces


def readable(sentence: str) -> list[str]:
    """The quotable forms of one sentence: itself (opener dropped), its cells, or nothing."""
    pieces = split_cells(sentence) if len(sentence) > MAX_SENTENCE_CHARS else [sentence]
    out = []
    for piece in pieces:
        piece = strip_opener(piece)
        if len(piece) > MAX_SENTENCE_CHARS or is_table_run(piece) or is_glued_list(piece) or is_fragment(piece):
            continue
        out.append(piece)
    return out
