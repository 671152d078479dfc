"""The scorecard's typed shape: what `coach grade --json` prints, the store keeps and the pages show.

Why a leaf module: the criteria, the grading orchestration, the calibration, the database and the
pages all read one shape; none of them needs the others to know it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

GRADER_VERSION = "1"
Result = Literal["yes", "no", "unscored"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Typed(BaseModel):
    """A scorecard part: unknown keys are refused; optional keys left empty are not printed."""

    model_config = ConfigDict(extra="forbid")
    _omitted_when_none: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _drop_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return {k: v for k, v in data.items() if not (k in self._omitted_when_none and v is None)}


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


class Metrics(_Typed):
    """Numbers a manager reads at a glance. Every field has a default, so a call graded by an older
    release, stored without some of them, still reads."""

    _omitted_when_none = ("rep_turns_after_end",)
    rep_turns: int = 0
    rep_talk_share: float = 0.0
    rep_seconds: float = 0.0
    questions: int = 0
    open_questions: int = 0
    leading_questions: int = 0
    discovery_kinds: dict[str, int] = {}
    longest_turn_words: int = 0
    feature_pitches: int = 0
    value_for_title_turns: int = 0
    jargon_per_100_words: float = 0.0
    priorities_named: list[str] = []
    case_notes_used: list[str] = []
    case_note_figures_wrong: int = 0
    unsupported_claims: int = 0
    minutes_used: float = 0.0
    minutes_budget: int | None = None
    next_step_asked: bool = False
    next_step_agreed: bool = False
    next_step_with: str | None = None
    outcome: str = "open"
    attention: list[int] = []
    rep_turns_after_end: int | None = None  # a graded transcript: rep lines said after the buyer ended the call


class DocRef(_Frozen):
    """A value proposition or case note the coaching points to."""

    id: str
    title: str


class Strength(_Typed):
    criterion: str
    note: str
    evidence: list[Quote]


class Improvement(_Typed):
    criterion: str
    tip: str
    use: DocRef | None


class Rewrite(_Typed):
    """What to say instead at the turn that cost the most attention."""

    _omitted_when_none = ("built",)
    turn: int
    original: str
    suggested: str
    why: str
    source: list[DocRef | None] = []
    written_by: Literal["rules", "model"] = "rules"  # calls graded before the model judge existed say nothing
    built: str | None = None  # the rules' line, when the model's rewrite replaced it


class Coaching(_Typed):
    strengths: list[Strength] = []
    improvements: list[Improvement] = []
    rewrite: Rewrite | None = None


class JudgeAnswer(_Typed):
    """The model judge's answer to one criterion, after the checks (`unscored` with why if it failed one)."""

    _omitted_when_none = ("turn", "quote", "reason", "why")
    id: str
    result: Result
    turn: int | None = None
    quote: str | None = None
    reason: str | None = None
    why: str | None = None


class Disagreement(_Typed):
    id: str
    deterministic: Result
    judge: Result
    reason: str


class JudgeReport(_Typed):
    """The optional model judge beside the rules; it never changes the score."""

    backend: str
    model: str
    criteria: list[JudgeAnswer] = []
    disagreements: list[Disagreement] = []
    rewrite: str | None = None
    error: str | None = None


OutcomeSource = Literal["simulated", "file", "buyer_lines"]


class Scorecard(BaseModel):
    """The `coach grade --json` object."""

    model_config = ConfigDict(extra="forbid")
    overall: int | None
    band: str | None
    rating: int | None = None  # the 1-5 scale managers use, from the overall score
    outcome: str
    criteria: list[CriterionResult]
    metrics: Metrics
    coaching: Coaching
    judge: JudgeReport | None = None  # the optional model judge's checked answers and disagreements
    # where the outcome came from: "simulated" (our buyer), "file" (the transcript said), "buyer_lines" (read
    # from what the buyer said, quoted in outcome_evidence); None on scorecards from older releases
    outcome_source: OutcomeSource | None = None
    outcome_evidence: str | None = None
    # why the score is below what the criteria earned: the outcome's or a conduct fault's cap, in words
    # ("No next step was agreed: 64 at most."); None when nothing capped it, and on older scorecards
    capped_by: str | None = None
    grader_version: str = GRADER_VERSION
