"""`coach simulate`: run a scripted call and print the result (JSON with --json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.cli_common import out

KnowledgeOption = Annotated[Optional[list[Path]], typer.Option(
    "--knowledge", help="extra folder of knowledge .md files for this run (repeatable)")]


def simulate(
    persona: Annotated[str, typer.Option("--persona", help="persona id (e.g. cfo_meridian) or a persona .yaml path")],
    script: Annotated[Path, typer.Option("--script", help="YAML file with `turns: [rep line, ...]`")],
    knowledge: KnowledgeOption = None,
    seed: Annotated[int, typer.Option(help="chooses among equivalent buyer lines; same seed, same call")] = 0,
    llm: Annotated[str, typer.Option("--llm", help="none (persona lines only) | local | openai | replay | record")] = "none",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Run rep lines from a script file against a simulated buyer."""
    from coach.errors import UserInputError
    from coach.llm import create_backend
    from coach.retrieval import load_knowledge, open_store
    from coach.runtime import prepare
    from coach.session import Call
    from coach.simulate import load_script, resolve_persona, run_script

    if llm not in ("none", "local", "openai", "replay", "record"):
        raise UserInputError(f"--llm {llm!r} is not a backend", "use none, local, openai or replay")
    settings = prepare(llm=llm)
    lines = load_script(script)
    buyer, content = resolve_persona(persona, ([], knowledge or []))
    store = open_store(settings)
    store.ingest(load_knowledge(knowledge or []).values())
    backend = create_backend(settings, caller=f"coach simulate --persona {persona} --script {script}",
                             rerecord=f"coach simulate --persona {persona} --script {script} --seed {seed} --llm record")
    result = run_script(Call(buyer, content, store, llm=backend, seed=seed), lines)
    if as_json:
        out.print_json(result.model_dump_json())
        return
    out.print(f"[bold]{content.personas[buyer.id].name}[/], {buyer.title}: {result.opening}")
    for turn in result.turns:
        out.print(f"\n[cyan]Rep:[/] {turn.rep}", markup=True)
        who = content.personas[turn.buyer_persona].name
        out.print(f"[bold]{who}:[/] {turn.buyer}")
        out.print(f"  [dim]{turn.move} · attention {turn.attention} · {turn.elapsed_s / 60:.1f} min · {turn.reason}[/]")
    out.print(f"\nOutcome: {result.outcome}" + (f" (handed to {result.delegated_to})" if result.delegated_to else ""))
    if result.model_voice:
        v = result.model_voice
        out.print(f"Model voice ({v['backend']} {v['model']}): {v['accepted']} of {v['asked']} lines accepted.")
    if result.unspoken:
        out.print(f"{len(result.unspoken)} script line(s) not spoken: the call had ended.")
