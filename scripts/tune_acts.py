"""Choose the act classifier's settings on the dev split (never the test split).

Usage: .venv/bin/python scripts/tune_acts.py [rep|buyer]

For each setting it prints macro-F1 on the dev split and, where the bank has several writers'
files (`rep-train-1` with `rep-dev-1`, ...), across writers: trained on one writer's training file,
measured on the other writer's dev file. That second figure is what new users' phrasing looks
like; prefer settings that do well on it. Copy the choice into coach/data/acts.yaml.
"""

from __future__ import annotations

import itertools
import sys

from coach.acts import model as linear
from coach.acts.bank import Example, bank_files, load_split, read_examples
from coach.acts.types import ACTS
from coach.content.files import ProblemList
from coach.retrieval.embeddings import shared_embedder


def macro_f1(gold: list[str], got: list[str], acts: tuple[str, ...]) -> float:
    scores = []
    for act in acts:
        tp = sum(g == act and p == act for g, p in zip(gold, got, strict=True))
        labelled, predicted = gold.count(act), got.count(act)
        if not labelled:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / labelled
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def score(train: list[Example], dev: list[Example], settings: linear.ModelSettings, acts: tuple[str, ...]) -> float:
    embedder = shared_embedder()
    fitted = linear.fit(linear.features(embedder.embed([e.text for e in train]), [e.text for e in train], settings),
                        [e.act for e in train], settings)
    x = linear.features(embedder.embed([e.text for e in dev]), [e.text for e in dev], settings)
    got = [fitted.classes[i] for i in fitted.probabilities(x).argmax(axis=1)]
    return macro_f1([e.act for e in dev], got, acts)


def by_writer(side: str, split: str) -> list[list[Example]]:
    files = [f for f in bank_files(side, split) if f.stem.rsplit("-", 1)[-1].isdigit()]  # type: ignore[arg-type]
    return [read_examples(f, side, ProblemList()) for f in files]  # type: ignore[arg-type]


def main(side: str) -> None:
    train, dev = load_split(side, "train"), load_split(side, "dev")  # type: ignore[arg-type]
    trains, devs = by_writer(side, "train"), by_writer(side, "dev")
    crossed = len(trains) == len(devs) >= 2
    print(f"{side}: {len(train)} training and {len(dev)} dev sentences; across writers: {'yes' if crossed else 'no'}")
    for c, weight in itertools.product((1.0, 4.0, 16.0), (0.0, 0.5, 1.0, 1.5, 2.0)):
        settings = linear.ModelSettings(regularisation=c, word_weight=weight, class_weight="balanced")
        line = f"C={c:<5} words={weight:<4} dev macro-F1 {score(train, dev, settings, ACTS[side]):.3f}"
        if crossed:
            cross = [score(trains[i], devs[j], settings, ACTS[side]) for i in range(len(trains))
                     for j in range(len(devs)) if i != j]
            line += f"   across writers {sum(cross) / len(cross):.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "rep")
