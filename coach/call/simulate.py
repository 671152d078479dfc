"""Scripted calls: `coach simulate` runs rep lines from a file against a buyer.

Why a library module: the CLI, the eval suite and the tests run scripts the same way, and
the JSON it produces is a public contract (README, "The `coach` command") that other people's scripts read.
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
    played = call.play(lines)
    voice = None
    if call.voice is not None:
        voice = {"backend": call.voice.llm.backend_name, "model": call.voice.llm.model, "asked": call.voice.asked,
                 "accepted": call.voice.accepted}
    return SimulationResult(persona=call.persona.id, outcome=call.outcome, delegated_to=call.delegated_to,
                            opening=played.opening or "", turns=played.turns, unspoken=played.unspoken,
                            model_voice=voice,
                            grade=grade_call(call, judge=call.llm))


def grade_transcript(transcript: TranscriptFile, call: Call, judge: LLM | None = None) -> Scorecard:
    """Replay the rep's lines through the buyer (for analysis, attention and outcome), keep the
    transcript's own buyer lines for follow-up checks, and grade."""
    rep_lines = [turn.text for turn in transcript.turns if turn.speaker == "rep"]
    call.prefetch(rep_lines)
    played = call.play(rep_lines)
    buyer_lines: dict[int, str] = {}
    reps_before = 0
    for turn in transcript.turns:
        if turn.speaker == "rep":
            reps_before += 1
        elif reps_before and played.turns:  # the buyer's words after a rep line belong to the last turn spoken
            index = played.turns[min(reps_before, len(played.turns)) - 1].index
            buyer_lines[index] = (buyer_lines.get(index, "") + " " + turn.text).strip()
    card = grade_call(call, buyer_lines, judge=judge)
    card.metrics.rep_turns_after_end = len(played.unspoken)
    return card


__all__ = ["MAX_SCRIPT_TURNS", "ContentError", "ScriptFile", "SimulationResult", "TranscriptFile", "TranscriptTurn",
           "grade_transcript", "load_script", "load_transcript", "resolve_persona", "run_script"]
