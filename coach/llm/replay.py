"""Recorded responses: `record` writes them, `replay` answers from them with no network.

Why: the CI eval suite and the tests must be deterministic and offline. A recording is
one human-readable JSON line per request, keyed by the sha256 of the canonical request
(model, messages, sampling params, schema; never timeouts, keys or URLs). A miss names
the key, the caller and the command that re-records it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import (
    ModelError,
    ModelOutputInvalid,
    ModelTimeout,
    ModelUnavailable,
    RecordingMissing,
    UserInputError,
)
from coach.llm.base import LLM, ChatRequest
from coach.log import get_logger, redact

log = get_logger("llm.replay")

DEFAULT_FILE = "recordings.jsonl"
_ERRORS: dict[str, type[ModelError]] = {
    "ModelTimeout": ModelTimeout,
    "ModelUnavailable": ModelUnavailable,
    "ModelOutputInvalid": ModelOutputInvalid,
}


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    return [path] if path.is_file() else []


class RecordingStore:
    """Recordings in a JSONL file, or in every `*.jsonl` of a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, dict[str, Any]] | None = None

    @property
    def write_file(self) -> Path:
        """Where new recordings go: the file itself, or `recordings.jsonl` in the folder."""
        if self.path.suffix == ".jsonl":
            return self.path
        return self.path / DEFAULT_FILE

    def entries(self) -> dict[str, dict[str, Any]]:
        """All recordings by key; a later line for the same key wins."""
        if self._entries is None:
            entries: dict[str, dict[str, Any]] = {}
            for file in _files(self.path):
                for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                    if not line.strip():
                        continue
                    try:
                        entry = json.loads(line)
                        entries[entry["key"]] = entry
                    except (json.JSONDecodeError, KeyError, TypeError):
                        raise UserInputError(
                            f"{file}:{number}: not a recording line (JSON with a \"key\")",
                            "delete the line or re-record with COACH_LLM=record",
                        ) from None
            self._entries = entries
        return self._entries

    def models(self) -> set[str]:
        return {e.get("model", "") for e in self.entries().values()} - {""}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries().get(key)

    def append(self, entry: dict[str, Any]) -> None:
        """Add one line; safe when several processes record into the same file."""
        target = self.write_file
        target.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        with target.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line)
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
        if self._entries is not None:
            self._entries[entry["key"]] = entry


def default_caller() -> str:
    """The test that is running, when under pytest; else the command line."""
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if current:
        return current.rsplit(" (", 1)[0]
    return ("coach " + " ".join(sys.argv[1:]))[:120]


def chunk_text(text: str) -> Iterator[str]:
    """Split a recorded reply into word-sized chunks, as a live stream would arrive."""
    yield from (piece for piece in re.findall(r"\S+\s*|\s+", text) if piece)


class ReplayBackend(LLM):
    """Answers only from recordings; never touches the network."""

    backend_name = "replay"

    def __init__(self, store: RecordingStore, model: str | None = None, *, caller: str | None = None,
                 rerecord: str | None = None) -> None:
        super().__init__(model or self._only_model(store), max_retries=0)
        self.store = store
        self.caller = caller
        self.rerecord = rerecord

    @staticmethod
    def _only_model(store: RecordingStore) -> str:
        models = store.models()
        if len(models) == 1:
            return next(iter(models))
        if not models:
            raise ModelUnavailable(
                f"No recordings found at {store.path}",
                "record some with COACH_LLM=record, or point COACH_RECORDINGS at a recordings file",
            )
        raise ModelUnavailable(
            f"Recordings at {store.path} hold several models ({', '.join(sorted(models))})",
            "set COACH_MODEL to the one to replay",
        )

    def _open(self, request: ChatRequest) -> Iterator[str]:
        key = request.key()
        entry = self.store.get(key)
        if entry is None:
            caller = self.caller or default_caller()
            rerecord = self.rerecord or f"COACH_LLM=record COACH_RECORDINGS={self.store.path} <the same command>"
            raise RecordingMissing(key, caller, rerecord)
        yield from chunk_text(entry.get("response", ""))
        if "error" in entry:  # a recorded failure, possibly after part of a reply
            error = entry["error"]
            cls = _ERRORS.get(error.get("type", ""), ModelUnavailable)
            raise cls(error.get("problem", "recorded failure"), error.get("fix", ""))


class RecordingBackend(LLM):
    """Calls a real backend and writes every answer (or typed failure) as a recording."""

    backend_name = "record"

    def __init__(self, inner: LLM, store: RecordingStore, *, caller: str | None = None) -> None:
        super().__init__(inner.model, max_retries=0, timeout_s=inner.timeout_s)
        self.inner = inner
        self.store = store
        self.caller = caller

    def _entry(self, request: ChatRequest) -> dict[str, Any]:
        return {
            "key": request.key(),
            "caller": self.caller or default_caller(),
            "backend": self.inner.backend_name,
            "model": request.model,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": request.canonical(),
        }

    def _open(self, request: ChatRequest) -> Iterator[str]:
        parts: list[str] = []
        chunks = iter(self.inner.stream_request(request))
        try:
            for chunk in chunks:
                parts.append(chunk)
                yield chunk
        except GeneratorExit:  # the caller stopped reading: still record the whole reply, so replay matches
            try:
                parts.extend(chunks)
            except ModelError:
                pass
            self._record(request, parts, None)
            raise
        except ModelError as exc:
            self._record(request, parts, exc)
            raise
        self._record(request, parts, None)

    def _record(self, request: ChatRequest, parts: list[str], error: ModelError | None) -> None:
        entry = self._entry(request) | {"response": redact("".join(parts))}
        if error is not None:
            entry["error"] = {"type": type(error).__name__, "problem": error.problem, "fix": error.fix}
        self.store.append(entry)
        log.info("recorded %s into %s", request.key()[:12], self.store.write_file)

    def close(self) -> None:
        self.inner.close()


class FillingBackend(LLM):
    """Replays what is recorded and records only what is not.

    Why: after a prompt change only the changed requests need the live model, so re-recording
    takes seconds instead of re-running every case (and leaves every other recording as it was).
    """

    backend_name = "record"

    def __init__(self, replay: ReplayBackend, recorder: RecordingBackend) -> None:
        super().__init__(replay.model, max_retries=0, timeout_s=recorder.timeout_s)
        self.replay = replay
        self.recorder = recorder

    def _open(self, request: ChatRequest) -> Iterator[str]:
        if self.replay.store.get(request.key()) is not None:
            yield from self.replay._open(request)
        else:
            yield from self.recorder._open(request)

    def close(self) -> None:
        self.recorder.close()
