"""Whether a question is about the organisations' own rules or about the bundled documents, by its words.

An index that holds an organisation's own rules beside the bundled guideline ranks both
documents' passages together. The bundled documents are long and speak of AI in general; an
organisation's rules are short and speak of its own procedures (申請, 所属長, 私物端末, 施行). A
question about those (「AI使いたいんだけど、いつまでに申し込めばいい？」) shares few words with
either, and a dense ranking over thousands of the guideline's passages often puts them first.

This module compares how typical the question's words are of the added documents and of the
bundled ones: a query-likelihood ratio over passages (the share of passages holding the word,
Dirichlet-smoothed with the whole index), a word matching its Sudachi synonyms as in the BM25
channel. The mean log ratio per word (each clipped) is the question's affinity to the added documents; the
retriever turns a positive one into a prior on all their passages alike
(:attr:`retriever.search.SearchConfig.affinity_weight`), so that the order among several
organisations' documents stays the ranking's. Nothing here reads a document beyond its words,
and nothing comes from an evaluation question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Dirichlet prior (in passages): a word seen in none of a short document's passages is not
# proof the question is about another one.
SMOOTHING = 2.0
# Each word's log ratio is clipped: one rare word (a unit name only the added rules use, 「課」) must
# not decide alone.
MAX_AFFINITY = 1.0


@dataclass(frozen=True)
class DocumentAffinity:
    """Passage frequencies of each vocabulary word in the added documents and in the rest."""

    added: np.ndarray  # (passages,) bool: the passage is an added document's
    passages: int  # passages of the added documents
    df: np.ndarray  # (vocabulary,) of them holding the word
    rest_passages: int
    rest_df: np.ndarray  # (vocabulary,) other passages holding the word
    background: np.ndarray  # (vocabulary,) share of all passages holding the word

    @classmethod
    def build(cls, presence: object, added: np.ndarray) -> DocumentAffinity | None:
        """From a (passages × vocabulary) sparse matrix whose non-zeros mark the words a passage
        holds and the mask of the added documents' passages; None when either side is empty."""
        from scipy.sparse import csr_matrix

        matrix = csr_matrix(presence, copy=True)
        matrix.data = np.ones_like(matrix.data, dtype=np.float64)
        added = np.asarray(added, dtype=bool)
        if not added.any() or added.all():
            return None
        df = np.asarray(matrix[added].sum(axis=0)).ravel()
        rest_df = np.asarray(matrix[~added].sum(axis=0)).ravel()
        background = (df + rest_df + 0.5) / (matrix.shape[0] + 1.0)
        return cls(added, int(added.sum()), df, int((~added).sum()), rest_df, background)

    def score(self, word_ids: Sequence[Sequence[int]]) -> float:
        """The question's affinity to the added documents, given as, per word, the vocabulary
        ids that stand for it (itself and its synonyms): the mean over words of the log ratio of
        the smoothed share of the added passages holding it to that share of the others, each
        clipped to ±:data:`MAX_AFFINITY`. Words the index lacks are left out; no word → 0."""
        words = [list(ids) for ids in word_ids if len(ids)]
        if not words:
            return 0.0
        total = 0.0
        for ids in words:
            prior = float(self.background[ids].max())
            own = (float(self.df[ids].max()) + SMOOTHING * prior) / (self.passages + SMOOTHING)
            rest = (float(self.rest_df[ids].max()) + SMOOTHING * prior) / (self.rest_passages + SMOOTHING)
            total += float(np.clip(np.log(own / rest), -MAX_AFFINITY, MAX_AFFINITY))
        return total / len(words)


def added_weight(affinity: float, weight: float) -> float:
    """The prior factor of the added documents' passages: exp(weight × affinity) for a question
    leaning to them; 1 otherwise (words the bundled documents share are no evidence that a
    question is not about the organisation's rules)."""
    return float(np.exp(weight * max(affinity, 0.0)))
