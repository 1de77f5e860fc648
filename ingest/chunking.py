"""Chunking: structured paragraphs -> chunks of about 200–600 characters.

Chunks never cross a unit (segment, section path, item code): an item such as
``U-4) i.`` is never mixed with its neighbour. Long paragraphs are split at sentence ends.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

from guideqa.guideline import ROLE_BY_LETTER, ROLE_LABELS
from guideqa.models import Chunk, LoadedDocument, Role
from guideqa.text import nfkc, split_sentences
from ingest.admin_structure import section_kind
from ingest.structure import Paragraph, parse_paragraphs


def _split_long(text: str, max_chars: int) -> list[str]:
    """Split one paragraph into pieces no longer than ``max_chars`` at sentence ends."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    cur = ""
    for sent in split_sentences(text):
        while len(sent) > max_chars:  # a single over-long sentence: cut at a comma or hard
            cut = sent.rfind("、", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 2 else max_chars
            if cur:
                pieces.append(cur)
                cur = ""
            pieces.append(sent[:cut])
            sent = sent[cut:]
        if cur and len(cur) + len(sent) > max_chars:
            pieces.append(cur)
            cur = ""
        cur += sent
    if cur:
        pieces.append(cur)
    return pieces


def pack(texts: Iterable[str], max_chars: int, min_chars: int) -> list[list[str]]:
    """Greedy packing of paragraph texts into groups of at most ``max_chars``.

    A trailing group shorter than ``min_chars`` joins the previous group when the result
    stays within 1.5 × ``max_chars``.
    """
    groups: list[list[str]] = []
    cur: list[str] = []
    size = 0
    for text in texts:
        for piece in _split_long(text, max_chars):
            if cur and size + len(piece) > max_chars:
                groups.append(cur)
                cur, size = [], 0
            cur.append(piece)
            size += len(piece)
    if cur:
        groups.append(cur)
    if len(groups) >= 2:
        last, prev = groups[-1], groups[-2]
        if sum(map(len, last)) < min_chars and sum(map(len, prev + last)) <= int(max_chars * 1.5):
            groups[-2:] = [prev + last]
    return groups


def _units(paragraphs: list[Paragraph]) -> Iterator[list[Paragraph]]:
    cur: list[Paragraph] = []
    for para in paragraphs:
        if cur and para.unit != cur[0].unit:
            yield cur
            cur = []
        cur.append(para)
    if cur:
        yield cur


# A heading labelled for one role (「④留意すべき事項の追加 (AI利用者)」「AI提供者向け」).
_LABELS = "|".join(ROLE_LABELS[r] for r in ROLE_BY_LETTER.values())
_ROLE_HEADING = re.compile(rf"[(（]({_LABELS})[)）]|({_LABELS})向け")


def _roles(unit: list[Paragraph], sections_have_roles: bool = True) -> list[Role]:
    first = unit[0]
    if first.segment == "overview" or (not sections_have_roles and first.roles == ("common",)):
        # Overview slides, and a document whose sections carry no role of their own (an update's
        # slides), are not the items themselves: roles follow the items they mention, or the
        # role their heading is labelled for.
        mentioned = {code[0] for p in unit for code in p.mentions}
        roles = [role for letter, role in ROLE_BY_LETTER.items() if letter in mentioned]
        if not roles and first.segment != "overview":
            labelled = {m[1] or m[2] for h in first.section_path for m in _ROLE_HEADING.finditer(nfkc(h))}
            roles = [r for r in ROLE_BY_LETTER.values() if ROLE_LABELS[r] in labelled]
        return roles or ["common"]
    return list(first.roles)


def chunk_id(doc_id: str, section: str, text: str, seen: dict[str, int]) -> str:
    digest = hashlib.sha1(f"{doc_id}\n{section}\n{text}".encode()).hexdigest()[:12]
    n = seen.get(digest, 0)
    seen[digest] = n + 1
    return f"{doc_id}-{digest}" + (f"-{n}" if n else "")


def build_chunks(
    doc: LoadedDocument, *, max_chars: int = 500, min_chars: int = 200
) -> list[Chunk]:
    """Chunk one loaded document. Deterministic: same text -> same chunks and ids."""
    paragraphs = parse_paragraphs(doc)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for unit in _units(paragraphs):
        if all(p.is_heading for p in unit):
            continue  # a heading with no body of its own carries no answer
        if doc.meta.layout == "generic":
            # The heading is the chunk's section path (shown with every citation and embedded
            # in front of the text): repeated in the text it would only count twice.
            unit = [p for p in unit if not p.is_heading]
        spans: list[tuple[str, Paragraph]] = []
        for para in unit:
            spans.extend((piece, para) for piece in _split_long(para.text, max_chars))
        groups = pack((t for t, _ in spans), max_chars, min_chars)
        pos = 0
        first = unit[0]
        for group in groups:
            owners = [para for _, para in spans[pos : pos + len(group)]]
            pos += len(group)
            text = "\n".join(group)
            section = " > ".join(first.section_path)
            chunks.append(
                Chunk(
                    id=chunk_id(doc.meta.doc_id, section, text, seen),
                    doc_id=doc.meta.doc_id,
                    segment=first.segment,
                    section_path=list(first.section_path),
                    item_codes=[first.item_code] if first.item_code else [],
                    roles=_roles(unit, doc.meta.layout == "guideline"),
                    page_start=owners[0].page_start,
                    page_end=owners[-1].page_end,
                    line_start=owners[0].line_start,
                    line_end=owners[-1].line_end,
                    text=text,
                    content_hash=hashlib.sha256(embedding_text_of(first.section_path, text).encode()).hexdigest(),
                    kind=section_kind(first.section_path) if doc.meta.layout == "generic" else "text",
                )
            )
    return chunks


def embedding_text_of(section_path: Iterable[str], text: str) -> str:
    """What gets embedded and indexed: the nearest headings give the chunk its context."""
    tail = [p for p in list(section_path)[-2:] if p]
    return ("／".join(tail) + "\n" + text) if tail else text


def embedding_text(chunk: Chunk) -> str:
    return embedding_text_of(chunk.section_path, chunk.text)


SENTENCE_MIN_CHARS = 8  # shorter pieces (labels such as 「[ポイント]」) carry no statement


def chunk_sentences(text: str, min_chars: int = SENTENCE_MIN_CHARS) -> list[str]:
    """The sentence units of a chunk, in order, for sentence-level vectors.

    A line of a chunk is a paragraph or a bullet (bullets often end without 。), so units
    are split at line breaks first, then at sentence ends. Whitespace inside a unit is
    collapsed; units shorter than ``min_chars`` are dropped.
    """
    out: list[str] = []
    for line in text.split("\n"):
        for sent in split_sentences(line):
            unit = " ".join(sent.split())
            if len(unit) >= min_chars:
                out.append(unit)
    return out


def sentence_rows(texts: Iterable[str]) -> list[tuple[int, str]]:
    """(chunk row, sentence unit) for every sentence unit of the chunk texts, in the order of
    the rows of the index's sentence matrix (its ``sentence_owners``)."""
    return [(i, unit) for i, text in enumerate(texts) for unit in chunk_sentences(text)]


def sentence_hash(sentence: str) -> str:
    """Cache key of a sentence vector (distinct from chunk hashes by a prefix)."""
    return hashlib.sha256(f"sentence\n{sentence}".encode()).hexdigest()
