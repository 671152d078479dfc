"""One practice call: rep turn in → analysis → buyer decision → voice → buyer turn out.

Why one place: the CLI, the app and the eval suite all run calls the same way, including
the handoff to the delegate, the clock and the end of the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from coach.call import policy
from coach.call import lexicon
from coach.call.analysis import TurnAnalysis, analyse_turn, figure_index, persona_vocabulary
from coach.call.signals import SemanticSignals
from coach.acts.types import SentenceReader
from coach.retrieval.signals import Semantics
from coach.call.policy import BuyerRules, BuyerState, Outcome, load_buyer_rules
from coach.config import LOCAL_MODEL_NAME
from coach.content.catalog import Content
from coach.errors import UserInputError
from coach.call.model_voice import ModelVoice, VoiceStream, load_guard_rules
from coach.llm import LLM, ChatMessage
from coach.llm.tokens import truncate_to_tokens
from coach.content.personas import Persona
from coach.retrieval.embeddings import shared_embedder
from coach.retrieval.index import KnowledgeIndex
from coach.call.rules import AnalysisRules, load_analysis_rules
from coach.transcript import CallTurn, Transcript, heard_lines, heard_text
from coach.call.composed_voice import LineContext, compose, context_for, fallback_for
from coach.call.answers import (Answerable, AnswerSignals, Reply, answerables, choose_reply,
                                fact_measurements, facts_worth_revealing)

HISTORY_TOKENS_PER_MESSAGE = 48
MAX_GREETED_WORDS = 50  # a delegate's greeting and first answer together


def act_context(buyer_line: str | None) -> str | None:
    """What a rep sentence is read after: the last sentence the buyer said (None when nothing)."""
    if not buyer_line or not buyer_line.strip():
        return None
    return (lexicon.sentences(buyer_line) or [buyer_line.strip()])[-1]


@dataclass
class _Speaker:
    persona: Persona
    state: BuyerState
    semantics: Semantics
    figures: set[str]
    acronyms: frozenset[str]
    own_figures: set[str] = field(default_factory=set)  # the persona's own numbers
    pool: list[Answerable] = field(default_factory=list)  # what they can say when asked
    greeted: bool = True  # a delegate greets the rep in their first reply


@dataclass(frozen=True)
class Decided:
    """The buyer's decision on one rep line, before a word is spoken: what was heard, the analysis,
    the move and its reason, the new buyer state and the composed line for that move."""

    index: int
    text: str
    notice: str | None
    persona: Persona
    analysis: TurnAnalysis
    decision: policy.Decision
    state: BuyerState
    line: str
    signals: SemanticSignals  # what the turn is close to: the model voice draws on it
    fact: str | None  # the hidden fact the line reveals, if any
    reply: Reply = Reply("move")  # what the line draws on: the statement answered, or the reaction


class TurnStream:
    """The buyer's reply to one rep turn, piece by piece; the call commits the turn when it ends."""

    def __init__(self, call: Call, decided: Decided, voice: VoiceStream | None, why: str | None = None) -> None:
        self._call, self._decided, self._voice, self._why = call, decided, voice, why
        self.turn: CallTurn | None = None

    def __iter__(self) -> Iterator[str]:
        if self.turn is not None:
            return
        if self._voice is None:
            yield self._decided.line
            self.turn = self._call.commit(self._decided, self._decided.line, "composed", self._why)
            return
        yield from self._voice
        voice = self._voice
        self.turn = self._call.commit(self._decided, voice.line, voice.source,
                                      None if voice.source == "model" and voice.why == "ok" else voice.why)

    def finish(self) -> CallTurn:
        """Drain what is left and return the committed turn."""
        for _ in self:
            pass
        assert self.turn is not None
        return self.turn


@dataclass
class Played:
    """What `Call.play` did with a list of rep lines."""

    opening: str | None  # the buyer's first words, when this play opened the call
    turns: list[CallTurn]
    unspoken: list[str]  # lines left when the call ended


