"""The rule before its explanation: an article (第N条) ranks just ahead of the Q&A entry, form
or appendix that explains it (the links are found at ingest: :mod:`ingest.explanations`).

A question phrased like a Q&A entry (「…してもいいですか」) matches the entry better than the
article; but the article is the normative text — what the entry answers is what the article
says — so the answer leads with the article and cites the entry second. The explanation
passes its rank to the article it explains (when it explains several, the one that matches
the question best: one article per entry, so that the passages that matched the question on
their own are not pushed far down). Documents without such links (the bundled guideline)
are ranked exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from guideqa.models import Chunk


def rules_first(
    ranked: list[int], scores: np.ndarray, chunks: Sequence[Chunk], by_id: Mapping[str, int], window: int
) -> tuple[list[int], np.ndarray]:
    """``ranked`` (chunk indices, best first) with, for each of the first ``window`` entries
    that explains articles, the best-scoring of them moved to just before it (unless it
    already ranks higher); ``scores`` lifted to match (a copy)."""
    head = ranked[:window]
    if not any(chunks[i].explains for i in head):
        return ranked, scores
    scores = scores.copy()
    out: list[int] = []
    seen: set[int] = set()
    for i in head:
        if i in seen:
            continue
        explained = [by_id[a] for a in chunks[i].explains if a in by_id]
        if explained:
            article = max(explained, key=lambda a: scores[a])
            if article not in seen:
                out.append(article)
                seen.add(article)
                scores[article] = max(scores[article], scores[i])
        out.append(i)
        seen.add(i)
    out.extend(i for i in ranked[window:] if i not in seen)
    return out, scores
