"""The scorecard's typed shape: what `coach grade --json` prints, the store keeps and the pages show.

Why a leaf module: the criteria, the grading orchestration, the calibration, the database and the
pages all read one shape; none of them needs the others to know it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

GRADER_VERSION = "1"
Result = Literal["yes", "no", "unscored"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(_Frozen):
    """Words from the rep's turn `turn` that decided a criterion."""

    turn: int
    quote: str


class CriterionResult(_Frozen):
    id: str
    question: str
    result: Result
    evidence: list[Quote]
    tip: str


class Scorecard(BaseModel):
    """The `coach grade --json` object."""

    model_config = ConfigDict(extra="forbid")
    overall: int | None
    band: str | None
    rating: int | None = None  # the 1-5 scale managers use, from the overall score
    outcome: str
    criteria: list[CriterionResult]
    metrics: dict
    coaching: dict
    judge: dict | None = None  # the optional model judge's checked answers and disagreements
    grader_version: str = GRADER_VERSION
