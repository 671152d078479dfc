"""How good are the embedded model's rephrasings that the guard lets through?

Joins `evals/voice-pairs/labels.yaml` (better / same / worse, judged by a reviewer who saw only the
two lines) with the guard's verdict on each whole rephrased line, and prints the shares the product's
default rests on: the model's voice stays on for the embedded model only if accepted lines are
better-or-same at least 95% of the time and worse at most 2%.

    .venv/bin/python scripts/voice_verdict.py
"""

from __future__ import annotations

from collections import Counter

import yaml

from coach.call.model_voice import check, load_guard_rules
from coach.config import PROJECT_ROOT
from coach.content.catalog import load_content
from coach.retrieval.embeddings import shared_embedder
from coach.runtime.startup import prepare

FOLDER = PROJECT_ROOT / "evals" / "voice-pairs"


def main() -> None:
    prepare(llm="none")
    content = load_content()
    pairs = yaml.safe_load((FOLDER / "pairs.yaml").read_text(encoding="utf-8"))["pairs"]
    labels = {entry["id"]: entry["label"]
              for entry in yaml.safe_load((FOLDER / "labels.yaml").read_text(encoding="utf-8"))["labels"]}
    rules, embedder = load_guard_rules(), shared_embedder()
    accepted: Counter[str] = Counter()
    everything: Counter[str] = Counter()
    for pair in pairs:
        label = labels[pair["id"]]
        persona = content.personas[pair["persona"]]
        facts = [f.fact for f in persona.hidden_facts]
        verdict = check(pair["rephrased"], pair["composed"], pair["move"], facts, embedder, rules)
        everything[label] += 1
        if verdict.accepted:
            accepted[label] += 1
            if label == "worse":
                print(f"accepted but worse: {pair['id']}: {pair['rephrased']!r}")
    total, passed = sum(everything.values()), sum(accepted.values())
    print(f"all rephrasings: {dict(everything)} of {total}")
    print(f"accepted by the guard: {passed} of {total}: {dict(accepted)}")
    if passed:
        fine = (accepted["better"] + accepted["same"]) / passed
        print(f"accepted lines better-or-same {fine:.0%} (goal >= 95%), worse {accepted['worse'] / passed:.0%} "
              f"(goal <= 2%), better {accepted['better'] / passed:.0%}")


if __name__ == "__main__":
    main()
