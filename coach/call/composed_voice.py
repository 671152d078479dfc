"""The buyer's composed voice: persona lines for the chosen move, filled with the chosen content.

Why: on the embedded default most model replies fail the guard, so this is what most
users hear. Lines come from the persona (else the package defaults), never repeat within
a call while others remain, and are picked deterministically from the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from coach.call.policy import BuyerState, Decision, Move
from coach.content.personas import MOVES, Persona


@lru_cache(maxsize=1)
def default_lines() -> dict[str, list[str]]:
    """Package-default lines per move."""
    data = yaml.safe_load(resources.files("coach.data").joinpath("voice.yaml").read_text(encoding="utf-8"))
    return {move: list(data.get(move, [])) for move in MOVES}


@dataclass(frozen=True)
class LineContext:
    """The content a line may carry."""

    delegate_name: str = "my colleague"
    delegate_title: str = "team lead"
    priority: str = ""
    goal: str = ""
    problem: str = ""
    fact: str = ""
    minutes_left: int = 0
    company: str = ""


def context_for(persona: Persona, state: BuyerState, decision: Decision, delegate: Persona | None,
                turn_index: int) -> LineContext:
    """Fill values: the revealed fact, a priority, goal and problem (rotating), the delegate, the clock."""
    def rotate(items: list[str]) -> str:
        return items[turn_index % len(items)] if items else ""

    fact = persona.hidden_facts[decision.reveal].fact if decision.reveal is not None else ""
    return LineContext(
        delegate_name=delegate.name if delegate else "my colleague",
        delegate_title=delegate.title if delegate else "team lead",
        priority=rotate(persona.priorities), goal=rotate(persona.goals), problem=rotate(persona.problems),
        fact=fact, minutes_left=state.minutes_left, company=persona.company.name,
    )


def candidate_lines(persona: Persona, move: Move, revealing: bool) -> list[str]:
    """The persona's lines for a move (else the defaults), with or without a {fact} slot as needed."""
    lines = list(getattr(persona.voice.lines, move)) or default_lines()[move]
    with_fact = [line for line in lines if "{fact}" in line]
    without = [line for line in lines if "{fact}" not in line]
    if revealing:
        return with_fact or [f"{line} {{fact}}" for line in without] or ["{fact}"]
    return without or default_lines()[move]


def compose(persona: Persona, move: Move, context: LineContext, *, seed: int, turn_index: int,
            used: set[str], relevance: Callable[[list[str]], list[float]] | None = None) -> str:
    """One line for the move: unused first; the most relevant to what the rep said when
    `relevance` scores lines (answers), else chosen by the seed; placeholders filled."""
    lines = candidate_lines(persona, move, revealing=bool(context.fact))
    defaults = [] if context.fact else default_lines()[move]
    fresh = [line for line in lines if line not in used] or [line for line in defaults if line not in used] or lines
    rng = random.Random(f"{seed}:{persona.id}:{turn_index}:{move}")
    if relevance is not None and len(fresh) > 1:
        scores = relevance(fresh)
        best = max(scores)
        fresh = [line for line, score in zip(fresh, scores, strict=True) if score >= best - 0.02]
    line = rng.choice(fresh)
    used.add(line)
    return " ".join(line.format_map(vars(context)).split())
