"""Responsiveness: does the buyer's line answer what the rep said?

Why: reps judge the product by what the buyer says. Each item is a rep line said right after the
buyer's opening, with the topics a fitting answer draws on (or the reaction a fitting reply makes
to a statement) and the hidden fact it should bring out (format: `evals/responsiveness-dev-2/README.md`).
The held-out sets (`evals/responsiveness-test*/`) were written by people who had not seen the buyer's
answers and nothing is chosen on them; answer selection is chosen on the dev splits
(`evals/responsiveness-dev*/`). The buyer's decisions need no model, so neither does this.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.call.answers import ReplyKind
from coach.call.policy import BuyerRules, load_buyer_rules
from coach.call.rules import AnalysisRules, load_analysis_rules
from coach.config import PROJECT_ROOT
from coach.content.catalog import Content
from coach.content.files import load_yaml_models
from coach.retrieval.index import KnowledgeIndex

EVALS_DIR = PROJECT_ROOT / "evals"
DEV_DIR = EVALS_DIR / "responsiveness-dev"


def held_out_dirs() -> list[Path]:
    """Every held-out set: `evals/responsiveness-test*/`."""
    return sorted(d for d in EVALS_DIR.glob("responsiveness-test*") if d.is_dir())


def dev_dirs() -> list[Path]:
    """Every dev split, where answer selection is chosen: `evals/responsiveness-dev*/`."""
    return sorted(d for d in EVALS_DIR.glob("responsiveness-dev*") if d.is_dir())


# Most sets were written when every shipped executive had three hidden facts: "none" means none of
# those, and a reveal of a fact added later is not counted against an item its writer could not have
# judged. A set whose writers saw more says so (`facts_seen` in its files).
FACTS_KNOWN_TO_WRITERS = 3
HOLLOW = re.compile(r"{\w*}|:\s*$|^\W*$")

Kind = Literal["question", "statement"]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    rep: str = Field(min_length=1)
    kind: Kind
    acceptable: list[str] = Field(min_length=1)
    reveals: int | Literal["none"] = "none"
    facts_seen: int | None = Field(None, ge=0)  # default: the file's `facts_seen`


class ItemFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    persona: str
    facts_seen: int = Field(FACTS_KNOWN_TO_WRITERS, ge=0)  # how many of the persona's hidden facts the writer saw
    items: list[Item]


class ItemResult(BaseModel):
    """One item as the buyer answered it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    persona: str
    rep: str
    acceptable: list[str]
    move: str
    reply: ReplyKind
    drew_on: str | None  # the topic answered or the reaction made
    line: str
    fitting: bool
    reveals: int | None
    revealed: int | None
    hollow: bool
    facts_seen: int = FACTS_KNOWN_TO_WRITERS


def load_items(directory: Path) -> list[tuple[str, Item]]:
    """(persona id, item) for every file in the folder; every problem reported at once."""
    out: list[tuple[str, Item]] = []
    for data in load_yaml_models(directory, ItemFile):
        out += [(data.persona, item if item.facts_seen is not None else
                 item.model_copy(update={"facts_seen": data.facts_seen})) for item in data.items]
    return out


def drew_on(move: str, kind: str, topic: str | None) -> str | None:
    """What a reply counts as, in the set's vocabulary: the topic of a statement or fact answered,
    or the reaction made (a probe asks what it means for them, and asking how a capability would work
    here asks about its fit, so both count as a question about fit)."""
    if kind in ("statement", "reveal"):
        return topic
    if kind == "move":
        return {"probe": "fit_question", "warn": "steer_back"}.get(move)
    return "fit_question" if kind == "how_it_fits" else kind


def run_items(items: list[tuple[str, Item]], content: Content, store: KnowledgeIndex,
              progress: Callable[[int, int], None] | None = None, *, buyer_rules: BuyerRules | None = None,
              analysis_rules: AnalysisRules | None = None) -> list[ItemResult]:
    """Say each line as the first thing after the buyer's opening (seed 0, no model); other rules
    than the shipped ones only when choosing them on the dev split."""
    from coach.call.engine import Call

    rules = {"buyer_rules": buyer_rules or load_buyer_rules(), "analysis_rules": analysis_rules or load_analysis_rules()}
    results = []
    for done, (persona_id, item) in enumerate(items, 1):
        call = Call(content.personas[persona_id], content, store, **rules)
        call.opening()
        decided = call.decide(item.rep)
        reply = decided.reply
        counted = drew_on(decided.decision.move, reply.kind, reply.topic)
        results.append(ItemResult(
            id=item.id, persona=persona_id, rep=item.rep, acceptable=item.acceptable, move=decided.decision.move,
            reply=reply.kind, drew_on=counted, line=decided.line, fitting=counted in item.acceptable,
            reveals=None if item.reveals == "none" else item.reveals, revealed=decided.decision.reveal,
            hollow=bool(HOLLOW.search(decided.line)),
            facts_seen=FACTS_KNOWN_TO_WRITERS if item.facts_seen is None else item.facts_seen))
        if progress:
            progress(done, len(items))
    return results


def summary(results: list[ItemResult]) -> dict[str, float | int | None]:
    """Fitting answers, hidden facts brought out by paraphrased asks, false reveals, hollow lines."""
    if not results:
        return {"responsive": None, "fact_reveal": None, "false_reveal": None, "hollow_lines": 0, "items": 0}
    asks = [r for r in results if r.reveals is not None]
    unrelated = [r for r in results if r.reveals is None]
    false = [r for r in unrelated if r.revealed is not None and r.revealed < r.facts_seen]
    return {
        "items": len(results),
        "responsive": round(sum(r.fitting for r in results) / len(results), 4),
        "fact_reveal": round(sum(r.revealed == r.reveals for r in asks) / len(asks), 4) if asks else None,
        "false_reveal": round(len(false) / len(unrelated), 4) if unrelated else None,
        "hollow_lines": sum(r.hollow for r in results),
    }


def repeated_lines(calls: list[list[str]]) -> int:
    """Buyer lines said word for word earlier in the same call (the opening counts)."""
    repeats = 0
    for lines in calls:
        seen: set[str] = set()
        for line in lines:
            key = " ".join(line.split()).lower()
            repeats += key in seen
            seen.add(key)
    return repeats
