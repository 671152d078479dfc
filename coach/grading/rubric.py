"""The rubric: criteria with weights and tips, score bands, ratings and caps, from `coach/data/rubric.yaml`.

Why data: a sales enablement lead tunes weights and caps without reading Python. Every criterion
the rubric names must have a registered function (`coach.grading.criteria`), and every registered
function must be in the rubric: a mismatch is one clear error at load, never a silent gap.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.errors import UserInputError


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricCriterion(_Frozen):
    id: str
    question: str
    weight: float
    tip: str
    label: str | None = None  # a few plain words for the scorecard ("Asked open questions and followed up")
    group: str | None = None  # one of the rubric's `groups`, where the scorecard lists it

    @property
    def shown_as(self) -> str:
        """What the scorecard calls it: its label, else its question."""
        return self.label or self.question


class Rubric(_Frozen):
    criteria: list[RubricCriterion]
    bands: dict[str, int]
    ratings: dict[int, int]
    outcome_caps: dict[str, int]
    brief_turn_words: int = Field(90, ge=1)  # a rep turn longer than this is a speech, not plain and brief
    # a turn marked as jargon fails plain_and_brief only with this many jargon words or acronyms in it
    plain_jargon_terms: int = Field(1, ge=1)
    # an opening question read this surely as about their priorities or goals opens on their agenda
    opener_agenda_topic: float = Field(0.2, ge=0, le=1)
    # a product sentence that lists this many things speaks the vendor's language, not plain words
    # ("OCR capture, a three-way match engine and ERP connectors"); None: not checked
    vendor_list_items: int | None = Field(None, ge=2)
    # the words that make a next step concrete (a day, a date, a time or a length: "Thursday", "next week",
    # "45 minutes"), said in the rep's turn or the buyer's reply to it; empty: any next-step ask counts
    next_step_when: list[str] = []
    # a next-step ask with one of these is a push to buy ("sign Friday", "a verbal today"), not a step with them
    pressure_close: list[str] = []
    insight_cues: list[str]  # without dialogue acts: the words that mark an insight
    # how a sentence that tells them what they already know opens ("I know you're refinancing"): no insight
    known_to_them_cues: list[str] = []
    act_confidence: float = Field(0.45, ge=0, le=1)  # how sure a sentence reading must be for a criterion to count it
    follow_up_cues: list[str]
    follow_up_similarity: float = Field(1.0, ge=0, le=1)  # a question this close in meaning to the buyer's last words builds on them
    conduct_caps: dict[str, int]
    cap_reasons: dict[str, str] = {}  # outcome or conduct -> why a cap applies, as a manager would say it
    small_talk_share: float = Field(1.0, ge=0, le=1)  # this share of the rep's words on small talk wastes the time
    speeches_over_time: int | None = Field(None, ge=1)  # this many monologue turns spend the buyer's time on the rep
    groups: list[str] = []  # the scorecard's sections, in order (criteria name theirs in `group`)

    @model_validator(mode="after")
    def _groups_known(self) -> Rubric:
        unknown = sorted({c.group for c in self.criteria if c.group and c.group not in self.groups})
        if unknown:
            raise ValueError(f"criteria name groups that `groups` does not list: {', '.join(unknown)}")
        return self

    def criterion(self, criterion_id: str) -> RubricCriterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


def check_criteria(rubric: Rubric, registered: Collection[str], source: str = "coach/data/rubric.yaml") -> None:
    """Refuse a rubric whose criteria and the registered criterion functions differ."""
    named = [c.id for c in rubric.criteria]
    unknown = [c for c in named if c not in registered]
    missing = [c for c in registered if c not in named]
    duplicated = sorted({c for c in named if named.count(c) > 1})
    problems = [f"names unknown criteria {', '.join(unknown)}" if unknown else "",
                f"leaves out registered criteria {', '.join(missing)}" if missing else "",
                f"names {', '.join(duplicated)} twice" if duplicated else ""]
    problems = [p for p in problems if p]
    if problems:
        raise UserInputError(f"The rubric {source} {'; '.join(problems)}",
                          "give every criterion in coach/grading/criteria.py exactly one entry in the rubric, "
                          "or register a function for a new one with @criterion(\"id\")")


@lru_cache(maxsize=1)
def load_rubric() -> Rubric:
    """The shipped rubric, checked against the registered criteria."""
    from coach.grading.criteria import CRITERIA  # the registry fills as its module loads

    rubric = Rubric.model_validate(yaml.safe_load(
        resources.files("coach.data").joinpath("rubric.yaml").read_text(encoding="utf-8")))
    check_criteria(rubric, CRITERIA)
    return rubric
