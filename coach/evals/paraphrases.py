"""Paraphrase robustness: the same call said in other words should end the same way.

Why: the buyer's decisions must follow what the rep *did*, not the words chosen. Each eval case has
rewordings written independently of the system (`evals/paraphrases/<persona>.yaml`); `coach eval`
plays each one (the buyer's decisions never depend on a model, so no model is needed) and reports
the share that end as the original did, and the share that still meet the original's expected outcome.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from coach.config import PROJECT_ROOT
from coach.content.catalog import Content
from coach.content.files import load_yaml_models
from coach.evals.cases import CaseRun, EvalCase, run_case
from coach.retrieval.index import KnowledgeIndex

DEFAULT_DIR = PROJECT_ROOT / "evals" / "paraphrases"


class Paraphrase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    of: str
    id: str
    turns: list[str] = Field(min_length=1, max_length=40)


class ParaphraseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    persona: str
    paraphrases: list[Paraphrase]


class ParaphraseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    of: str
    outcome: str
    original_outcome: str
    expected: list[str]


def load_paraphrases(directory: Path, cases: list[EvalCase]) -> list[tuple[EvalCase, str]]:
    """(a case with the paraphrased lines and the original's expectations, the original's id)."""
    by_id = {c.id: c for c in cases}
    out: list[tuple[EvalCase, str]] = []
    for data in load_yaml_models(directory, ParaphraseFile):
        for p in data.paraphrases:
            original = by_id.get(p.of)
            if original is None:
                continue  # a paraphrase of a case not in this run (another --cases folder)
            out.append((original.model_copy(update={"id": p.id, "turns": p.turns}), p.of))
    return out


def run_paraphrases(paraphrases: list[tuple[EvalCase, str]], original_runs: dict[str, CaseRun], content: Content,
                    store: KnowledgeIndex) -> list[ParaphraseResult]:
    """Play each paraphrase (seed 0, no model) beside its original's seed-0 outcome."""
    results = []
    for case, of in paraphrases:
        original = original_runs.get(of)
        if original is None:
            continue
        run = run_case(case, content, store, None, 0)
        results.append(ParaphraseResult(id=case.id, of=of, outcome=run.outcome, original_outcome=original.outcome,
                                        expected=list(case.expect.outcome)))
    return results


def stability(results: list[ParaphraseResult]) -> dict[str, float | None]:
    """Share ending as the original did, and share meeting the original's expected outcome."""
    if not results:
        return {"paraphrase_outcome_stability": None, "paraphrase_expected_outcome": None}
    expected = [r for r in results if r.expected]
    return {"paraphrase_outcome_stability": round(sum(r.outcome == r.original_outcome for r in results) / len(results), 4),
            "paraphrase_expected_outcome": round(sum(r.outcome in r.expected for r in expected) / len(expected), 4)
            if expected else None}
