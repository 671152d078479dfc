"""The buyer's composed voice: persona lines for the chosen move or reaction, filled with the
chosen content.

Why: this is what most users hear. Lines come from the persona (else the package defaults), never
repeat within a call while others remain, never leave a slot empty, and are picked
deterministically from the seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import yaml

from coach.call.policy import BuyerState, Decision
from coach.content.personas import LINE_GROUPS, Persona

SLOT = re.compile(r"{(\w+)}")


@lru_cache(maxsize=1)
def default_lines() -> dict[str, list[str]]:
    """Package-default lines per move and reaction."""
    data = yaml.safe_load(resources.files("coach.data").joinpath("voice.yaml").read_text(encoding="utf-8"))
    return {group: list(data.get(group, [])) for group in LINE_GROUPS}


@dataclass(frozen=True)
class LineContext:
    """The content a line may carry."""

    delegate_name: str = "my colleague"
    delegate_title: str = "team lead"
    delegate_handles: str = ""
    priority: str = ""
    goal: str = ""
    problem: str = ""
    fact: str = ""
    statement: str = ""
    minutes_left: int = 0
    company: str = ""


def context_for(persona: Persona, state: BuyerState, decision: Decision, delegate: Persona | None,
                turn_index: int, statement: str = "") -> LineContext:
    """Fill values: the revealed fact, the statement an answer draws on, a priority, goal and
    problem (rotating; in the buyer's own words when the persona has statements on them), the
    delegate and what they look after, the clock."""
    def rotate(topic: str, fallback: list[str]) -> str:
        items = [s.text for s in persona.statements if s.topic == topic] or fallback
        return items[turn_index % len(items)] if items else ""

    fact = persona.hidden_facts[decision.reveal].fact if decision.reveal is not None else ""
    return LineContext(
        delegate_name=delegate.name if delegate else "my colleague",
        delegate_title=delegate.title if delegate else "team lead",
        delegate_handles=delegate.handles if delegate else "",
        priority=rotate("priority", persona.priorities), goal=rotate("goal", persona.goals),
        problem=rotate("problem", persona.problems), fact=fact, statement=statement,
        minutes_left=state.minutes_left, company=persona.company.name,
    )


def _fillable(line: str, context: LineContext) -> bool:
    """Every slot of the line has something to say (no "Fair question." with nothing after it)."""
    values = vars(context)
    return all(str(values.get(name, "")).strip() for name in SLOT.findall(line))


# the groups whose lines carry what must be said: an answer the fact or statement, interest their side
CARRIES = {"answer": ("fact", "statement"), "interest": ("statement",)}
# which move's lines a reaction the persona has no lines for may borrow: a capability gets their probe ("what
# does that mean for us?"); a yes to go ahead, or a goodbye, never borrows a move's line ("Where is this going?")
BORROWS = {"how_it_fits": "probe", "go_ahead": None, "goodbye": None}


def fallback_for(group: str, move: str) -> str | None:
    """The move whose lines stand in for a reaction the persona has none for (None: the defaults only)."""
    return BORROWS.get(group, move)


def candidate_lines(persona: Persona, group: str, context: LineContext, fallback: str | None = None) -> list[str]:
    """The persona's lines for a move or reaction (else their lines for the `fallback` move, else the
    defaults) that carry what must be said (the fact revealed, the statement answered) and leave no
    slot empty."""
    carried = CARRIES.get(group, ())
    fact = context.fact if "fact" in carried else ""
    statement = context.statement if "statement" in carried else ""
    context = replace(context, fact=fact, statement=statement)
    own = list(getattr(persona.voice.lines, group))
    theirs = list(getattr(persona.voice.lines, fallback)) if fallback and fallback != group else []
    for lines in (own, theirs, default_lines()[group]):
        if fact:
            lines = [line for line in lines if "{fact}" in line] or [f"{line} {{fact}}" for line in lines
                                                                     if "{statement}" not in line]
        elif statement:
            lines = [line for line in lines if "{statement}" in line]
        lines = [line for line in lines if _fillable(line, context)]
        if lines:
            return lines
    return ["{fact}"] if fact else ["{statement}"] if statement else []


def compose(persona: Persona, group: str, context: LineContext, *, seed: int, turn_index: int,
            used: set[str], fallback: str | None = None) -> str:
    """One line for the move or reaction: unused first, chosen by the seed; placeholders filled. A
    persona without lines for a reaction speaks their lines for the `fallback` move."""
    lines = candidate_lines(persona, group, context, fallback)
    carried = CARRIES.get(group, ())
    plain = not ((context.fact and "fact" in carried) or (context.statement and "statement" in carried))
    defaults = [line for line in default_lines()[group] if _fillable(line, context)] if plain else []
    fresh = [line for line in lines if line not in used] or [line for line in defaults if line not in used] or lines
    rng = random.Random(f"{seed}:{persona.id}:{turn_index}:{group}")
    line = rng.choice(fresh)
    used.add(line)
    return " ".join(line.format_map(vars(context)).split())
