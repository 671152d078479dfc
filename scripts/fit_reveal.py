"""Fit the hidden-fact reveal model (`coach/data/reveal.yaml`) on the development splits only.

Says every question of the dev responsiveness splits (`evals/responsiveness-dev*/`) as the first line
of a call, measures it against each hidden fact (`coach.call.engine.Call.reveal_measurements`) and
fits a standardised logistic regression: does this question ask for this secret? Before writing, it
prints a leave-one-executive-out table (facts revealed when asked, facts revealed when not) for each
threshold, fitted without that executive's questions, so the threshold is chosen on executives the
fit never saw. The held-out sets (`evals/responsiveness-test*/`) are never read here.

    .venv/bin/python scripts/fit_reveal.py [--threshold T] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
from importlib import resources

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from coach.call.engine import Call
from coach.call.reveal import FEATURES
from coach.evals import responsiveness
from coach.runtime.startup import prepare_with_knowledge

THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def measured_items(content, store) -> list[dict]:
    """One row per dev question: persona, the fact it asks for (or None), facts its writer saw, and
    the measurements of every fact (None when it asks nothing about their business)."""
    rows = []
    for directory in responsiveness.dev_dirs():
        for persona_id, item in responsiveness.load_items(directory):
            if item.kind != "question":
                continue
            call = Call(content.personas[persona_id], content, store)
            call.opening()
            want = None if item.reveals == "none" else int(item.reveals)
            rows.append(dict(persona=persona_id, want=want, seen=item.facts_seen,
                             measured=call.reveal_measurements(item.rep)))
    return rows


def fit(rows: list[dict]) -> tuple[StandardScaler, LogisticRegression]:
    x = [m for r in rows if r["measured"] for m in r["measured"]]
    y = [i == r["want"] for r in rows if r["measured"] for i in range(len(r["measured"]))]
    scaler = StandardScaler().fit(x)
    return scaler, LogisticRegression(C=1.0, max_iter=5000).fit(scaler.transform(x), y)


def choose(scaler: StandardScaler, model: LogisticRegression, measured, threshold: float) -> int | None:
    if not measured:
        return None
    p = model.predict_proba(scaler.transform(measured))[:, 1]
    return int(p.argmax()) if p.max() >= threshold else None


def held_out_by_executive(rows: list[dict]) -> None:
    """Leave one executive out: fit on the rest, decide on theirs; print the pooled rates per threshold."""
    personas = sorted({r["persona"] for r in rows})
    print("threshold  revealed-when-asked  revealed-when-not  (leave one executive out, dev splits)")
    for threshold in THRESHOLDS:
        hit = asked = false = unrelated = 0
        for persona in personas:
            scaler, model = fit([r for r in rows if r["persona"] != persona])
            for r in (r for r in rows if r["persona"] == persona):
                got = choose(scaler, model, r["measured"], threshold)
                if r["want"] is not None:
                    asked += 1
                    hit += got == r["want"]
                else:
                    unrelated += 1
                    false += got is not None and got < r["seen"]
        print(f"{threshold:9.2f}  {hit / asked:19.3f}  {false / unrelated:17.3f}   ({asked} asks, {unrelated} others)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.3, help="likelihood at which a secret comes out")
    parser.add_argument("--write", action="store_true", help="write coach/data/reveal.yaml")
    args = parser.parse_args()
    _, content, store = prepare_with_knowledge(llm="none")
    rows = measured_items(content, store)
    held_out_by_executive(rows)
    scaler, model = fit(rows)
    out = dict(features=list(FEATURES), mean=[round(float(v), 6) for v in scaler.mean_],
               scale=[round(float(v), 6) for v in scaler.scale_],
               coef=[round(float(v), 6) for v in model.coef_[0]], intercept=round(float(model.intercept_[0]), 6),
               threshold=args.threshold,
               fitted_on=dict(splits=[d.name for d in responsiveness.dev_dirs()], questions=len(rows),
                              asks_for_a_fact=sum(r["want"] is not None for r in rows),
                              date=dt.date.today().isoformat()))
    print(yaml.safe_dump(out, sort_keys=False))
    if args.write:
        path = resources.files("coach.data").joinpath("reveal.yaml")
        header = ("# Whether a hidden fact comes out (coach/call/reveal.py): a logistic model over eight measurements\n"
                  "# of the rep's question against each secret and against what the buyer says openly. Written by\n"
                  "# scripts/fit_reveal.py from the dev responsiveness splits only; the threshold was chosen on\n"
                  "# executives the fit had not seen (leave one out). Set `reveal: null` under `answers` in\n"
                  "# buyer.yaml to fall back to the fixed margin.\n")
        with open(str(path), "w", encoding="utf-8") as f:
            f.write(header + yaml.safe_dump(out, sort_keys=False, default_flow_style=None))


if __name__ == "__main__":
    main()
