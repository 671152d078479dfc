"""`coach eval`: how far the grader agrees with sales managers (and, later, the buyer cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.progress import Progress
from rich.table import Table

from coach.cli.common import err, out
from coach.config import PROJECT_ROOT, checkout_path, in_checkout


RECORDINGS = PROJECT_ROOT / "evals" / "recordings"


def eval_command(
    calibration: Annotated[bool, typer.Option("--calibration", help="only grade the labelled transcripts and "
                                              "print agreement with the managers' labels")] = False,
    directory: Annotated[Path | None, typer.Option("--dir", help="folder of labelled transcripts "
                                                   "(default: evals/calibration)")] = None,
    cases_dir: Annotated[Path | None, typer.Option("--cases", help="folder of eval cases (default: evals/cases)")] = None,
    llm: Annotated[str, typer.Option("--llm", help="replay (recorded model lines, the CI default) | none | "
                                     "local | openai")] = "replay",
    record: Annotated[bool, typer.Option("--record", help="re-record evals/recordings with the configured live "
                                         "model (the embedded one unless OPENAI_* is set)")] = False,
    record_missing: Annotated[bool, typer.Option("--record-missing", help="record only the model lines that have "
                                                 "no recording yet (after a prompt change), keeping the rest")] = False,
    seeds: Annotated[int, typer.Option(min=1, max=10, help="run every case with this many seeds (pass^k)")] = 3,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="where to write the report "
                                                    "(default: evals/reports/<run>)")] = None,
    baseline: Annotated[Path | None, typer.Option(help="baseline to compare with (default: evals/baseline.json)")] = None,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="write this run as the new baseline")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    show: Annotated[int, typer.Option(help="list this many biggest calibration disagreements")] = 10,
) -> None:
    """Run the eval suite (buyer cases + grader calibration), or only the calibration."""
    from coach.grading.calibration import DEFAULT_DIR, evaluate, load_cases, transcript_grader
    from coach.content.catalog import load_content
    from coach.errors import UserInputError
    from coach.grading.rubric import load_rubric
    from coach.retrieval.index import open_store
    from coach.evals import cases as eval_cases, report as eval_report
    from coach.runtime.startup import prepare

    # The eval material comes with the source checkout only: say so before any work is done.
    directory = directory or checkout_path(DEFAULT_DIR, "labelled calls (evals/calibration)", "pass --dir FOLDER")
    if not calibration:
        cases_dir = cases_dir or checkout_path(eval_cases.DEFAULT_DIR, "eval cases (evals/cases)",
                                               "pass --cases FOLDER")
        if record_missing or (llm == "replay" and not record):
            checkout_path(RECORDINGS, "recorded model lines (evals/recordings)", "use --llm none")
        if record:
            checkout_path(RECORDINGS.parent, "evals/ folder for the recordings", "use --llm none")
        if update_baseline and baseline is None:
            checkout_path(eval_report.BASELINE.parent, "evals/ folder for the baseline", "pass --baseline FILE")
    settings = prepare(llm="none")
    rubric = load_rubric()
    content = load_content()
    store = open_store(settings)
    store.ingest(content.knowledge.values())
    cal_cases = load_cases(directory, rubric)
    unknown = sorted({c.persona for c in cal_cases} - content.personas.keys())
    if unknown:
        raise UserInputError(f"Calibration files name unknown personas: {', '.join(unknown)}",
                             "use a persona id from personas/")

    from coach.acts.reader import shared_reader
    from coach.retrieval.embeddings import shared_embedder

    grade = transcript_grader(content, store, shared_reader("buyer", shared_embedder(), settings.data_dir))
    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("calibration", total=len(cal_cases))
        report = evaluate(cal_cases, grade, rubric, progress=lambda done, total: bar.update(task, completed=done))
    if calibration:
        if as_json:
            out.print_json(report.model_dump_json())
            return
        print_report(report, show)
        return
    _run_cases(settings, content, store, report, cases_dir, "record" if record else "record-missing" if record_missing else llm, seeds, report_dir,
               baseline, update_baseline, as_json)


def _backend(settings, kind: str):  # noqa: ANN001, ANN202
    from coach.errors import UserInputError
    from coach.llm import RecordingBackend, RecordingStore, ReplayBackend, create_backend

    if kind == "none":
        return None
    if kind == "replay":
        return ReplayBackend(RecordingStore(RECORDINGS), caller="coach eval", rerecord="coach eval --record")
    if kind == "record":
        for old in RECORDINGS.glob("*.jsonl"):
            old.unlink()
        RECORDINGS.mkdir(parents=True, exist_ok=True)
        live = create_backend(settings.model_copy(update={"llm": "openai" if settings.api_key() or
                                                          settings.openai_base_url else "local"}))
        return RecordingBackend(live, RecordingStore(RECORDINGS / "cases.jsonl"), caller="coach eval")
    if kind == "record-missing":
        from coach.llm.replay import FillingBackend

        live = create_backend(settings.model_copy(update={"llm": "openai" if settings.api_key() or
                                                          settings.openai_base_url else "local"}))
        replay = ReplayBackend(RecordingStore(RECORDINGS), caller="coach eval", rerecord="coach eval --record")
        return FillingBackend(replay, RecordingBackend(live, RecordingStore(RECORDINGS / "cases.jsonl"),
                                                       caller="coach eval"))
    if kind in ("local", "openai"):
        return create_backend(settings.model_copy(update={"llm": kind}), caller="coach eval")
    raise UserInputError(f"--llm {kind!r} is not a backend", "use replay, none, local or openai (or --record)")


def _run_cases(settings, content, store, calibration, cases_dir, kind, seeds, report_dir, baseline_path,
               update_baseline, as_json) -> None:  # noqa: ANN001, PLR0913
    """Run every case on every seed, write the report, compare with the baseline, set the exit code."""
    import json
    import time

    from coach.evals import cases as eval_cases, report as eval_report

    cases = eval_cases.load_cases(cases_dir or eval_cases.DEFAULT_DIR, content)
    llm = _backend(settings, kind)
    started = time.perf_counter()
    runs = []
    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("eval cases", total=len(cases) * seeds)
        for case in cases:
            for seed in range(seeds):
                runs.append(eval_cases.run_case(case, content, store, llm, seed))
                bar.advance(task)
    if llm is not None:
        llm.close()
    from coach.evals import paraphrases as eval_paraphrases

    reworded = eval_paraphrases.load_paraphrases(eval_paraphrases.DEFAULT_DIR, cases) if in_checkout() else []
    with Progress(console=err, transient=True, disable=as_json or not reworded) as bar:
        task = bar.add_task("paraphrases", total=len(reworded))
        paraphrased = []
        for one in reworded:
            paraphrased += eval_paraphrases.run_paraphrases([one], {r.id: r for r in runs if r.seed == 0}, content,
                                                            store)
            bar.advance(task)
    passed = {c.id for c in cases if all(r.passed for r in runs if r.id == c.id)}
    metrics = eval_report.metrics(runs, seeds)
    metrics["calibration_qwk"] = calibration.qwk
    metrics["calibration_within_one"] = calibration.within_one
    metrics.update(eval_paraphrases.stability(paraphrased))
    acts_reports, calibration_test, calibration_test_sets = _held_out(settings, content, store)
    responsiveness, answered = _responsiveness(content, store, as_json)
    run_id = eval_report.new_run_id()
    report = {
        "run": run_id, "commit": eval_report.git_commit(PROJECT_ROOT) if in_checkout() else None,
        "backend": kind, "model": getattr(llm, "model", None), "seconds": round(time.perf_counter() - started, 1),
        "settings": {"seeds": seeds, "cases_dir": str(cases_dir or eval_cases.DEFAULT_DIR),
                     "tolerance": eval_report.TOLERANCE},
        "metrics": metrics,
        "calibration": {"qwk": calibration.qwk, "exact": calibration.exact, "within_one": calibration.within_one,
                        "criterion_accuracy": calibration.criterion_accuracy},
        "calibration_test": calibration_test,
        "calibration_test_sets": calibration_test_sets,
        "acts": acts_reports,
        "responsiveness": responsiveness,
        "answered": answered,
        "passing_cases": sorted(passed),
        "paraphrases": [p.model_dump() for p in paraphrased],
        "runs": [r.model_dump() for r in runs],
    }
    baseline_file = baseline_path or eval_report.BASELINE
    baseline = json.loads(baseline_file.read_text(encoding="utf-8")) if baseline_file.is_file() else None
    report["regressions"] = eval_report.compare(metrics, baseline, passed) if baseline else []
    reports = PROJECT_ROOT / "evals" / "reports" if in_checkout() else settings.data_dir / "eval-reports"
    out_dir = report_dir or (reports / run_id)
    eval_report.write_report(out_dir, report, runs)
    if update_baseline:
        baseline_file.write_text(json.dumps({"metrics": metrics, "passing_cases": sorted(passed),
                                             "backend": kind, "commit": report["commit"]}, indent=1) + "\n",
                                 encoding="utf-8")
    if as_json:
        out.print_json(json.dumps({k: v for k, v in report.items() if k != "runs"}, default=str))
    else:
        out.print(eval_report.summary(report, runs), markup=False)
        out.print(f"Report: {out_dir}", markup=False)
    if report["regressions"] and not update_baseline:
        err.print(f"{len(report['regressions'])} regression(s) against {baseline_file.name}; see above.")
        raise typer.Exit(1)


def _responsiveness(content, store, quiet: bool) -> tuple[dict, list]:  # noqa: ANN001
    """Does the buyer answer what was asked: each held-out set and each dev split on its own, then all
    held-out sets together and all dev splits together."""
    from coach.evals import responsiveness

    if not in_checkout():
        return {}, []
    figures, answered, pooled = {}, [], {"all held-out sets": [], "all dev splits": []}
    held_out = responsiveness.held_out_dirs()
    for directory in (*held_out, *responsiveness.dev_dirs()):
        items = responsiveness.load_items(directory)
        with Progress(console=err, transient=True, disable=quiet or not items) as bar:
            task = bar.add_task(f"answers ({directory.name})", total=len(items))
            results = responsiveness.run_items(items, content, store,
                                               progress=lambda done, total: bar.update(task, completed=done))
        figures[directory.name] = responsiveness.summary(results)
        pooled["all held-out sets" if directory in held_out else "all dev splits"] += results
        answered += [{"set": directory.name, **r.model_dump()} for r in results]
    figures.update({name: responsiveness.summary(results) for name, results in pooled.items() if results})
    return figures, answered


def _held_out(settings, content, store) -> tuple[dict, dict | None, dict]:  # noqa: ANN001
    """The figures on data no setting was chosen on: the act classifiers on their test splits and the
    grader on the test calls (every `evals/calibration-test*` folder: all of them together, and each set
    alone, since a newer set has been looked at fewer times)."""
    from coach.acts.bank import load_split
    from coach.acts.evaluation import evaluate as evaluate_acts
    from coach.acts.reader import shared_reader
    from coach.acts.types import ACTS
    from coach.grading.calibration import evaluate, load_cases, transcript_grader
    from coach.grading.rubric import load_rubric
    from coach.retrieval.embeddings import shared_embedder

    acts_reports = {}
    for side in ("rep", "buyer"):
        for split in ("test", "calls-test"):  # the bank's test sentences, and sentences as said in held-out calls
            examples = load_split(side, split)
            if examples:
                reader = shared_reader(side, shared_embedder(), settings.data_dir)
                report = evaluate_acts(reader, examples, split, ACTS[side])
                acts_reports[side if split == "test" else f"{side} {split}"] = report.model_dump(exclude={"misread"})
    directories = sorted(d for d in (PROJECT_ROOT / "evals").glob("calibration-test*") if d.is_dir())
    if not directories:
        return acts_reports, None, {}
    rubric = load_rubric()
    grader = transcript_grader(content, store, shared_reader("buyer", shared_embedder(), settings.data_dir))
    graded: dict[str, object] = {}

    def grade(case):  # noqa: ANN001, ANN202 - each call graded once, for its set and for all sets
        if case.id not in graded:
            graded[case.id] = grader(case)
        return graded[case.id]

    sets = {d.name: evaluate(load_cases(d, rubric), grade, rubric) for d in directories}
    together = evaluate([c for d in directories for c in load_cases(d, rubric)], grade, rubric)
    return (acts_reports, together.model_dump(exclude={"results"}),
            {name: report.model_dump(exclude={"results", "confusion"}) for name, report in sets.items()})


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def print_report(report, show: int) -> None:  # noqa: ANN001 - CalibrationReport, imported lazily
    """The agreement figures, the confusion matrix and the biggest disagreements."""
    qwk = "n/a" if report.qwk is None else f"{report.qwk:.2f}"
    out.print(f"[bold]Grader vs managers[/] on {report.cases} labelled calls ({report.rated} scored)")
    out.print(f"quadratic weighted kappa {qwk}  (goal ≥ 0.80)")
    out.print(f"exact rating agreement {_pct(report.exact)}   within ±1 {_pct(report.within_one)}  (goal ≥ 95%)")
    out.print(f"better call scored higher {_pct(report.pairwise_order)} of differently rated pairs (goal ≥ 90%)   "
              f"outcome read right {_pct(report.outcome_agreement)} (goal ≥ 90%)")
    table = Table(title="Per criterion (goal ≥ 85%; unscored calls left out)")
    table.add_column("criterion")
    table.add_column("accuracy", justify="right")
    table.add_column("scored", justify="right")
    for cid, accuracy in report.criterion_accuracy.items():
        low = accuracy is not None and accuracy < 0.85
        table.add_row(cid, f"[red]{_pct(accuracy)}[/]" if low else _pct(accuracy), str(report.criterion_scored[cid]))
    out.print(table)
    matrix = Table(title="Ratings: manager (rows) × grader (columns)")
    matrix.add_column("")
    for g in range(1, 6):
        matrix.add_column(str(g), justify="right")
    for m, row in enumerate(report.confusion, 1):
        matrix.add_row(str(m), *[str(n) if n else "·" for n in row])
    out.print(matrix)
    worst = sorted((r for r in report.results if r.grader_rating is not None),
                   key=lambda r: -abs(r.manager_rating - r.grader_rating))[:show]
    if worst:
        out.print("Biggest disagreements:")
        for r in worst:
            wrong = [cid for cid, v in r.criteria.items() if v["grader"] not in ("unscored", v["manager"])]
            out.print(f"  {esc(r.id)}: manager {r.manager_rating}, grader {r.grader_rating} "
                      f"(score {r.overall}, {r.outcome}, seen {r.outcome_seen}); criteria differ: {esc(', '.join(wrong) or 'none')}")
