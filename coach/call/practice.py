"""A practice call bound to the store: what the app runs.

Why: the browser can refresh, the server can restart and the model can fail mid-reply; the
call must survive all three. Each rep line is written before the buyer is asked, the reply
after; a stored call is resumed by replaying its rep lines through the (deterministic) buyer
and showing the words the rep actually saw. Rewind starts a new call from any rep turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from random import randrange

from coach import db as store
from coach.content.catalog import Content
from coach.errors import CoachError, UserInputError
from coach.grading.scorecard import Scorecard
from coach.grading.grade import grade_call
from coach.grading.judge import capable
from coach.llm import LLM
from coach.retrieval.index import KnowledgeStore
from coach.call.engine import Call
from coach.transcript import CallTurn, clean_rep_text
from coach.db import Database, Viewer


MODEL_DOWN_NOTICE = ("The model is unavailable just now ({why}); the buyer is speaking from their script. "
                     "Your call goes on and nothing is lost.")


def model_notice(turn: CallTurn | None) -> str | None:
    """What the rep is told when the model failed on a turn and the buyer spoke its composed line."""
    check = (turn.voice_check or "") if turn is not None else ""
    if not check.startswith("model unavailable"):
        return None
    why = check.removeprefix("model unavailable").strip(" :").rstrip(".") or "no answer"
    return MODEL_DOWN_NOTICE.format(why=why)


@dataclass
class PracticeCall:
    """One stored call in progress. Create with `start` or `resume`; speak with `say`."""

    db: Database
    viewer: Viewer
    session_id: str
    mode: str
    call: Call
    opening: str = ""  # the buyer's first words, as the rep heard them
    pending: str | None = None  # a rep line stored but never answered (the model or the server failed)
    unsent: str | None = None  # a rep line the store could not take (locked, down, disk full): kept to send again
    unsaved: CallTurn | None = field(default=None, repr=False)  # a reply the rep saw but the store did not take
    card: Scorecard | None = None
    last_turn: CallTurn | None = field(default=None, repr=False)

    @classmethod
    def start(cls, db: Database, viewer: Viewer, content: Content, knowledge: KnowledgeStore, llm: LLM | None,
              persona_id: str, *, mode: str = "coached", seed: int | None = None,
              assignment_id: int | None = None) -> PracticeCall:
        """A new call with `persona_id`, stored under the viewer."""
        persona = content.personas.get(persona_id)
        if persona is None or persona.level != "executive":
            raise UserInputError(f"There is no executive buyer {persona_id!r}", "pick a buyer from the cards")
        seed = randrange(1_000_000) if seed is None else seed
        sid = store.start_session(db, viewer, persona_id, mode=mode, seed=seed, assignment_id=assignment_id)
        call = Call(persona, content, knowledge, llm=llm, seed=seed)
        return cls(db, viewer, sid, mode, call, opening=call.opening())

    @classmethod
    def resume(cls, db: Database, viewer: Viewer, content: Content, knowledge: KnowledgeStore, llm: LLM | None,
               session_id: str) -> PracticeCall:
        """A stored call brought back to where it stopped ("not found" if it is not the viewer's)."""
        record = store.get_session(db, viewer, session_id)
        if record.user_id != viewer.id:
            raise UserInputError("Only the rep who made a call can continue it", "open it from the review page")
        persona = content.personas.get(record.persona_id)
        if persona is None:
            raise UserInputError(f"The buyer {record.persona_id!r} of this call no longer exists",
                                 "start a new call")
        call = Call(persona, content, knowledge, llm=llm, seed=record.seed)
        practice = cls(db, viewer, session_id, record.mode, call)
        practice._replay([(t.rep_text, t.buyer_text) for t in record.turns if t.buyer_text is not None])
        practice.pending = next((t.rep_text for t in record.turns if t.buyer_text is None), None)
        return practice

    def _replay(self, lines: list[tuple[str, str]]) -> None:
        """Bring the buyer's state up to date without the model, keeping the words the rep saw."""
        voice, self.call.voice = self.call.voice, None
        try:
            self.opening = self.call.opening()
            for rep_text, buyer_text in lines:
                if self.call.ended:
                    break
                self.call.take_turn(rep_text).buyer = buyer_text
        finally:
            self.call.voice = voice

    @property
    def turns(self) -> list[CallTurn]:
        return self.call.turns

    @property
    def ended(self) -> bool:
        return self.call.ended or self.card is not None

    def say(self, text: str) -> Iterator[str]:
        """Store the rep's line, then stream the buyer's reply; the call ends itself when the buyer does."""
        text = clean_rep_text(text, limit=None)[0]  # printable text only, in the store as on the screen
        if self.unsaved is not None:
            resent, turn = text == self.pending, self.unsaved
            self._store_reply(turn)
            if resent:  # the buyer already answered this line; only storing the answer had failed
                yield turn.buyer
                if self.call.ended:
                    self.finish()
                return
        if self.ended:
            raise UserInputError("This call has ended", "start a new call, or rewind to try another line")
        index = len(self.call.turns) + 1
        self.unsent = text
        store.record_rep_line(self.db, self.viewer, self.session_id, index, text)
        self.unsent, self.pending = None, text
        reply = self.call.stream_turn(text)
        yield from reply
        self.unsaved = reply.finish()
        self._store_reply(self.unsaved)
        if self.call.ended:
            self.finish()

    def _store_reply(self, turn: CallTurn) -> None:
        store.record_buyer_reply(self.db, self.viewer, self.session_id, turn)
        self.unsaved, self.pending, self.last_turn = None, None, turn

    def failure_notice(self, error: CoachError) -> str:
        """The one line the rep reads when a turn failed, saying where their words are."""
        said = error.message if error.message.endswith((".", "!", "?")) else f"{error.message}."
        if self.unsent is not None:
            return f"{said} Your line was not saved yet; it is kept here, so send it again."
        return f"{said} Your line is saved; send it again to continue."

    def finish(self) -> Scorecard:
        """Grade the call (with the model judge when a capable model is configured) and store it."""
        if self.unsaved is not None:
            self._store_reply(self.unsaved)
        if self.card is None:
            judge = self.call.llm if capable(self.call.llm) else None
            self.card = grade_call(self.call, judge=judge)
            store.finish_session(self.db, self.viewer, self.session_id, self.call.outcome, self.call.delegated_to,
                                 self.card)
        return self.card

    def rewind(self, to_turn: int, content: Content, knowledge: KnowledgeStore) -> PracticeCall:
        """A new call with the same buyer and seed, replayed up to just before rep turn `to_turn`."""
        if not 1 <= to_turn <= len(self.call.turns):
            raise UserInputError(f"There is no rep turn {to_turn} to rewind to", "pick a turn from this call")
        kept = [(t.rep, t.buyer) for t in self.call.turns[:to_turn - 1]]
        sid = store.start_session(self.db, self.viewer, self.call.persona.id, mode=self.mode, seed=self.call.seed,
                                  rewound_from=self.session_id)
        fresh = PracticeCall(self.db, self.viewer, sid, self.mode,
                             Call(self.call.persona, content, knowledge, llm=self.call.llm, seed=self.call.seed))
        fresh._replay(kept)
        for turn in fresh.call.turns:
            store.record_rep_line(self.db, self.viewer, sid, turn.index, turn.rep)
            store.record_buyer_reply(self.db, self.viewer, sid, turn)
        return fresh
