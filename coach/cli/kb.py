"""`coach validate`, `coach ingest` and `coach kb ...`: content checks and the knowledge store."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from coach.cli.common import err, out

PersonasOption = Annotated[Optional[list[Path]], typer.Option(
    "--personas", help="extra folder of persona .yaml files (repeatable); the shipped ones are always included")]
KnowledgeOption = Annotated[Optional[list[Path]], typer.Option(
    "--knowledge", help="extra folder of knowledge .md files (repeatable); merged with the shipped ones")]

kb = typer.Typer(help="Search and evaluate the knowledge store.", no_args_is_help=True, add_completion=False,
                 rich_markup_mode=None, pretty_exceptions_enable=False)


def validate(personas: PersonasOption = None, knowledge: KnowledgeOption = None) -> None:
    """Check personas and knowledge files; list every problem with file, line, field and fix (exit 2)."""
    from coach.content.catalog import load_content
    from coach.content.files import ContentError

    try:
        content = load_content(personas or [], knowledge or [])
    except ContentError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        files = len({p.file for p in exc.problems})
        err.print(f"{len(exc.problems)} problem(s) in {files} file(s).", markup=False)
        raise typer.Exit(2) from None
    kinds = [d.meta.kind for d in content.knowledge.values()]
    out.print(f"OK: {len(content.personas)} personas ({len(content.executives())} executives), "
              f"{len(kinds)} knowledge documents ({kinds.count('value_proposition')} value propositions, "
              f"{kinds.count('case_note')} case notes).")


def ingest(knowledge: KnowledgeOption = None,
           rebuild: Annotated[bool, typer.Option(
               "--rebuild", help="set the embedded store aside (kept as chroma.damaged-<time>) and build it again "
                                 "from the knowledge files: the fix for a damaged store")] = False) -> None:
    """Validate the knowledge, then bring the store up to date (only changed files are re-embedded)."""
    from coach.retrieval.index import load_knowledge, open_store, set_aside
    from coach.runtime.startup import prepare

    settings = prepare()
    docs = load_knowledge(knowledge or [])  # raises before anything is changed
    if rebuild:
        aside = set_aside(settings)
        if aside is not None:
            err.print(f"The old knowledge store was moved to {aside}; building a new one.", markup=False)
    store = open_store(settings)
    with Progress(TextColumn("Embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("embed", total=None)
        report = store.ingest(docs.values(), progress=lambda done, total: progress.update(task, completed=done,
                                                                                           total=total))
    out.print(f"Knowledge store: {report.added} added, {report.updated} updated, {report.removed} removed, "
              f"{report.unchanged} unchanged ({report.chunks_written} chunks embedded) in {report.seconds:.1f}s; "
              f"{store.count()} chunks stored.")


@kb.command("search")
def kb_search(
    text: Annotated[str, typer.Argument(help="what to search for, in plain words")],
    title: Annotated[Optional[str], typer.Option(help="only documents for this buyer title, e.g. cfo")] = None,
    kind: Annotated[Optional[str], typer.Option(help="value_proposition or case_note")] = None,
    k: Annotated[int, typer.Option(min=1, max=50, help="how many chunks")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show the knowledge chunks closest in meaning to TEXT."""
    from coach.errors import UserInputError

    if not "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf")).strip():
        raise UserInputError("Nothing to search for", 'give some words, e.g. coach kb search "cash forecast"')
    if kind not in (None, "value_proposition", "case_note"):
        raise UserInputError(f"--kind {kind!r} is not a kind", "use value_proposition or case_note")
    from coach.runtime.startup import prepare

    settings = prepare()  # a bad setting is reported before the store is loaded
    from coach.retrieval.index import current_store

    hits = current_store(settings).search(text, kind=kind, title=title, k=k)
    if as_json:
        out.print_json(json.dumps([hit.__dict__ for hit in hits]))
        return
    if not hits:
        out.print("No matches. Check --title/--kind, or run `coach ingest`.")
    for hit in hits:
        first = hit.text.split("\n", 2)
        out.print(f"[bold]{hit.score:.3f}[/] {hit.id}  ({hit.kind}, {hit.offering}, titles: {', '.join(hit.titles)})")
        out.print("    " + (first[1] if len(first) > 1 else first[0])[:160], markup=False)


@kb.command("eval")
def kb_eval(
    queries: Annotated[Optional[Path], typer.Option(help="labelled query file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    min_recall3: Annotated[float, typer.Option(help="exit 1 if recall@3 is below this")] = 0.0,
) -> None:
    """Recall@1, recall@3 and MRR of retrieval on the labelled query set."""
    from coach.retrieval.evaluation import DEFAULT_QUERIES, evaluate, load_queries
    from coach.retrieval.index import current_store
    from coach.runtime.startup import prepare
    from coach.config import checkout_path

    query_set = load_queries(queries or checkout_path(DEFAULT_QUERIES, "labelled retrieval queries "
                                                      "(evals/retrieval/queries.yaml)", "pass --queries FILE"))
    scores = evaluate(current_store(prepare()), query_set)
    if as_json:
        out.print_json(scores.model_dump_json())
    else:
        for result in scores.results:
            if result.rank != 1:
                out.print(f"rank {result.rank or '-'}: {result.id} expected {result.expected}, got "
                          f"{', '.join(result.ranked[:3])}  \"{result.text[:70]}\"", markup=False)
        out.print(f"{scores.queries} queries: recall@1 {scores.recall_at_1:.3f}, recall@3 {scores.recall_at_3:.3f}, "
                  f"MRR {scores.mrr:.3f}")
    if scores.recall_at_3 < min_recall3:
        raise typer.Exit(1)
