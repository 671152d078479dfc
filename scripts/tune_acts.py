"""Choose the act classifier's settings on the dev split (never the test split).

Usage: .venv/bin/python scripts/tune_acts.py [rep|buyer]
Prints macro-F1 on dev for each setting tried; copy the best into coach/data/acts.yaml.
"""

from __future__ import annotations

import itertools
import sys

from coach.acts import model as linear
from coach.acts.bank import load_split
from coach.acts.types import ACTS
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


def main(side: str) -> None:
    train, dev = load_split(side, "train"), load_split(side, "dev")  # type: ignore[arg-type]
    embedder = shared_embedder()
    train_vectors = embedder.embed([e.text for e in train])
    dev_vectors = embedder.embed([e.text for e in dev])
    gold = [e.act for e in dev]
    print(f"{side}: {len(train)} training and {len(dev)} dev sentences")
    for c, weight, balance in itertools.product((1.0, 4.0, 16.0), (0.0, 0.5, 1.0, 1.5, 2.0), ("balanced",)):
        settings = linear.ModelSettings(regularisation=c, word_weight=weight, class_weight=balance)
        fitted = linear.fit(linear.features(train_vectors, [e.text for e in train], settings),
                            [e.act for e in train], settings)
        probabilities = fitted.probabilities(linear.features(dev_vectors, [e.text for e in dev], settings))
        got = [fitted.classes[i] for i in probabilities.argmax(axis=1)]
        print(f"C={c:<5} words={weight:<5} balance={balance!s:<9} macro-F1 {macro_f1(gold, got, ACTS[side]):.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "rep")
