"""A turn's sentences as acts, asked the way the turn analysis needs: which sentences surely do
X, which might (an unsure reading), and whether the turn does any business at all.

Why separate: the analysis reads acts in a dozen places; one small view keeps each of those one
line, and keeps "sure" (a cap, a penalty or a hand-off may follow) apart from "maybe" (a smaller
effect, and the reason says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.acts.types import DISCOVERY_ACTS, SentenceAct

PLEASANTRIES = frozenset({"greeting", "small_talk", "closing", "acknowledgement"})
NOT_BUSINESS = PLEASANTRIES | {"off_topic", "rude", "lecturing", "manipulation", "agenda_time_check"}
PRODUCT_TALK = frozenset({"feature", "ask_product_preference"})
NOT_A_QUESTION_TO_ANSWER = frozenset({"next_step_ask", "agenda_time_check", "greeting", "small_talk", "closing",
                                      "off_topic", "manipulation"})


@dataclass(frozen=True)
class ActView:
    readings: Sequence[SentenceAct]
    commits_at: float = 0.5  # how likely a claim must be a promise to count as one (`claim_commits`)

    def sure(self, *acts: str) -> list[SentenceAct]:
        """Sentences read as one of `acts` with confidence."""
        return [r for r in self.readings if r.act in acts and r.sure]

    def unsure(self, *acts: str) -> list[SentenceAct]:
        """Sentences whose best reading is one of `acts`, but not confidently."""
        return [r for r in self.readings if r.act in acts and not r.sure]

    def reading_for(self, sentence: str) -> SentenceAct | None:
        """The reading of one sentence of the turn (matched on its text)."""
        wanted = sentence.strip()
        return next((r for r in self.readings if r.text.strip() == wanted), None)

    @property
    def does_business(self) -> bool:
        """At least one sentence is about their business or ours (not only pleasantries or side talk)."""
        return any(r.act not in NOT_BUSINESS for r in self.readings)

    @property
    def only_side_talk(self) -> bool:
        """Every sentence is surely a pleasantry, side talk or conduct: nothing in the turn can name what
        is on their desk (a time check can: "twenty minutes, and the board in five weeks, so...")."""
        return all(r.sure and r.act in NOT_BUSINESS - {"agenda_time_check"} for r in self.readings)

    @property
    def talks_about_them(self) -> bool:
        """At least one sentence is about their business, not only about our product ("let me pull up a
        demo"), claims nothing backs ("you'll hit 120% of quota, I promise") or pleasantries: value in
        their terms needs one."""
        return any(r.act not in NOT_BUSINESS | PRODUCT_TALK and not self.promises(r) for r in self.readings)

    def promises(self, reading: SentenceAct) -> bool:
        """A sure reading of a claim that commits (a promise or checkable assertion, not soft praise)."""
        return reading.act == "claim" and reading.sure and (reading.commits is None or reading.commits >= self.commits_at)

    def discovery_kind(self, sentence: str) -> list[str]:
        """The discovery kind a question asks (situation, problem, impact, value), from its act."""
        reading = self.reading_for(sentence)
        return [DISCOVERY_ACTS[reading.act]] if reading and reading.act in DISCOVERY_ACTS else []

    def unsure_notes(self, *acts: str) -> list[str]:
        """Readings of consequence held back for lack of confidence, in words a manager reads."""
        return [f"maybe {r.act.replace('_', ' ')} ({r.confidence:.0%}, else {r.runner_up}): “{r.text}”"
                for r in self.unsure(*acts)]
