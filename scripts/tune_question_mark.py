"""Choose the "question typed without its mark" settings on the dev split (never the test split).

Usage: .venv/bin/python scripts/tune_question_mark.py

The model learns from the rep bank's training sentences with their end marks stripped (a "?" asked,
a "." or "!" told) and is measured the same way on the dev split: for each setting and threshold, how
many of the marks it adds belong there (precision) and how many missing question marks it restores
(recall). A wrong mark makes the buyer answer a statement, so prefer precision. Copy the choice into
`question_mark` under `rep:` in coach/data/acts.yaml.
"""

from __future__ import annotations

import itertools

from coach.acts import model as linear
from coach.acts.bank import load_split
from coach.acts.question_mark import training_pairs
from coach.retrieval.embeddings import shared_embedder


def main() -> None:
    embedder = shared_embedder()
    train, train_labels = training_pairs([e.text for e in load_split("rep", "train")])
    dev, dev_labels = training_pairs([e.text for e in load_split("rep", "dev")])
    asked = [label == "asks" for label in dev_labels]
    print(f"{len(train)} training and {len(dev)} dev sentences ({sum(asked)} questions)")
    for c, weight in itertools.product((1.0, 4.0, 16.0), (0.5, 1.0, 1.5)):
        settings = linear.ModelSettings(regularisation=c, word_weight=weight)
        fitted = linear.fit(linear.features(embedder.embed(train), train, settings), train_labels, settings)
        chance = fitted.probabilities(linear.features(embedder.embed(dev), dev, settings))[:, fitted.classes.index("asks")]
        cells = []
        for above in (0.5, 0.7, 0.85):
            marked = [p >= above for p in chance]
            right = sum(m and a for m, a in zip(marked, asked, strict=True))
            cells.append(f"{above}: {right / max(sum(marked), 1):.3f}/{right / max(sum(asked), 1):.3f}")
        print(f"C={c:<5} words={weight:<4} precision/recall at " + "   ".join(cells), flush=True)


if __name__ == "__main__":
    main()
