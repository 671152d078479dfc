"""A transcript of a call as it happened: every rep line analysed, the buyer's own words kept, and
the outcome read from what the buyer said (or taken from the file).

Why not replay: replaying the rep's lines through our simulated buyer grades the outcome *our*
buyer would have produced and drops the lines said after it would have ended the call. A real
call is graded on its own buyer lines; only attention (which no transcript records) comes from
our buyer's model of this executive, for coaching's weakest turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.acts.outcome import OutcomeReading, buyer_move, read_outcome
from coach.acts.types import SentenceReader
from coach.call import lexicon, policy
from coach.call.engine import Call
from coach.content.call_files import TranscriptTurn
from coach.transcript import CallTurn, Transcript


@dataclass(frozen=True)
class Exchange:
    rep: str
    buyer: str


def exchanges(turns: Sequence[TranscriptTurn]) -> tuple[str, list[Exchange]]:
    """(the buyer's opening, each rep line with the buyer words that followed it)."""
    opening: list[str] = []
    pairs: list[tuple[str, list[str]]] = []
    for turn in turns:
        if turn.speaker == "rep":
            pairs.append((turn.text, []))
        elif pairs:
            pairs[-1][1].append(turn.text)
        else:
            opening.append(turn.text)
    return " ".join(opening), [Exchange(rep, " ".join(buyer)) for rep, buyer in pairs]


def hear_transcript(call: Call, turns: Sequence[TranscriptTurn], reader: SentenceReader,
                    outcome: str | None = None) -> tuple[Transcript, OutcomeReading]:
    """The call as said, turn by turn, with the outcome from the file or read from the buyer's words."""
    opening, said = exchanges(turns)
    call.prefetch([e.rep for e in said], [None, *(e.buyer for e in said)][:len(said)])  # what preceded each line
    call.hear(opening)  # the rep may repeat the buyer's own figures from the first words on
    persona, rules = call.persona, call.buyer_rules
    delegate = persona.delegates_to if persona.delegates_to in call.content.personas else None
    state = policy.start(persona, rules)
    readings = reader.read_turns([lexicon.sentences(e.buyer) for e in said])
    settings = getattr(reader, "settings", None)  # the shipped reader's; a scripted one has none
    reading = read_outcome(readings, reader.confident, beside_agreement=getattr(settings, "beside_agreement", None))
    if outcome is not None:
        reading = OutcomeReading(outcome, None, 1.0, None, [])
    handed_at = reading.turn if reading.outcome == "delegated" else None
    elapsed = 0.0
    out: list[CallTurn] = []
    before = opening
    for index, (exchange, acts) in enumerate(zip(said, readings, strict=True), 1):
        text, notice, analysis, _ = call.analyse(exchange.rep, previous=before, after_opening=index == 1)
        before = exchange.buyer
        _, state = policy.decide(state, analysis, persona, rules)
        buyer_words = len(lexicon.words(exchange.buyer))
        elapsed += analysis.speaking_s + buyer_words * 60 / call.analysis_rules.speaking_words_per_minute
        move, because = buyer_move(acts, reader.confident)
        reason = f"The buyer said: “{because}”" if because else "The buyer answered."
        out.append(CallTurn(index=index, rep=text, buyer=exchange.buyer or "(no reply)",
                            buyer_persona=delegate if handed_at is not None and index > handed_at and delegate
                            else persona.id,
                            move=move, reason=reason, attention=state.attention,  # type: ignore[arg-type]
                            elapsed_s=round(elapsed, 1), tags=analysis.tags, notice=notice, analysis=analysis))
        call.hear(exchange.buyer)
    delegated_to = delegate if reading.outcome == "delegated" else None
    return Transcript(persona=persona.id, outcome=reading.outcome, delegated_to=delegated_to,  # type: ignore[arg-type]
                      turns=out), reading
