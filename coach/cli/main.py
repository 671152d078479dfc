"""The `coach` command. Thin: parse flags, call the library, print, map errors to exit codes.

Exit codes: 0 ok; 1 a check failed or an unexpected error; 2 bad input (one line naming
the fix); 3 model unavailable. Never a traceback for a user mistake.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from typing import Annotated, Optional

import typer
from typer._click.exceptions import NoArgsIsHelpError  # Typer's own copy of click raises its flag errors
from coach.cli.common import err, out

from coach.config import check_env_file
from coach.errors import CoachError, UserInputError

app = typer.Typer(
    name="coach",
    help="Practice room for enterprise sellers: rehearse calls with simulated executives.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

LlmOption = Annotated[Optional[str], typer.Option("--llm", help="local | openai | replay | record | none (overrides COACH_LLM)")]
ModelOption = Annotated[Optional[str], typer.Option("--model", help="model name (overrides COACH_MODEL)")]


def version() -> str:
    """The installed product version."""
    try:
        return importlib.metadata.version("exec-call-coach")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _overrides(llm: str | None, model: str | None) -> dict[str, object]:
    values: dict[str, object] = {}
    if llm is not None:
        values["llm"] = llm
    if model is not None:
        values["model"] = model
    return values


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"coach {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                               help="Print the version and exit.")] = False,
) -> None:
    """Practice room for enterprise sellers."""


@app.command()
def doctor(
    no_model: Annotated[bool, typer.Option("--no-model", help="skip the live model check")] = False,
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Check every dependency and offline asset; exit 1 if anything is missing."""
    from coach.cli.doctor import run_checks
    from coach.runtime.startup import prepare

    settings = prepare(**_overrides(llm, model))
    with err.status("Checking…"):
        checks = run_checks(settings, check_model=not no_model)
    for check in checks:
        mark = "[green]ok     [/]" if check.ok else "[red]MISSING[/]"
        out.print(f"{mark} {check.name}: {check.detail}")
        if not check.ok and check.fix:
            out.print(f"        fix: {check.fix}", markup=False)
    failed = [c for c in checks if not c.ok]
    if failed:
        out.print(f"[red]{len(failed)} problem(s).[/] Fix them as shown, then run `coach doctor` again.")
        raise typer.Exit(1)
    out.print(f"All {len(checks)} checks passed.")


@app.command()
def setup() -> None:
    """Prepare offline assets (tiktoken cache, data folder, fast embedding model). `make setup` runs this."""
    from coach.retrieval.embedder_model import runtime_model_file
    from coach.runtime.startup import prepare

    settings = prepare()
    model = runtime_model_file()
    out.print(f"Offline assets ready in {settings.data_dir}; embedding model {model.path}", markup=False)


@app.command()
def chat(
    text: Annotated[str, typer.Argument(help="the line to send; - reads standard input")],
    system: Annotated[str, typer.Option(help="system prompt")] = "You are a helpful, concise assistant.",
    max_tokens: Annotated[int, typer.Option(min=1, max=8192)] = 256,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0)] = 0.7,
    seed: Annotated[Optional[int], typer.Option()] = None,
    stats: Annotated[bool, typer.Option("--stats", help="print tokens and timing to stderr")] = False,
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Send one line through the configured model and stream the reply."""
    from coach.llm import GenerationParams, create_backend
    from coach.runtime.startup import prepare

    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise UserInputError("Nothing to send", 'give the text to send, e.g. coach chat "Hello"')
    settings = prepare(**_overrides(llm, model))
    backend = create_backend(settings, caller=f"coach chat {text[:40]!r}")
    if backend is None:
        raise UserInputError("COACH_LLM=none has no model to chat with",
                             "use --llm local (the embedded model) or --llm openai")
    params = GenerationParams(max_tokens=max_tokens, temperature=temperature, seed=seed)
    reply = backend.stream([{"role": "system", "content": system}, {"role": "user", "content": text}], params)
    with err.status("Waiting for the model…") if sys.stderr.isatty() else _nullcontext():
        chunks = iter(reply)
        first = next(chunks, "")
    sys.stdout.write(first)
    for chunk in chunks:
        sys.stdout.write(chunk)
        sys.stdout.flush()
    sys.stdout.write("\n")
    if stats and reply.result is not None:
        r = reply.result
        err.print(f"{r.backend} {r.model}: {r.usage.prompt_tokens} prompt + {r.usage.completion_tokens} "
                  f"completion tokens, first token {r.first_token_seconds or 0:.2f}s, total {r.seconds:.2f}s")


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


from coach.cli import acts as cli_acts, call as cli_call, calls as cli_calls, eval as cli_eval, kb as cli_kb, users as cli_users  # noqa: E402 - after `app` exists

app.command()(cli_kb.validate)
app.command()(cli_kb.ingest)
app.add_typer(cli_kb.kb, name="kb")
app.command()(cli_call.simulate)
app.command()(cli_call.practice)
app.command()(cli_call.grade)
app.command("eval")(cli_eval.eval_command)
app.add_typer(cli_users.users, name="users")
app.add_typer(cli_calls.calls, name="calls")
app.add_typer(cli_acts.acts, name="acts")


def _usage_error(exc: typer.TyperException) -> str:
    """A flag or argument mistake as one line naming the fix (`coach simulate --help` shows the options)."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "coach"
    return UserInputError(exc.format_message(), f"see `{command} --help` for what it accepts").message


def main() -> None:
    """Console-script entry: run the app and turn errors into one line and an exit code.

    Flag mistakes (unknown option, a value of the wrong type) are one line and exit 2 as well.
    """
    try:
        check_env_file()  # before any library reads .env on import
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `coach` or `coach users` alone: the help
        exc.show()
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # a flag or argument mistake, as Typer reports it
        err.print(f"coach: {_usage_error(exc)}", markup=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("coach: interrupted", markup=False)
        sys.exit(130)
    except CoachError as exc:
        err.print(f"coach: {exc.message}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("coach: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last resort: one line, traceback on request
        if os.environ.get("COACH_DEBUG"):
            raise
        from coach.log import redact

        err.print(f"coach: unexpected error: {redact(f'{type(exc).__name__}: {exc}')[:300]}. "
                  "Fix: re-run with COACH_DEBUG=1 to see the traceback, and report it.", markup=False)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
