"""`coach simulate`: run a scripted call and print the result (JSON with --json)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape as esc

from coach.cli.common import err, out

if TYPE_CHECKING:
    from coach.grading.scorecard import JudgeReport

KnowledgeOption = Annotated[Optional[list[Path]], typer.Option(
    "--knowledge", help="extra folder of knowledge .md files for this run (repeatable)")]


def _call_setup(persona: str, knowledge: list[Path] | None, llm: str, seed: int, caller: str,
                rep_lines: Sequence[str] = (), reveals: bool = True):
    """Settings, persona, content, store and model for a call (simulate, practice, grade).

    Flags, settings and the persona are checked before the buyer, the store and the model are
    loaded, so a mistake is reported in a moment. The vectors the call will need (the persona's
    statements, `rep_lines` known in advance) are computed while the knowledge index loads.
    """
    from coach.content.catalog import resolve_persona
    from coach.errors import UserInputError
    from coach.runtime.startup import prepare

    if llm not in ("none", "local", "openai", "replay", "record"):
        raise UserInputError(f"--llm {llm!r} is not a backend", "use none, local, openai or replay")
    settings = prepare(llm=llm)
    buyer, content = resolve_persona(persona, ([], knowledge or []))

    from coach.call.rules import load_analysis_rules
    from coach.retrieval.embeddings import shared_embedder
    from coach.retrieval.signals import warm_up

    warming = warm_up(shared_embedder(), buyer, rep_lines, load_analysis_rules(), reveals)
    from coach.llm import create_backend
    from coach.retrieval.index import open_store
    from coach.call.engine import Call

    store = open_store(settings)
    store.ingest(content.knowledge.values())  # the shipped knowledge and --knowledge folders, parsed once
    backend = create_backend(settings, caller=caller, rerecord=f"{caller} --llm record")
    warming.join()
    # naming a model on the command line asks for its voice, the embedded one's too (off by default in the app)
    return Call(buyer, content, store, llm=backend, seed=seed, local_voice=llm != "none", reveals=reveals)


def simulate(
    persona: Annotated[str, typer.Option("--persona", help="persona id (e.g. cfo_meridian) or a persona .yaml path")],
    script: Annotated[Path, typer.Option("--script", help="YAML file with `turns: [rep line, ...]`")],
    knowledge: KnowledgeOption = None,
    seed: Annotated[int, typer.Option(help="chooses among equivalent buyer lines; same seed, same call")] = 0,
    llm: Annotated[str, typer.Option("--llm", help="none (persona lines only) | local | openai | replay | record")] = "none",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Run rep lines from a script file against a simulated buyer."""
    from coach.content.call_files import load_script

    lines = load_script(script)
    call = _call_setup(persona, knowledge, llm, seed, f"coach simulate --persona {persona} --script {script} --seed {seed}",
                       rep_lines=lines)
    from coach.call.simulate import run_script

    content = call.content
    buyer = call.persona
    result = run_script(call, lines)
    if as_json:
        out.print_json(result.model_dump_json())
        return
    out.print(f"[bold]{esc(content.personas[buyer.id].name)}[/], {esc(buyer.title)}: {esc(result.opening)}")
    for turn in result.turns:
        out.print(f"\n[cyan]Rep:[/] {esc(turn.rep)}")
        who = content.personas[turn.buyer_persona].name
        out.print(f"[bold]{esc(who)}:[/] {esc(turn.buyer)}")
        out.print(f"  [dim]{turn.move} · attention {turn.attention} · {turn.elapsed_s / 60:.1f} min · "
                  f"{esc(turn.reason)}[/]")
    out.print(f"\nOutcome: {result.outcome}" + (f" (handed to {result.delegated_to})" if result.delegated_to else ""))
    if result.model_voice:
        v = result.model_voice
        out.print(f"Model voice ({v['backend']} {v['model']}): {v['accepted']} of {v['asked']} lines accepted.")
    if result.unspoken:
        out.print(f"{len(result.unspoken)} script line(s) not spoken: the call had ended.")


def grade(
    file: Annotated[Path, typer.Argument(help='JSON file: {"persona": ID|PATH, "turns": [{"speaker": "rep"|"buyer", "text"}]}')],
    knowledge: KnowledgeOption = None,
    llm: Annotated[str, typer.Option("--llm", help="none (rules only) | openai | replay | record: a capable model "
                                     "also judges the call, beside the rules")] = "none",
    as_json: Annotated[bool, typer.Option("--json", help="print the scorecard as JSON")] = False,
) -> None:
    """Grade a call transcript: quote-backed criteria, metrics, score and coaching."""
    from coach.content.call_files import load_transcript

    transcript = load_transcript(file)
    call = _call_setup(transcript.persona, knowledge, "none", 0, f"coach grade {file}",
                       rep_lines=[turn.text for turn in transcript.turns if turn.speaker == "rep"], reveals=False)
    from coach.grading.judge import capable
    from coach.call.simulate import grade_transcript

    judge = None
    if llm != "none":
        judge = _judge_backend(llm, f"coach grade {file}")
        if not capable(judge):
            err.print("[yellow]The embedded model is too small to judge a call; showing the rules-based grade.[/]")
    from coach.acts.reader import shared_reader
    from coach.config import load_settings
    from coach.retrieval.embeddings import shared_embedder

    reader = shared_reader("buyer", shared_embedder(), load_settings().data_dir)
    card = grade_transcript(transcript, call, reader, judge=judge)
    if as_json:
        out.print_json(card.model_dump_json())
        return
    score = "unscored" if card.overall is None else f"{card.overall}/100 ({card.band}, rating {card.rating} of 5)"
    read = f" (read from: “{esc(card.outcome_evidence)}”)" if card.outcome_evidence else ""
    out.print(f"[bold]{score}[/] · outcome {card.outcome}{read}")
    if card.capped_by:
        out.print(f"[yellow]Capped:[/] {esc(card.capped_by)}")
    for c in card.criteria:
        mark = {"yes": "[green]yes[/]", "no": "[red]no [/]", "unscored": "[dim]n/a[/]"}[c.result]
        out.print(f"{mark} {esc(c.question)}")
        for q in c.evidence:
            out.print(f"      turn {q.turn}: \"{esc(q.quote)}\"")
        if c.result == "no":
            out.print(f"      [dim]tip: {esc(c.tip)}[/]")
    rewrite = card.coaching.rewrite
    if rewrite:
        out.print(f"\nTry instead of turn {rewrite.turn}: {esc(rewrite.suggested)}")
    if card.judge:
        _print_judge(card.judge)


