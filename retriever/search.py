"""Hybrid, role-aware retrieval: FAISS dense + sentence max-sim + BM25 (SudachiPy), fused.

Channels (each a ranked list over all chunks):

* ``dense`` — the chunk vector (its text with the nearest headings) against the query;
* ``sentence`` — the chunk's best-matching sentence vector (a paraphrase usually matches
  one sentence, diluted in a whole chunk);
* ``bm25`` — SudachiPy-normalised tokens, optionally extended by pseudo-relevance feedback
  from the first-stage top passages (:mod:`retriever.signals`);
* ``role`` / ``definition`` — the role's own D-/P-/U- items, the passages that define the
  asked term, re-ranked by the first stage.

Fusion is reciprocal rank fusion with soft priors (role, document status, section) as
multipliers — a role or a status re-orders results but never hides a passage that matches
the question outright — or, when a trained model exists for the embedder, a learned linear
fusion of the same signals (:mod:`retriever.fusion`).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from guideqa.config import Settings
from guideqa.guideline import role_documents
from guideqa.models import Chunk, DocumentMeta, Passage, Role
from guideqa.text import DOCUMENT_KIND_RE, THIS_KIND_RE, char_ngrams, match_key, nfkc
from ingest.admin_structure import is_supplementary
from ingest.chunking import embedding_text
from ingest.embedders import Embedder
from ingest.explanations import families
from ingest.index_store import IndexData, load_index
from ingest.tokenizer import SudachiTokenizer, Tokenizer, verb_of
from retriever.affinity import DocumentAffinity, added_weight
from retriever.audience import chunk_audiences, stated_audience
from retriever.definitions import definition_candidates, definition_term
from retriever.fusion import FusionModel, feature_matrix, load_fusion_model, rrf_sum
from retriever.instances import stated_instances, with_kinds
from retriever.names import distinctive_names, documents_named
from retriever.query_adapter import QueryAdapter, applies_to, load_query_adapter
from retriever.roles import allocates_responsibility, asks_which_role, asks_whose_responsibility, assigns_roles
from retriever.rules import rules_first
from retriever.signals import TermMatrix, feedback_terms, figures, max_by_owner, rrf

log = logging.getLogger(__name__)

# Long pasted questions: the head carries the question; embedding all of it costs seconds.
MAX_DENSE_QUERY_CHARS = 300
# Chunks a follow-up question is about (retriever.conversation), set around one ask() call.
# A context variable keeps concurrent requests (threads) apart.
_FOCUS: ContextVar[tuple[int, ...]] = ContextVar("guideqa_focus", default=())
_FOCUS_ORDERED: ContextVar[bool] = ContextVar("guideqa_focus_ordered", default=False)
# Chunks the previous answer already showed, ranked after the others for a request for more (他には？).
_SHOWN: ContextVar[frozenset[int]] = ContextVar("guideqa_shown", default=frozenset())
# Text of what the conversation already showed, searched beside the query (relevance feedback).
_FEEDBACK: ContextVar[str] = ContextVar("guideqa_feedback", default="")
# The document a conversation is about (its last answer led with it), for a follow-up naming none.
_CONVERSATION_DOCS: ContextVar[frozenset[str]] = ContextVar("guideqa_conversation_docs", default=frozenset())
# Query embeddings made within one question (Retriever.one_question): the answerer may search
# the same text more than once (gate, premise, follow-up) and pays for one embedding.
_QUERY_VECTORS: ContextVar[dict[str, np.ndarray] | None] = ContextVar("guideqa_query_vectors", default=None)


# What a 附則 holds (the date a rule takes effect, the transition, the amendments' dates): a question
# asking it is asked of the 附則 without its prior (SearchConfig.supplementary_weight).
ASKS_CHANGEOVER = re.compile(r"施行|いつから|経過措置|改正|改定|改訂|附則|付則|適用(?:日|開始)|有効|効力|発効|廃止")
# When the rules themselves take effect (「このルールっていつから適用されるの？」「規程の施行日は？」): a
# regulation states it in its 附則 (「この規程は、令和8年4月1日から施行する。」), whatever the document
# calls itself (guideqa.text.DOCUMENT_KIND_RE); those 附則 passages are ranked among themselves beside
# the other channels, as the passages defining a term are (SearchConfig.effective_date_weight).
ASKS_EFFECTIVE_DATE = re.compile(
    r"施行(?:日|され|する|は|って|の(?:日|時期))|適用(?:日|開始)|(?:適用|有効)(?:は|って|に?なるの?は)[、,]?\s*いつ(?!まで)"
    r"|(?:" + DOCUMENT_KIND_RE.pattern + r")(?:って|は|が|も)?[、,]?\s*"
    r"(?:いつ(?:から|より)|いつ(?:適用|有効|始ま|スタート))"
)
# A numbered entry asked by its number (「Q&Aの15番って何？」「チェック表の12番目」「No.3は？」「Q7って」):
# the passages whose heading or a line is labelled with it (「Q15. …」「12／導入前／…」「| 12 | …」), ranked
# among themselves beside the other channels (SearchConfig.entry_weight): the words of such a question
# name nothing the entry says.
ASKS_ENTRY = re.compile(
    r"(?:Q&A|FAQ|よくある質問|チェック(?:表|リスト|シート)|一覧表?|リスト|質問|項目|表)の?\s*(?:No\.?\s*)?([0-9]{1,3})\s*(?:番目?|つ目|項目)(?![下上前後多少大小])"
    r"|(?<![0-9])([0-9]{1,3})\s*番目?の(?:Q&A|FAQ|項目)"
    # 「Q7って」「No.3は？」「問2の答え」, standing for the entry (not 「No.1のツール」「Q3の決算」「(Q2)」「顧問1名」).
    r"|(?<![A-Za-z0-9\u3040-\u30ff\u4e00-\u9fff(（])(?:No\.?|Q|問)\s*([0-9]{1,3})(?![0-9])"
    r"(?=\s*(?:って|は|の(?:答え|回答|内容|中身)|に(?:は|つ)|[?？]|$))"
)
# An entry's label: a question of an FAQ (「Q15. …」「問3 …」「No.2 …」), a row of a table (「| 12 | …」, its
# title 「【12/導入前/…】」) — not a numbered heading or a paragraph's number (「2. 令和7年度の…」「2 前項…」).
# (Matched in NFKC: ／ is /.)
_ENTRY_LABEL = re.compile(r"^\s*(?:(?:Q|問|No\.?\s*)([0-9]{1,3})(?:[.:]|\s|$)|\|\s*([0-9]{1,3})\s*\||【([0-9]{1,3})/)")


def asked_entry(query: str) -> int | None:
    """The number of the entry a question asks by its number (:data:`ASKS_ENTRY`), else None."""
    m = ASKS_ENTRY.search(nfkc(query))
    return int(next(g for g in m.groups() if g)) if m else None


def entry_numbers(chunk: Chunk) -> set[int]:
    """The numbers the entries of a passage are labelled with: its headings' and its lines'."""
    labels = [*chunk.section_path, *chunk.text.splitlines()]
    return {int(next(g for g in m.groups() if g)) for label in labels if (m := _ENTRY_LABEL.match(nfkc(label)))}


def entry_label(chunk: Chunk, number: int) -> str | None:
    """The heading or line of a passage labelled with ``number`` (「Q15. AIで作った文章や…」), else None."""
    for label in [*chunk.section_path, *chunk.text.splitlines()]:
        m = _ENTRY_LABEL.match(nfkc(label))
        if m and int(next(g for g in m.groups() if g)) == number:
            return label
    return None


STATES_EFFECTIVE_DATE = re.compile(r"施行|適用する|効力を(?:生じ|有する)|から実施する|運用を開始する")


@dataclass(frozen=True)
class SearchConfig:
    rrf_k: int = 10  # set on cross-fitted dev (python -m eval.crossfit), as are the weights marked so
    candidates: int = 100
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # Each channel below was kept or switched off by ablation on the eval dev split (eval/README.md).
    sentence_weight: float = 0.5  # sentence max-sim channel (0 = off); 1.0 is better on cross-fitted dev, see eval/README.md session 22
    bm25_synonyms: bool = True  # query words match their Sudachi synonyms on the BM25 side (set on dev)
    prf_docs: int = 0  # pseudo-relevance feedback: first-stage passages read (0 = off: did not help on dev)
    prf_terms: int = 10  # expansion terms taken from them
    prf_weight: float = 0.1  # share of the expanded query given to the expansion terms
    learned_fusion: bool = False  # the embedder's trained fusion model, when one ships (off: did not help on dev)
    query_adapter: bool = True  # the embedder's query adapter, when one ships (retriever/query_adapter.py)
    audience_prior: bool = True  # the sections addressed to the asker's group first (retriever/audience.py)
    own_role_bonus: float = 1.25
    other_role_penalty: float = 0.7
    status_weight: dict[str, float] = field(
        default_factory=lambda: {"current": 1.0, "update": 1.0, "draft": 0.85, "older": 0.8}
    )
    overview_weight: float = 0.75
    duplicate_overlap: float = 0.6
    role_channel_weight: float = 0.25  # cross-fitted dev (1.0 was set on the adapter's own training questions)
    definition_channel_weight: float = 1.0
    # The 附則 stating when the rules take effect, for a question asking it (ASKS_EFFECTIVE_DATE), at
    # twice a definition's weight: it is the answer itself, not one of several defining passages.
    effective_date_weight: float = 2.0
    entry_weight: float = 2.0  # the entry a question asks by its number (ASKS_ENTRY), as the 附則
    heading_channel_weight: float = 1.0
    focus_channel_weight: float = 1.0  # the chunks a follow-up refers to (see Retriever.focus)
    # A role switch's corresponding items (「それは提供者にも当てはまる？」 → P-3) i. for D-3) i.), 本編
    # text first, in the order given: they are the answer, however the words match. Set on dev.
    correspondence_weight: float = 2.0
    named_document_bonus: float = 1.3  # the question names the document (by an alias)
    # An added document's passages × exp(weight × the question's affinity to it) (retriever/affinity.py).
    affinity_weight: float = 2.0  # set on the documents' dev split (alone h5: 0 .902, 1 .912, 2 .914, 3 .914)
    # A rule's 附則 (supplementary provisions: the date it takes effect, transitional measures for
    # those already at work) qualifies the 本則 for the changeover; the 本則 states the rule itself.
    supplementary_weight: float = 0.8
    main_item_weight: float = 1.15  # the 本編 wording of an item states the obligation itself
    # Reference lists and worked examples rarely state what must be done.
    section_weights: dict[str, float] = field(
        default_factory=lambda: {"[参考文献]": 0.5, "[実践例]": 0.85, "[具体的な手法]": 0.9, "構成員名簿": 0.5, "目次": 0.5}
    )


@dataclass
class Hit:
    """A candidate with the raw signals the answerer and the refusal logic use."""

    index: int
    chunk: Chunk
    score: float
    dense: float
    bm25: float
    sentence: float = 0.0  # best sentence cosine of the chunk (same scale as ``dense``)
    focused: bool = False  # among the chunks a conversation points at (:meth:`Retriever.focus`)


def single_threaded_blas() -> None:
    """Query-time matrix products are small (a few thousand rows × 384): one BLAS thread does
    them in well under a millisecond, while idle OpenBLAS workers spin and slow the embedder's
    own OpenMP threads on the next query (measured on 2 cores: search p50 114 ms → 18 ms).
    Process-wide, once a retriever exists."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def within_fitted(raw: np.ndarray, adapted: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """Scores that order the adapter's documents (``fitted``) by ``adapted`` and leave the others
    at ``raw``: the fitted documents' chunks take their own raw scores, reassigned in the adapted
    order (the best adapted gets the best raw score, and so on). The adapter reorders the
    documents it knows without lifting them, as a group, above another organisation's rules,
    whose questions it never saw."""
    out = raw.astype(np.float64, copy=True)
    idx = np.flatnonzero(fitted)
    if idx.size:
        order = idx[np.argsort(-adapted[idx], kind="stable")]
        out[order] = np.sort(raw[idx])[::-1]
    return out


class Retriever:
    def __init__(
        self,
        index: IndexData,
        embedder: Embedder,
        tokenizer: Tokenizer | None = None,
        config: SearchConfig | None = None,
    ) -> None:
        single_threaded_blas()
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer or SudachiTokenizer()
        self.config = config or SearchConfig()
        self.chunks = index.chunks
        self.vectors = index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal).astype(np.float32)
        self.documents: dict[str, dict[str, Any]] = {d["doc_id"]: d for d in index.manifest["documents"]}
        self.guideline_docs = role_documents(self.documents)  # read with the guideline's profile
        # Added documents (the generic reader's), each with its family (a guideline and its
        # 「… 別紙」 are one): one organisation's rules are not another's.
        self.families = families(
            [
                DocumentMeta(doc_id=d, title=doc.get("title") or d, file=doc.get("file") or d)
                for d, doc in self.documents.items()
                if doc.get("layout") == "generic"
            ]
        )
        self._names = distinctive_names(self.chunks, self.families) if self.families else {}
        self._by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self._norm = [match_key(c.text) for c in self.chunks]
        # Passages that assign the guideline's roles to cases (「同一の事業者が…複数を兼ねる」「RAGの
        # 導入はAI提供者の役割と整理」): where a question asking which role it is finds its answer.
        self._role_assigning = [i for i, c in enumerate(self.chunks) if assigns_roles(c.text)]
        # Passages that allocate responsibility among the parties: where 「責任はどっちに？」 is answered.
        self._allocating = [i for i, c in enumerate(self.chunks) if allocates_responsibility(c.text)]
        # Names the documents call instances of a kind (「ChatGPT等の生成AI」): embedded with it.
        self.instances = stated_instances(self._norm)
        self._lines = [{match_key(line) for line in c.text.split("\n")} for c in self.chunks]
        self._keys = [set(char_ngrams(t)) for t in self._norm]
        self._figures = [figures(t) for t in self._norm]
        self.sentence_vectors = np.ascontiguousarray(index.sentence_vectors, dtype=np.float32)
        self.sentence_owners = np.asarray(index.sentence_owners, dtype=np.int64)
        self.terms = TermMatrix.from_bm25(index.bm25)
        # Whether a question leans to the organisations' own documents (retriever/affinity.py).
        added = np.array([self.documents.get(c.doc_id, {}).get("layout") == "generic" for c in self.chunks], dtype=bool)
        self.affinity = DocumentAffinity.build(self.terms.matrix, added) if self.config.affinity_weight > 0 else None
        self.fusion: FusionModel | None = load_fusion_model(embedder.embedder_id) if self.config.learned_fusion else None
        self.adapter: QueryAdapter | None = (
            load_query_adapter(embedder.embedder_id, self.vectors.shape[1]) if self.config.query_adapter else None
        )
        # Beside documents it was not fitted on (an organisation's own rules), the adapter orders
        # only the chunks of the documents it knows, at their raw scores (:func:`within_fitted`):
        # used on the whole index, it would draw the organisation's questions to the bundled
        # documents (measured, eval/README.md).
        self._fitted: np.ndarray | None = None
        if self.adapter is not None and not applies_to(self.adapter, set(self.documents)):
            fitted = np.array([c.doc_id in self.adapter.doc_ids for c in self.chunks], dtype=bool)
            if fitted.any():
                self._fitted = fitted
                log.info("query adapter used within the documents it was fitted on only")
            else:
                log.info("query adapter not used: the index holds none of the documents it was fitted on")
                self.adapter = None
        self._role_items = {
            role: np.array([i for i, c in enumerate(self.chunks) if role in c.roles and c.item_codes], dtype=np.int64)
            for role in ("developer", "provider", "user")
        }
        self._section_weight = np.array([self._section_prior(c) for c in self.chunks])
        self._supplementary = np.array([bool(c.section_path) and is_supplementary(c.section_path[0]) for c in self.chunks], dtype=bool)
        self._effective = np.array(
            [i for i, c in enumerate(self.chunks) if self._supplementary[i] and STATES_EFFECTIVE_DATE.search(c.text)], dtype=np.int64
        )
        self._entries: dict[int, list[int]] = {}
        for i, c in enumerate(self.chunks):
            for number in entry_numbers(c):
                self._entries.setdefault(number, []).append(i)
        # Sections an organisation's document addresses to one group (「教員の皆様へ」, 【医師】).
        self._audiences = chunk_audiences([c.section_path for c in self.chunks], [c.doc_id for c in self.chunks])
        self._audience_names = frozenset(a for a in self._audiences if a)
        self.idf = bm25_idf(index.bm25, len(self.chunks))
        self._heading_words = self._own_heading_words()
        # A caption names the act as a noun (「第21条（見直し）」), a question asks it with the verb
        # (「いつ見直すの？」): each caption word's verb, found once here, not per question.
        self._heading_verbs = {w: v for ws in self._heading_words for w in ws if (v := verb_of(w))}

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, tokenizer: Tokenizer | None = None) -> Retriever:
        """Load the index and the embedder it was built with (checked)."""
        from ingest.embedders import make_embedder

        embedder = embedder or make_embedder(settings.embedder, threads=settings.embed_threads)
        data = load_index(Path(settings.index_dir), expected_embedder=embedder.embedder_id)
        return cls(data, embedder, tokenizer)

    # -- scoring -------------------------------------------------------------------------
    def channels(self, query: str, role: Role | None = None) -> dict[str, np.ndarray]:
        """Raw scores and RRF contributions of every channel, per chunk (see module doc).

        Keys: ``dense``, ``sentence``, ``bm25`` (raw scores) and ``rrf_dense``,
        ``rrf_sentence``, ``rrf_bm25``, ``rrf_role``, ``rrf_definition``, ``prior``.
        """
        cfg = self.config
        n = len(self.chunks)
        top = min(cfg.candidates, n)
        whose = asks_whose_responsibility(query)
        if whose:  # how responsibility is shared among the parties: no one party's items first
            role = None
        qvec = self.query_vector(query)
        dense = self.vectors @ qvec
        sentence_cos = self.sentence_vectors @ qvec if cfg.sentence_weight > 0 and len(self.sentence_owners) else None
        sentence = np.zeros(n, np.float64) if sentence_cos is None else max_by_owner(sentence_cos, self.sentence_owners, n)
        # Ranked with the adapted question where the adapter applies; the raw cosines stay the
        # scores the answerability gate reads.
        dense_rank, sentence_rank = dense, sentence
        if self.adapter is not None and (self._fitted is None or self._fitted[int(np.argmax(dense))]):
            moved = self.adapter.apply(qvec)
            dense_rank = self.vectors @ moved
            if self._fitted is not None:
                # Beside documents it was not fitted on: only for a question whose nearest passage
                # is in a document it knows (one about another organisation's rules is ranked as
                # embedded: the adapter drew 「このガイドラインは、いつ見直すの？」, asked of a city's
                # rules, to the bundled preface), and only within those documents, whose chunks
                # keep their own raw scores (:func:`within_fitted`).
                dense_rank = within_fitted(dense, dense_rank, self._fitted)
                if sentence_cos is not None:
                    adapted = max_by_owner(self.sentence_vectors @ moved, self.sentence_owners, n)
                    sentence_rank = within_fitted(sentence, adapted, self._fitted)
            elif sentence_cos is not None:
                sentence_rank = max_by_owner(self.sentence_vectors @ moved, self.sentence_owners, n)
        tokens = self.tokenizer.tokenize(query)
        query_ids = self.terms.ids(tokens)
        # A query word also matches the corpus's words of its synonym group (sudachidict_core's
        # thesaurus: ダメ・禁止, 先生・教員, 間違える・誤り), as the word itself: a synonym filter.
        weights = dict.fromkeys(query_ids, 1.0)
        if cfg.bm25_synonyms:
            weights.update(dict.fromkeys(self.terms.synonyms(tokens), 1.0))
        bm25 = self.terms.scores(weights) if weights else np.zeros(n, np.float64)
        out = {
            "dense": dense,
            "sentence": sentence,
            "bm25": bm25,
            "rrf_dense": cfg.dense_weight * rrf(dense_rank, top, cfg.rrf_k),
            "rrf_sentence": cfg.sentence_weight * rrf(sentence_rank, top, cfg.rrf_k) if cfg.sentence_weight > 0 else np.zeros(n),
            "rrf_bm25": cfg.bm25_weight * rrf(bm25, top, cfg.rrf_k, positive_only=True),
        }
        if cfg.prf_docs > 0 and cfg.bm25_weight > 0 and query_ids:
            first = out["rrf_dense"] + out["rrf_sentence"] + out["rrf_bm25"]
            feedback = [int(i) for i in np.argsort(-first, kind="stable")[: cfg.prf_docs] if first[i] > 0]
            extra = feedback_terms(self.terms, feedback, query_ids, cfg.prf_terms)
            if extra:
                base = 1.0 / len(weights)
                weights = {t: (1 - cfg.prf_weight) * base for t in weights}  # the query and its synonyms
                for t, w in extra.items():
                    weights[t] = weights.get(t, 0.0) + cfg.prf_weight * w
                out["bm25"] = bm25 = self.terms.scores(weights)
                out["rrf_bm25"] = cfg.bm25_weight * rrf(bm25, top, cfg.rrf_k, positive_only=True)
        fused = out["rrf_dense"] + out["rrf_sentence"] + out["rrf_bm25"]
        out["rrf_role"] = np.zeros(n)
        if role is not None and cfg.role_channel_weight > 0:
            # The role's own items only, so that the short, specific D-/P-/U- items compete
            # with long generic passages; only items the question actually matched.
            mask = self._role_items[role]
            own = mask[np.argsort(-fused[mask], kind="stable")][:top]
            own = own[fused[own] > 0]
            out["rrf_role"][own] = cfg.role_channel_weight / (cfg.rrf_k + np.arange(1, len(own) + 1))
        out["rrf_definition"] = np.zeros(n)
        term = definition_term(query)
        # 「これって開発者？提供者？」 asks the definition of the roles as applied: the passages
        # that assign roles to cases (computed once).
        which = not term and asks_which_role(query)
        whose = whose and not term
        if (term or which or whose) and cfg.definition_channel_weight > 0:
            if term:
                found = definition_candidates(self._norm, term, self._lines)
            else:
                found = sorted(set(self._role_assigning if which else []) | set(self._allocating if whose else []))
            defining = np.array(found, dtype=np.int64)
            if len(defining):
                ranked = defining[np.argsort(-fused[defining], kind="stable")][:top]
                out["rrf_definition"][ranked] = cfg.definition_channel_weight / (
                    cfg.rrf_k + np.arange(1, len(ranked) + 1)
                )
        if len(self._effective) and cfg.effective_date_weight > 0 and ASKS_EFFECTIVE_DATE.search(query):
            ranked = self._effective[np.argsort(-fused[self._effective], kind="stable")][:top]
            out["rrf_definition"][ranked] += cfg.effective_date_weight / (cfg.rrf_k + np.arange(1, len(ranked) + 1))
        if cfg.entry_weight > 0 and (number := asked_entry(query)) is not None and number in self._entries:
            labelled = np.array(self._entries[number], dtype=np.int64)
            ranked = labelled[np.argsort(-fused[labelled], kind="stable")][:top]
            out["rrf_definition"][ranked] += cfg.entry_weight / (cfg.rrf_k + np.arange(1, len(ranked) + 1))
        out["rrf_focus"] = np.zeros(n)
        focus = _FOCUS.get()
        if focus and cfg.focus_channel_weight > 0:
            # A ranked list of the chunks the conversation points at, best-matching first.
            ids = np.array(focus, dtype=np.int64)
            so_far = fused + out["rrf_role"] + out["rrf_definition"]
            if _FOCUS_ORDERED.get():  # the order is the answer's (a role switch's corresponding items)
                ranked_focus, weight = ids[:top], cfg.correspondence_weight
            else:
                ranked_focus, weight = ids[np.argsort(-so_far[ids], kind="stable")][:top], cfg.focus_channel_weight
            out["rrf_focus"][ranked_focus] = weight / (cfg.rrf_k + np.arange(1, len(ranked_focus) + 1))
        out["rrf_heading"] = np.zeros(n)
        if cfg.heading_channel_weight > 0:
            so_far = fused + out["rrf_role"] + out["rrf_definition"] + out["rrf_focus"]
            self._heading_channel(tokens, so_far.copy(), out["rrf_heading"])
        audience = stated_audience(query, self._audience_names) if self._audience_names and cfg.audience_prior else None
        # A follow-up naming no document is asked of the one the conversation is about.
        named = self.named_documents(query) or set(_CONVERSATION_DOCS.get())
        out["prior"] = self._priors(role, named, audience)
        if self.affinity is not None and not named:
            out["prior"][self.affinity.added] *= added_weight(self.added_affinity(tokens), cfg.affinity_weight)
        if self._supplementary.any() and not ASKS_CHANGEOVER.search(query):
            out["prior"][self._supplementary] *= cfg.supplementary_weight
        return out

    def added_affinity(self, tokens: list[str]) -> float:
        """The affinity of a question's words (:meth:`tokenizer.tokenize`) to the added documents
        (:class:`retriever.affinity.DocumentAffinity`; 0 when there are none)."""
        if self.affinity is None:
            return 0.0
        # The words the index has, each with its synonyms. (Counting a word the index lacks by its
        # synonyms too was measured: documents alone dev h5 .914 → .912; not kept.)
        vocab = self.terms.vocab
        words = [[vocab[t], *self.terms.synonyms([t])] for t in dict.fromkeys(tokens) if t in vocab]
        return self.affinity.score(words)

    def query_vector(self, query: str) -> np.ndarray:
        """The embedding of ``query`` (its head, see MAX_DENSE_QUERY_CHARS); made once per
        distinct text within :meth:`one_question`."""
        text = with_kinds(query, self.instances)[:MAX_DENSE_QUERY_CHARS]
        made = _QUERY_VECTORS.get()
        if made is None:
            return self.embedder.embed_query_np(text)
        key = f"{self.embedder.embedder_id}\n{text}"
        if key not in made:
            made[key] = self.embedder.embed_query_np(text)
        return made[key]

    def fused_scores(self, ch: dict[str, np.ndarray]) -> np.ndarray:
        """Final score per chunk (> 0 for candidates, 0 for the rest)."""
        total = rrf_sum(ch)
        if self.fusion is None:
            return total * ch["prior"]
        candidates = total > 0
        logits = self.fusion.logits(feature_matrix(ch))
        out = np.zeros(len(total))
        # A positive, order-preserving score: the model's probability.
        out[candidates] = 1.0 / (1.0 + np.exp(-logits[candidates]))
        return out

    def hits(self, query: str, role: Role | None = None, k: int = 10) -> list[Hit]:
        if extra := _FEEDBACK.get():
            query = f"{query} {extra}"
        ch = self.channels(query, role)
        fused = self.fused_scores(ch)
        ranked = [int(i) for i in np.argsort(-fused, kind="stable") if fused[i] > 0]
        ranked, fused = rules_first(ranked, fused, self.chunks, self._by_id, k)
        if shown := _SHOWN.get():  # demoted, not dropped: a small corpus may have nothing else
            ranked = [i for i in ranked if i not in shown] + [i for i in ranked if i in shown]
        focus = frozenset(_FOCUS.get())
        picked: list[Hit] = []
        for i in ranked:
            if self._is_duplicate(i, picked):
                continue
            picked.append(
                Hit(
                    i,
                    self.chunks[i],
                    float(fused[i]),
                    float(ch["dense"][i]),
                    float(ch["bm25"][i]),
                    float(ch["sentence"][i]),
                    i in focus,
                )
            )
            if len(picked) >= k:
                break
        return picked

    def _own_heading_words(self) -> list[frozenset[str]]:
        """Distinctive words of each chunk's own heading in documents read by the generic reader.

        There the heading is an article caption (第4条（入力禁止情報）), a numbered heading or a
        question: by drafting convention a summary of the text below it, so a question naming
        it points at that unit. (The bundled guideline has its own item and role channels.)
        """
        generic = {d for d, doc in self.documents.items() if doc.get("layout") == "generic"}
        words = [frozenset(self.tokenizer.tokenize(c.section_path[-1])) if c.section_path and c.doc_id in generic
                 else frozenset() for c in self.chunks]  # fmt: skip
        return [frozenset(w for w in ws if len(w) >= 2) for ws in words]

    def _heading_channel(self, tokens: list[str], fused: np.ndarray, out: np.ndarray) -> None:
        """A ranked list of the chunks whose own heading shares words with the question (added to ``out``)."""
        query = set(tokens)
        verbs = self._heading_verbs

        def named(w: str) -> bool:  # in the caption's form or as the verb its noun was made from
            return w in query or verbs.get(w) in query

        # The idf-weighted share of the heading the question covers: a short caption (「研修」)
        # named in full says more than the common words of a long heading.
        idf, default = self.idf, max(self.idf.values(), default=1.0)
        overlap = np.array([
            sum(idf.get(w, default) for w in ws if named(w)) / sum(idf.get(w, default) for w in ws) if ws else 0.0
            for ws in self._heading_words
        ])  # fmt: skip
        matched = np.flatnonzero((overlap > 0) & (fused > 0))
        if not len(matched):
            return
        order = matched[np.lexsort((-fused[matched], -overlap[matched]))][: self.config.candidates]
        out[order] += self.config.heading_channel_weight / (self.config.rrf_k + np.arange(1, len(order) + 1))
    @contextlib.contextmanager
    def focus(self, indices: Sequence[int], ordered: bool = False) -> Iterator[None]:
        """Within the block, :meth:`hits` in this thread adds a ranked channel of these chunks:
        ranked by how well they match the query, or (``ordered``) in the order given, with
        ``SearchConfig.correspondence_weight``."""
        token = _FOCUS.set(tuple(int(i) for i in indices if 0 <= int(i) < len(self.chunks)))
        order = _FOCUS_ORDERED.set(ordered)
        try:
            yield
        finally:
            _FOCUS.reset(token)
            _FOCUS_ORDERED.reset(order)

    @contextlib.contextmanager
    def one_question(self) -> Iterator[None]:
        """Within the block, a text searched twice is embedded once (this thread only)."""
        token = _QUERY_VECTORS.set({})
        try:
            yield
        finally:
            _QUERY_VECTORS.reset(token)

    def holding(self, text: str, min_chars: int = 8) -> list[str]:
        """Ids of the chunks whose text holds ``text`` (after NFKC and whitespace removal): the
        restatements of one sentence in other sections and editions, or (``min_chars`` lowered)
        the passages that mention a word. A key shorter than ``min_chars`` holds nothing."""
        key = match_key(re.sub(r"^【[^】]*】", "", text.strip()))
        return [self.chunks[i].id for i, norm in enumerate(self._norm) if key in norm] if key and len(key) >= min_chars else []

    def indices(self, chunk_ids: Sequence[str]) -> list[int]:
        """The positions of the chunks with these ids (unknown ids left out), as :meth:`focus` takes them."""
        return [self._by_id[c] for c in chunk_ids if c in self._by_id]

    @contextlib.contextmanager
    def feedback(self, text: str) -> Iterator[None]:
        """Within the block, :meth:`hits` in this thread searches ``text`` beside the query: what
        an answer showed, for a request for more of the same (「他には？」), as relevance feedback."""
        token = _FEEDBACK.set(text)
        try:
            yield
        finally:
            _FEEDBACK.reset(token)

    @contextlib.contextmanager
    def about_documents(self, doc_ids: set[str]) -> Iterator[None]:
        """Within the block, :meth:`hits` in this thread reads a query naming no document as asking
        of ``doc_ids`` (the named-document prior): a follow-up in a conversation about a town's rules
        (「それって何日前までに出せばいいの？」) asks of those rules, not of another document that
        also speaks of deadlines."""
        token = _CONVERSATION_DOCS.set(frozenset(doc_ids))
        try:
            yield
        finally:
            _CONVERSATION_DOCS.reset(token)

    @contextlib.contextmanager
    def shown(self, chunk_ids: Sequence[str]) -> Iterator[None]:
        """Within the block, :meth:`hits` in this thread ranks these chunks after all others."""
        token = _SHOWN.set(frozenset(self._by_id[c] for c in chunk_ids if c in self._by_id))
        try:
            yield
        finally:
            _SHOWN.reset(token)

    def _section_prior(self, chunk: Chunk) -> float:
        last = chunk.section_path[-1] if chunk.section_path else ""
        for label, weight in self.config.section_weights.items():
            if label in last:
                return weight
        return 1.0

    def named_documents(self, query: str) -> set[str]:
        """Documents the question names: by an alias or title (「中間とりまとめでは」「令和7年度の
        更新で」), or as 「この／本／当＋kind of document」 when only one title has that word
        (「この手引き」「本ポリシー」 once a handbook or a policy has been added; 「このガイドライン」
        names none while several titles say it; 「プライバシーポリシー」 names no document)."""
        text = match_key(query)
        named = {
            doc_id
            for doc_id, doc in self.documents.items()
            if any(
                len(name) >= 3 and match_key(name) in text
                for name in (*doc.get("aliases", []), doc.get("title") or "", doc.get("short_title") or "")
            )
        }
        for kind in set(THIS_KIND_RE.findall(text)):
            having = [d for d, doc in self.documents.items() if kind in match_key(doc.get("title") or "")]
            if len(having) == 1:
                named.add(having[0])
        return named | documents_named(query, self._names)

    def _priors(self, role: Role | None, named: set[str] = frozenset(), audience: str | None = None) -> np.ndarray:  # type: ignore[assignment]
        cfg = self.config
        weights = self._section_weight.copy()
        for i, c in enumerate(self.chunks):
            doc = self.documents.get(c.doc_id, {})
            if c.doc_id in named:
                w = cfg.named_document_bonus
            else:
                w = cfg.status_weight.get(doc.get("status", "current"), 1.0)
            if c.segment == "overview":
                w *= cfg.overview_weight
            elif c.segment == "main" and c.item_codes:
                w *= cfg.main_item_weight
            if role is not None:
                if role in c.roles:
                    w *= cfg.own_role_bonus
                elif "common" not in c.roles:
                    w *= cfg.other_role_penalty
            if audience is not None and self._audiences[i] is not None:
                # The asker's group is an organisation's document's role: the same bonus and penalty.
                w *= cfg.own_role_bonus if self._audiences[i] == audience else cfg.other_role_penalty
            weights[i] *= w
        return weights

    def _is_duplicate(self, i: int, picked: list[Hit]) -> bool:
        """Near-duplicates (別添 re-quotes; an overview slide ranked below the body text it
        summarises) collapse to the best ranked. A passage is a duplicate when it is mostly inside
        one ranked above it; one that holds a shorter passage ranked above and says more (a
        slide's steps after the contact list's line that repeats one of them) is kept."""
        a = self._keys[i]
        if not a:
            return False
        for hit in picked:
            b = self._keys[hit.index]
            if b and len(a & b) / len(a) >= self.config.duplicate_overlap:
                # Within one document a copy states the same figures: two passages whose dates or
                # amounts differ are two facts (「令和6年4月1日から施行」, then an amendment's
                # 「令和7年4月1日から施行」). (Another edition's copy differs in its dates: it collapses.)
                small, large = sorted((self._figures[i], self._figures[hit.index]), key=len)
                if small <= large or self.chunks[i].doc_id != hit.chunk.doc_id:
                    return True
        return False

    # -- public API ----------------------------------------------------------------------
    def search(self, query: str, role: Role | None = None, k: int = 10) -> list[Passage]:
        return [self.passage(h.chunk, h.score) for h in self.hits(query, role, k)]

    def passage(self, chunk: Chunk, score: float = 0.0) -> Passage:
        return Passage.from_chunk(chunk, self.documents.get(chunk.doc_id, {}), score)

    def get(self, chunk_id: str) -> Chunk | None:
        i = self._by_id.get(chunk_id)
        return None if i is None else self.chunks[i]

    def neighbours(self, chunk_id: str, span: int = 1) -> tuple[list[Chunk], list[Chunk]]:
        """Chunks just before and after ``chunk_id`` in the same document."""
        i = self._by_id[chunk_id]
        doc = self.chunks[i].doc_id
        before = [c for c in self.chunks[max(0, i - span) : i] if c.doc_id == doc]
        after = [c for c in self.chunks[i + 1 : i + 1 + span] if c.doc_id == doc]
        return before, after

    def embedding_text(self, chunk: Chunk) -> str:
        return embedding_text(chunk)


# 「この手引き」「本ポリシー」: a demonstrative, then a kind of document (on the match key).


def bm25_idf(bm25: Any, n: int) -> dict[str, float]:
    """idf per token from the BM25 index (document frequencies in its CSC matrix)."""
    try:
        vocab: dict[str, int] = bm25.vocab_dict
        indptr = np.asarray(bm25.scores["indptr"])
        df = np.diff(indptr)
        return {tok: float(np.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5))) for tok, i in vocab.items() if i < len(df)}
    except Exception:  # an unexpected bm25s layout only loses weighting, not answers
        log.warning("could not read document frequencies from the BM25 index", exc_info=True)
        return {}
