"""How well the act classifier reads sentences it never learned from: per-act precision and recall.

Why: the buyer and the grade rest on these readings; the figure that counts is on the test
split, which no setting was chosen on. `coach eval` and `coach acts eval` print it.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from coach.acts.bank import Example
from coach.acts.reader import ActReader
from coach.acts.types import ATTRIBUTES, ROLLS_UP_TO, SentenceAct


class ActScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    act: str
    support: int
    precision: float | None
    recall: float | None
    f1: float | None


class ActReport(BaseModel):
    """Per-act figures on one split; `None` where an act had no sentences to judge."""

    model_config = ConfigDict(extra="forbid")
    side: str
    split: str
    sentences: int
    accuracy: float | None
    macro_f1: float | None
    acts: list[ActScore]
    involves_buyer_accuracy: float | None
    commits_accuracy: float | None = None  # claims read as claims: promise or soft praise, as labelled
    confusions: list[tuple[str, str, int]]   # (labelled, read as, count), most frequent first
    misread: list[tuple[str, str, str]]       # (sentence, labelled, read as): the first few, to look at


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _head_accuracy(examples: list[Example], readings: list[SentenceAct], name: str) -> float | None:
    """A yes/no head's accuracy on the labelled sentences read as its act (the act model's misses aside)."""
    pairs = [(getattr(e, name), getattr(r, name)) for e, r in zip(examples, readings, strict=True)
             if getattr(e, name) is not None and getattr(r, name) is not None]
    return _ratio(sum(gold == (p >= 0.5) for gold, p in pairs), len(pairs))


def evaluate(reader: ActReader, examples: list[Example], split: str, acts: tuple[str, ...]) -> ActReport:
    """Read every sentence of a split and compare with its label (a finer act the split does not
    use is counted as the act it rolls up to: `ROLLS_UP_TO`)."""
    readings = reader.read([e.text for e in examples], [e.after for e in examples])
    labelled = {e.act for e in examples}
    rolled = {fine: broad for fine, broad in ROLLS_UP_TO.items() if fine not in labelled}
    acts = tuple(a for a in acts if a not in rolled)
    pairs = [(e.act, rolled.get(r.act, r.act)) for e, r in zip(examples, readings, strict=True)]
    scores: list[ActScore] = []
    for act in acts:
        true_positive = sum(1 for gold, got in pairs if gold == act and got == act)
        labelled = sum(1 for gold, _ in pairs if gold == act)
        predicted = sum(1 for _, got in pairs if got == act)
        precision, recall = _ratio(true_positive, predicted), _ratio(true_positive, labelled)
        f1 = (round(2 * precision * recall / (precision + recall), 4) if precision and recall else
              (0.0 if labelled else None))
        scores.append(ActScore(act=act, support=labelled, precision=precision, recall=recall, f1=f1))
    judged = [s.f1 for s in scores if s.support and s.f1 is not None]
    heads = {name: _head_accuracy(examples, readings, name) for name in ATTRIBUTES}
    confusions = Counter((gold, got) for gold, got in pairs if gold != got)
    misread = [(e.text, gold, got) for e, (gold, got) in zip(examples, pairs, strict=True) if gold != got]
    return ActReport(
        side=reader.side, split=split, sentences=len(examples),
        accuracy=_ratio(sum(gold == got for gold, got in pairs), len(pairs)),
        macro_f1=round(sum(judged) / len(judged), 4) if judged else None, acts=scores,
        involves_buyer_accuracy=heads["involves_buyer"], commits_accuracy=heads["commits"],
        confusions=[(a, b, n) for (a, b), n in confusions.most_common(12)], misread=misread[:40])
