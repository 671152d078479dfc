"""The embedded default: SmolLM2-135M-Instruct on llama.cpp, no network, no key.

Why: a newcomer gets a working voice with nothing to configure. The server runs in a
child process on a free 127.0.0.1 port, is health-checked, shared by every caller in
the process (and across Streamlit reruns), restarted if it dies, and shut down on exit.
The client side is the ordinary OpenAI-compatible backend.
"""

from __future__ import annotations

import atexit
import json
import selectors
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coach.runtime.assets import local_model_file
from coach.errors import ModelError, ModelUnavailable
from coach.llm.base import ChatRequest
from coach.llm.openai_compat import OpenAICompatBackend
from coach.log import get_logger

log = get_logger("llm.local")

START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServerSpec:
    model_path: Path
    ctx: int
    threads: int
    parallel: int = 1


class LocalServer:
    """One llama.cpp child process; `address()` starts or restarts it as needed."""

    def __init__(self, spec: ServerSpec, log_file: Path | None = None) -> None:
        self.spec = spec
        self.log_file = log_file
        self.process: subprocess.Popen[str] | None = None
        self.base_address: str | None = None
        self.starts = 0
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def address(self) -> str:
        """The server's http://127.0.0.1:PORT, starting it first if it is not running."""
        with self._lock:
            if not self.alive():
                self._start()
            assert self.base_address is not None
            return self.base_address

    def _start(self) -> None:
        self.stop()
        started = time.perf_counter()
        stderr = self.log_file.open("a") if self.log_file else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "coach.llm.local_server", "--model", str(self.spec.model_path),
                 "--ctx", str(self.spec.ctx), "--threads", str(self.spec.threads),
                 "--parallel", str(self.spec.parallel)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
            )
        finally:
            if stderr is not subprocess.DEVNULL:
                stderr.close()
        announcement = self._read_announcement()
        if "address" not in announcement:
            self.stop()
            raise ModelUnavailable(
                f"The embedded model server failed to start: {announcement.get('error', 'no address')}",
                "run `coach doctor`; if the model file is damaged, run `make setup` again",
            )
        self.base_address = announcement["address"]
        self._wait_healthy(started)
        self.starts += 1
        log.info("embedded model server up at %s in %.2fs", self.base_address, time.perf_counter() - started)

    def _read_announcement(self) -> dict[str, str]:
        assert self.process is not None and self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=START_TIMEOUT_S)
        selector.close()
        line = self.process.stdout.readline() if ready else ""
        try:
            return json.loads(line) if line.strip() else {"error": "the server exited before it was ready"}
        except json.JSONDecodeError:
            return {"error": f"unexpected output {line[:100]!r}"}

    def _wait_healthy(self, started: float) -> None:
        while time.perf_counter() - started < START_TIMEOUT_S:
            try:
                with urllib.request.urlopen(f"{self.base_address}/health", timeout=2) as reply:
                    if json.loads(reply.read()).get("status") == "ok":
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if not self.alive():
                break
            time.sleep(0.05)
        self.stop()
        raise ModelUnavailable(
            "The embedded model server did not become healthy",
            "run `coach doctor`, or raise COACH_TIMEOUT_S on a slow machine",
        )

    def kill(self) -> None:
        """Kill the process abruptly (used by fault tests and benchmarks)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)

    def stop(self) -> None:
        """Shut the server down; it also exits by itself if this process dies."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=3)


_servers: dict[ServerSpec, LocalServer] = {}
_servers_lock = threading.Lock()


def shared_server(spec: ServerSpec, log_file: Path | None = None) -> LocalServer:
    """The one server per spec in this process (Streamlit reruns and CLI calls share it)."""
    with _servers_lock:
        server = _servers.get(spec)
        if server is None:
            server = _servers[spec] = LocalServer(spec, log_file)
        return server


@atexit.register
def _stop_all() -> None:
    for server in list(_servers.values()):
        server.stop()


class LocalBackend(OpenAICompatBackend):
    """The OpenAI-compatible backend pointed at the embedded server."""

    backend_name = "local"
    connection_fix = "try again: the embedded server is restarted on the next call (`coach doctor` checks it)"
    placeholder_key = "local"  # the embedded server takes any key; this one is not a secret

    def __init__(self, model: str, *, threads: int = 2, ctx: int = 2048, timeout_s: float = 60.0,
                 max_retries: int = 2, backoff_s: float = 0.5, log_file: Path | None = None,
                 server: LocalServer | None = None) -> None:
        super().__init__(model, base_url=None, api_key=self.placeholder_key, timeout_s=timeout_s,
                         max_retries=max_retries, backoff_s=backoff_s)
        if server is None:
            spec = ServerSpec(model_path=local_model_file().path, ctx=ctx, threads=threads)
            server = shared_server(spec, log_file)
        self.server = server

    def _endpoint(self) -> str:
        return self.server.address() + "/v1"

    def _where(self) -> str:
        return "The embedded model server"

    def _open(self, request: ChatRequest) -> Iterator[str]:
        try:
            yield from super()._open(request)
        except ModelError:
            if not self.server.alive():
                log.warning("embedded model server died; it will be restarted on the next call")
            raise

    def close(self) -> None:
        self.server.stop()
