"""How a call ended, read from what the buyer said: handed the rep on, ended it, agreed a next
step with themself in it, or still open. Pure: sentence readings in, outcome and evidence out.

Why: a transcript of a real call is graded on what happened in it, not on what our simulated
buyer would have done with the rep's lines. The reading names the sentence that decided it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coach.acts.types import SentenceAct

DECISIVE = {"hand_off": "delegated", "end_call": "disengaged", "agree_next_step": "advanced"}
DOOR_OPEN = ("defer", "agree_next_step")  # "send me something", "call me after the committee": still open
BUYER_MOVE = {"hand_off": "delegate", "end_call": "disengage", "agree_next_step": "advance", "impatience": "warn",
              "question": "probe", "pushback": "probe"}


@dataclass(frozen=True)
class OutcomeReading:
    outcome: str                    # advanced | delegated | disengaged | open
    evidence: str | None            # the buyer's sentence that decided it
    confidence: float               # the classifier's probability for that sentence (1.0 when nothing decided it)
    turn: int | None                # the rep turn it answered (1-based), None when open
    unsure: list[str]               # decisive-looking sentences read with too little confidence to count


def read_outcome(buyer_turns: Sequence[Sequence[SentenceAct]], confident: float,
                 closing_turns: int = 2, beside_agreement: Mapping[str, float] | None = None) -> OutcomeReading:
    """How the call ended, from sure readings only, in this order:
    - handed on: the first hand-off not preceded by an agreed next step (after an agreement, "my
      assistant will send the invite" is logistics); the rest of the call is with someone else;
    - advanced: a next step agreed in the last `closing_turns` replies (how the call ended, not a
      passing "let's talk" mid-call);
    - disengaged: the executive ended it in their last reply (said goodbye, or said they had to
      go: the call stops there), leaving no door open (nothing deferred to later, no step agreed)
      in the last `closing_turns` replies;
    - otherwise open.
    In a reply that also agrees a next step, a hand-off counts only when read at least as surely as
    `beside_agreement["hand_off"]`: the executive who says "Thursday works" is not stepping out.
    """
    clear_hand_off = (beside_agreement or {}).get("hand_off", 0.0)
    unsure = [r.text for turn in buyer_turns for r in turn if r.act in DECISIVE and not r.sure]
    agreed_at: int | None = None
    for number, sentences in enumerate(buyer_turns, 1):
        agrees = any(r.act == "agree_next_step" and r.sure for r in sentences)
        for reading in sentences:
            if not reading.sure:
                continue
            if reading.act == "agree_next_step" and agreed_at is None:
                agreed_at = number
            if reading.act == "hand_off" and agreed_at is None and not (agrees and reading.confidence < clear_hand_off):
                # every hand-off sentence of that reply, so the name is in it
                said = [r for r in sentences if r.act == "hand_off" and r.sure]
                return OutcomeReading("delegated", " ".join(r.text for r in said),
                                      round(max(r.confidence for r in said), 4), number, unsure)
    last = len(buyer_turns)
    for number in range(last, max(0, last - closing_turns), -1):
        agreed = [r for r in buyer_turns[number - 1] if r.act == "agree_next_step" and r.sure]
        if agreed:
            return OutcomeReading("advanced", agreed[0].text, round(agreed[0].confidence, 4), number, unsure)
    # the last words of a call that stops there: "I need to get to my next meeting" ended it
    ended = [r for r in buyer_turns[-1] if r.act in ("end_call", "impatience") and r.sure] if buyer_turns else []
    # "send me one page ... I have to go" leaves a door open: the call ended, the conversation did not
    door_open = any(r.act in DOOR_OPEN and r.sure for turn in buyer_turns[-closing_turns:] for r in turn)
    if ended and not door_open:
        return OutcomeReading("disengaged", ended[-1].text, round(ended[-1].confidence, 4), last, unsure)
    return OutcomeReading("open", None, 1.0, None, unsure)


def buyer_move(sentences: Sequence[SentenceAct], confident: float) -> tuple[str, str | None]:
    """The move a buyer's reply made (delegate, disengage, advance, warn, probe or answer) and the sentence that made it."""
    ranked = sorted((r for r in sentences if r.act in BUYER_MOVE and r.confidence >= confident),
                    key=lambda r: list(BUYER_MOVE).index(r.act))
    if not ranked:
        return "answer", None
    return BUYER_MOVE[ranked[0].act], ranked[0].text
