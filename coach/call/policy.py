"""The buyer's decisions: a pure, explainable engagement policy.

Why code and not the model: a manager must see why the buyer left. Each rep turn moves
attention by amounts from `coach/data/buyer.yaml` (each change is listed), and the move —
answer, probe, warn, delegate, disengage, advance — follows from attention, the clock
and what the rep did, with a one-sentence reason that cites the analysis. Same inputs,
same decision.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from coach.call.analysis import TurnAnalysis
from coach.call.answers import AnswerRules, said_goodbye
from coach.call.reveal import load_reveal_model
from coach.content.personas import Persona

Move = Literal["open", "answer", "probe", "warn", "delegate", "disengage", "advance"]
Outcome = Literal["advanced", "delegated", "disengaged", "timed_out", "open"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatienceRules(_Frozen):
    start_attention: int = Field(ge=0, le=100)
    feature_pitches_to_delegate: int = Field(ge=1)
    warn_below: int = Field(ge=0, le=100)
    disengage_below: int = Field(ge=0, le=100)
    cost_multiplier: float = Field(gt=0)


class AdvanceRules(_Frozen):
    min_attention: int
    min_value_turns: int
    min_discovery_questions: int
    # an unearned ask after this many feature pitches and no discovery question: a product conversation,
    # so the executive hands it to their delegate (0: never)
    delegate_after_pitches: int = Field(0, ge=0)


class ClockRules(_Frozen):
    buyer_turn_s: float = Field(ge=0)
    warn_when_left_fraction: float = Field(ge=0, le=1)


class DelegateRules(_Frozen):
    start_attention: int
    feature_pitch: int
    value_for_title: int
    discovery_question: int


class BuyerRules(_Frozen):
    patience: dict[Literal["low", "medium", "high"], PatienceRules]
    attention: dict[str, int]
    advance: AdvanceRules
    clock: ClockRules
    rude_turns_to_disengage: int
    injection_turns_to_disengage: int
    delegate: DelegateRules
    answers: AnswerRules
    attention_headroom: int = Field(ge=1, le=100)  # gains shrink over the last this-many points (no quick 100)


@lru_cache(maxsize=1)
def load_buyer_rules() -> BuyerRules:
    """The shipped buyer policy."""
    text = resources.files("coach.data").joinpath("buyer.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if "reveal" not in data.get("answers", {}):  # `reveal: null` in buyer.yaml turns the model off
        data.setdefault("answers", {})["reveal"] = load_reveal_model().model_dump()
    return BuyerRules.model_validate(data)


class BuyerState(_Frozen):
    """Where one buyer stands in the call."""

    persona_id: str
    is_executive: bool
    attention: int
    elapsed_s: float = 0.0
    budget_s: float
    warnings: int = 0
    feature_pitches: int = 0
    feature_streak: int = 0
    value_turns: int = 0
    discovery_questions: int = 0
    rude_turns: int = 0
    injection_turns: int = 0
    revealed: tuple[int, ...] = ()
    ended: bool = False

    @property
    def minutes_left(self) -> int:
        return max(0, round((self.budget_s - self.elapsed_s) / 60))


class Decision(_Frozen):
    """What the buyer does with a rep turn, and why."""

    move: Move
    reason: str
    reveal: int | None = None          # index of the hidden fact to reveal
    attention_change: int = 0
    changes: tuple[str, ...] = ()      # each attention change with its cause
    outcome: Outcome | None = None     # set when the call ends (or hands over)


def start(persona: Persona, rules: BuyerRules, elapsed_s: float = 0.0) -> BuyerState:
    """The buyer at the start of their part of the call."""
    attention = rules.patience[persona.patience].start_attention if persona.is_executive \
        else rules.delegate.start_attention
    return BuyerState(persona_id=persona.id, is_executive=persona.is_executive, attention=attention,
                      elapsed_s=elapsed_s, budget_s=elapsed_s + persona.time_budget_min * 60)


def attention_changes(a: TurnAnalysis, state: BuyerState, persona: Persona, rules: BuyerRules) -> list[tuple[int, str]]:
    """Every change one turn makes to attention, with its cause (costs scaled by patience)."""
    if not state.is_executive:
        d = rules.delegate
        out = []
        if a.feature_pitch:
            out.append((d.feature_pitch, "talks features, which the delegate enjoys"))
        if a.value_for_title:
            out.append((d.value_for_title, "talks about their work"))
        if a.discovery_questions:
            out.append((d.discovery_question, "asks about their work"))
        for cost, cause, hit in ((rules.attention["rude"], "rude", a.rude), (rules.attention["off_topic"], "off topic",
                                                                              a.off_topic)):
            if hit:
                out.append((cost, cause))
        return out
    w = rules.attention
    scale = rules.patience[persona.patience].cost_multiplier
    found: list[tuple[str, bool, str]] = [
        ("value_for_title", a.value_turn and not a.lecturing and not a.rude,
         "talks about their goals, problems or needs"),
        ("priority", a.priority is not None, f"ties to a current priority ({_short(a.priority)})"),
        ("discovery_question", a.discovery_questions > 0, "asks a real discovery question"),
        ("closed_question", bool(a.questions) and a.open_questions == 0 and a.discovery_questions == 0,
         "asks a closed question"),
        ("case_note", any(c.figures_match for c in a.case_notes), "backs it with another customer's result"),
        ("time_check", bool(a.time_check), "respects their time"),
        ("feature_pitch", a.feature_pitch, f"pitches features ({_phrases(a)})"),
        ("feature_pitch_unsure", a.feature_pitch_maybe,
         "may be pitching features (an unsure reading, so a smaller cost and no hand-off)"),
        ("leading_question", any(q.form == "leading" for q in a.questions), "asks a leading question"),
        ("lecturing", bool(a.lecturing), f"lectures ('{a.lecturing[0]}')" if a.lecturing else ""),
        ("jargon", "jargon" in a.tags, f"jargon ({', '.join(a.jargon[:3])})"),
        ("monologue", a.monologue, f"a {a.words}-word monologue"),
        ("long_turn", a.long_turn and not a.monologue, f"a long {a.words}-word turn"),
        ("unsupported_claim", bool(a.unbacked_talk), f"claims nothing backs ({', '.join(a.unbacked_talk[:2])})"),
        ("wrong_figures", any(not c.figures_match for c in a.case_notes) or bool(a.invented_proof),
         "tells a customer story with figures no case note holds"),
        ("rude", bool(a.rude), "is rude"),
        ("rude_unsure", a.rude_maybe, "may be rude (an unsure reading, so a smaller cost, not counted towards ending)"),
        ("off_topic", a.off_topic, "goes off topic"),
        ("injection", bool(a.injection), "tries to step outside the role-play"),
        ("nothing_for_me", not (a.questions or a.value_for_title or a.next_step_ask or a.case_notes
                                or said_goodbye(a)),
         "says nothing about them and asks nothing"),
    ]
    out = []
    for key, present, cause in found:
        if present:
            value = w[key]
            out.append((round(value * scale) if value < 0 else value, cause))
    return out


def _with_headroom(changes: list[tuple[int, str]], attention: int, rules: BuyerRules) -> list[tuple[int, str]]:
    """Gains shrink as attention nears 100 (over the last `attention_headroom` points), so a good
    rep keeps earning for several turns instead of saturating by the second; costs stay whole.
    The shrinking is one listed change, so the reason still shows what each thing was worth."""
    gained = sum(value for value, _ in changes if value > 0)
    room = min(1.0, (100 - attention) / rules.attention_headroom)
    kept = max(1, round(gained * room)) if gained and attention < 100 else 0
    if kept < gained:
        return [*changes, (kept - gained, "near full attention, good work counts for less")]
    return changes


def _short(text: str | None, words: int = 8) -> str:
    if not text:
        return ""
    parts = text.rstrip(".").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _phrases(a: TurnAnalysis) -> str:
    named = [_short(e.phrase, 10) for e in a.feature_evidence if e.phrase]
    if named:
        return "; ".join(named[:2])
    chunks = [e.chunk_id for e in a.feature_evidence if e.chunk_id]
    return f"like {chunks[0]}" if chunks else "product talk"


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def decide(state: BuyerState, a: TurnAnalysis, persona: Persona, rules: BuyerRules) -> tuple[Decision, BuyerState]:
    """The buyer's move for one rep turn, and the state after it."""
    changes = _with_headroom(attention_changes(a, state, persona, rules), state.attention, rules)
    delta = sum(value for value, _ in changes)
    attention = max(0, min(100, state.attention + delta))
    pitched = a.feature_pitch and not a.value_for_title
    new = state.model_copy(update={
        "attention": attention,
        "elapsed_s": state.elapsed_s + a.speaking_s + rules.clock.buyer_turn_s,
        "feature_pitches": state.feature_pitches + int(a.feature_pitch),
        "feature_streak": state.feature_streak + 1 if pitched else 0,
        "value_turns": state.value_turns + int(a.value_turn and not a.lecturing and not a.rude),
        "discovery_questions": state.discovery_questions + a.discovery_questions,
        "rude_turns": state.rude_turns + int(bool(a.rude)),
        "injection_turns": state.injection_turns + int(bool(a.injection)),
    })
    if a.next_step_ask and state.is_executive:
        earned = not _advance_shortfall(new, rules)
        key, cause = ("next_step_earned", "asks for a next step it has earned") if earned else \
            ("premature_next_step", "asks for a next step too early")
        value = rules.attention[key]
        value = round(value * rules.patience[persona.patience].cost_multiplier) if value < 0 else value
        changes.append((value, cause))
        new = new.model_copy(update={"attention": max(0, min(100, new.attention + value))})
        attention = new.attention
    why = "; ".join(f"{cause} ({value:+d})" for value, cause in changes) or "nothing that moves them"
    move, reason, reveal, outcome = _choose(new, a, persona, rules, why, attention - state.attention)
    if move == "warn":
        new = new.model_copy(update={"warnings": new.warnings + 1})
    if reveal is not None:
        new = new.model_copy(update={"revealed": (*new.revealed, reveal)})
    if outcome is not None:
        new = new.model_copy(update={"ended": True})
    decision = Decision(move=move, reason=reason, reveal=reveal, attention_change=attention - state.attention,
                        changes=tuple(f"{value:+d} {cause}" for value, cause in changes), outcome=outcome)
    return decision, new


