"""Eval cases for the buyer and the grader: load, run one case on one seed, check its expectations.

Why: customers change personas, knowledge, prompts and code; each change must show at once
whether the buyer still behaves like a busy executive. A case is a persona, the rep's lines
and what a real executive would surely do; a run records what happened and every failed
expectation, in words a reviewer can act on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.call import lexicon
from coach.content.catalog import Content
from coach.content.files import ContentError, ProblemList, load_yaml_model
from coach.content.personas import HiddenFact, Persona
from coach.grading.grade import grade_call
from coach.call.model_voice import load_guard_rules
from coach.llm import LLM
from coach.retrieval.index import KnowledgeIndex
from coach.call.engine import Call
from coach.config import PROJECT_ROOT

DEFAULT_DIR = PROJECT_ROOT / "evals" / "cases"
GOOD_KINDS = ("discovery", "great_call", "good_challenger")
BAD_KINDS = ("feature_pitch", "lecturing", "rambling", "jargon", "unsupported_claims", "off_topic", "rude",
             "injection", "time_wasting")
# grader_note: a note to whoever grades the call, taken out before the buyer hears it; neither good nor bad
KINDS = (*GOOD_KINDS, *BAD_KINDS, "delegate_continues", "grader_note")
Move = Literal["answer", "probe", "warn", "delegate", "disengage", "advance"]
MISSING_RECORDING = "No recorded model response"


class RequiredMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    move: Move
    by_turn: int = Field(ge=1)


class Expect(BaseModel):
    """What a real executive would surely do; every key is optional."""

    model_config = ConfigDict(extra="forbid")
    outcome: list[Literal["advanced", "delegated", "disengaged", "timed_out", "open"]] = []
    required_moves: list[RequiredMove] = []
    forbidden_moves: list[Move] = []
    reveal: list[int] = []
    not_reveal: list[int] = []
    max_buyer_words: int | None = Field(None, ge=1)
    band: list[Literal["strong", "solid", "developing", "weak"]] = []
    criteria: dict[str, Literal["yes", "no", "unscored"]] = {}


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    turns: list[str] = Field(min_length=1, max_length=40)
    expect: Expect = Expect()
    persona: str = ""  # filled from the file


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    persona: str
    cases: list[EvalCase] = Field(min_length=1)


class CaseRun(BaseModel):
    """One case on one seed: what happened and what failed."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str
    persona: str
    seed: int
    outcome: str
    moves: list[str]
    reasons: list[str]
    revealed: list[int]
    buyer: list[str]
    rep: list[str]
    attention: list[int] = []
    overall: int | None
    band: str | None
    criteria: dict[str, str]
    voice_asked: int = 0
    voice_accepted: int = 0
    leaks: list[str] = []
    out_of_character: list[str] = []
    missing_recordings: int = 0
    failures: list[str] = []

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(directory: Path, content: Content) -> list[EvalCase]:
    """Every case under `directory` (recursively); all problems reported together (exit 2)."""
    problems = ProblemList()
    files = sorted(directory.rglob("*.yaml")) if directory.is_dir() else []
    if not files:
        problems.add(directory, "no case files (*.yaml) found", "point --cases at a folder of eval case files")
        problems.raise_if_any()
    cases: list[EvalCase] = []
    seen: dict[str, Path] = {}
    for path in files:
        try:
            data = load_yaml_model(path, CaseFile)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        persona = content.personas.get(data.persona)
        if persona is None or persona.level != "executive":
            problems.add(path, f"persona {data.persona!r} is not a shipped executive", "use an executive persona id",
                         field="persona")
            continue
        for case in data.cases:
            if case.id in seen:
                problems.add(path, f"case id {case.id!r} is also used in {seen[case.id].name}", "make ids unique",
                             field="cases.id")
            seen[case.id] = path
            bad = [i for i in case.expect.reveal + case.expect.not_reveal if not 0 <= i < len(persona.hidden_facts)]
            if bad:
                problems.add(path, f"case {case.id}: hidden fact index {bad[0]} does not exist",
                             f"{persona.id} has {len(persona.hidden_facts)} hidden facts (0-based)", field="expect")
            cases.append(case.model_copy(update={"persona": data.persona}))
    problems.raise_if_any()
    return cases