def _judge_backend(llm: str, caller: str):  # noqa: ANN202 - an LLM, imported lazily
    from coach.errors import UserInputError
    from coach.llm import create_backend
    from coach.runtime.startup import prepare

    if llm not in ("local", "openai", "replay", "record"):
        raise UserInputError(f"--llm {llm!r} is not a backend", "use none, openai, replay or record")
    return create_backend(prepare(llm=llm), caller=caller, rerecord=f"{caller} --llm record")


def _print_judge(judge: JudgeReport) -> None:
    """The model judge beside the rules: where they disagree, and what could not be trusted."""
    if judge.error:
        out.print(f"\n[yellow]Model judge unavailable ({esc(judge.error)}); the rules-based grade stands.[/]")
        return
    unscored = [c.id for c in judge.criteria if c.result == "unscored"]
    out.print(f"\nModel judge ({esc(judge.model)}): {len(judge.disagreements)} disagreement(s) with the rules"
              + (f"; unscored: {esc(', '.join(unscored))}" if unscored else ""))
    for d in judge.disagreements:
        out.print(f"  {esc(d.id)}: rules {d.deterministic}, judge {d.judge} — {esc(d.reason)}")


def practice(
    persona: Annotated[str, typer.Option("--persona", help="persona id or .yaml path")] = "cfo_meridian",
    knowledge: KnowledgeOption = None,
    seed: Annotated[int, typer.Option(help="chooses among equivalent buyer lines")] = 0,
    llm: Annotated[str, typer.Option("--llm", help="none | local | openai | replay")] = "none",
    exam: Annotated[bool, typer.Option("--exam", help="hide the buyer's move and reason")] = False,
) -> None:
    """Practise a call in the terminal. Type your lines; /end finishes the call."""
    from coach.errors import UserInputError

    call = _call_setup(persona, knowledge, llm, seed, f"coach practice --persona {persona} --seed {seed}")
    if hasattr(sys.stdin, "reconfigure"):  # bytes that are not text become U+FFFD: the line is kept, not lost
        sys.stdin.reconfigure(errors="replace")
    from coach.call.practice import model_notice
    from coach.call.study import briefing_for, study_material

    brief = briefing_for(call.persona, call.content)
    study = study_material(call.persona, call.content, call.store)  # the same material the app's briefing shows
    studied = [d.id for d in [study.value_proposition, *study.case_notes] if d is not None]
    err.print(f"[bold]{esc(brief.name)}[/], {esc(brief.title)}, {esc(brief.company)} ({esc(brief.industry)}, "
              f"{esc(brief.size)}). Time: {brief.time_budget_min} min. "
              + (f"You sell {esc(study.offering)}. " if study.offering else "") + f"Study: {', '.join(studied)}.")
    err.print("Type your line and press Enter; /end to finish.\n")
    out.print(f"[bold]{esc(brief.name)}:[/] {esc(call.opening())}")
    while not call.ended:
        try:
            line = input("You: ")
        except EOFError:
            break
        if line.strip() in ("/end", "/quit", "/exit"):
            break
        try:
            reply = call.stream_turn(line)
        except UserInputError as exc:
            err.print(f"[yellow]{esc(exc.message)}[/]")
            continue
        out.print(f"[bold]{esc(call.current_persona.name)}:[/] ", end="")
        for piece in reply:  # the buyer's words as they are spoken
            out.print(piece, end="", markup=False, highlight=False)
        out.print()
        turn = reply.finish()
        if turn.notice:
            err.print(f"[yellow]{esc(turn.notice)}[/]")
        model_down = model_notice(turn)
        if model_down:
            err.print(f"[yellow]{esc(model_down)}[/]")
        status = f"attention {turn.attention} · {turn.elapsed_s / 60:.1f} of {brief.time_budget_min} min"
        err.print(f"[dim]{status}" + ("" if exam else f" · {turn.move}: {esc(turn.reason)}") + "[/]")
    out.print(f"\nCall ended: {call.outcome}" + (f" (handed to {call.delegated_to})" if call.delegated_to else "")
              + f" after {len(call.turns)} turn(s).")