def _choose(s: BuyerState, a: TurnAnalysis, persona: Persona, rules: BuyerRules,
            why: str, delta: int) -> tuple[Move, str, int | None, Outcome | None]:
    """Move selection, most decisive first."""
    limits = rules.patience[persona.patience]
    if s.elapsed_s >= s.budget_s:
        return "disengage", f"The {persona.time_budget_min}-minute budget is used up.", None, "timed_out"
    if s.rude_turns >= rules.rude_turns_to_disengage or (a.rude and s.warnings):
        return "disengage", f"Rude again after a warning ({', '.join(a.rude)}); ends the call.", None, "disengaged"
    if s.injection_turns >= rules.injection_turns_to_disengage:
        return "disengage", "Keeps trying to break the role-play; the buyer stays in character and ends the call.", \
            None, "disengaged"
    if s.is_executive and a.feature_pitch and s.value_turns < s.feature_pitches:
        if s.feature_pitches >= limits.feature_pitches_to_delegate:
            return ("delegate", f"{_ordinal(s.feature_pitches).capitalize()} feature pitch ({_phrases(a)}) and "
                    f"{s.value_turns} turn(s) about their goals; hands the rep to {persona.delegates_to}.", None,
                    "delegated")
        if s.warnings and s.feature_pitches >= 2:
            return ("delegate", f"Warned, then pitched again ({_phrases(a)}); hands the rep to "
                    f"{persona.delegates_to}.", None, "delegated")
    if s.is_executive and s.warnings and s.attention < limits.warn_below and delta <= 0:
        return "disengage", f"Warned already, and this turn gave nothing back ({why}); ends the call.", None, \
            "disengaged"
    if s.attention < limits.disengage_below or (s.attention < limits.warn_below and s.warnings >= 2):
        if s.warnings:
            return "disengage", f"Attention fell to {s.attention} after a warning: {why}.", None, "disengaged"
        return "warn", f"Attention fell to {s.attention}: {why}. A last warning.", None, None
    if said_goodbye(a):
        return "answer", "The rep says goodbye; the buyer says goodbye, with no new question.", None, None
    if a.next_step_ask:
        if not s.is_executive:
            return "advance", ("Asks for a next step; the delegate agrees to pass it up but cannot commit "
                               "budget."), None, "delegated"
        short = _advance_shortfall(s, rules)
        after = rules.advance.delegate_after_pitches
        if short and after and s.feature_pitches >= after and not s.discovery_questions and persona.delegates_to:
            return ("delegate", f"Asks for a meeting ({a.next_step_ask[0]}) after {s.feature_pitches} feature pitch(es) "
                    f"and no question about their business; a product conversation, so hands the rep to "
                    f"{persona.delegates_to}.", None, "delegated")
        if not short:
            return "advance", (f"Asks for a next step ({a.next_step_ask[0]}) after {s.value_turns} turn(s) on their "
                               f"goals and {s.discovery_questions} discovery question(s); attention {s.attention}."), \
                None, "advanced"
        return "probe", f"Asks for a next step before earning it ({short}); pushes for what it means for them.", \
            None, None
    if s.attention < limits.warn_below and s.warnings == 0:
        return "warn", f"Attention {s.attention} is below {limits.warn_below}: {why}.", None, None
    left = s.budget_s - s.elapsed_s
    if left <= rules.clock.warn_when_left_fraction * persona.time_budget_min * 60 and s.warnings == 0 \
            and s.value_turns == 0:
        return "warn", f"{s.minutes_left} minute(s) left and nothing yet about their goals.", None, None
    if a.injection:
        return "probe", "Tries to step outside the role-play; the buyer ignores it and asks where this is going.", \
            None, None
    fact = next((i for i in a.facts_asked if i not in s.revealed), None)
    if fact is not None and not any(q.form == "leading" for q in a.questions):
        topic = persona.hidden_facts[fact].reveal_when
        return "answer", f"A real question on {_short(topic, 10)}; reveals a hidden fact.", fact, None
    if s.is_executive and a.feature_pitch:
        link = "with no link to their goals" if not a.value_for_title else "where they wanted their own numbers"
        return "probe", f"Feature talk ({_phrases(a)}) {link}; asks what it means for them.", None, None
    if a.questions or a.value_for_title or a.case_notes or not s.is_executive:
        return "answer", f"Stays engaged: {why}; attention {s.attention}.", None, None
    return "probe", f"Nothing for them yet: {why}; asks where this is going.", None, None


def _advance_shortfall(s: BuyerState, rules: BuyerRules) -> str:
    """What is missing before the buyer will agree a next step ('' when nothing)."""
    need = rules.advance
    missing = []
    if s.attention < need.min_attention:
        missing.append(f"attention {s.attention} < {need.min_attention}")
    if s.value_turns < need.min_value_turns:
        missing.append("nothing yet about their goals")
    if s.discovery_questions < need.min_discovery_questions:
        missing.append("no discovery question yet")
    if s.injection_turns:
        missing.append("tried to break the role-play")
    if s.rude_turns:
        missing.append("was rude")
    return ", ".join(missing)
