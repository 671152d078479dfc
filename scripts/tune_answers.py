"""Choose how the buyer picks its answer, on the development splits only.

Plays every item of the dev splits (`evals/responsiveness-dev*/`) under a grid of answer settings
(closeness needed to answer, the weight of a statement's `asked_by`, the pull of the question's read
topic on statements and on hidden facts, when a question is "nothing of theirs", the hidden-fact
threshold and margin) and prints the pooled figures for each. The held-out sets
(`evals/responsiveness-test*/`) are never read here; `coach eval` measures them once settings are chosen.

    .venv/bin/python scripts/tune_answers.py [--show N]
"""

from __future__ import annotations

import argparse
import itertools

from coach.call.policy import load_buyer_rules
from coach.call.rules import load_analysis_rules
from coach.evals import responsiveness
from coach.runtime.startup import prepare_with_knowledge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="list this many misses under the shipped settings")
    parser.add_argument("--min-sim", type=float, nargs="+", default=[0.2, 0.25, 0.3, 0.35])
    parser.add_argument("--asked-by", type=float, nargs="+", default=[0.3, 0.5, 0.7])
    parser.add_argument("--fact", type=float, nargs="+", default=[0.4, 0.45, 0.5, 0.55])
    parser.add_argument("--topic-weight", type=float, nargs="+", default=[0.0, 0.2, 0.4, 0.6])
    parser.add_argument("--no-content", type=float, nargs="+", default=[0.5, 0.7, 1.0])
    parser.add_argument("--fact-margin", type=float, nargs="+", default=[-1.0, 0.0, 0.05, 0.1])
    parser.add_argument("--fact-topic-weight", type=float, nargs="+", default=[0.0, 0.4, 0.8])
    args = parser.parse_args()
    _, content, store = prepare_with_knowledge(llm="none")
    items = [item for directory in responsiveness.dev_dirs() for item in responsiveness.load_items(directory)]
    buyer, analysis = load_buyer_rules(), load_analysis_rules()
    a = buyer.answers
    shipped = (a.min_similarity, a.asked_by_weight, analysis.similarity.hidden_fact, a.topic_weight,
               a.no_content_above, a.fact_margin, a.fact_topic_weight)
    grid = itertools.product(args.min_sim, args.asked_by, args.fact, args.topic_weight, args.no_content,
                             args.fact_margin, args.fact_topic_weight)
    print("min_sim asked_by fact topic_w no_content margin fact_topic_w | fitting fact_reveal false_reveal")
    for setting in grid:
        min_sim, weight, fact, topic_weight, no_content, margin, fact_topic_weight = setting
        rules = buyer.model_copy(update={"answers": a.model_copy(update={
            "min_similarity": min_sim, "asked_by_weight": weight, "topic_weight": topic_weight,
            "no_content_above": no_content, "fact_margin": margin, "fact_topic_weight": fact_topic_weight})})
        sims = analysis.similarity.model_copy(update={"hidden_fact": fact})
        results = responsiveness.run_items(items, content, store, buyer_rules=rules,
                                           analysis_rules=analysis.model_copy(update={"similarity": sims}))
        s = responsiveness.summary(results)
        mark = " <- shipped" if setting == shipped else ""
        print(f"{min_sim:7} {weight:8} {fact:4} {topic_weight:7} {no_content:10} {margin:6} {fact_topic_weight:12} | "
              f"{s['responsive']:.3f} "
              f"{s['fact_reveal']:.3f} {s['false_reveal']:.3f}{mark}", flush=True)
    if args.show:
        results = responsiveness.run_items(items, content, store)
        for r in [r for r in results if not r.fitting][:args.show]:
            print(f"- {r.id} wants {r.acceptable}, got {r.drew_on} ({r.move}): {r.rep!r} -> {r.line!r}")


if __name__ == "__main__":
    main()