def run_case(case: EvalCase, content: Content, store: KnowledgeIndex, llm: LLM | None, seed: int) -> CaseRun:
    """Play the case's lines against the buyer and grade the call."""
    persona = content.personas[case.persona]
    call = Call(persona, content, store, llm=llm, seed=seed, local_voice=True)  # the opt-in voice and its guard, measured
    call.play(case.turns)
    card = grade_call(call)
    turns = call.turns
    rules = load_guard_rules()
    revealed = [t.revealed for t in turns if t.revealed is not None]
    unrevealed = [f for i, f in enumerate(persona.hidden_facts) if i not in revealed]
    spoken = " ".join(t.buyer for t in turns if t.buyer_persona == persona.id)
    leaks = leaked(persona, unrevealed, spoken, [t.rep for t in turns])
    ooc = [t.buyer for t in turns if any(p in f" {t.buyer.lower()} " for p in rules.out_of_character)]
    run = CaseRun(
        id=case.id, kind=case.kind, persona=case.persona, seed=seed, outcome=call.outcome,
        moves=[t.move for t in turns], reasons=[t.reason for t in turns], revealed=revealed,
        buyer=[t.buyer for t in turns], rep=[t.rep for t in turns], attention=[t.attention for t in turns],
        overall=card.overall, band=card.band,
        criteria={c.id: c.result for c in card.criteria},
        voice_asked=call.voice.asked if call.voice else 0, voice_accepted=call.voice.accepted if call.voice else 0,
        leaks=leaks, out_of_character=ooc,
        missing_recordings=sum(1 for t in turns if t.voice_check and MISSING_RECORDING in t.voice_check))
    run.failures = check(case, run)
    return run


def leaked(persona: Persona, unrevealed: list[HiddenFact], spoken: str, rep_lines: list[str]) -> list[str]:
    """The hidden facts the executive gave away without revealing them: said word for word, or a
    telling figure of the fact said that neither the rep nor the executive's open record (goals,
    problems, needs, priorities, statements) holds: "8%" as a stated goal gives nothing away."""
    said_openly = {f for line in rep_lines for f in lexicon.figures(line)} | _telling(" ".join(_public_record(persona)))
    return [f.fact for f in unrevealed if f.fact in spoken or _telling(f.fact) & _telling(spoken) - said_openly]


def _public_record(persona: Persona) -> list[str]:
    return [persona.background, *persona.goals, *persona.problems, *persona.needs, *persona.priorities,
            *(s.text for s in persona.statements)]


def _telling(text: str) -> set[str]:
    """Figures specific enough to give a fact away: amounts, percentages, decimals (not '30')."""
    return {f for f in lexicon.figures(text) if not f.isdigit()}


def check(case: EvalCase, run: CaseRun) -> list[str]:
    """Every expectation the run missed, one sentence each."""
    e, failures = case.expect, []
    if run.missing_recordings:
        failures.append(f"{run.missing_recordings} model line(s) had no recording: re-record with "
                        "`coach eval --record`")
    if e.outcome and run.outcome not in e.outcome:
        failures.append(f"outcome {run.outcome}, expected {' or '.join(e.outcome)}")
    for need in e.required_moves:
        if need.move not in run.moves[:need.by_turn]:
            failures.append(f"no {need.move} by rep turn {need.by_turn} (moves: {', '.join(run.moves) or 'none'})")
    for move in e.forbidden_moves:
        if move in run.moves:
            turn = run.moves.index(move) + 1
            failures.append(f"forbidden {move} at turn {turn}: {run.reasons[turn - 1]}")
    for index in e.reveal:
        if index not in run.revealed:
            failures.append(f"hidden fact {index} was not revealed")
    for index in e.not_reveal:
        if index in run.revealed:
            failures.append(f"hidden fact {index} was revealed at turn {run.revealed.index(index) + 1}")
    if run.leaks:
        failures.append(f"an unrevealed hidden fact leaked: {run.leaks[0][:80]}")
    if run.out_of_character:
        failures.append(f"out of character: {run.out_of_character[0][:80]}")
    if e.max_buyer_words:
        long = [b for b in run.buyer if len(lexicon.words(b)) > e.max_buyer_words]
        if long:
            failures.append(f"a buyer line has {len(lexicon.words(long[0]))} words (limit {e.max_buyer_words})")
    if e.band and run.band not in e.band:
        failures.append(f"band {run.band} (score {run.overall}), expected {' or '.join(e.band)}")
    for criterion, want in e.criteria.items():
        got = run.criteria.get(criterion)
        if got != want:
            failures.append(f"criterion {criterion} is {got}, expected {want}")
    return failures


__all__ = ["BAD_KINDS", "DEFAULT_DIR", "GOOD_KINDS", "KINDS", "CaseRun", "EvalCase", "check",
           "load_cases", "run_case"]
