"""Scripted calls: `coach simulate` runs rep lines from a file against a buyer.

Why a library module: the CLI, the eval suite and the tests run scripts the same way, and
the JSON it produces is a public contract (DESIGN.md) that other people's scripts read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.buyer import Outcome
from coach.content import Content, cross_check, load_content
from coach.contentio import ContentError, ProblemList, load_yaml_model
from coach.errors import UserInputError
from coach.personas import Persona, load_persona_file
from coach.grader import Scorecard, grade_call
from coach.llm import LLM
from coach.session import Call, CallTurn

MAX_SCRIPT_TURNS = 200


class ScriptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    turns: list[str] = Field(min_length=1, max_length=MAX_SCRIPT_TURNS)

    @field_validator("turns")
    @classmethod
    def _no_blank_turns(cls, turns: list[str]) -> list[str]:
        blank = [str(i) for i, t in enumerate(turns) if not t.strip()]
        if blank:
            raise ValueError(f"turn(s) {', '.join(blank)} are blank (counting from 0); write what the rep says")
        return turns


class SimulationResult(BaseModel):
    """The `coach simulate --json` object."""

    model_config = ConfigDict(extra="forbid")
    persona: str
    outcome: Outcome
    delegated_to: str | None
    opening: str
    turns: list[CallTurn]
    unspoken: list[str]       # script lines left when the call ended
    model_voice: dict | None = None  # backend, model, lines asked and accepted (None with --llm none)
    grade: Scorecard | None = None


def load_script(path: Path) -> list[str]:
    """The rep lines of a script file (`turns: [str, ...]`); ContentError names the file and field."""
    return load_yaml_model(path, ScriptFile).turns


def resolve_persona(ref: str, content_dirs: tuple[list[Path], list[Path]] = ([], [])) -> tuple[Persona, Content]:
    """A persona by id (shipped or in extra folders) or by file path, with the content it needs.

    For a path, `delegates_to` is looked up first beside the file, then among the shipped personas.
    """
    persona_dirs, knowledge_dirs = content_dirs
    content = load_content(persona_dirs, knowledge_dirs)
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or "/" in ref or path.is_file():
        if not path.is_file():
            raise UserInputError(f"Persona file {ref} not found", "check the path, or pass a persona id such as cfo_meridian")
        persona = load_persona_file(path)
        personas = dict(content.personas) | {persona.id: persona}
        if persona.delegates_to:
            for suffix in (".yaml", ".yml"):
                beside = path.parent / f"{persona.delegates_to}{suffix}"
                if beside.is_file():
                    personas[persona.delegates_to] = load_persona_file(beside)
                    break
        problems = ProblemList()
        cross_check(personas, content.knowledge, problems)
        problems.raise_if_any()
        return persona, Content(personas, content.knowledge)
    if ref not in content.personas:
        known = ", ".join(sorted(p.id for p in content.executives()))
        raise UserInputError(f"No persona with id {ref!r}", f"use one of: {known}; or pass a persona .yaml path")
    return content.personas[ref], content


def run_script(call: Call, lines: list[str]) -> SimulationResult:
    """Speak each line until the call ends; lines left over are reported, not dropped silently."""
    opening = call.opening()
    turns: list[CallTurn] = []
    spoken = 0
    for line in lines:
        if call.ended:
            break
        turn = call.take_turn(line)
        spoken += 1
        turns.append(turn)
    voice = None
    if call.voice is not None:
        voice = {"backend": call.voice.llm.backend_name, "model": call.voice.llm.model, "asked": call.voice.asked,
                 "accepted": call.voice.accepted}
    return SimulationResult(persona=call.persona.id, outcome=call.outcome, delegated_to=call.delegated_to,
                            opening=opening, turns=turns, unspoken=lines[spoken:], model_voice=voice,
                            grade=grade_call(call, judge=call.llm))


class TranscriptTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: Literal["rep", "buyer"]
    text: str = Field(min_length=1)


class TranscriptFile(BaseModel):
    """The `coach grade FILE` input."""

    model_config = ConfigDict(extra="forbid")
    persona: str = Field(min_length=1)
    turns: list[TranscriptTurn] = Field(min_length=1, max_length=2 * MAX_SCRIPT_TURNS)


def load_transcript(path: Path) -> TranscriptFile:
    """A transcript file (JSON, or YAML); ContentError names the file, line and field."""
    return load_yaml_model(path, TranscriptFile)  # JSON is YAML, so one loader reads both


def grade_transcript(transcript: TranscriptFile, call: Call, judge: LLM | None = None) -> Scorecard:
    """Replay the rep's lines through the buyer (for analysis, attention and outcome), keep the
    transcript's own buyer lines for follow-up checks, and grade."""
    buyer_lines: dict[int, str] = {}
    rep_index = 0
    after_end = 0
    call.opening()
    call.prefetch([turn.text for turn in transcript.turns if turn.speaker == "rep"])
    for turn in transcript.turns:
        if turn.speaker == "buyer":
            if rep_index:
                buyer_lines[rep_index] = (buyer_lines.get(rep_index, "") + " " + turn.text).strip()
            continue
        if call.ended:
            after_end += 1
            continue
        rep_index = call.take_turn(turn.text).index
    card = grade_call(call, buyer_lines, judge=judge)
    card.metrics["rep_turns_after_end"] = after_end
    return card


__all__ = ["ContentError", "SimulationResult", "grade_transcript", "load_script", "load_transcript",
           "resolve_persona", "run_script"]
