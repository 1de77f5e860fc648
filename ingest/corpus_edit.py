"""Adding and removing documents: ``guideqa add`` / ``guideqa remove``.

Adding validates the file first (readable, has text, yields chunks), then copies it into the
corpus, appends its manifest entry and runs the ingest (embeddings of unchanged chunks come
from the cache, so only the new document is embedded). Any failure puts the corpus back as
it was; the index is published atomically, so the previous index keeps serving throughout.
Edits are serialised by a lock file in the corpus folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from guideqa.config import Settings
from guideqa.errors import CorpusError, DocumentError
from guideqa.models import Chunk, DocumentMeta, LoadedDocument, Status
from guideqa.profiles import load_profile
from guideqa.text import DOCUMENT_KIND_RE, nfkc
from ingest.admin_structure import running_furniture
from ingest.chunking import build_chunks
from ingest.corpus import DOC_ID_RE, auto_doc_id, load_manifest, manifest_path
from ingest.loaders import SHEET_SUFFIXES, SUPPORTED_SUFFIXES, load_document, unsupported
from ingest.pipeline import IngestReport, run_ingest

log = logging.getLogger(__name__)

LOCK_NAME = ".guideqa.lock"
REMOVED_DIR = ".removed"  # removed files are kept here (hidden: never ingested)
MANIFEST_HEADER = "# Corpus manifest: one entry per source document (written by `guideqa add`).\ndocuments:\n"
MAX_TITLE = 60


@contextlib.contextmanager
def corpus_lock(corpus_dir: Path) -> Iterator[None]:
    with (corpus_dir / LOCK_NAME).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_DATE_LINE_RE = re.compile(r"^(?:令和|平成|昭和)?\s*[\d元]+\s*年(?:\s*\d+\s*月(?:\s*\d+\s*日)?)?")
_MARKUP_RE = re.compile(r"^#{1,6}\s+|\*\*|__")
# The headings a document's body opens with (「はじめに」「別添.はじめに」「目次」): not its title.
_SECTION_HEADING_RE = re.compile(r"^(?:別添\s*[.．]?\s*)?(?:はじめに|目\s*次|序文|まえがき)$")


def _names_an_organisation(line: str) -> bool:
    """A line that may be the issuer standing above the title: no document kind, no date, no
    bracket, no number or table of contents (「さくら県教育委員会」, not 「（案）」 or 「令和7年4月1日」)."""
    return not (
        DOCUMENT_KIND_RE.search(line)
        or _DATE_LINE_RE.match(line)
        or line[:1] in "（([「【〔<＜0123456789０１２３４５６７８９"
        or line.replace(" ", "") in ("目次", "目 次")
    )


_TOP_HEADING_RE = re.compile(r"#\s+(\S.*)")
_SLIDE_LABEL_RE = re.compile(r"スライド\s*\d+")
# A name ending as an organisation's does (「さくら市」「株式会社ひかり製作所」「情報政策課」).
_ORGANISATION_RE = re.compile(r"(?:市|町|村|区|県|都|府|庁|省|会社|製作所|法人|協会|組合|委員会|学園|学校|大学|病院|医院|事務所|センター|機構|本部|課|部|局)$")


def detect_title(lines: list[str], fallback: str) -> str:
    """The title of a document from its first lines: the line naming a kind of document
    (ガイドライン, 手引き, ポリシー …), after the organisation's name when that stands alone on the
    line before it; otherwise the first line when it reads like a title (short, not a
    sentence). Markdown marks are dropped; ``fallback`` (the file name) when nothing fits. A first
    line marked as the top heading (Markdown's 「# 」, a web page's h1, a Word document's 表題) is the
    title its writer gave."""
    lines = [line for line in lines if not _SLIDE_LABEL_RE.match(line.strip())]  # a deck's 「スライド 1」
    first = next((line.strip() for line in lines if line.strip()), "")
    if (top := _TOP_HEADING_RE.match(first)) and len(top.group(1)) <= MAX_TITLE and "。" not in top.group(1):
        heading = re.sub(r"\s+", " ", top.group(1)).strip()
        # (An organisation's name, a date or a first section as the top heading is no title: see below.)
        if not _DATE_LINE_RE.match(heading) and not _ORGANISATION_RE.search(heading) and not _SECTION_HEADING_RE.match(heading):
            return heading
    block: list[str] = []
    for line in lines:
        text = re.sub(r"\s+", " ", _MARKUP_RE.sub("", line)).strip()
        if not text:
            continue
        if len(text) > MAX_TITLE or "。" in text:
            break
        block.append(text)
    if block and _SECTION_HEADING_RE.match(block[0]):
        block = []  # a part published on its own opens with its first section, not a title
    if not block:
        return fallback
    for i, text in enumerate(block):
        if DOCUMENT_KIND_RE.search(text):
            if i == 1 and _names_an_organisation(block[0]) and len(block[0] + text) < MAX_TITLE:
                return f"{block[0]} {text}"
            return text
    return fallback if _DATE_LINE_RE.match(block[0]) else block[0]


# A document read with a profile that defines roles must hold at least this many distinct
# items of each role: a policy quoting an item or two is not an edition of the guideline.
MIN_ITEMS_PER_ROLE = 3


def fits_profile(chunks: list[Chunk], profile_id: str) -> bool:
    """Do the chunks, read with ``profile_id``'s layout, hold the items of every role it defines
    (distinct item numbers: D-2) i. and D-2) ii. are one)?"""
    letters = [r.letter for r in load_profile(profile_id).roles]
    numbers = {code.split(")")[0] for c in chunks for code in c.item_codes}
    return all(sum(n.startswith(f"{letter}-") for n in numbers) >= MIN_ITEMS_PER_ROLE for letter in letters)


def edition_reading(loaded: LoadedDocument, older: list[DocumentMeta], settings: Settings) -> DocumentMeta | None:
    """A new edition of a document read with a profile (the guideline) is read the same way:
    the meta with the superseded document's layout, profile and aliases when the new text fits
    them (:func:`fits_profile`), else None (the generic reader)."""
    for old in older:
        if not old.profile or old.layout == "generic":
            continue
        meta = loaded.meta.model_copy(update={"layout": old.layout, "profile": old.profile,
                                              "aliases": list(dict.fromkeys([*loaded.meta.aliases, *old.aliases]))})  # fmt: skip
        chunks = build_chunks(loaded.model_copy(update={"meta": meta}), max_chars=settings.chunk_size, min_chars=settings.chunk_min)
        if fits_profile(chunks, old.profile):
            log.info("reading %s as a new edition of %s (layout %s)", meta.file, old.doc_id, old.layout)
            return meta
        log.info("%s does not fit the layout of %s: read as a generic document", meta.file, old.doc_id)
    return None


def edition_hint(loaded: LoadedDocument, metas: list[DocumentMeta], settings: Settings) -> DocumentMeta | None:
    """A current document read with a profile whose layout the new text fits (:func:`edition_reading`):
    the new document is probably its next edition, added without ``--supersedes``."""
    current = [m for m in metas if m.status == "current" and m.profile and m.layout != "generic"]
    for old in current:
        if edition_reading(loaded, [old], settings) is not None:
            return old
    return None


def document_title(doc: LoadedDocument, fallback: str, count: int = 5) -> str:
    """The title of a loaded document (:func:`detect_title` on its first lines). A PDF's running
    header (repeated at the top of its pages) may print above the title on page 1 as well, in a
    shorter form (「○○会 AI活用の留意事項」 over 「○○会」「介護職員のための AI活用の留意事項（第2版）」):
    when the two lines below it name a kind of document, they are the title. Otherwise (page 1
    opens with the title itself, repeated as the header of the other pages) the first lines are
    read as they are."""
    texts = [line.text for line in doc.lines[:count]]
    first = doc.lines[0] if doc.lines else None
    if first is not None and first.page == 1:
        key = re.sub(r"\s+", "", nfkc(first.text))
        below = [line.text for line in doc.lines[1:count] if line.text.strip()][:2]
        if key and key in running_furniture(doc) and below and re.sub(r"\s+", "", nfkc(below[0])) != key:
            title = detect_title(below, fallback)
            if title != fallback and DOCUMENT_KIND_RE.search(title):
                return title
    return detect_title(texts, fallback)


@dataclass
class _Staged:
    """One file checked and read, ready to be copied in and listed (:func:`add_documents`)."""

    source: Path
    target: Path
    in_place: bool
    meta: DocumentMeta
    hint: DocumentMeta | None


def add_document(settings: Settings, source: Path, **options: Any) -> tuple[DocumentMeta, IngestReport]:
    """Copy ``source`` into the corpus, list it in the manifest and re-index (``options``: those of
    :func:`add_documents`). See the module doc."""
    metas, report = add_documents(settings, [source], **options)
    return metas[0], report


def add_documents(
    settings: Settings,
    sources: list[Path],
    *,
    title: str | None = None,
    status: Status = "current",
    date: str = "",
    publisher: str = "",
    supersedes: list[str] | None = None,
    doc_id: str | None = None,
) -> tuple[list[DocumentMeta], IngestReport]:
    """Add several files with one re-index (a city's rules and their 別紙 at once): each is checked
    as one file is, all before anything changes, and either all are added or none. ``title``,
    ``doc_id`` and ``supersedes`` name one document's, so they go with one file only; ``status``,
    ``date`` and ``publisher`` apply to every file."""
    if not sources:
        raise CorpusError("追加するファイルを指定してください。")
    if len(sources) > 1 and (title or doc_id or supersedes):
        raise CorpusError("--title、--doc-id、--supersedes は、ファイルを1つだけ追加するときに指定できます。")
    names = [Path(s).name for s in sources]
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise CorpusError(f"{twice}: 同じ名前のファイルが2回指定されています。")
    for source in map(Path, sources):  # before anything is created
        _check_name(source)
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    with corpus_lock(corpus):
        metas = load_manifest(corpus)
        staged: list[_Staged] = []
        for source in sources:
            staged.append(_stage(settings, Path(source), metas, [s.meta for s in staged], title=title, status=status,
                                 date=date, publisher=publisher, supersedes=supersedes or [], doc_id=doc_id))  # fmt: skip
        undo = _Undo(corpus)
        try:
            undo.save_manifest()
            for s in staged:
                if not s.in_place:
                    if not s.target.exists():
                        undo.created(s.target)
                    tmp = corpus / f".{s.source.name}.adding"
                    shutil.copyfile(s.source, tmp)
                    os.replace(tmp, s.target)
                _append_entry(corpus, _entry(s.meta))
            report = run_ingest(settings)
        except BaseException:
            undo.rollback()
            raise
    for s in staged:
        if s.hint is not None:
            report.notes.append(
                f"この文書は「{s.hint.title}」（{s.hint.doc_id}）と同じ構成（役割ごとの項目）を持っています。"
                f"新しい版であれば、`guideqa remove {s.meta.doc_id}` の後に `guideqa add {s.source.name} --supersedes {s.hint.doc_id}` "
                "で追加し直してください。古い版が検索の対象外になり、新しい版がガイドラインとして読まれます"
            )
        log.info("added %s as %s", s.source.name, s.meta.doc_id)
    return [s.meta for s in staged], report


def _check_name(source: Path) -> None:
    """A file that exists, of a supported kind, under a name the corpus can hold."""
    if not source.is_file():
        raise DocumentError(str(source), "ファイルが見つかりません")
    if source.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise unsupported(source)
    if source.name.startswith(".") or source.stem.lower() == "manifest" or source.name.lower() == "readme.md":
        raise DocumentError(str(source), "この名前のファイルは文書として取り込めません。名前を変えてください")


def _stage(
    settings: Settings,
    source: Path,
    metas: list[DocumentMeta],
    staged: list[DocumentMeta],
    *,
    title: str | None,
    status: Status,
    date: str,
    publisher: str,
    supersedes: list[str],
    doc_id: str | None,
) -> _Staged:
    """Check and read one file to add beside the corpus's ``metas`` and the files ``staged`` before
    it in the same call (its name already passed :func:`_check_name`); nothing is written.
    DocumentError / CorpusError say what is wrong."""
    corpus = settings.corpus_dir
    target = corpus / source.name
    listed = {m.file: m for m in metas if _is_listed(corpus, m)}
    in_place = target.exists() and target.resolve() == source.resolve()
    if source.name in listed:
        raise CorpusError(
            f"{source.name}: 同じ名前の文書が既にマニフェストにあります（doc_id: {listed[source.name].doc_id}）。"
            "ファイル名を変えるか、`guideqa remove` で古い方を外してから追加してください。"
        )
    if target.exists() and not in_place and target.read_bytes() != source.read_bytes():
        raise CorpusError(
            f"{source.name}: 同じ名前の別のファイルがコーパスに既にあります。ファイル名を変えてから追加してください。"
        )
    taken = {m.doc_id for m in metas if m.file != source.name} | {m.doc_id for m in staged}
    if doc_id is None:
        doc_id = auto_doc_id(source.name, taken)
    elif not DOC_ID_RE.match(doc_id) or doc_id in taken:
        raise CorpusError(f"doc_id「{doc_id}」は使えません（英数字と - _ のみ、既存の doc_id と重複しないこと）。")
    unknown = [s for s in supersedes if s not in taken]
    if unknown:
        raise CorpusError(f"--supersedes に指定した doc_id がコーパスにありません: {', '.join(unknown)}")
    meta = DocumentMeta(doc_id=doc_id, title=title or source.stem, file=source.name, status=status,
                        date=date, publisher=publisher, supersedes=list(supersedes))  # fmt: skip
    loaded = load_document(source, meta)  # DocumentError names the file and the cause
    if not build_chunks(loaded, max_chars=settings.chunk_size, min_chars=settings.chunk_min):
        raise DocumentError(str(source), "本文を取り出せませんでした（文書として読める文がありません）")
    older = [m for m in metas if m.doc_id in supersedes]
    if edition := edition_reading(loaded, older, settings):
        meta, loaded = edition, loaded.model_copy(update={"meta": edition})
    hint = None if supersedes or status != "current" else edition_hint(loaded, metas, settings)
    if not title:
        # A spreadsheet's first row is a header or a question, not a title: its file name is.
        fallback = source.stem.replace("_", " ")
        meta.title = fallback if source.suffix.lower() in SHEET_SUFFIXES else document_title(loaded, fallback)
    meta.short_title = meta.title
    return _Staged(source, target, in_place, meta, hint)


def remove_document(settings: Settings, doc_id: str) -> tuple[DocumentMeta, IngestReport]:
    """Take a document out of the manifest and the index; its file moves to corpus/.removed/."""
    corpus = settings.corpus_dir
    with corpus_lock(corpus):
        metas = load_manifest(corpus)
        meta = next((m for m in metas if m.doc_id == doc_id), None)
        if meta is None:
            known = ", ".join(m.doc_id for m in metas)
            raise CorpusError(f"doc_id「{doc_id}」の文書はコーパスにありません（あるもの: {known}）。")
        if len(metas) == 1:
            raise CorpusError("最後の1文書は外せません（インデックスが空になります）。")
        undo = _Undo(corpus)
        try:
            undo.save_manifest()
            if _is_listed(corpus, meta):
                _remove_entry(corpus, doc_id)
            for heir in (m for m in metas if doc_id in m.supersedes):
                # C supersedes B supersedes A: removing B hands A to C, so A stays replaced.
                _hand_over(corpus, heir.doc_id, doc_id, meta.supersedes)
            path = corpus / meta.file
            if path.exists():
                removed = corpus / REMOVED_DIR
                removed.mkdir(exist_ok=True)
                undo.moved(path, removed / meta.file)
                os.replace(path, removed / meta.file)
            report = run_ingest(settings)
        except BaseException:
            undo.rollback()
            raise
    log.info("removed %s (%s)", doc_id, meta.file)
    return meta, report


# --- manifest editing ---------------------------------------------------------------------
def _is_listed(corpus: Path, meta: DocumentMeta) -> bool:
    path = manifest_path(corpus)
    if path is None:
        return False
    return any(d.get("doc_id") == meta.doc_id for d in _documents(path))


def _documents(path: Path) -> list[dict[str, Any]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(raw.get("documents") or [])


def _entry(meta: DocumentMeta) -> dict[str, Any]:
    data = meta.model_dump(exclude_defaults=True)
    data.setdefault("status", meta.status)
    order = ["doc_id", "title", "short_title", "publisher", "date", "status", "file", "supersedes"]
    return {k: data[k] for k in order if k in data} | {k: v for k, v in data.items() if k not in order}


def _append_entry(corpus: Path, entry: dict[str, Any]) -> None:
    path = manifest_path(corpus)
    if path is None:
        path = corpus / "manifest.yaml"
        path.write_text(MANIFEST_HEADER, encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("documents", []).append(entry)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    before = _documents(path)
    indent = _item_indent(text)
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000)
    block = "".join(indent + line for line in block.splitlines(keepends=True))
    if not re.search(r"^documents:", text, re.MULTILINE):
        text = text.rstrip("\n") + "\n" + "documents:\n"
    elif re.search(r"^documents:\s*\[\s*\]\s*$", text, re.MULTILINE):
        text = re.sub(r"^documents:\s*\[\s*\]\s*$", "documents:", text, flags=re.MULTILINE)
    new = text.rstrip("\n") + "\n" + block
    _write_checked(path, new, before + [entry])


def _remove_entry(corpus: Path, doc_id: str) -> None:
    path = manifest_path(corpus)
    assert path is not None
    before = _documents(path)
    expected = [d for d in before if d.get("doc_id") != doc_id]
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        data["documents"] = expected
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    indent = _item_indent(text)
    starts = [i for i, line in enumerate(lines) if line.startswith(indent + "- ")]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = yaml.safe_load("".join(line[len(indent) :] for line in lines[start:end]))
        if isinstance(block, list) and block and isinstance(block[0], dict) and block[0].get("doc_id") == doc_id:
            _write_checked(path, "".join(lines[:start] + lines[end:]), expected)
            return
    # An unusual layout (flow style, anchors …): rewrite it whole, keeping the header comments.
    header = "".join(line for line in lines if line.startswith("#"))
    dumped = yaml.safe_dump({"documents": expected}, allow_unicode=True, sort_keys=False, width=1000)
    _write_checked(path, header + dumped, expected)


def _hand_over(corpus: Path, heir: str, removed: str, older: list[str]) -> None:
    """In ``heir``'s entry, replace ``removed`` in its supersedes by what ``removed`` superseded."""
    path = manifest_path(corpus)
    if path is None:
        return
    entry = next((d for d in _documents(path) if d.get("doc_id") == heir), None)
    if entry is None:
        return
    kept = [s for s in entry.get("supersedes") or [] if s != removed]
    entry = {**entry, "supersedes": kept + [s for s in older if s not in kept and s != heir]}
    _remove_entry(corpus, heir)
    _append_entry(corpus, entry)


def _item_indent(text: str) -> str:
    m = re.search(r"^documents:\s*\n(?:\s*#.*\n|\s*\n)*([ \t]*)- ", text, re.MULTILINE)
    return m.group(1) if m else "  "


def _write_checked(path: Path, text: str, expected: list[dict[str, Any]]) -> None:
    """Write the manifest atomically, only if it parses back to exactly ``expected``."""
    parsed = (yaml.safe_load(text) or {}).get("documents") or []
    if parsed != expected:
        raise CorpusError(f"マニフェスト（{path.name}）を安全に書き換えられませんでした。手で編集してください。")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _Undo:
    """Restores the manifest and the files touched when an add/remove fails."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.manifest: tuple[Path, str | None] | None = None
        self.new_files: list[Path] = []
        self.moves: list[tuple[Path, Path]] = []

    def save_manifest(self) -> None:
        path = manifest_path(self.corpus) or self.corpus / "manifest.yaml"
        self.manifest = (path, path.read_text(encoding="utf-8") if path.exists() else None)

    def created(self, path: Path) -> None:
        self.new_files.append(path)

    def moved(self, src: Path, dst: Path) -> None:
        self.moves.append((src, dst))

    def rollback(self) -> None:
        for path in self.new_files:
            path.unlink(missing_ok=True)
        for src, dst in reversed(self.moves):
            if dst.exists():
                os.replace(dst, src)
        if self.manifest is not None:
            path, text = self.manifest
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        log.warning("corpus change rolled back")
