"""How a call ended, read from what the buyer said: handed the rep on, ended it, agreed a next
step with themself in it, or still open. Pure: sentence readings in, outcome and evidence out.

Why: a transcript of a real call is graded on what happened in it, not on what our simulated
buyer would have done with the rep's lines. The reading names the sentence that decided it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.acts.types import SentenceAct

DECISIVE = {"hand_off": "delegated", "end_call": "disengaged", "agree_next_step": "advanced"}
BUYER_MOVE = {"hand_off": "delegate", "end_call": "disengage", "agree_next_step": "advance", "impatience": "warn",
              "question": "probe", "pushback": "probe"}


@dataclass(frozen=True)
class OutcomeReading:
    outcome: str                    # advanced | delegated | disengaged | open
    evidence: str | None            # the buyer's sentence that decided it
    confidence: float               # the classifier's probability for that sentence (1.0 when nothing decided it)
    turn: int | None                # the rep turn it answered (1-based), None when open
    unsure: list[str]               # decisive-looking sentences read with too little confidence to count


def read_outcome(buyer_turns: Sequence[Sequence[SentenceAct]], confident: float) -> OutcomeReading:
    """The last confident decisive act wins, except that ending the call after handing the rep on
    stays a hand-off ("Talk to Priya. I have to go.")."""
    outcome, evidence, confidence, turn = "open", None, 1.0, None
    unsure: list[str] = []
    for number, sentences in enumerate(buyer_turns, 1):
        for reading in sentences:
            if reading.act not in DECISIVE:
                continue
            if reading.confidence < confident:
                unsure.append(reading.text)
                continue
            new = DECISIVE[reading.act]
            if new == "disengaged" and outcome == "delegated":
                continue
            outcome, evidence, confidence, turn = new, reading.text, reading.confidence, number
    return OutcomeReading(outcome, evidence, round(confidence, 4), turn, unsure)


def buyer_move(sentences: Sequence[SentenceAct], confident: float) -> tuple[str, str | None]:
    """The move a buyer's reply made (delegate, disengage, advance, warn, probe or answer) and the sentence that made it."""
    ranked = sorted((r for r in sentences if r.act in BUYER_MOVE and r.confidence >= confident),
                    key=lambda r: list(BUYER_MOVE).index(r.act))
    if not ranked:
        return "answer", None
    return BUYER_MOVE[ranked[0].act], ranked[0].text
