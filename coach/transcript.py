"""One call as it happened, in one typed shape: the turns (what the rep said, what the buyer said,
the move, its reason, the attention and the clock) and the text rules every entry point shares.

Why a leaf module: the engine writes these turns, the grader reads them, the CLI and the evals
print them, the database stores them; none of those should need another to know the shape.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.call import lexicon
from coach.call.analysis import TurnAnalysis
from coach.call.policy import Move, Outcome
from coach.call.rules import AnalysisRules
from coach.errors import UserInputError

MAX_TURN_CHARS = 4000


class CallTurn(BaseModel):
    """One exchange: what the rep said and how the buyer answered (the `coach simulate` turn)."""

    model_config = ConfigDict(extra="forbid")
    index: int
    rep: str
    buyer: str
    buyer_persona: str
    move: Move
    reason: str
    attention: int
    elapsed_s: float
    tags: list[str]
    voice: Literal["composed", "model"] = "composed"
    voice_check: str | None = None  # why a model line was not used, or was finished with the composed one
    revealed: int | None = None  # index of the hidden fact this turn revealed
    notice: str | None = None
    analysis: TurnAnalysis | None = Field(None, exclude=True)  # kept for the grader and the store, not printed


def clean_rep_text(text: str, limit: int | None = MAX_TURN_CHARS) -> tuple[str, str | None]:
    """Strip control and zero-width characters, cut pastes longer than `limit`; (text, notice).

    Why: what the buyer hears, the grader quotes and the store keeps must be printable text. A lone
    surrogate (undecodable input) becomes U+FFFD, so the rep can see something was there.
    """
    if text.isprintable():  # nothing to strip (the usual case): only spaces to tidy
        return _within_limit(" ".join(text.split()), limit)
    cats = ["Zs" if ch.isspace() else unicodedata.category(ch) for ch in text]  # \r, \f: spaces

    def joins_emoji(i: int) -> bool:  # a zero-width joiner inside an emoji sequence (👩‍💻) is part of it
        return (text[i] == "\u200d" and 0 < i < len(text) - 1 and cats[i - 1] in ("So", "Sk", "Mn")
                and cats[i + 1] == "So")

    kept = "".join("\ufffd" if cat == "Cs" else ch for i, (ch, cat) in enumerate(zip(text, cats, strict=True))
                   if cat not in ("Cc", "Cf") or joins_emoji(i))
    return _within_limit(" ".join(kept.split()), limit)


def _within_limit(kept: str, limit: int | None) -> tuple[str, str | None]:
    if not kept:
        raise UserInputError("The rep turn is empty", "say something to the buyer")
    if limit is not None and len(kept) > limit:
        return kept[:limit].rsplit(" ", 1)[0], (
            f"Your turn was {len(kept):,} characters; the buyer heard the first {limit:,}.")
    return kept, None


GRADER_NOTE_NOTICE = ("A note to whoever grades the call was taken out: the buyer did not hear it and the grade "
                      "ignores it.")


def heard_lines(rep_lines: Sequence[str], rules: AnalysisRules) -> list[str]:
    """What the buyer will hear of lines known in advance, for work done ahead of the call (an empty
    line is left out here: it fails with its message when its turn comes)."""
    heard = []
    for line in rep_lines:
        try:
            heard.append(heard_text(line, rules)[0])
        except UserInputError:
            continue
    return heard


def heard_text(rep_text: str, rules: AnalysisRules) -> tuple[str, str | None]:
    """What the buyer hears of a rep turn (printable, not too long, without notes to the grader); (text, notice)."""
    text, notice = clean_rep_text(rep_text)
    kept, removed = lexicon.strip_notes(text, rules.grader_notes)
    if not removed:
        return text, notice
    return kept or rules.neutral_line, " ".join(n for n in (notice, GRADER_NOTE_NOTICE) if n)


class RepLine(BaseModel):
    """A rep line stored before the buyer has answered it (the model failed, the page was cut off, a
    second line came first): it becomes a `CallTurn` when the buyer answers."""

    model_config = ConfigDict(extra="forbid")
    index: int
    rep: str


class Transcript(BaseModel):
    """A call as it happened: who it was with, how it ended and every turn in order."""

    model_config = ConfigDict(extra="forbid")
    persona: str  # the executive's id
    outcome: Outcome
    delegated_to: str | None = None
    turns: list[CallTurn]
