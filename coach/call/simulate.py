"""Scripted calls: `coach simulate` runs rep lines from a file against a buyer.

Why a library module: the CLI, the eval suite and the tests run scripts the same way, and
the JSON it produces is a public contract (README, "The `coach` command") that other people's scripts read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from coach.call.policy import Outcome
from coach.content.catalog import resolve_persona
from coach.content.call_files import (MAX_SCRIPT_TURNS, ScriptFile, TranscriptFile, TranscriptTurn, load_script,
                                      load_transcript)
from coach.content.files import ContentError
from coach.grading.scorecard import Scorecard
from coach.grading.grade import grade, grade_call
from coach.acts.types import SentenceReader
from coach.call.as_said import hear_transcript
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


def grade_transcript(transcript: TranscriptFile, call: Call, reader: SentenceReader | None = None,
                     judge: LLM | None = None) -> Scorecard:
    """Grade a call as it happened: every rep line, the transcript's own buyer lines, and the outcome
    from the file or read from what the buyer said (`reader` reads the buyer's sentences; by default
    the shipped buyer-act classifier)."""
    if reader is None:
        from coach.acts.reader import default_reader

        reader = default_reader("buyer", call.store.data_dir)
    said, reading = hear_transcript(call, transcript.turns, reader, transcript.outcome)
    card = grade(said, persona=call.persona, content=call.content, search=call.store, judge=judge,
                 outcome_source="file" if transcript.outcome is not None else "buyer_lines",
                 outcome_evidence=reading.evidence)
    if reading.outcome in ("disengaged", "delegated") and reading.turn is not None:
        card.metrics.rep_turns_after_end = len(said.turns) - reading.turn
    return card


__all__ = ["MAX_SCRIPT_TURNS", "ContentError", "ScriptFile", "SimulationResult", "TranscriptFile", "TranscriptTurn",
           "grade_transcript", "load_script", "load_transcript", "resolve_persona", "run_script"]
