"""Scripted calls: `coach simulate` runs rep lines from a file against a buyer.

Why a library module: the CLI, the eval suite and the tests run scripts the same way, and
the JSON it produces is a public contract (DESIGN.md) that other people's scripts read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from coach.call.policy import Outcome
from coach.content.catalog import resolve_persona
from coach.content.files import (MAX_SCRIPT_TURNS, ContentError, ScriptFile, TranscriptFile, TranscriptTurn, load_script,
                             load_transcript)
from coach.grading.scorecard import Scorecard
from coach.grading.grade import grade_call
from coach.llm import LLM
from coach.call.engine import Call
from coach.transcript import CallTurn


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


__all__ = ["MAX_SCRIPT_TURNS", "ContentError", "ScriptFile", "SimulationResult", "TranscriptFile", "TranscriptTurn",
           "grade_transcript", "load_script", "load_transcript", "resolve_persona", "run_script"]
