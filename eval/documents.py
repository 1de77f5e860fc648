"""Bring-your-own-documents probe: a copy of the corpus gains unseen documents, then questions
about them are asked, all through the product's own commands.

``eval/documents/`` holds three fictional documents in the styles organisations use (a town's
guideline with numbered headings and a Q&A, a company policy in Markdown with a table, a board of
education's handbook with 第N章 / 1. / (1)), written blind on 2026-12-02 by a writer who saw
neither the corpus nor the system, and ``questions.jsonl``: per document ten questions a member
of staff would ask (the heading and an exact span that answer them) and three it does not answer,
split by question into dev and test; then, written later by the same blind writer without seeing
the first questions, eight more and two unanswerable per document, mostly asking a figure the
document states (a deadline, a period, a count, a contact), all in dev.

``python -m eval.documents [--split dev|test|all]`` copies ``corpus/`` and ``index/`` into a
temporary folder, runs ``guideqa add`` for each document and ``guideqa batch`` for the questions
(subprocesses: exactly what a user runs), and reports hit@1 / hit@5 (a passage containing the
span), false refusals, and refusals of the unanswerable questions. With ``--as-pdf`` each
document is first rendered to the PDF an office would print from it (``eval.render_pdf``: A4,
wrapped lines, running header, page numbers) and the PDF is added instead; the questions and the
scoring are the same.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eval.render_pdf import document_title, render_pdf
from guideqa.config import REPO_ROOT
from guideqa.text import match_key
from ingest.vector_cache import VectorStore

log = logging.getLogger(__name__)

DOCUMENTS_DIR = Path(__file__).parent / "documents"
# The default embedder's vectors for these documents' chunks and sentences, as text and as PDF
# (`python -m eval.documents --ship-vectors`): a run copies them into its index's cache, so only
# passages whose text changed since are embedded. Vectors are looked up by content hash and
# embedder id, so a stale or foreign store changes the time of a run, never its answers.
VECTORS_DIR = DOCUMENTS_DIR / "vectors"
SUFFIXES = (".txt", ".md", ".csv", ".pdf", ".docx", ".xlsx", ".xls", ".pptx", ".odt", ".ods", ".rtf", ".html", ".mhtml", ".eml")
# Files added as saved, never printed to PDF: a spreadsheet, an office file, a web page.
AS_SAVED = (".pdf", ".csv", ".docx", ".xlsx", ".xls", ".pptx", ".odt", ".ods", ".rtf", ".html", ".mhtml", ".eml")


@dataclass
class Scores:
    answerable: int = 0
    hit1: int = 0
    hit5: int = 0
    rr: float = 0.0
    false_refusals: int = 0
    # The answer quotes the gold span (in any sentence; in its first sentence): what the reader sees.
    quoted: int = 0
    led: int = 0
    unanswerable: int = 0
    refused: int = 0
    misses: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        n, u = max(self.answerable, 1), max(self.unanswerable, 1)
        return {
            "answerable": self.answerable,
            "hit@1": round(self.hit1 / n, 3),
            "hit@5": round(self.hit5 / n, 3),
            "mrr": round(self.rr / n, 3),
            "false_refusal": round(self.false_refusals / n, 3),
            "quoted": round(self.quoted / n, 3),
            "led": round(self.led / n, 3),
            "unanswerable": self.unanswerable,
            "refusal": round(self.refused / u, 3),
        }


def _key(text: str) -> str:
    # The writer copied two spans with their Markdown bold marks and two table rows with their
    # cell bars (「見積書… | 要承認 | …」); the index keeps the words only, and a PDF shows a
    # table without bars.
    return match_key(text).replace("**", "").replace("|", "")


def score(questions: list[dict], records: list[dict]) -> Scores:
    """Scores of batch ``records`` (same order as ``questions``)."""
    out = Scores()
    for q, r in zip(questions, records, strict=True):
        passages = r.get("passages") or []
        if not q["answerable"]:
            out.unanswerable += 1
            out.refused += bool(r.get("refused"))
            if not r.get("refused"):
                out.misses.append(f"answered (unanswerable) {q['id']}: {q['question']}")
            continue
        out.answerable += 1
        span = _key(q["span"])
        rank = next((i + 1 for i, p in enumerate(passages) if span in _key(p["text"])), None)
        out.hit1 += rank == 1
        out.hit5 += bool(rank and rank <= 5)
        said = [_key(s["text"]) for s in r.get("sentences") or []] if not r.get("refused") else []
        holds = [bool(t) and (span in t or (len(t) >= 15 and t in span)) for t in said]
        out.quoted += any(holds)
        out.led += bool(holds and holds[0])
        out.rr += 1 / rank if rank else 0.0
        out.false_refusals += bool(r.get("refused"))
        if rank != 1 or r.get("refused"):
            out.misses.append(f"rank {rank} refused {bool(r.get('refused'))} {q['id']}: {q['question']} (want {q['section']})")
    return out


def _batch_line(q: dict) -> dict:
    """The `guideqa batch` input line of a question (a follow-up carries its earlier questions)."""
    line = {"id": q["id"], "question": q["question"]}
    if q.get("history"):
        line["history"] = q["history"]
    return line


def _cli(args: list[str], threads: int = 0) -> subprocess.CompletedProcess[str]:
    """`guideqa ARGS` in a child process; ``threads``: its embedding threads (0: the library's default)."""
    cmd = [sys.executable, "-m", "guideqa.cli", *args]
    env = {**os.environ, "GUIDEQA_EMBED_THREADS": str(threads)} if threads else None
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done


def run(
    split: str = "all",
    documents_dir: Path = DOCUMENTS_DIR,
    ids: str = "",
    alone: bool = False,
    index_dir: Path | None = None,
    as_pdf: bool = False,
) -> Scores:
    """Scores of the questions of ``split`` whose id starts with ``ids``. All six documents are
    added together, so each question is asked beside the other organisations' rules; with
    ``alone``, each document is added by itself (one organisation's deployment) and asked its
    own questions. ``index_dir``: the built index of the bundled corpus to start from (default:
    the repository's). ``as_pdf``: add each document as the PDF rendered from it."""
    questions, records = answers(split, documents_dir, ids, alone, index_dir, as_pdf)
    return score(questions, records)


def answers(
    split: str = "all",
    documents_dir: Path = DOCUMENTS_DIR,
    ids: str = "",
    alone: bool = False,
    index_dir: Path | None = None,
    as_pdf: bool = False,
) -> tuple[list[dict], list[dict]]:
    """The questions (see :func:`run`) and the `guideqa batch` record of each, in the same order."""
    questions = [json.loads(line) for line in (documents_dir / "questions.jsonl").read_text("utf-8").splitlines() if line.strip()]
    if split != "all":
        questions = [q for q in questions if q["split"] == split]
    questions = [q for q in questions if q["id"].startswith(ids)]
    documents = sorted(p for p in documents_dir.iterdir() if p.suffix in SUFFIXES)
    index = index_dir or REPO_ROOT / "index"
    with tempfile.TemporaryDirectory(prefix="guideqa-pdfs-") as pdf_dir:
        added = as_pdfs(documents, Path(pdf_dir)) if as_pdf else documents
        if not alone:
            return questions, _ask(added, questions, index)
        runs = [(source, own) for doc, source in zip(documents, added, strict=True)
                if (own := [q for q in questions if q["doc"] == doc.name])]  # fmt: skip
        # One deployment per document, each its own `guideqa add` and `batch` processes.
        # Side by side, each with one embedding thread (more would contend for the same cores).
        workers = max(1, min(len(runs), len(os.sched_getaffinity(0))))  # the cores this process may use
        threads = 1 if workers > 1 else 0
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            records = list(pool.map(lambda run: _ask([run[0]], run[1], index, threads), runs))
        finally:  # a failed run stops the queued ones
            pool.shutdown(cancel_futures=True)
        return [q for _, own in runs for q in own], [r for rs in records for r in rs]


def as_pdfs(documents: list[Path], folder: Path) -> list[Path]:
    """Each document rendered to ``folder/<same name>.pdf`` (the file a user would add); the
    running header is a Markdown document's 「# 」 title, else the file name's words."""
    out = []
    for doc in documents:
        if doc.suffix in AS_SAVED:  # a spreadsheet, an office file or a web page is added as saved
            out.append(doc)
            continue
        text = _decoded(doc)
        title = document_title(text, doc.stem.replace("_", " "))
        out.append(render_pdf(text, folder / f"{doc.stem}.pdf", title=title, markdown=doc.suffix == ".md"))
    return out


def document_text(path: Path) -> str:
    """A document's text as a reader sees it: a text file as it is, an office file or a web page as
    `guideqa add` reads it (:func:`ingest.loaders.load_document`)."""
    if path.suffix in (".txt", ".md", ".csv"):
        return _decoded(path)
    from guideqa.models import DocumentMeta
    from ingest.loaders import load_document

    meta = DocumentMeta(doc_id="probe", title=path.stem, short_title=path.stem, file=path.name)
    return "\n".join(line.text for line in load_document(path, meta).lines)


def _decoded(path: Path) -> str:
    """A text file's text in the encoding it was saved in (Shift_JIS, UTF-16: :mod:`ingest.encoding`)."""
    from ingest.encoding import decode_japanese

    text = decode_japanese(path.read_bytes())
    if text is None:
        raise ValueError(f"{path.name}: encoding not recognised")
    return text


def _ask(documents: list[Path], questions: list[dict], index_dir: Path, threads: int = 0) -> list[dict]:
    """`guideqa add` each document to a copy of the corpus, then `guideqa batch` the questions."""
    with tempfile.TemporaryDirectory(prefix="guideqa-docs-") as tmp:
        work = Path(tmp)
        index = _add(documents, work, index_dir, threads)
        lines = work / "in.jsonl"
        lines.write_text("".join(json.dumps(_batch_line(q), ensure_ascii=False) + "\n" for q in questions), "utf-8")
        _cli(["batch", "--in", str(lines), "--out", str(work / "out.jsonl"), "--k", "10", "--index-dir", str(index)], threads)
        return [json.loads(line) for line in (work / "out.jsonl").read_text("utf-8").splitlines() if line.strip()]


def _add(documents: list[Path], work: Path, index_dir: Path, threads: int = 0) -> Path:
    """Copies of the corpus and of ``index_dir`` under ``work`` with the documents added by one
    `guideqa add` (one re-index); returns the index copy. The index's cache is seeded from
    :data:`VECTORS_DIR` first (an ingest keeps only the vectors of the chunks it indexed)."""
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    shutil.copytree(index_dir, index, symlinks=True)
    for meta in sorted(VECTORS_DIR.glob("*.json")):
        hashes, vectors = _rows(_store(VECTORS_DIR, meta))
        if hashes:
            cache = _store(index / "cache", meta)
            cache.put_many(hashes, vectors)
            cache.save()
    _cli(["add", *map(str, documents), "--corpus-dir", str(corpus), "--index-dir", str(index)], threads)
    return index


def _rows(store: VectorStore) -> tuple[list[str], np.ndarray]:
    """The store's hashes and its vectors stacked in the same order."""
    held = store.vectors
    return list(held), np.stack(list(held.values())) if held else np.zeros((0, store.dimension), np.float32)


def _store(directory: Path, meta_path: Path) -> VectorStore:
    meta = json.loads(meta_path.read_text("utf-8"))
    return VectorStore(directory, meta["embedder_id"], int(meta["dimension"]), meta.get("kind", "chunks")).load()


def ship_vectors(index_dir: Path | None = None) -> dict[str, int]:
    """Rewrite :data:`VECTORS_DIR`: every document added as text and as PDF to a copy of the
    index; the vectors its cache gained beyond the bundled corpus's are kept. Returns the count
    per kind."""
    index_dir = index_dir or REPO_ROOT / "index"
    documents = sorted(p for p in DOCUMENTS_DIR.iterdir() if p.suffix in SUFFIXES)
    kept: dict[str, VectorStore] = {}
    with tempfile.TemporaryDirectory(prefix="guideqa-vectors-") as tmp:
        for mode in ("text", "pdf"):
            work = Path(tmp) / mode
            work.mkdir()
            added = as_pdfs(documents, work) if mode == "pdf" else documents
            index = _add(added, work, index_dir)
            for meta_path in sorted((index / "cache").glob("*.json")):
                base, grown = _store(index_dir / "cache", meta_path), _store(index / "cache", meta_path)
                hashes, vectors = _rows(grown)
                new = [k for k, h in enumerate(hashes) if base.get(h) is None]
                store = kept.setdefault(meta_path.name, VectorStore(VECTORS_DIR, grown.embedder_id, grown.dimension, grown.kind))
                store.put_many([hashes[k] for k in new], vectors[new])
    shutil.rmtree(VECTORS_DIR, ignore_errors=True)
    for store in kept.values():
        store.save()
    return {store.kind: len(store) for store in kept.values()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="list the questions not answered from rank 1")
    parser.add_argument("--alone", action="store_true", help="add each document by itself (one organisation's deployment)")
    parser.add_argument("--ids", default="", help="only the questions whose id starts with this (doc-: first set, d6-: second)")
    parser.add_argument("--as-pdf", action="store_true", help="add each document as the office PDF rendered from it")
    parser.add_argument("--ship-vectors", action="store_true", help=f"rewrite {VECTORS_DIR.name}/ (the documents' vectors) and stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.ship_vectors:
        log.info("vectors shipped: %s", ship_vectors())
        return
    scores = run(args.split, ids=args.ids, alone=args.alone, as_pdf=args.as_pdf)
    if args.misses:
        for line in scores.misses:
            log.info(line)
    where = f"{args.split}{' ' + args.ids if args.ids else ''}{' alone' if args.alone else ''}{' pdf' if args.as_pdf else ''}"
    log.info("%s: %s", where, json.dumps(scores.summary(), ensure_ascii=False))


if __name__ == "__main__":
    main()
