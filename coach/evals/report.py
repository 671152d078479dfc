"""The eval report: metrics over case runs, a self-describing report.json, summary.md, charts, baseline diff.

Why: a CI run must say in one screen whether the buyer still behaves like a busy executive
and the grader still agrees with managers, and a drop must fail with a readable diff.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.evals.cases import BAD_KINDS, GOOD_KINDS, CaseRun
from coach.evals.responsiveness import HOLLOW, repeated_lines
from coach.config import PROJECT_ROOT

BASELINE = PROJECT_ROOT / "evals" / "baseline.json"
TOLERANCE = 0.02  # a rate may fall this much below the baseline before it counts as a regression
HIGHER_IS_BETTER = ("pass_rate", "pass_k", "outcome_accuracy", "accepted_rate", "calibration_qwk",
                    "calibration_within_one")
LOWER_IS_BETTER = ("too_agreeable", "too_hard", "leak_rate", "out_of_character_rate")


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def metrics(runs: list[CaseRun], seeds: int) -> dict[str, Any]:
    """Buyer metrics over every (case, seed) run."""
    by_case: dict[str, list[CaseRun]] = defaultdict(list)
    for run in runs:
        by_case[run.id].append(run)
    by_kind: dict[str, list[CaseRun]] = defaultdict(list)
    for run in runs:
        by_kind[run.kind].append(run)
    outcome_ok = [not any(f.startswith("outcome ") for f in r.failures) for r in runs]
    bad = [r for r in runs if r.kind in BAD_KINDS]
    good = [r for r in runs if r.kind in GOOD_KINDS]
    asked = sum(r.voice_asked for r in runs)
    return {
        "cases": len(by_case), "runs": len(runs), "seeds": seeds,
        "pass_rate": _rate(sum(r.passed for r in runs), len(runs)),
        "pass_k": _rate(sum(all(r.passed for r in rs) for rs in by_case.values()), len(by_case)),
        "outcome_accuracy": _rate(sum(outcome_ok), len(runs)),
        "outcome_accuracy_by_kind": {k: _rate(sum(not any(f.startswith("outcome ") for f in r.failures) for r in rs),
                                              len(rs)) for k, rs in sorted(by_kind.items())},
        "too_agreeable": _rate(sum(r.outcome == "advanced" for r in bad), len(bad)),
        "too_hard": _rate(sum(r.outcome != "advanced" for r in good), len(good)),
        "accepted_rate": _rate(sum(r.voice_accepted for r in runs), asked),
        "model_lines": asked,
        "leak_rate": _rate(sum(bool(r.leaks) for r in runs), len(runs)),
        "out_of_character_rate": _rate(sum(bool(r.out_of_character) for r in runs), len(runs)),
        "missing_recordings": sum(r.missing_recordings for r in runs),
        "score_by_band": {band: sum(r.band == band for r in runs) for band in ("strong", "solid", "developing", "weak")},
        "repeated_lines": repeated_lines([r.buyer for r in runs]),
        "hollow_lines": sum(bool(HOLLOW.search(line)) for r in runs for line in r.buyer),
        "good_calls_full_attention_by_turn_3": _rate(sum(any(a >= 100 for a in r.attention[:3]) for r in good),
                                                     len(good)),
    }


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return out.stdout.strip() or None


def compare(current: dict[str, Any], baseline: dict[str, Any], passed_now: set[str]) -> list[str]:
    """Regressions against the baseline, one readable line each."""
    lines = []
    old = baseline.get("metrics", {})
    for key in HIGHER_IS_BETTER:
        if old.get(key) is not None and current.get(key) is not None and current[key] < old[key] - TOLERANCE:
            lines.append(f"{key}: {old[key]:.3f} → {current[key]:.3f} (more than {TOLERANCE} lower)")
    for key in LOWER_IS_BETTER:
        if old.get(key) is not None and current.get(key) is not None and current[key] > old[key] + TOLERANCE:
            lines.append(f"{key}: {old[key]:.3f} → {current[key]:.3f} (more than {TOLERANCE} higher)")
    for case in sorted(set(baseline.get("passing_cases", [])) - passed_now):
        lines.append(f"case {case} passed in the baseline and fails now")
    return lines


def write_report(out_dir: Path, report: dict[str, Any], runs: list[CaseRun]) -> None:
    """report.json, summary.md and two PNG charts in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    (out_dir / "summary.md").write_text(summary(report, runs), encoding="utf-8")
    _charts(out_dir, report)


