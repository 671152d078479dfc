"""The act names and one sentence's reading: plain data the pure core reads.

Why a leaf module: the turn analysis and the grader read acts but must not import the
embedder or scikit-learn; this module imports neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

RepAct = Literal[
    "greeting", "agenda_time_check", "ask_situation", "ask_problem", "ask_impact", "ask_value",
    "ask_product_preference", "feature", "value", "case_story", "claim", "insight", "next_step_ask",
    "objection_handling", "acknowledgement", "small_talk", "off_topic", "rude", "lecturing", "manipulation",
    "closing"]
BuyerAct = Literal[
    "greeting", "answer", "question", "pushback", "impatience", "acknowledge", "hand_off", "end_call",
    "agree_next_step", "defer", "small_talk"]
Side = Literal["rep", "buyer", "topic"]  # topic: what a rep's question asks about (what answers it)

REP_ACTS: tuple[str, ...] = RepAct.__args__  # type: ignore[attr-defined]
BUYER_ACTS: tuple[str, ...] = BuyerAct.__args__  # type: ignore[attr-defined]
# the persona statement topics (coach.content.personas.TOPICS), questions nothing of theirs answers, and
# questions that ask leave to speak ("Can I tell you what we saw at another group?"): answered with a go-ahead
QUESTION_TOPICS: tuple[str, ...] = ("situation", "problem", "goal", "priority", "constraint", "opinion", "objection",
                                    "people", "history", "value", "no_content", "permission")
NOT_THEIR_BUSINESS = frozenset({"no_content", "permission"})  # topics no statement or secret of theirs answers
ACTS: dict[str, tuple[str, ...]] = {"rep": REP_ACTS, "buyer": BUYER_ACTS, "topic": QUESTION_TOPICS}

# Yes/no readings learned for one act's sentences only (a head beside the act model): the field of a
# bank entry that labels it, and the act it applies to.
ATTRIBUTES: dict[str, str] = {
    "involves_buyer": "next_step_ask",  # is the executive in the proposed step?
    "commits": "claim",                 # a figure or promise the rep could be held to, not soft praise
}

# A finer act that a split written before it existed labels as the broader one: measured as that one there.
ROLLS_UP_TO = {"lecturing": "rude"}

# Sentences that state something about the buyer's business, our product or results: the figures
# in them are claims that need backing (a figure inside a question or a pleasantry claims nothing). A
# summary of what the buyer said asserts too: their own figures are backed by their saying them, and
# a figure they never said is the rep's.
ASSERTING_ACTS = ("feature", "value", "case_story", "claim", "insight", "objection_handling", "lecturing",
                  "acknowledgement")

DISCOVERY_ACTS = {"ask_situation": "situation", "ask_problem": "problem", "ask_impact": "impact",
                  "ask_value": "value"}


@dataclass(frozen=True)
class SentenceAct:
    """What one sentence does, how sure the reading is, and the runner-up (for reasons a manager reads)."""

    text: str
    act: str
    confidence: float
    sure: bool = True  # confident enough for a cap, a penalty or a hand-off (`coach/data/acts.yaml`)
    runner_up: str | None = None
    runner_up_confidence: float = 0.0
    involves_buyer: float | None = None  # next-step asks: how likely the executive is in the step
    commits: float | None = None  # claims: how likely it is a promise or checkable assertion, not soft praise
    probabilities: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def is_(self, act: str, at_least: float = 0.0) -> bool:
        """This act, read with at least this confidence."""
        return self.act == act and self.confidence >= at_least

    def chance(self, act: str) -> float:
        """The probability of `act` for this sentence (0 when unknown)."""
        return self.probabilities.get(act, self.confidence if act == self.act else 0.0)


class SentenceReader(Protocol):
    """What callers need of `coach.acts.reader.ActReader` (tests may hand in their own)."""

    @property
    def confident(self) -> float: ...

    def read(self, sentences: Sequence[str], after: Sequence[str | None] | None = None) -> list[SentenceAct]: ...

    def read_turns(self, turns: Sequence[Sequence[str]],
                   after: Sequence[str | None] | None = None) -> list[list[SentenceAct]]: ...
