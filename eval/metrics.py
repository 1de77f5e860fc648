"""Evaluation metrics as pure functions (no I/O, no index, no model).

Conventions
-----------
* Text is compared after :func:`normalise` (NFKC, then every whitespace character
  removed), the same form the question set's evidence spans are validated with.
* A passage is *relevant* when its normalised text contains a normalised gold span; with
  several spans, any one suffices.
* Ranking metrics take ``rels``: one boolean per retrieved passage, in rank order.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from eval.schema import normalize_for_match
from guideqa.text import char_ngrams as ngrams
from guideqa.text import split_sentences

# A citation marker: [1], [1, 2], [1][2] (half-width after NFKC; full-width accepted too).
_MARKER = re.compile(r"\s*[\[［](\d+(?:\s*[,，、]\s*\d+)*)[\]］]")
# Leading labels added around quoted sentences: 【D-2) i. ...】 item prefixes and
# 「前提について: 」-style labels (a short phrase ending in について + colon).
_LABEL_PREFIX = re.compile(r"^\s*[^\s:：。【】]{1,12}について\s*[:：]\s*")
_BULLET = re.compile(r"^\s*(?:[-*・•]|\d+[.)．])\s+")

SOFT_KEY_POINT_RECALL = 0.6
# Readability: an answer sentence longer than this is a wall of text (or a flattened table).
LONG_SENTENCE_CHARS = 250
OVERLAP_SUPPORT_THRESHOLD = 0.7


def normalise(text: str) -> str:
    """NFKC, then remove all whitespace (incl. U+3000 and newlines)."""
    return normalize_for_match(text)


# --- relevance and ranking ------------------------------------------------------------------
def contains_span(text: str, spans: Iterable[str]) -> bool:
    """True when the normalised ``text`` contains any normalised non-empty span."""
    key = normalise(text)
    return any((s := normalise(span)) and s in key for span in spans)


def relevance(passages: Sequence[str], spans: Sequence[str]) -> list[bool]:
    """Binary relevance of each passage text (rank order) against the gold spans."""
    keys = [s for s in (normalise(span) for span in spans) if s]
    return [any(s in normalise(p) for s in keys) for p in passages]


def hit_at_k(rels: Sequence[bool], k: int) -> float:
    """1.0 if a relevant passage is within the top ``k``, else 0.0."""
    return 1.0 if any(rels[:k]) else 0.0


def first_relevant_rank(rels: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, or None."""
    for i, rel in enumerate(rels):
        if rel:
            return i + 1
    return None


def reciprocal_rank(rels: Sequence[bool], k: int | None = None) -> float:
    """1 / rank of the first relevant passage (within the top ``k`` if given), else 0."""
    rank = first_relevant_rank(rels[:k] if k else rels)
    return 1.0 / rank if rank else 0.0


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(rels: Sequence[bool], k: int = 10, n_relevant: int | None = None) -> float:
    """nDCG@k with binary relevance.

    The ideal ranking puts ``R`` relevant passages first, where ``R`` is ``n_relevant`` (how
    many relevant passages a perfect ranking would show) raised to the number of relevant
    passages actually retrieved in the top ``k`` (so the score never exceeds 1), capped at
    ``k``. Without ``n_relevant``, ``R`` is the number retrieved (the retrieved list's ideal
    reordering). The runner passes the number of gold spans: a question with two evidence
    spans expects two relevant passages.
    """
    top = [1.0 if r else 0.0 for r in rels[:k]]
    found = int(sum(top))
    ideal_n = min(k, max(found, n_relevant or 0))
    if ideal_n == 0:
        return 0.0
    return dcg(top) / dcg([1.0] * ideal_n)


# --- citations (ALCE-style, span based) ---------------------------------------------------------
def citation_recall(citations: Sequence[str], spans: Sequence[str]) -> float:
    """1.0 if some cited passage holds a gold span, else 0.0 (also 0.0 without citations)."""
    return 1.0 if any(relevance(citations, spans)) else 0.0


def citation_precision(citations: Sequence[str], spans: Sequence[str]) -> float | None:
    """Share of cited passages that hold a gold span; None when nothing is cited."""
    if not citations:
        return None
    rels = relevance(citations, spans)
    return sum(rels) / len(rels)


# --- answer sentences and support ---------------------------------------------------------------
@dataclass(frozen=True)
class CitedSentence:
    text: str  # labels and markers stripped
    citations: tuple[int, ...]


def _strip_bracket_prefix(text: str) -> str:
    """Remove leading 【…】 groups, nested ones included (【行動目標 5-1【…】】)."""
    text = text.lstrip()
    while text.startswith("【"):
        depth = 0
        for i, ch in enumerate(text):
            depth += (ch == "【") - (ch == "】")
            if depth == 0:
                text = text[i + 1 :].lstrip()
                break
        else:  # unbalanced: leave the text alone
            return text
    return text


def strip_label(sentence: str) -> str:
    """Remove a leading 【…】 item prefix (nested brackets too), a 「…について: 」 label and
    a list bullet."""
    text = _strip_bracket_prefix(sentence)
    text = _LABEL_PREFIX.sub("", text)
    return _BULLET.sub("", text).strip()


