"""The files `coach simulate --script` and `coach grade` read: the rep's script and a call's transcript.

Why apart from `files`: these are the call's inputs (checked cheaply, before the buyer, the store and
the model load), not team content; `files` keeps the YAML reading and validation they share.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.content.files import load_yaml_model

MAX_SCRIPT_TURNS = 200


def _blank(text: str) -> bool:
    """Nothing a buyer could hear: only spaces, control or invisible (zero-width) characters.

    Why here and not via `session.clean_rep_text`: a bad file must be refused before the buyer,
    the store and the model are loaded, so the check stays cheap (it keeps the same characters).
    """
    return not "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")).split()


class ScriptFile(BaseModel):
    """The `coach simulate --script FILE` input: the rep's lines."""

    model_config = ConfigDict(extra="forbid")
    turns: list[str] = Field(min_length=1, max_length=MAX_SCRIPT_TURNS)

    @field_validator("turns")
    @classmethod
    def _no_blank_turns(cls, turns: list[str]) -> list[str]:
        blank = [str(i) for i, t in enumerate(turns) if _blank(t)]
        if blank:
            raise ValueError(f"turn(s) {', '.join(blank)} are blank (counting from 0); write what the rep says")
        return turns


class TranscriptTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: Literal["rep", "buyer"]
    text: str = Field(min_length=1)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if _blank(text):
            raise ValueError("is blank (only spaces or invisible characters); write what was said, or remove the turn")
        return text


class TranscriptFile(BaseModel):
    """The `coach grade FILE` input."""

    model_config = ConfigDict(extra="forbid")
    persona: str = Field(min_length=1)
    turns: list[TranscriptTurn] = Field(min_length=1, max_length=2 * MAX_SCRIPT_TURNS)
    # how the call ended, when the file knows; otherwise it is read from the buyer's lines
    outcome: Literal["advanced", "delegated", "disengaged", "timed_out", "open"] | None = None


def load_script(path: Path) -> list[str]:
    """The rep lines of a script file (`turns: [str, ...]`); ContentError names the file and field."""
    return load_yaml_model(path, ScriptFile).turns


def load_transcript(path: Path) -> TranscriptFile:
    """A transcript file (JSON, or YAML); ContentError names the file, line and field."""
    return load_yaml_model(path, TranscriptFile)  # JSON is YAML, so one loader reads both
