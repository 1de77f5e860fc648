"""The ingest pipeline: corpus -> chunks -> embeddings + BM25 -> index directory (atomic)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from guideqa.config import Settings
from guideqa.errors import CorpusError, DocumentError
from guideqa.models import Chunk, DocumentMeta, LoadedDocument
from guideqa.profiles import retired
from ingest import index_store
from ingest.chunking import build_chunks, chunk_sentences, embedding_text, sentence_hash, sentence_rows
from ingest.corpus import load_manifest
from ingest.embedders import Embedder, make_embedder
from ingest.explanations import link_explanations
from ingest.loaders import SUPPORTED_LABEL, load_document
from ingest.tokenizer import SudachiTokenizer, Tokenizer
from ingest.vector_cache import KINDS, VectorStore

log = logging.getLogger(__name__)

SAMPLE_CHECK = 2  # shipped vectors re-embedded to verify them
SAMPLE_MIN_COSINE = 0.98


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    embedded: int = 0
    reused_cache: int = 0
    reused_shipped: int = 0
    sentences: int = 0
    errors: list[DocumentError] = field(default_factory=list)
    build: Path | None = None
    superseded: list[str] = field(default_factory=list)  # doc_ids left out: a newer edition replaces them
    notes: list[str] = field(default_factory=list)  # advice for the person who changed the corpus

    def summary(self) -> str:
        text = (
            f"{self.documents}文書 / {self.chunks}チャンク・{self.sentences}文 / {self.seconds:.1f}秒"
            f"（埋め込み計算 {self.embedded}件、キャッシュ再利用 {self.reused_cache}件、"
            f"同梱ベクトル {self.reused_shipped}件、エラー {len(self.errors)}件）"
        )
        if self.superseded:
            text += f"。新しい版に置き換えられた文書（{', '.join(self.superseded)}）は検索の対象外です"
        return "\n".join([text, *(f"注意: {note}。" for note in self.notes)])


MANIFEST_KEY = ":manifest"  # the fingerprint's entry for the manifest itself (no file is named so)


def load_corpus(settings: Settings, *, strict: bool = False) -> tuple[list[LoadedDocument], list[DocumentError]]:
    metas = load_manifest(settings.corpus_dir)
    if not metas:
        raise CorpusError(f"コーパスが空です（{settings.corpus_dir}）。{SUPPORTED_LABEL} を置いてください。")
    docs: list[LoadedDocument] = []
    errors: list[DocumentError] = []
    for meta in metas:
        path = settings.corpus_dir / meta.file
        try:
            if not path.exists():
                raise DocumentError(str(path), "ファイルがありません（マニフェストに記載されていますが見つかりません）")
            docs.append(load_document(path, meta))
        except DocumentError as err:
            if strict:
                raise
            log.warning("skipped %s: %s", err.path, err.cause)
            errors.append(err)
    # A newer edition retires the one it supersedes only when it could be read itself.
    replaced = retired([d.meta for d in docs])
    if replaced:
        log.info("superseded by a newer edition, not indexed: %s", ", ".join(sorted(replaced)))
        docs = [d for d in docs if d.meta.doc_id not in replaced]
    if not docs:
        raise CorpusError("読み込める文書がありません。" + " / ".join(e.message for e in errors))
    return docs, errors


def corpus_fingerprint(metas: list[DocumentMeta], corpus_dir: Path) -> dict[str, str]:
    """A hash per document file, and one of the manifest entries (status, supersedes, layout …
    decide what is indexed and how): a change to either makes the index stale."""
    out = {}
    for meta in metas:
        path = corpus_dir / meta.file
        out[meta.file] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    entries = json.dumps([m.model_dump() for m in metas], ensure_ascii=False, sort_keys=True)
    out[MANIFEST_KEY] = hashlib.sha256(entries.encode("utf-8")).hexdigest()
    return out


def chunker_fingerprint() -> str:
    """Hash of the code that turns text into chunks: a changed chunker means a stale index."""
    import ingest.admin_structure
    import ingest.chunking
    import ingest.explanations
    import ingest.pdf_layout
    import ingest.structure
    import ingest.text

    digest = hashlib.sha256()
    modules = (ingest.text, ingest.structure, ingest.admin_structure, ingest.pdf_layout, ingest.chunking, ingest.explanations)
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def is_stale(settings: Settings) -> str | None:
    """Why the index must be rebuilt (Japanese), or None when it is up to date."""
    try:
        manifest = index_store.read_manifest(settings.index_dir)
    except Exception as exc:  # missing or unreadable: rebuild
        return getattr(exc, "message", str(exc))
    metas = load_manifest(settings.corpus_dir)
    if manifest.get("corpus_files") != corpus_fingerprint(metas, settings.corpus_dir):
        return "コーパスが変更されています"
    if manifest.get("embedder", {}).get("spec") != settings.embedder:
        return "埋め込みモデルの設定が変わっています"
    if manifest.get("chunking") != {"max_chars": settings.chunk_size, "min_chars": settings.chunk_min}:
        return "チャンク設定が変わっています"
    if manifest.get("chunker") != chunker_fingerprint():
        return "文書の分割方法（プログラム）が更新されています"
    return None


@dataclass
class SentenceVectors:
    """Sentence-level vectors: row i belongs to chunk ``owners[i]`` (rows grouped by chunk, in order)."""

    vectors: np.ndarray
    owners: np.ndarray


def _embed_texts(
    texts: dict[str, str],
    embedder: Embedder,
    *,
    cache: VectorStore | None,
    shipped: VectorStore | None,
) -> tuple[dict[str, np.ndarray], int, int, int]:
    """Vectors for ``{hash: text}``: from the cache, then verified shipped vectors, then embedded.

    Returns the vectors and the counts (embedded, from cache, from shipped). The cache is
    updated with every vector.
    """
    vectors: dict[str, np.ndarray] = {}
    from_cache = 0
    from_shipped: list[str] = []
    for h in texts:
        if cache is not None and (v := cache.get(h)) is not None:
            vectors[h] = v
            from_cache += 1
        elif shipped is not None and (v := shipped.get(h)) is not None:
            vectors[h] = v
            from_shipped.append(h)
    if from_shipped and not _shipped_vectors_agree(texts, from_shipped, vectors, embedder):
        log.warning("shipped vectors do not match this embedder's output; re-embedding")
        for h in from_shipped:
            del vectors[h]
        from_shipped = []
    todo = [h for h in texts if h not in vectors]
    if todo:
        new = embedder.embed_documents_np([texts[h] for h in todo])
        for h, v in zip(todo, new, strict=True):
            vectors[h] = v
    if cache is not None and vectors:
        cache.put_many(list(vectors), np.stack(list(vectors.values())))
    return vectors, len(todo), from_cache, len(from_shipped)


def embed_chunks(
    chunks: list[Chunk],
    embedder: Embedder,
    *,
    cache: VectorStore | None,
    shipped: VectorStore | None,
    report: IngestReport,
) -> np.ndarray:
    """Vectors for every chunk; identical texts (e.g. repeated excerpts) are embedded once."""
    texts = {c.content_hash: embedding_text(c) for c in chunks}
    vectors, report.embedded, report.reused_cache, report.reused_shipped = _embed_texts(
        texts, embedder, cache=cache, shipped=shipped
    )
    return np.stack([vectors[c.content_hash] for c in chunks]).astype(np.float32)


def embed_sentences(
    chunks: list[Chunk],
    embedder: Embedder,
    *,
    cache: VectorStore | None,
    shipped: VectorStore | None,
    report: IngestReport,
) -> SentenceVectors:
    """Vectors for every sentence unit of every chunk (:func:`ingest.chunking.chunk_sentences`)."""
    owners: list[int] = []
    keys: list[str] = []
    texts: dict[str, str] = {}
    for i, sent in sentence_rows(chunk.text for chunk in chunks):
        h = sentence_hash(sent)
        texts.setdefault(h, sent)
        keys.append(h)
        owners.append(i)
    if not keys:
        return SentenceVectors(np.zeros((0, embedder.dimension), np.float32), np.zeros(0, np.int32))
    vectors, embedded, from_cache, from_shipped = _embed_texts(texts, embedder, cache=cache, shipped=shipped)
    report.sentences = len(keys)
    report.embedded += embedded
    report.reused_cache += from_cache
    report.reused_shipped += from_shipped
    matrix = np.stack([vectors[h] for h in keys]).astype(np.float32)
    return SentenceVectors(matrix, np.array(owners, dtype=np.int32))


def _shipped_vectors_agree(
    texts: dict[str, str], hashes: list[str], vectors: dict[str, np.ndarray], embedder: Embedder
) -> bool:
    sample = sorted(hashes)[:SAMPLE_CHECK]
    fresh = embedder.embed_documents_np([texts[h] for h in sample])
    cosines = [float(np.dot(fresh[i], vectors[h])) for i, h in enumerate(sample)]
    return min(cosines) >= SAMPLE_MIN_COSINE


def build_bm25(chunks: list[Chunk], tokenizer: Tokenizer) -> Any:
    import bm25s

    corpus_tokens = [tokenizer.tokenize(embedding_text(c)) or ["<empty>"] for c in chunks]
    bm25 = bm25s.BM25()
    bm25.index(corpus_tokens, show_progress=False)
    return bm25


def run_ingest(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    tokenizer: Tokenizer | None = None,
    strict: bool = False,
    use_cache: bool | None = None,
    show_progress: bool = False,
) -> IngestReport:
    """Build a new index and publish it atomically. On any failure the old index stays."""
    start = time.perf_counter()
    use_cache = settings.use_vector_cache if use_cache is None else use_cache
    report = IngestReport()
    docs, report.errors = load_corpus(settings, strict=strict)
    superseded = _superseded_entries(load_manifest(settings.corpus_dir), {d.meta.doc_id for d in docs})
    report.superseded = [e["doc_id"] for e in superseded]
    chunks: list[Chunk] = []
    per_doc: dict[str, list[Chunk]] = {}
    for doc in docs:
        doc_chunks = build_chunks(doc, max_chars=settings.chunk_size, min_chars=settings.chunk_min)
        per_doc[doc.meta.doc_id] = doc_chunks
        chunks.extend(doc_chunks)
    if not chunks:
        raise CorpusError("文書から本文を取り出せませんでした。")
    link_explanations(chunks, [doc.meta for doc in docs])

    embedder = embedder or make_embedder(
        settings.embedder,
        batch_size=settings.embed_batch_size,
        threads=settings.embed_threads,
        show_progress=show_progress,
    )
    tokenizer = tokenizer or SudachiTokenizer()
    stores: dict[str, tuple[VectorStore | None, VectorStore | None]] = {}
    for kind in KINDS:
        if use_cache:
            stores[kind] = (
                VectorStore(settings.index_dir / "cache", embedder.embedder_id, embedder.dimension, kind).load(),
                VectorStore(settings.shipped_vectors, embedder.embedder_id, embedder.dimension, kind).load(),
            )
        else:
            stores[kind] = (None, None)
    cache, shipped = stores["chunks"]
    vectors = embed_chunks(chunks, embedder, cache=cache, shipped=shipped, report=report)
    sent_cache, sent_shipped = stores["sentences"]
    sentences = embed_sentences(chunks, embedder, cache=sent_cache, shipped=sent_shipped, report=report)
    bm25 = build_bm25(chunks, tokenizer)

    manifest = {
        "format_version": index_store.FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "embedder": {"id": embedder.embedder_id, "dimension": embedder.dimension, "spec": settings.embedder},
        "tokenizer": tokenizer.tokenizer_id,
        "chunking": {"max_chars": settings.chunk_size, "min_chars": settings.chunk_min},
        "chunker": chunker_fingerprint(),
        "chunk_count": len(chunks),
        "sentence_count": len(sentences.owners),
        "corpus_files": corpus_fingerprint(load_manifest(settings.corpus_dir), settings.corpus_dir),
        "documents": [_doc_entry(doc, per_doc[doc.meta.doc_id]) for doc in docs],
        "errors": [{"file": e.path, "cause": e.cause} for e in report.errors],
        "superseded": superseded,
    }
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    build_dir = index_store.new_build_dir(settings.index_dir)
    try:
        index_store.write_build(build_dir, manifest, chunks, vectors, bm25, sentences=sentences)
        report.build = index_store.publish(settings.index_dir, build_dir)
    except BaseException:
        index_store.discard(build_dir)
        raise
    if cache is not None:
        cache.keep_only({c.content_hash for c in chunks})
        cache.save()
    if sent_cache is not None:
        sent_cache.keep_only({sentence_hash(s) for c in chunks for s in chunk_sentences(c.text)})
        sent_cache.save()
    report.documents = len(docs)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - start
    log.info("ingest done: %s", report.summary())
    return report


def _superseded_entries(metas: list[DocumentMeta], indexed: set[str]) -> list[dict[str, Any]]:
    """The corpus documents left out of the index because a newer, indexed edition replaces them."""
    newer = [m for m in metas if m.doc_id in indexed]
    old = retired(metas, by=newer)
    return [
        {"doc_id": m.doc_id, "title": m.title, "by": [n.doc_id for n in newer if m.doc_id in n.supersedes]}
        for m in metas
        if m.doc_id in old
    ]


def _doc_entry(doc: LoadedDocument, chunks: list[Chunk]) -> dict[str, Any]:
    roles = Counter(role for c in chunks for role in c.roles)
    segments = Counter(c.segment for c in chunks)
    meta = doc.meta
    return {
        "doc_id": meta.doc_id,
        "title": meta.title,
        "short_title": meta.short_title or meta.title,
        "publisher": meta.publisher,
        "date": meta.date,
        "version": meta.version,
        "status": meta.status,
        "layout": meta.layout,
        "profile": meta.profile,
        "supersedes": list(meta.supersedes),
        "aliases": meta.aliases,
        "file": meta.file,
        "sha256": doc.sha256,
        "chunks": len(chunks),
        "roles": dict(sorted(roles.items())),
        "segments": dict(sorted(segments.items())),
    }


def save_shipped_vectors(settings: Settings, embedder: Embedder) -> int:
    """Write the current index's chunk and sentence vectors for the bundled corpus into corpus/vectors."""
    data = index_store.load_index(settings.index_dir, expected_embedder=embedder.embedder_id)
    store = VectorStore(settings.shipped_vectors, embedder.embedder_id, embedder.dimension)
    vectors = data.faiss_index.reconstruct_n(0, data.faiss_index.ntotal)
    store.put_many([c.content_hash for c in data.chunks], vectors)
    store.save()
    sent_store = VectorStore(settings.shipped_vectors, embedder.embedder_id, embedder.dimension, "sentences")
    keys = [sentence_hash(s) for _, s in sentence_rows(c.text for c in data.chunks)]
    sent_store.put_many(keys, data.sentence_vectors)
    sent_store.save()
    return len(store) + len(sent_store)
