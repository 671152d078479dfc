"""The embedded server's life: one per process, gone when its parent goes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import run_env

pytestmark = pytest.mark.integration

STARTS_AND_PRINTS_PID = """
import sys, time
from coach.config import Settings
from coach.llm import create_backend
backend = create_backend(Settings(_env_file=None, data_dir=sys.argv[1]))
backend.complete([{"role": "user", "content": "hi"}])
print(backend.server.process.pid, flush=True)
if sys.argv[2] == "wait":
    time.sleep(60)
"""


def _gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie still answers kill(0); it is gone for our purposes once it is not running
        try:
            with open(f"/proc/{pid}/status") as status:
                if "State:\tZ" in status.read():
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_server_stops_when_the_parent_exits_normally(tmp_path):
    result = subprocess.run([sys.executable, "-c", STARTS_AND_PRINTS_PID, str(tmp_path), "exit"],
                            capture_output=True, text=True, timeout=120, env=run_env())
    assert result.returncode == 0, result.stderr
    assert _gone(int(result.stdout.split()[0]))


def test_server_stops_when_the_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", STARTS_AND_PRINTS_PID, str(tmp_path), "wait"],
                              stdout=subprocess.PIPE, text=True, env=run_env())
    try:
        server_pid = int(parent.stdout.readline())
        assert not _gone(server_pid, within_s=0.5)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert _gone(server_pid)
    finally:
        parent.kill()
