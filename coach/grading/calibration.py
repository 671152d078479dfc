"""Agreement between the grader and sales managers on labelled transcripts.

Why: a grade is only useful if a manager would have given the same one. Each file in
`evals/calibration/` is a transcript with a manager's 1-5 rating and a yes/no per rubric
criterion; this module grades every transcript and measures agreement (quadratic weighted
kappa, exact and ±1 rating agreement, per-criterion accuracy, confusion matrix). The labels
are fixed: the grader is tuned to managers, never the labels to the grader.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from coach.content.files import ContentError, ProblemList, load_yaml_model
from coach.grading.rubric import Rubric, load_rubric
from coach.grading.scorecard import Scorecard
from coach.grading.grade import rating_for
from coach.content.catalog import Content
from coach.retrieval.index import KnowledgeIndex
from coach.call.engine import Call
from coach.acts.types import SentenceReader
from coach.call.simulate import TranscriptFile, TranscriptTurn, grade_transcript
from coach.config import PROJECT_ROOT

DEFAULT_DIR = PROJECT_ROOT / "evals" / "calibration"
RATINGS = (1, 2, 3, 4, 5)


class LabelAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: bool
    reason: str = Field(min_length=1)


class ManagerLabel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    band: int = Field(ge=1, le=5)
    reason: str = Field(min_length=1)
    criteria: dict[str, LabelAnswer]


class CalibrationCase(BaseModel):
    """One labelled transcript (a `coach grade` transcript plus the manager's label)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    persona: str
    kind: str
    outcome_seen: str
    turns: list[TranscriptTurn] = Field(min_length=1)
    label: ManagerLabel


class CaseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    persona: str
    kind: str
    outcome_seen: str
    manager_rating: int
    grader_rating: int | None
    overall: int | None
    outcome: str
    criteria: dict[str, dict[str, str]]  # id → {"manager": yes|no, "grader": yes|no|unscored}


class CalibrationReport(BaseModel):
    """Agreement figures; `None` where nothing could be compared."""

    model_config = ConfigDict(extra="forbid")
    cases: int
    rated: int
    qwk: float | None
    exact: float | None
    within_one: float | None
    criterion_accuracy: dict[str, float | None]
    criterion_scored: dict[str, int]
    outcome_agreement: float | None = None  # the outcome read from the transcript vs what the labeller saw
    pairwise_order: float | None = None  # of pairs the manager rated differently, the share the score orders alike
    confusion: list[list[int]]  # rows: manager rating 1-5, columns: grader rating 1-5
    results: list[CaseResult]


def load_cases(directory: Path, rubric: Rubric) -> list[CalibrationCase]:
    """Every labelled transcript in `directory`; all problems reported together."""
    problems = ProblemList()
    cases: list[CalibrationCase] = []
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        problems.add(directory, "no calibration files (*.yaml) found",
                     "pass `coach eval --calibration --dir FOLDER` with a folder of labelled transcripts")
        problems.raise_if_any()
    known = {c.id for c in rubric.criteria}
    for path in files:
        try:
            case = load_yaml_model(path, CalibrationCase)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        if case.id != path.stem:
            problems.add(path, f"id {case.id!r} differs from the file name", f"set `id: {path.stem}`", field="id")
        missing, unknown = known - case.label.criteria.keys(), case.label.criteria.keys() - known
        if missing or unknown:
            problems.add(path, f"label criteria missing {sorted(missing)} / unknown {sorted(unknown)}",
                         "label every criterion id in coach/data/rubric.yaml, and only those", field="label.criteria")
        cases.append(case)
    problems.raise_if_any()
    return cases


def transcript_grader(content: Content, store: KnowledgeIndex,
                      reader: SentenceReader | None = None) -> Callable[[CalibrationCase], Scorecard]:
    """Grades a labelled transcript the way `coach grade` would (rules only, no model): on its own
    buyer lines, the outcome read from them (the label's `outcome_seen` is what it is compared with)."""
    def grade(case: CalibrationCase) -> Scorecard:
        call = Call(content.personas[case.persona], content, store, reveals=False)
        return grade_transcript(TranscriptFile(persona=case.persona, turns=case.turns), call, reader)
    return grade


def quadratic_weighted_kappa(manager: list[int], grader: list[int], levels: int = 5) -> float | None:
    """Cohen's kappa with quadratic weights on a 1..levels scale (1 = perfect, 0 = chance)."""
    if not manager:
        return None
    observed = np.zeros((levels, levels))
    for m, g in zip(manager, grader, strict=True):
        observed[m - 1, g - 1] += 1
    weights = np.array([[(i - j) ** 2 for j in range(levels)] for i in range(levels)]) / (levels - 1) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    denominator = (weights * expected).sum()
    return 1.0 if denominator == 0 else float(1 - (weights * observed).sum() / denominator)


def evaluate(cases: list[CalibrationCase], grade: Callable[[CalibrationCase], Scorecard],
             rubric: Rubric | None = None,
             progress: Callable[[int, int], None] | None = None) -> CalibrationReport:
    """Grade every case and compare with the manager's label."""
    rubric = rubric or load_rubric()
    results: list[CaseResult] = []
    for number, case in enumerate(cases, 1):
        card = grade(case)
        got = {c.id: c.result for c in card.criteria}
        results.append(CaseResult(
            id=case.id, persona=case.persona, kind=case.kind, outcome_seen=case.outcome_seen,
            manager_rating=case.label.band,
            grader_rating=rating_for(card.overall, rubric), overall=card.overall, outcome=card.outcome,
            criteria={cid: {"manager": "yes" if answer.answer else "no", "grader": got.get(cid, "unscored")}
                      for cid, answer in case.label.criteria.items()}))
        if progress:
            progress(number, len(cases))
    rated = [r for r in results if r.grader_rating is not None]
    manager = [r.manager_rating for r in rated]
    grader = [r.grader_rating for r in rated if r.grader_rating is not None]
    confusion = [[sum(1 for r in rated if r.manager_rating == m and r.grader_rating == g) for g in RATINGS]
                 for m in RATINGS]
    accuracy: dict[str, float | None] = {}
    scored: dict[str, int] = {}
    for criterion in rubric.criteria:
        pairs = [r.criteria[criterion.id] for r in results if criterion.id in r.criteria]
        judged = [p for p in pairs if p["grader"] != "unscored"]  # unscored is left out, never counted wrong
        scored[criterion.id] = len(judged)
        accuracy[criterion.id] = (sum(p["grader"] == p["manager"] for p in judged) / len(judged)) if judged else None
    return CalibrationReport(
        cases=len(results), rated=len(rated), qwk=quadratic_weighted_kappa(manager, grader),
        exact=(sum(m == g for m, g in zip(manager, grader, strict=True)) / len(rated)) if rated else None,
        within_one=(sum(abs(m - g) <= 1 for m, g in zip(manager, grader, strict=True)) / len(rated))
        if rated else None,
        criterion_accuracy=accuracy, criterion_scored=scored, confusion=confusion, results=results,
        outcome_agreement=(sum(_ended(r.outcome) == _ended(r.outcome_seen) for r in results) / len(results))
        if results else None,
        pairwise_order=pairwise_order([(r.manager_rating, r.overall) for r in results if r.overall is not None]))


def _ended(outcome: str) -> str:
    """A simulated call that ran out of time reads, from its transcript, as one the buyer ended."""
    return "disengaged" if outcome == "timed_out" else outcome


def pairwise_order(pairs: list[tuple[int, int]]) -> float | None:
    """Of every two calls the manager rated differently, the share whose scores put them in the same
    order (a tie counts half): does the grader rank the better call higher?"""
    agree = total = 0.0
    for i, (rating_a, score_a) in enumerate(pairs):
        for rating_b, score_b in pairs[i + 1:]:
            if rating_a == rating_b:
                continue
            total += 1
            same = (rating_a - rating_b) * (score_a - score_b)
            agree += 1.0 if same > 0 else 0.5 if same == 0 else 0.0
    return round(agree / total, 4) if total else None