def split_cited_sentences(answer: str) -> list[CitedSentence]:
    """Split an answer text into sentences with the citation numbers each one carries.

    Sentences end at a line break or at 。!?！？. Within a line, a marker ``[n]`` applies to
    every sentence since the previous marker (``文A。文B。[1]`` cites [1] for both); markers
    placed just after a full stop (``…です。[1]``) belong to the sentences before them.
    Sentences after the last marker of a line carry no citation. Labels are stripped.
    """
    out: list[CitedSentence] = []
    for line in answer.splitlines():
        group: list[str] = []
        last_start = len(out)  # first sentence of the group the latest marker applied to
        for piece in split_sentences(line):
            pos = 0
            for match in _MARKER.finditer(piece):
                _add_text(group, piece[pos : match.start()])
                pos = match.end()
                numbers = [int(n) for n in re.split(r"\s*[,，、]\s*", match.group(1))]
                if group:
                    last_start = len(out)
                    out.extend(CitedSentence(strip_label(t), tuple(numbers)) for t in group)
                    group = []
                elif out:  # consecutive markers ([1][2]) extend the citations of that same group
                    for j in range(min(last_start, len(out) - 1), len(out)):
                        out[j] = CitedSentence(out[j].text, tuple(dict.fromkeys([*out[j].citations, *numbers])))
            _add_text(group, piece[pos:])
        out.extend(CitedSentence(strip_label(t), ()) for t in group)
    return [s for s in out if normalise(s.text) and not _only_punct(s.text)]


def _add_text(group: list[str], text: str) -> None:
    """Queue a sentence (or the part of one before/after a marker) unless it is empty."""
    if normalise(text) and not _only_punct(text):
        group.append(text)


def _only_punct(text: str) -> bool:
    return all(not ch.isalnum() for ch in normalise(text))


def contained_support(sentence: str, passages: Sequence[str]) -> bool:
    """Extractive support: the normalised sentence is a substring of a cited passage."""
    key = normalise(strip_label(sentence))
    return bool(key) and any(key in normalise(p) for p in passages)


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Character n-grams of the normalised text (the text itself if shorter than ``n``)."""
    key = normalise(text)
    return ngrams(key, n) or ([key] if key else [])


def token_overlap(
    sentence: str, passages: Sequence[str], tokenize: Callable[[str], Iterable[str]] = char_ngrams
) -> float:
    """Share of the sentence's tokens (default: character bigrams, suited to Japanese) that
    occur in the cited passages taken together."""
    tokens = list(tokenize(strip_label(sentence)))
    if not tokens:
        return 0.0
    seen: set[str] = set()
    for p in passages:
        seen.update(tokenize(p))
    return sum(1 for t in tokens if t in seen) / len(tokens)


def overlap_support(
    sentence: str,
    passages: Sequence[str],
    threshold: float = OVERLAP_SUPPORT_THRESHOLD,
    tokenize: Callable[[str], Iterable[str]] = char_ngrams,
) -> bool:
    """Abstractive (LLM) support: token overlap with the cited passages ≥ ``threshold``."""
    return bool(passages) and token_overlap(sentence, passages, tokenize) >= threshold


SupportCheck = Callable[[str, Sequence[str]], bool]


def support_check_for(generator: str) -> SupportCheck:
    """Containment for the extractive generator (and the naive quote), overlap for others."""
    return contained_support if generator in ("extractive", "naive") else overlap_support


def unsupported_flags(
    sentences: Sequence[CitedSentence], citations: Mapping[int, str], supported: SupportCheck = contained_support
) -> list[bool]:
    """One flag per sentence: True when it is not supported by the passages it cites.

    A sentence without citations, or citing only unknown numbers, is unsupported.
    """
    flags = []
    for sent in sentences:
        cited = [citations[n] for n in sent.citations if n in citations]
        flags.append(not cited or not supported(sent.text, cited))
    return flags


def unsupported_rate(
    sentences: Sequence[CitedSentence], citations: Mapping[int, str], supported: SupportCheck = contained_support
) -> float | None:
    """Share of sentences not supported by their citations; None when there is no sentence."""
    flags = unsupported_flags(sentences, citations, supported)
    return sum(flags) / len(flags) if flags else None


# --- key points -----------------------------------------------------------------------------------
def bigram_recall(reference: str, text: str) -> float:
    """Share of the reference's character bigrams (with repeats) found in ``text``."""
    ref = char_ngrams(reference)
    if not ref:
        return 0.0
    seen = set(char_ngrams(text))
    return sum(1 for g in ref if g in seen) / len(ref)


def key_point_coverage(key_points: Sequence[str], answer: str) -> float | None:
    """Share of key points whose normalised text appears in the answer; None without key points."""
    if not key_points:
        return None
    key = normalise(answer)
    return sum(1 for kp in key_points if normalise(kp) in key) / len(key_points)


def key_point_coverage_soft(
    key_points: Sequence[str], answer: str, threshold: float = SOFT_KEY_POINT_RECALL
) -> float | None:
    """Share of key points whose character-bigram recall in the answer is ≥ ``threshold``."""
    if not key_points:
        return None
    return sum(1 for kp in key_points if bigram_recall(kp, answer) >= threshold) / len(key_points)


# --- aggregation helpers --------------------------------------------------------------------------
def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the non-None values; None when there are none."""
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..1); None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None
