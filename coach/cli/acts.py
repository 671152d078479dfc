"""`coach acts ...`: read a sentence, measure the act classifier on a split, add a sentence to the bank."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from coach.cli.common import err, out

acts = typer.Typer(help="The dialogue-act classifier: what each sentence of a call does.", no_args_is_help=True,
                   add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)

SideOption = Annotated[str, typer.Option("--side", help="rep | buyer: whose sentences; topic: what a rep's "
                                                       "question asks about")]


def _side(side: str) -> str:
    from coach.errors import UserInputError

    if side not in ("rep", "buyer", "topic"):
        raise UserInputError(f"--side {side!r} is not rep, buyer or topic", "pass --side rep, buyer or topic")
    return side


def _reader(side: str):  # noqa: ANN202 - ActReader, imported lazily
    from coach.acts.reader import shared_reader
    from coach.retrieval.embeddings import shared_embedder
    from coach.runtime.startup import prepare

    settings = prepare()
    reader = shared_reader(side, shared_embedder(), settings.data_dir)  # type: ignore[arg-type]
    with err.status("Loading the act classifier (built once per bank version)…"):
        reader.models(progress=lambda message: err.print(message, markup=False))
    return reader


@acts.command("read")
def read_command(text: Annotated[str, typer.Argument(help="what was said (one or more sentences)")],
                 side: SideOption = "rep",
                 as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Show what each sentence does, with the classifier's confidence."""
    from coach.call import lexicon

    reader = _reader(_side(side))
    readings = reader.read(lexicon.sentences(text) or [text])
    if as_json:
        out.print_json(json.dumps([{"text": r.text, "act": r.act, "confidence": r.confidence,
                                    "runner_up": r.runner_up, "runner_up_confidence": r.runner_up_confidence,
                                    "involves_buyer": r.involves_buyer, "commits": r.commits} for r in readings]))
        return
    for r in readings:
        sure = "" if r.confidence >= reader.confident else "  (unsure)"
        who = f"  executive in it: {r.involves_buyer:.0%}" if r.involves_buyer is not None else \
            f"  a promise, not soft praise: {r.commits:.0%}" if r.commits is not None else ""
        out.print(f"{r.act:<24} {r.confidence:.2f}{sure}  ← {r.text}{who}   [next: {r.runner_up} "
                  f"{r.runner_up_confidence:.2f}]", markup=False, highlight=False)


@acts.command("eval")
def eval_command(side: SideOption = "rep",
                 split: Annotated[str, typer.Option("--split", help="dev | test | calls-test (sentences as said in the "
                                                                    "held-out calls): which labelled split to measure")] = "test",
                 as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
                 show: Annotated[int, typer.Option(help="list this many misread sentences")] = 10) -> None:
    """Per-act precision and recall on a split the classifier never learned from."""
    from coach.acts.bank import load_split
    from coach.acts.evaluation import evaluate
    from coach.acts.types import ACTS
    from coach.errors import UserInputError

    if split not in ("dev", "test", "calls-test"):
        raise UserInputError(f"--split {split!r} is not dev, test or calls-test",
                             "pass --split dev, --split test or --split calls-test")
    reader = _reader(_side(side))
    examples = load_split(side, split)  # type: ignore[arg-type]
    if not examples:
        raise UserInputError(f"No {side} sentences in the {split} split", "check coach/data/acts/")
    report = evaluate(reader, examples, split, ACTS[side])
    if as_json:
        out.print_json(report.model_dump_json())
        return
    print_report(report, show)


def print_report(report, show: int = 10) -> None:  # noqa: ANN001 - ActReport
    """The per-act table, the macro-F1 and the commonest confusions."""
    def pct(value: float | None) -> str:
        return "   -" if value is None else f"{value:4.2f}"

    out.print(f"{report.side} acts, {report.split} split: {report.sentences} sentences, accuracy "
              f"{pct(report.accuracy)}, macro-F1 {pct(report.macro_f1)}", markup=False)
    out.print(f"  {'act':<24}{'n':>5}  prec  rec   F1", markup=False)
    for s in report.acts:
        out.print(f"  {s.act:<24}{s.support:>5}  {pct(s.precision)}  {pct(s.recall)}  {pct(s.f1)}", markup=False)
    if report.involves_buyer_accuracy is not None:
        out.print(f"  next-step asks, executive in it or not: accuracy {pct(report.involves_buyer_accuracy)}",
                  markup=False)
    if report.commits_accuracy is not None:
        out.print(f"  claims, promise or soft praise: accuracy {pct(report.commits_accuracy)}", markup=False)
    if report.confusions:
        out.print("  commonest confusions: " + "; ".join(f"{a} read as {b} ×{n}" for a, b, n in report.confusions[:6]),
                  markup=False)
    for text, gold, got in report.misread[:show]:
        out.print(f"    {gold} → {got}: {text}", markup=False, highlight=False)


@acts.command("add")
def add_command(text: Annotated[str, typer.Argument(help="the sentence, as a rep or buyer would say it")],
                act: Annotated[str, typer.Option("--act", help="its act (see `coach acts list`)")],
                side: SideOption = "rep",
                involves_buyer: Annotated[Optional[bool], typer.Option(
                    "--involves-buyer/--team-only", help="next_step_ask only: is the executive in the step?")] = None,
                commits: Annotated[Optional[bool], typer.Option(
                    "--commits/--soft", help="claim only: a figure or promise the rep could be held to "
                                             "(--commits), or soft praise that commits to nothing (--soft)?")] = None) -> None:
    """Add a sentence to your team's bank; the classifier learns it on next use."""
    from coach.acts.bank import Example, add_example
    from coach.runtime.startup import prepare

    settings = prepare()
    path = add_example(settings.data_dir, _side(side),  # type: ignore[arg-type]
                       Example(text=text.strip() or text, act=act, involves_buyer=involves_buyer, commits=commits))
    out.print(f"Added to {path}. The {side} classifier is rebuilt the next time it is used.", markup=False)


@acts.command("list")
def list_command(side: SideOption = "rep") -> None:
    """The acts and what each means (from coach/data/acts/GUIDE.md)."""
    from coach.acts.types import ACTS

    for name in ACTS[_side(side)]:
        out.print(name, markup=False)
