"""Small helpers shared by tests: making real recordings and running the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from coach.llm import ChatMessage, GenerationParams, RecordingBackend, RecordingStore, ScriptedBackend
from tests.conftest import run_env

LOCAL_MODEL = "smollm2-135m-instruct"


def record_reply(path: Path, messages: Sequence[ChatMessage | dict], params: GenerationParams, text: str,
                 model: str = LOCAL_MODEL) -> str:
    """Write a real recording (through the recorder) of `text` answering `messages`; return its key."""
    recorder = RecordingBackend(ScriptedBackend([text], model=model), RecordingStore(path), caller="test setup")
    recorder.complete(messages, params)
    return recorder.request(messages, params).key()


def run_coach(*args: str, stdin: str | None = None, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `python -m coach ARGS` with a clean environment plus `env`."""
    return subprocess.run([sys.executable, "-m", "coach", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=run_env(**env))


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
