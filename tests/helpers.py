"""Small helpers shared by tests: making real recordings and running the CLI."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import types
from collections.abc import Sequence
from pathlib import Path

from coach.llm import ChatMessage, GenerationParams, RecordingBackend, RecordingStore, ScriptedBackend
from tests.conftest import require_out_of_fast_lane, run_env

LOCAL_MODEL = "smollm2-135m-instruct"


def record_reply(path: Path, messages: Sequence[ChatMessage | dict], params: GenerationParams, text: str,
                 model: str = LOCAL_MODEL) -> str:
    """Write a real recording (through the recorder) of `text` answering `messages`; return its key."""
    recorder = RecordingBackend(ScriptedBackend([text], model=model), RecordingStore(path), caller="test setup")
    recorder.complete(messages, params)
    return recorder.request(messages, params).key()


def run_coach(*args: str, stdin: str | None = None, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `python -m coach ARGS` in a new process with a clean environment plus `env` (the real command).

    Each process imports everything again (seconds): tests doing this are marked `slow`; most CLI tests use
    `invoke_coach`, which runs the same entry point in this process.
    """
    require_out_of_fast_lane("runs the `coach` command in a subprocess")
    return subprocess.run([sys.executable, "-m", "coach", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=run_env(**env))


def invoke_coach(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run the `coach` command in this process, as `run_coach` does in a new one, and return the same result.

    The console entry (`coach.cli.main.main`, which maps errors to exit codes and one-line messages)
    runs with Typer's test isolation: its own standard input, output and error, `sys.argv`, the
    environment plus `env` (restored afterwards, also what the command itself set), and a fresh
    `coach` log handler. Saves starting Python and importing everything for each command.
    """
    from typer.testing import CliRunner

    from coach.cli import common
    from coach.cli.main import main
    from coach.log import LOGGER_NAME

    saved_env = dict(os.environ)
    saved_argv = sys.argv
    saved_main = sys.modules["__main__"]
    logger = logging.getLogger(LOGGER_NAME)
    saved_log = (logger.handlers[:], logger.level, logger.propagate)
    consoles = (common.out, common.err)
    saved_colors = [console._color_system for console in consoles]
    code: object = 0
    runner = CliRunner()
    try:
        with runner.isolation(input=stdin, env={"COLUMNS": os.environ.get("COLUMNS", "80"), **env}) as (out, err, _):
            logger.handlers = []
            sys.argv = ["coach", *args]
            sys.modules["__main__"] = types.ModuleType("__main__")  # the program is named `coach` in messages
            for console in consoles:
                console._color_system = None  # as on a pipe: no colour codes
            try:
                main()
            except SystemExit as exc:
                code = exc.code
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                stdout, stderr = out.getvalue(), err.getvalue()
    finally:
        for console, colors in zip(consoles, saved_colors, strict=True):
            console._color_system = colors
        for handler in logger.handlers:
            handler.close()
        logger.handlers, logger.level, logger.propagate = saved_log
        sys.modules["__main__"] = saved_main
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed to stderr, exit 1, as Python does
        stderr += f"{code}\n".encode()
        code = 1
    return subprocess.CompletedProcess(["coach", *args], code, stdout.decode("utf-8", "replace"),
                                       stderr.decode("utf-8", "replace"))


def page_text(at) -> str:  # noqa: ANN001 - a Streamlit AppTest
    """Every element an AppTest page rendered, as text (tables and option lists included)."""
    parts: list[str] = []

    def walk(node) -> None:  # noqa: ANN001
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(parts)


def neutral_turn(**findings: object):  # noqa: ANN201 - a TurnAnalysis
    """A turn analysis that found nothing; keywords switch findings on (for the pure buyer tests)."""
    from coach.call.analysis import TurnAnalysis

    base: dict[str, object] = dict(
        words=20, speaking_s=8.0, questions=[], feature_pitch=False, feature_evidence=[], value_for_title=False,
        value_evidence=[], priority=None, case_notes=[], unsupported_claims=[], jargon=[], jargon_per_100=0.0,
        monologue=False, long_turn=False, time_check=[], next_step_ask=[], next_step_with_executive=False,
        lecturing=[], rude=[], off_topic=False, injection=[], facts_asked=[], tags=[])
    base.update(findings)
    return TurnAnalysis(**base)