def summary(report: dict[str, Any], runs: list[CaseRun]) -> str:
    """The one-screen Markdown summary."""
    m = report["metrics"]

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.0f}%"

    lines = [f"# Eval run {report['run']}", "",
             f"commit `{report.get('commit') or '-'}` · backend {report['backend']} · model {report.get('model') or '-'}"
             f" · {m['cases']} cases × {m['seeds']} seeds", "",
             "| measure | value |", "|---|---|",
             f"| cases passing on every seed (pass^{m['seeds']}) | {pct(m['pass_k'])} |",
             f"| runs passing | {pct(m['pass_rate'])} |",
             f"| outcome accuracy | {pct(m['outcome_accuracy'])} |",
             f"| too agreeable (advance on bad calls) | {pct(m['too_agreeable'])} |",
             f"| too hard (no advance on good calls) | {pct(m['too_hard'])} |",
             f"| model lines accepted by the guard | {pct(m['accepted_rate'])} of {m['model_lines']} |",
             f"| hidden-fact leaks | {pct(m['leak_rate'])} |",
             f"| out-of-character replies | {pct(m['out_of_character_rate'])} |"]
    cal = report.get("calibration")
    if cal:
        lines.append(f"| grader vs managers (dev calls): kappa / ±1 | {cal['qwk']:.2f} / {pct(cal['within_one'])} |")
    test = report.get("calibration_test")
    if test and test.get("qwk") is not None:
        lines.append(f"| grader vs managers (test calls, never tuned on): kappa / ±1 / pairs / outcome | "
                     f"{test['qwk']:.2f} / {pct(test['within_one'])} / {pct(test['pairwise_order'])} / "
                     f"{pct(test['outcome_agreement'])} |")
    for name, one in (report.get("calibration_test_sets") or {}).items():
        if one.get("qwk") is not None and len(report["calibration_test_sets"]) > 1:
            lines.append(f"| … of which `{name}` ({one['cases']} calls): kappa / ±1 / pairs / outcome | "
                         f"{one['qwk']:.2f} / {pct(one['within_one'])} / {pct(one['pairwise_order'])} / "
                         f"{pct(one['outcome_agreement'])} |")
    if m.get("paraphrase_outcome_stability") is not None:
        lines.append(f"| paraphrases ending as the original | {pct(m['paraphrase_outcome_stability'])} |")
        lines.append(f"| paraphrases meeting the expected outcome | {pct(m['paraphrase_expected_outcome'])} |")
    lines.append(f"| buyer lines repeated within a call / with an empty slot | {m.get('repeated_lines', 'n/a')} / "
                 f"{m.get('hollow_lines', 'n/a')} |")
    lines.append(f"| good calls at full attention by turn 3 (goal 0%) | "
                 f"{pct(m.get('good_calls_full_attention_by_turn_3'))} |")
    for name, one in (report.get("responsiveness") or {}).items():
        if one.get("items"):
            kind = "held out" if "test" in name or "held-out" in name else "dev, in-sample"
            lines.append(f"| buyer answers what was asked (`{name}`, {kind}, {one['items']} lines): fitting / fact asked "
                         f"revealed / fact on unrelated ask | {pct(one['responsive'])} / {pct(one['fact_reveal'])} / "
                         f"{pct(one['false_reveal'])} |")
    for acts in (report.get("acts") or {}).values():
        split = "sentences as said in the held-out calls" if acts["split"] == "calls-test" else f"{acts['split']} split"
        lines.append(f"| {acts['side']} acts, {split}: macro-F1 / accuracy | {acts['macro_f1']:.2f} / "
                     f"{pct(acts['accuracy'])} |")
        if acts.get("commits_accuracy") is not None:
            lines.append(f"| rep claims, {split}: promise or soft praise read right | {pct(acts['commits_accuracy'])} |")
    lines += ["", "## Outcome accuracy by kind", "", "| kind | accuracy |", "|---|---|"]
    lines += [f"| {k} | {pct(v)} |" for k, v in m["outcome_accuracy_by_kind"].items()]
    failing = [r for r in runs if not r.passed]
    if failing:
        lines += ["", "## Failing runs", ""]
        lines += [f"- `{r.id}` (seed {r.seed}): {'; '.join(r.failures)}" for r in failing[:60]]
    if report.get("regressions"):
        lines += ["", "## Regressions against the baseline", ""] + [f"- {r}" for r in report["regressions"]]
    return "\n".join(lines) + "\n"


def _charts(out_dir: Path, report: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = report["metrics"]
    kinds = list(m["outcome_accuracy_by_kind"])
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh(kinds, [100 * (m["outcome_accuracy_by_kind"][k] or 0) for k in kinds], color="#3b7dd8")
    ax.set_xlim(0, 100)
    ax.set_xlabel("outcome accuracy (%)")
    ax.set_title("Outcome accuracy by case kind")
    fig.tight_layout()
    fig.savefig(out_dir / "outcome_accuracy.png", dpi=110)
    plt.close(fig)
    bands = m["score_by_band"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(list(bands), list(bands.values()), color=["#2e9e5b", "#7cc38f", "#f0b94d", "#d9534f"])
    ax.set_ylabel("runs")
    ax.set_title("Score distribution by band")
    fig.tight_layout()
    fig.savefig(out_dir / "score_by_band.png", dpi=110)
    plt.close(fig)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
