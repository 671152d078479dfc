"""A practice call bound to the store: what the app runs.

Why: the browser can refresh, the server can restart and the model can fail mid-reply; the
call must survive all three. Each rep line is written before the buyer is asked, the reply
after; a stored call is resumed by replaying its rep lines through the (deterministic) buyer
and showing the words the rep actually saw. Rewind starts a new call from any rep turn.

A rep can also be quicker than the buyer: a second line sent before the first is answered, a
reply cut off because the page ran again, a second tab on the same call. So lines are queued:
`queue` stores a line as the call's next turn and nothing else (it cannot be interrupted half-way
by anything on a page), and `answer_next` answers the oldest stored line still waiting, in order.
The store is the queue, so every tab and process sees the same one; `refresh` catches up with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from random import randrange

from coach import db as store
from coach.content.catalog import Content
from coach.errors import CoachError, UserInputError
from coach.grading.grade import grade_call
from coach.grading.scorecard import Scorecard
from coach.grading.judge import capable
from coach.llm import LLM
from coach.retrieval.index import KnowledgeIndex
from coach.call.engine import Call
from coach.transcript import CallTurn, clean_rep_text
from coach.db import Database, SessionRecord, Viewer
from coach.db.practice import queue_rep_line


MODEL_DOWN_NOTICE = ("The model is unavailable just now ({why}); the buyer is speaking from their script. "
                     "Your call goes on and nothing is lost.")
CALL_ENDED = ("This call has ended", "start a new call, or rewind to try another line")


def model_notice(turn: CallTurn | None) -> str | None:
    """What the rep is told when the model failed on a turn and the buyer spoke its composed line."""
    check = (turn.voice_check or "") if turn is not None else ""
    if not check.startswith("model unavailable"):
        return None
    why = check.removeprefix("model unavailable").strip(" :").rstrip(".") or "no answer"
    return MODEL_DOWN_NOTICE.format(why=why)


@dataclass
class PracticeCall:
    """One stored call in progress. Create with `start` or `resume`; speak with `say` (one line, its
    reply), or `queue` lines and `answer_next` them (the app, which a new line can interrupt)."""

    db: Database
    viewer: Viewer
    session_id: str
    mode: str
    call: Call
    opening: str = ""  # the buyer's first words, as the rep heard them
    unsaved: CallTurn | None = field(default=None, repr=False)  # a reply the rep saw but the store did not take
    card: Scorecard | None = None
    last_turn: CallTurn | None = field(default=None, repr=False)
    # stored rep lines with no stored reply yet, oldest first, as (turn index, text); while `unsaved` is set,
    # the first one is its line (answered on screen, not yet in the store)
    queued: list[tuple[int, str]] = field(default_factory=list)
    unsent_lines: list[str] = field(default_factory=list)  # lines the store could not take (locked, down, full)
    held: bool = False  # the waiting lines are not answered by themselves: a turn failed, or they were found stored
    unheard: list[str] = field(default_factory=list)  # lines stored after the buyer had already ended the call
    _dirty: bool = field(default=False, repr=False)  # a reply was cut off half-way: rebuild the buyer from the store

    @classmethod
    def start(cls, db: Database, viewer: Viewer, content: Content, knowledge: KnowledgeIndex, llm: LLM | None,
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
    def resume(cls, db: Database, viewer: Viewer, content: Content, knowledge: KnowledgeIndex, llm: LLM | None,
               session_id: str) -> PracticeCall:
        """A stored call brought back to where it stopped ("not found" if it is not the viewer's).

        Lines stored but never answered (the model, the server or the page stopped) are kept and `held`:
        the rep sees them and sends them again, rather than the buyer answering out of the blue."""
        record = store.get_session(db, viewer, session_id)
        if record.user_id != viewer.id:
            raise UserInputError("Only the rep who made a call can continue it", "open it from the review page")
        persona = content.personas.get(record.persona_id)
        if persona is None:
            raise UserInputError(f"The buyer {record.persona_id!r} of this call no longer exists",
                                 "start a new call")
        call = Call(persona, content, knowledge, llm=llm, seed=record.seed)
        practice = cls(db, viewer, session_id, record.mode, call)
        practice._replay(record.turns)
        practice.queued = [(line.index, line.rep) for line in record.waiting]
        practice.held = bool(practice.queued)
        return practice

    def _replay(self, turns: Sequence[CallTurn]) -> None:
        """Bring the buyer's state up to date without the model, keeping the words the rep saw."""
        voice, self.call.voice = self.call.voice, None
        try:
            played = self.call.play([t.rep for t in turns], heard=[t.buyer for t in turns])
            self.opening = played.opening or self.opening
        finally:
            self.call.voice = voice

    def _rebuild(self, turns: Sequence[CallTurn]) -> None:
        """A fresh buyer replayed from the stored turns: after a reply was cut off half-way (the buyer had
        already moved on in memory) or another tab answered lines this one has not seen."""
        old = self.call
        self.call = Call(old.persona, old.content, old.store, llm=old.llm, seed=old.seed)
        self._replay(turns)
        self.last_turn = self.call.turns[-1] if self.call.turns else None
        self._dirty = False

    @property
    def turns(self) -> list[CallTurn]:
        return self.call.turns

    @property
    def ended(self) -> bool:
        return self.call.ended or self.card is not None

    @property
    def pending(self) -> str | None:
        """The oldest rep line stored but not yet answered in the store (what "Send it again" sends)."""
        return self.queued[0][1] if self.queued else None

    @property
    def unsent(self) -> str | None:
        """The oldest line the store could not take, kept to send again."""
        return self.unsent_lines[0] if self.unsent_lines else None

    @property
    def waiting(self) -> list[str]:
        """Lines the buyer still has to answer, in order (not the one whose reply is only unsaved)."""
        return [text for _, text in self.queued[1 if self.unsaved is not None else 0:]]

    @property
    def busy(self) -> bool:
        """The buyer has lines to answer now: the page answers them before taking a new one."""
        return bool(self.waiting) and not self.held and not self.ended

    def queue(self, text: str) -> int:
        """Store the rep's line as the call's next turn (after any line kept from a failed write); no reply yet.

        Why: this is the one step that must finish before anything can interrupt it, so it does nothing
        else. Raises UserInputError for an empty line, and the store's error when it cannot take the line,
        which is then kept in `unsent_lines` to send again. A new line lets held lines be answered too."""
        text = clean_rep_text(text, limit=None)[0]  # printable text only, in the store as on the screen
        if self.ended:
            raise UserInputError(*CALL_ENDED)
        if text not in self.unsent_lines:
            self.unsent_lines.append(text)
        index = 0
        while self.unsent_lines:
            line = self.unsent_lines[0]
            index = queue_rep_line(self.db, self.viewer, self.session_id, line)
            self.unsent_lines.pop(0)
            if (index, line) not in self.queued:
                self.queued.append((index, line))
        self.held = False
        return index

    def resume_answers(self) -> None:
        """The rep asks for the waiting lines to be answered again ("Send it again")."""
        self.held = False

    def refresh(self) -> None:
        """Catch up with the store: store a reply that failed to save, then take the turns and waiting lines
        another tab or process added, and rebuild the buyer if a reply here was cut off half-way."""
        try:
            if self.unsaved is not None:
                self._store_reply(self.unsaved)
            self._sync(store.get_session(self.db, self.viewer, self.session_id))
        except CoachError:
            self.held = True  # the store is busy or down: nothing more is asked of it until the rep says so
            raise

    def _sync(self, record: SessionRecord) -> None:
        answered = record.turns
        if self._dirty or [t.buyer for t in self.call.turns] != [t.buyer for t in answered]:
            self._rebuild(answered)
        last = answered[-1].index if answered else 0
        stored = [(line.index, line.rep) for line in record.waiting if line.index > last]
        if stored and not any(line in self.queued for line in stored):
            # only lines this page did not send (another tab's, or left by a failure): shown, answered on request;
            # once this page has a line waiting too, the ones before it are answered first, in order
            self.held = True
        self.queued = stored

    def answer_next(self) -> Iterator[str]:
        """Stream the buyer's reply to the oldest waiting line, then store it; the call ends itself when the
        buyer does (lines still waiting then are `unheard`). If the stream is abandoned half-way (the page
        ran again), the next `refresh` rebuilds the buyer from the store and the line is answered afresh.
        A failure holds the waiting lines (see `held`) and is raised for the page to show."""
        try:
            if self.unsaved is not None:
                self._store_reply(self.unsaved)
            if self._dirty:  # an earlier reply was cut off half-way
                self.refresh()
            if not self.queued:
                return
            if self.call.ended:
                self.unheard += [text for _, text in self.queued]
                self.queued = []
                self.finish()
                return
            self._dirty = True
            reply = self.call.stream_turn(self.queued[0][1])
            yield from reply
            self.unsaved = reply.finish()
            self._dirty = False
            self._store_reply(self.unsaved)
            if self.call.ended:
                self.finish()
        except CoachError:
            self.held = True  # kept on the page with the notice; "Send it again" asks again
            raise

    def say(self, text: str) -> Iterator[str]:
        """Store the rep's line, then stream the buyer's reply; the call ends itself when the buyer does.

        Sending the stored, unanswered line again ("Send it again") answers it without storing it twice;
        any other line is queued after the lines still waiting, and they are answered first, in order."""
        text = clean_rep_text(text, limit=None)[0]
        if self.unsaved is not None:
            resent, turn = text == self.pending, self.unsaved
            self._store_reply(turn)
            if resent:  # the buyer already answered this line; only storing the answer had failed
                yield turn.buyer
                if self.call.ended:
                    self.finish()
                return
        if self.ended:
            raise UserInputError(*CALL_ENDED)
        if text != self.pending:
            self.queue(text)
        self.held = False
        for n in range(len(self.queued)):  # each waiting line once, oldest first
            if not self.waiting or self.ended:
                break
            if n:
                yield "\n\n"
            yield from self.answer_next()

    def _store_reply(self, turn: CallTurn) -> None:
        kept = store.record_buyer_reply(self.db, self.viewer, self.session_id, turn)
        self.unsaved, self.last_turn = None, turn
        self.queued = [(index, text) for index, text in self.queued if index != turn.index]
        if not kept:  # another tab answered this line first: show the reply the store keeps
            self._dirty = True
            self.refresh()

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
            self.unheard += [line for line in self.waiting if line not in self.unheard]  # kept, and the rep told
            judge = self.call.llm if capable(self.call.llm) else None
            self.card = grade_call(self.call, judge=judge)
            store.finish_session(self.db, self.viewer, self.session_id, self.call.outcome, self.call.delegated_to,
                                 self.card)
        return self.card

    def rewind(self, to_turn: int, content: Content, knowledge: KnowledgeIndex) -> PracticeCall:
        """A new call with the same buyer and seed, replayed up to just before rep turn `to_turn`."""
        if not 1 <= to_turn <= len(self.call.turns):
            raise UserInputError(f"There is no rep turn {to_turn} to rewind to", "pick a turn from this call")
        kept = self.call.turns[:to_turn - 1]
        sid = store.start_session(self.db, self.viewer, self.call.persona.id, mode=self.mode, seed=self.call.seed,
                                  rewound_from=self.session_id)
        fresh = PracticeCall(self.db, self.viewer, sid, self.mode,
                             Call(self.call.persona, content, knowledge, llm=self.call.llm, seed=self.call.seed))
        fresh._replay(kept)
        for turn in fresh.call.turns:
            store.record_rep_line(self.db, self.viewer, sid, turn.index, turn.rep)
            store.record_buyer_reply(self.db, self.viewer, sid, turn)
        return fresh
