"""`coach eval`: how far the grader agrees with sales managers (and, later, the buyer cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.progress import Progress
from rich.table import Table

from coach.cli_common import err, out


def eval_command(
    calibration: Annotated[bool, typer.Option("--calibration", help="grade the labelled transcripts and "
                                              "print agreement with the managers' labels")] = False,
    directory: Annotated[Path | None, typer.Option("--dir", help="folder of labelled transcripts "
                                                   "(default: evals/calibration)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    show: Annotated[int, typer.Option(help="list this many biggest disagreements")] = 10,
) -> None:
    """Measure the coach against labelled data."""
    from coach.calibration import DEFAULT_DIR, evaluate, load_cases
    from coach.content import load_content
    from coach.errors import UserInputError
    from coach.grader import load_rubric
    from coach.retrieval import open_store
    from coach.runtime import prepare
    from coach.session import Call
    from coach.simulate import TranscriptFile, grade_transcript

    if not calibration:
        raise UserInputError("Nothing to evaluate", "add --calibration to check the grader against manager labels")
    settings = prepare(llm="none")
    rubric = load_rubric()
    cases = load_cases(directory or DEFAULT_DIR, rubric)
    content = load_content()
    unknown = sorted({c.persona for c in cases} - content.personas.keys())
    if unknown:
        raise UserInputError(f"Calibration files name unknown personas: {', '.join(unknown)}",
                             "use a persona id from personas/")
    store = open_store(settings)
    store.ingest(content.knowledge.values())

    def grade(case):  # noqa: ANN001, ANN202
        call = Call(content.personas[case.persona], content, store)
        return grade_transcript(TranscriptFile(persona=case.persona, turns=case.turns), call)

    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("grading", total=len(cases))
        report = evaluate(cases, grade, rubric, progress=lambda done, total: bar.update(task, completed=done))
    if as_json:
        out.print_json(report.model_dump_json())
        return
    print_report(report, show)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def print_report(report, show: int) -> None:  # noqa: ANN001 - CalibrationReport, imported lazily
    """The agreement figures, the confusion matrix and the biggest disagreements."""
    qwk = "n/a" if report.qwk is None else f"{report.qwk:.2f}"
    out.print(f"[bold]Grader vs managers[/] on {report.cases} labelled calls ({report.rated} scored)")
    out.print(f"quadratic weighted kappa {qwk}  (goal ≥ 0.80)")
    out.print(f"exact rating agreement {_pct(report.exact)}   within ±1 {_pct(report.within_one)}  (goal ≥ 95%)")
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
                      f"(score {r.overall}, {r.outcome}); criteria differ: {esc(', '.join(wrong) or 'none')}")