@dataclass
class Call:
    """A call in progress. `opening()` first, then `take_turn()` per rep line until `ended`."""

    persona: Persona
    content: Content
    store: KnowledgeIndex
    llm: LLM | None = None
    seed: int = 0
    analysis_rules: AnalysisRules = field(default_factory=load_analysis_rules)
    buyer_rules: BuyerRules = field(default_factory=load_buyer_rules)
    turns: list[CallTurn] = field(default_factory=list)
    outcome: Outcome = "open"
    delegated_to: str | None = None
    acts: SentenceReader | None = None  # reads each rep sentence as an act (default: the shipped classifier)
    topics: SentenceReader | None = None  # reads what a rep's question asks about (default: the shipped one)
    local_voice: bool | None = None  # the embedded model rephrases lines (default: COACH_LOCAL_VOICE, off)
    reveals: bool = True  # hidden facts may come out (grading a transcript: nothing is revealed, none embedded)

    def __post_init__(self) -> None:
        from coach.acts.reader import default_reader

        self.acts = self.acts if self.acts is not None else default_reader("rep", self.store.data_dir)
        self.topics = self.topics if self.topics is not None else default_reader("topic", self.store.data_dir)
        self._case_figures, self._figures = figure_index(list(self.content.knowledge.values()), self.analysis_rules)
        self._used: set[str] = set()
        self._said: set[str] = set()  # statements already said (by key): never twice in a call
        self._heard: set[str] = set()  # figures the buyer has said: the rep may repeat them
        self._meant: str | None = None  # the buyer's last line as composed (or as heard, for a transcript)
        self._speaker = self._speaker_for(self.persona, 0.0)
        self._opened = False
        self.voice = None
        simple = self.llm is not None and self.llm.model == LOCAL_MODEL_NAME
        if simple and self.local_voice is None:
            from coach.config import load_settings

            self.local_voice = load_settings().local_voice
        if self.llm is not None and (not simple or self.local_voice):
            # capable models act the part; the embedded small model only paraphrases, and only when asked to
            self.voice = ModelVoice(self.llm, shared_embedder(), load_guard_rules(), simple=simple)

    def _speaker_for(self, persona: Persona, elapsed_s: float) -> _Speaker:
        semantics = Semantics(self.store, persona, shared_embedder(), self._case_figures, self.acts, self.reveals,
                              self.topics)
        figures, acronyms = persona_vocabulary(persona, self.analysis_rules)
        return _Speaker(persona, policy.start(persona, self.buyer_rules, elapsed_s), semantics,
                        figures | self._figures, acronyms, figures, answerables(persona), greeted=elapsed_s == 0.0)

    @property
    def ended(self) -> bool:
        return self.outcome in ("advanced", "disengaged", "timed_out") or (
            self.outcome == "delegated" and self._speaker.state.ended)

    @property
    def transcript(self) -> Transcript:
        """The call so far in its typed shape (the same turn objects, in a new list)."""
        return Transcript(persona=self.persona.id, outcome=self.outcome, delegated_to=self.delegated_to,
                          turns=self.turns)

    @property
    def current_persona(self) -> Persona:
        return self._speaker.persona

    def opening(self) -> str:
        """The buyer's first words."""
        s = self._speaker
        decision = policy.Decision(move="open", reason="The call starts.")
        self._opened = True
        return compose(s.persona, "open", context_for(s.persona, s.state, decision, self._delegate(), 0),
                       seed=self.seed, turn_index=0, used=self._used)

    def _delegate(self) -> Persona | None:
        target = self._speaker.persona.delegates_to
        return self.content.personas.get(target) if target else None

    def prefetch(self, rep_lines: Sequence[str], before: Sequence[str | None] | None = None) -> None:
        """Analyse rep lines known in advance in one batch (grading a transcript): the turns then
        cost no model or store round each. `before`, one per line, is what the buyer said just
        before it (None for the first line after their opening). Lines said after a hand-off are
        analysed as they come."""
        after = [act_context(b) for b in before] if before is not None else None
        semantics = self._speaker.semantics
        semantics.prefetch([semantics.punctuated(line) for line in heard_lines(rep_lines, self.analysis_rules)], after)

    def play(self, lines: Sequence[str], *, heard: Sequence[str | None] | None = None) -> Played:
        """Speak each line until the call ends (opening it first if nobody has spoken yet).

        The one loop every caller shares: simulate, the eval cases, grading a transcript, resuming
        or rewinding a stored call, tests. `heard`, when given, holds the buyer's words the rep
        actually heard for each line (a stored call); they replace the composed ones in the turn.
        """
        opening = self.opening() if not self.turns and not self._opened else None
        played: list[CallTurn] = []
        for i, line in enumerate(lines):
            if self.ended:
                return Played(opening, played, list(lines[i:]))
            turn = self.take_turn(line)  # composed even when heard: a resumed call never repeats itself
            if heard is not None and heard[i] is not None:
                turn.buyer = heard[i]
                self._meant = heard[i]
                self.hear(heard[i])
            played.append(turn)
        return Played(opening, played, [])

    def take_turn(self, rep_text: str) -> CallTurn:
        """One rep line → the buyer's reply, with the move, its reason and the new attention."""
        return self.stream_turn(rep_text).finish()

    def stream_turn(self, rep_text: str) -> TurnStream:
        """Like `take_turn`, but the buyer's words arrive as they are spoken: iterate the
        stream, then read `.turn`. The decision is made before any word is streamed."""
        return self.speak(self.decide(rep_text))

    def decide(self, rep_text: str) -> Decided:
        """Analyse what the buyer heard and make the buyer's move; nothing is said or recorded yet."""
        if self.ended:
            raise UserInputError("This call has ended", "start a new call to practise again")
        text, notice, analysis, signals = self.analyse(rep_text)
        speaker, rules = self._speaker, self.buyer_rules.answers
        measured: AnswerSignals | None = None  # what the questions ask about and are closest to: once a turn

        def measure() -> AnswerSignals:
            nonlocal measured
            if measured is None:
                measured = speaker.semantics.answer_signals(signals, [q.text for q in analysis.questions], rules)
            return measured

        if analysis.facts_asked or (rules.reveal is not None and analysis.questions and signals.fact_scores):
            kept = facts_worth_revealing(analysis, signals.fact_scores, measure(), rules, self._said, pool=speaker.pool,
                                         fact_topics=speaker.semantics.fact_topics())
            analysis = analysis.model_copy(update={"facts_asked": kept})
        decision, state = policy.decide(speaker.state, analysis, speaker.persona, self.buyer_rules)
        speaker.state = state
        index = len(self.turns) + 1
        reply = self._reply_for(decision, analysis, measure)
        context = context_for(speaker.persona, state, decision, self._delegate(), index, reply.statement)
        line = self._line_for(reply, decision, context, index)
        if reply.key:
            self._said.add(reply.key)
        return Decided(index, text, notice, speaker.persona, analysis, decision, state, line, signals, context.fact,
                       reply)

    def _line_for(self, reply: Reply, decision: policy.Decision, context: LineContext, index: int) -> str:
        """The composed line: the move's or reaction's words with the chosen content; an answer given
        while warning, then the warning; a delegate's first reply after their greeting."""
        speaker = self._speaker
        group = "answer" if reply.kind in ("statement", "reveal") else decision.move if reply.kind == "move" \
            else reply.kind
        say = dict(seed=self.seed, turn_index=index, used=self._used)
        line = compose(speaker.persona, group, context, fallback=fallback_for(group, decision.move), **say)
        if decision.move == "warn" and reply.kind not in ("move", "no_content", "goodbye"):
            line = f"{line} {compose(speaker.persona, 'warn', replace(context, statement=''), **say)}"
        if not speaker.greeted:  # the delegate's first words: who they are, in their own voice
            speaker.greeted = True
            greeting = compose(speaker.persona, "open", context, **say)
            if len(lexicon.words(f"{greeting} {line}")) > MAX_GREETED_WORDS:  # a short hello, then the answer
                greeting = (lexicon.sentences(greeting) or [greeting])[0]
            line = f"{greeting} {line}"
        return line

    def _reply_for(self, decision: policy.Decision, analysis: TurnAnalysis,
                   measure: Callable[[], AnswerSignals]) -> Reply:
        """What the line draws on (coach.call.answers): in an answer, a probe or a warning, the
        statement that answers the rep's question or a reaction to what they said; other moves
        speak their own lines."""
        speaker = self._speaker
        if decision.reveal is not None:
            return Reply("reveal", speaker.persona.hidden_facts[decision.reveal].topic, f"fact:{decision.reveal}")
        if decision.move not in ("answer", "probe", "warn") or (decision.move == "probe" and analysis.next_step_ask):
            return Reply("move")  # an early ask for a meeting is probed: what is in it for them
        reply = choose_reply(analysis, speaker.pool, measure(), self._said, self.buyer_rules.answers,
                             likes_features=not speaker.persona.is_executive)
        if decision.move == "warn" and reply.kind == "steer_back":
            return Reply("move")  # a warning is a steer back already
        return reply

    def analyse(self, rep_text: str, previous: str | None = None, *, after_opening: bool = False
                ) -> tuple[str, str | None, TurnAnalysis, SemanticSignals]:
        """What the current buyer heard of a rep line and what it did: (heard text, notice, analysis, signals).
        `previous` is what the buyer said just before (default: their last reply in this call), so a
        question can be seen to build on it, and each sentence is read in the light of it (not when
        it was only their opening: `after_opening`)."""
        text, notice = heard_text(rep_text, self.analysis_rules)
        speaker = self._speaker
        meant = speaker.semantics.punctuated(text)  # a question typed without its mark is still a question
        previous = previous if previous is not None else self._meant
        signals = speaker.semantics.signals(meant, None if after_opening else act_context(previous))
        if previous and signals.question_vectors:  # closest to any one thing the buyer said, not to the blend
            said = shared_embedder().embed(lexicon.sentences(previous) or [previous])
            signals = replace(signals, follow_up={q: round(float(np.max(said @ v)), 4)
                                                  for q, v in signals.question_vectors.items()})
        analysis = analyse_turn(meant, signals, self.analysis_rules, speaker.figures | self._heard, speaker.acronyms,
                                derivable=speaker.own_figures | self._heard)
        return text, notice, analysis, signals

    def reveal_measurements(self, rep_text: str) -> list[tuple[float, ...]] | None:
        """What the reveal decision would read for each hidden fact if the rep said this now (nothing is
        decided or recorded): how `scripts/fit_reveal.py` fits `coach/data/reveal.yaml` on the dev splits."""
        _, _, analysis, signals = self.analyse(rep_text)
        speaker, rules = self._speaker, self.buyer_rules.answers
        measured = speaker.semantics.answer_signals(signals, [q.text for q in analysis.questions], rules)
        return fact_measurements(analysis, signals.fact_scores, measured, rules, self._said, pool=speaker.pool,
                                 fact_topics=speaker.semantics.fact_topics())

    def hear(self, buyer_text: str) -> None:
        """Note the figures the buyer said: the rep may repeat them without inventing anything."""
        self._heard.update(lexicon.figures(buyer_text, self.analysis_rules.figure_exempt_units))

    def speak(self, decided: Decided) -> TurnStream:
        """The buyer's words for a decision: the composed line, or the model's when the guard accepts it."""
        voice: VoiceStream | None = None
        if self.voice is not None and not decided.fact:  # a hidden fact is said in its own words, always
            persona, state = decided.persona, decided.state
            unrevealed = [f.fact for i, f in enumerate(persona.hidden_facts) if i not in state.revealed]
            # this title's value talk and the case note nearest the turn, for a capable model to draw on
            signals = decided.signals
            known = [hit.text for hit in signals.value_hits[:2]] + [hit.text for hit in signals.case_hits[:1]]
            voice = self.voice.stream(persona, decided.decision.move, decided.decision.reason, decided.line,
                                      self._history(decided.text), unrevealed, seed=self.seed * 1000 + decided.index,
                                      knowledge=known, fact=decided.fact)
        kept = "a hidden fact is said in its own words" if self.voice is not None and decided.fact else None
        return TurnStream(self, decided, voice, kept)

    def commit(self, decided: Decided, spoken: str, source: str, why: str | None) -> CallTurn:
        """Record the turn as said and move the call on (a hand-off, the end of the call)."""
        decision, state, analysis = decided.decision, decided.state, decided.analysis
        turn = CallTurn(index=decided.index, rep=decided.text, buyer=spoken, buyer_persona=decided.persona.id,
                        move=decision.move, reason=decision.reason, attention=state.attention,
                        elapsed_s=round(state.elapsed_s, 1), tags=analysis.tags, voice=source,  # type: ignore[arg-type]
                        voice_check=why, revealed=decision.reveal, notice=decided.notice, analysis=analysis)
        self.turns.append(turn)
        # what the buyer meant, not the model's wording, is what the next turn is read against: the
        # buyer's decisions and the grade never depend on the voice
        self._meant = decided.line
        self.hear(decided.line)
        self._after(decision, state)
        return turn

    def _history(self, rep_text: str) -> list[ChatMessage]:
        """The recent exchanges as chat messages (the buyer is the assistant)."""
        def brief(text: str) -> str:  # bounded, so prompt size stays flat however long the call or the turns
            return truncate_to_tokens(text, HISTORY_TOKENS_PER_MESSAGE, self.llm.model if self.llm else "gpt-4o")

        messages: list[ChatMessage] = []
        for turn in self.turns[-2:]:
            messages += [ChatMessage(role="user", content=brief(turn.rep)),
                         ChatMessage(role="assistant", content=brief(turn.buyer))]
        return [*messages, ChatMessage(role="user", content=brief(rep_text))]

    def revealed_facts(self, persona_id: str) -> list[str]:
        """Hidden facts this buyer has told the rep so far in this call."""
        persona = self.content.personas.get(persona_id, self.persona)
        indices = {t.revealed for t in self.turns if t.buyer_persona == persona_id and t.revealed is not None}
        return [persona.hidden_facts[i].fact for i in sorted(indices)]

    def _after(self, decision: policy.Decision, state: BuyerState) -> None:
        if decision.move == "delegate":
            delegate = self._delegate()
            self.outcome, self.delegated_to = "delegated", delegate.id if delegate else None
            if delegate is not None:
                self._speaker = self._speaker_for(delegate, state.elapsed_s)
        elif decision.outcome is not None and self.outcome != "delegated":
            self.outcome = decision.outcome
        # after a handoff the delegate's own ending closes the call; the outcome stays `delegated`
