"""Buyer personas: `personas/<id>.yaml`, validated strictly.

Why strict: a typo in a persona silently changes how the buyer behaves. Unknown keys,
wrong types, unknown voice placeholders and ids that do not match the file name are all
errors that name the file, the line, the field and the fix.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from coach.content.files import ProblemList, add_validation_errors, line_of, load_folders, load_yaml, read_text

ID_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
MOVES = ("open", "answer", "probe", "warn", "delegate", "disengage", "advance")
# how the buyer frames a reply inside a move: nothing on the topic asked; a reaction to a statement; a goodbye
REACTIONS = ("no_content", "fit_question", "how_it_fits", "doubt", "interest", "steer_back", "goodbye", "go_ahead")
LINE_GROUPS = (*MOVES, *REACTIONS)
PLACEHOLDERS = frozenset({"delegate_name", "delegate_title", "delegate_handles", "priority", "goal", "problem",
                          "fact", "statement", "minutes_left", "company"})
# what a buyer's answer draws on; a rep's question is answered from the statement closest in meaning
Topic = Literal["situation", "problem", "goal", "priority", "constraint", "opinion", "objection", "people",
                "history", "value"]
TOPICS: tuple[str, ...] = Topic.__args__  # type: ignore[attr-defined]

_Text = Field(min_length=1, max_length=600)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Company(_Strict):
    name: str = _Text
    industry: str = _Text
    size: str = Field("", max_length=200)


class HiddenFact(_Strict):
    fact: str = _Text
    reveal_when: str = _Text
    topic: Topic = "problem"
    # questions a rep might ask that should bring it out, in varied words (a question close in meaning
    # to any of them, to `reveal_when` or to the fact itself asks about it)
    asked_like: list[str] = Field([], max_length=20)


class Statement(_Strict):
    """Something the buyer will say when asked about its topic, in their own words."""

    topic: Topic
    text: str = _Text
    # the kind of question it answers, in plain words: one phrasing, or several in different words
    asked_by: list[str] = Field([], max_length=20)

    @field_validator("asked_by", mode="before")
    @classmethod
    def _one_phrasing_or_several(cls, value: object) -> object:
        return ([value] if value else []) if isinstance(value, str) else value


class Objection(_Strict):
    """A concern the buyer raises, and what would answer it."""

    text: str = _Text
    answered_by: str = Field("", max_length=600)


class VoiceLines(_Strict):
    open: list[str] = []
    answer: list[str] = []
    probe: list[str] = []
    warn: list[str] = []
    delegate: list[str] = []
    disengage: list[str] = []
    advance: list[str] = []
    no_content: list[str] = []    # nothing on the topic asked: say so, steer back to what matters
    fit_question: list[str] = []  # to a customer story: how does it fit us, what numbers
    how_it_fits: list[str] = []   # to a capability: how would it work here, what would it take (no "they")
    doubt: list[str] = []         # to a claim or guarantee
    interest: list[str] = []      # to value in their terms; `{statement}` adds their side
    steer_back: list[str] = []    # to talk beside the point
    goodbye: list[str] = []       # to the rep's goodbye: no question
    go_ahead: list[str] = []      # to a time check or an agenda: agree, hand over the floor

    @field_validator(*LINE_GROUPS)
    @classmethod
    def _known_placeholders(cls, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(line) if name is not None}
            except ValueError as exc:
                raise ValueError(f"line {index + 1} has a broken placeholder ({exc}); write {{name}}") from None
            unknown = names - PLACEHOLDERS
            if unknown:
                raise ValueError(f"line {index + 1} uses unknown placeholder(s) {sorted(unknown)}; "
                                 f"allowed: {', '.join(sorted(PLACEHOLDERS))}")
        return lines


class Voice(_Strict):
    style: str = _Text
    lines: VoiceLines = VoiceLines()


class Persona(_Strict):
    """A simulated buyer: who they are, what they care about, how they talk."""

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    name: str = _Text
    title: str = _Text
    title_key: str = Field(pattern=ID_PATTERN, max_length=40)
    level: Literal["executive", "delegate"]
    company: Company
    offering: str | None = Field(None, max_length=200)  # what the rep sells them (a knowledge `offering`); optional
    time_budget_min: int = Field(ge=5, le=120)
    patience: Literal["low", "medium", "high"]
    delegates_to: str | None = Field(None, pattern=ID_PATTERN)
    background: str = Field("", max_length=1200)
    goals: list[str] = Field(min_length=1)
    problems: list[str] = Field(min_length=1)
    needs: list[str] = Field(min_length=1)
    priorities: list[str] = Field(min_length=1)
    hidden_facts: list[HiddenFact] = []
    objections: list[str | Objection] = []
    handles: str = Field("", max_length=200)  # what they look after, said when a hand-off names them
    statements: list[Statement] = []  # what they say when asked, tagged by topic
    voice: Voice
    _source: Path | None = PrivateAttr(None)

    @property
    def source(self) -> Path:
        """The file this persona was read from."""
        return self._source or Path(f"{self.id}.yaml")

    @model_validator(mode="after")
    def _executive_has_a_delegate(self) -> Persona:
        if self.level == "executive" and not self.delegates_to:
            raise ValueError("an executive needs `delegates_to`: the persona id of the subordinate "
                             "they hand a feature-pitching rep to")
        return self

    @property
    def is_executive(self) -> bool:
        return self.level == "executive"

    @property
    def objection_texts(self) -> list[str]:
        """The objections as the buyer says them."""
        return [o if isinstance(o, str) else o.text for o in self.objections]


def _check_file(path: Path, problems: ProblemList) -> Persona | None:
    text = read_text(path, problems)
    if text is None:
        return None
    data, node = load_yaml(text, path, problems)
    if data is None and node is None:
        return None
    if not isinstance(data, dict):
        problems.add(path, "must be a mapping of key: value lines (see the persona format in README.md)",
                     "start the file with `id: ...` and the other persona keys", line=1)
        return None
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        add_validation_errors(exc, path, node, problems)
        return None
    if persona.id != path.stem:
        problems.add(path, f"id {persona.id!r} does not match the file name", f"rename the file to {persona.id}.yaml "
                     "or change the id", line=line_of(node, ("id",)), field="id")
        return None
    persona._source = path
    return persona


def persona_files(directory: Path) -> list[Path]:
    """The persona files in a folder (`*.yaml` and `*.yml`), sorted."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_persona_dirs(directories: list[Path], problems: ProblemList) -> dict[str, Persona]:
    """Every valid persona in the folders, by id; problems (including duplicates) are collected."""
    found = load_folders(directories, persona_files, _check_file, lambda p: p.id, "persona .yaml", problems)
    return {persona_id: persona for persona_id, (persona, _) in found.items()}


def load_persona_file(path: Path) -> Persona:
    """One persona file, or ContentError listing what is wrong with it."""
    problems = ProblemList()
    persona = _check_file(path, problems)
    problems.raise_if_any()
    assert persona is not None
    return persona

