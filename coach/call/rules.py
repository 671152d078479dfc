"""Rules as data: the analysis thresholds and word lists in `coach/data/analysis.yaml`.

Why a file: a sales-enablement lead tunes what counts as jargon or a feature pitch
without touching Python; a typo in the file fails loudly with the field named.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from coach.content.files import ProblemList, parse_yaml_model


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Similarity(_Rules):
    feature: float = Field(ge=0, le=1)
    feature_alone: float = Field(ge=0, le=1)
    value: float = Field(ge=0, le=1)
    persona_statement: float = Field(ge=0, le=1)
    priority: float = Field(ge=0, le=1)
    hidden_fact: float = Field(ge=0, le=1)
    on_topic: float = Field(ge=0, le=1)


class QuestionRules(_Rules):
    open_starts: list[str]
    closed_starts: list[str]
    leading: list[str]
    discovery: dict[str, list[str]]
    about_them: list[str]


class NextStepRules(_Rules):
    ask: list[str]
    involves_executive: list[str]


class AnalysisRules(_Rules):
    speaking_words_per_minute: int = Field(gt=0)
    monologue_words: int = Field(gt=0)
    long_turn_words: int = Field(gt=0)
    jargon_per_100_words_high: float = Field(gt=0)
    similarity: Similarity
    feature_terms: list[str]
    jargon_terms: list[str]
    plain_acronyms: list[str]
    questions: QuestionRules
    next_step: NextStepRules
    time_check: list[str]
    lecturing: list[str]
    rude: list[str]
    injection: list[str]
    grader_notes: list[str]
    # the question topics that ask about the buyer's own agenda (their priorities and goals)
    agenda_topics: list[str] = ["priority", "goal"]
    neutral_line: str
    promise_terms: list[str]
    figure_exempt_units: list[str]
    case_reference_cues: list[str]
    # a boast read as a claim is product talk too when "feature" is this likely for it ("nobody else
    # combines AI scheduling, routing and IoT"): it pitches, as well as claiming
    claim_as_feature: float = Field(1.0, ge=0, le=1)
    # a claim fails "claimed nothing that cannot be backed" only when it is this likely a promise or a
    # checkable assertion ("you'll see big gains", "nobody else comes close"); soft praise ("customers
    # love it") still draws the buyer's doubt but is no unsupported claim
    claim_commits: float = Field(0.5, ge=0, le=1)


def _read(name: str, path: Path | None) -> tuple[str, Path]:
    if path is not None:
        return path.read_text(encoding="utf-8"), path
    resource = resources.files("coach.data").joinpath(name)
    return resource.read_text(encoding="utf-8"), Path(str(resource))


@lru_cache(maxsize=4)
def load_analysis_rules(path: Path | None = None) -> AnalysisRules:
    """The analysis rules (the shipped file unless `path` is given)."""
    text, where = _read("analysis.yaml", path)
    problems = ProblemList()
    rules = parse_yaml_model(text, where, AnalysisRules, problems)
    problems.raise_if_any()
    assert rules is not None
    return rules
