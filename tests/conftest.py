"""Shared fixtures. The whole suite runs with sockets limited to loopback (pytest-socket)."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import pytest

from coach.config import Settings, apply_offline_environment

# Variables a developer's shell might carry that would change what the tests see.
_USER_VARIABLES = [
    "COACH_LLM", "COACH_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "COACH_DATA_DIR", "DATABASE_URL",
    "CHROMA_HOST", "COACH_RECORDINGS", "COACH_TIMEOUT_S", "COACH_MAX_RETRIES", "COACH_LOG_LEVEL",
]


# Every attempt to reach a non-loopback host, seen by a process-wide audit hook. pytest-socket
# (see addopts) blocks such connections; this also catches lookups made by library threads that
# swallow their errors (telemetry), so a test fails even when nothing raised in it.
OUTSIDE_ATTEMPTS: list[str] = []


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str) or host in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _audit(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo" and not _is_loopback(args[0]):
        OUTSIDE_ATTEMPTS.append(f"lookup {args[0]}")
    elif event == "socket.connect" and isinstance(args[1], tuple) and not _is_loopback(args[1][0]):
        OUTSIDE_ATTEMPTS.append(f"connect {args[1][0]}")


sys.addaudithook(_audit)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record", action="store_true",
                     help="re-record model responses with the embedded local model (tests/recordings/)")


@pytest.fixture(autouse=True)
def _no_outside_network():
    before = len(OUTSIDE_ATTEMPTS)
    yield
    attempts = OUTSIDE_ATTEMPTS[before:]
    assert not attempts, f"network outside loopback was attempted: {attempts}"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in _USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    apply_offline_environment()
    cache = tmp_path_factory.getbasetemp() / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh data folder and no `.env`."""
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def run_env(**extra: str) -> dict[str, str]:
    """An environment for running the `coach` command in a subprocess."""
    env = {k: v for k, v in os.environ.items() if k not in _USER_VARIABLES}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def shipped_store(tmp_path_factory):
    """A real Chroma store holding the shipped knowledge (ingested once per test run)."""
    from coach.retrieval.index import KnowledgeStore, load_knowledge

    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("kb"))  # type: ignore[call-arg]
    store = KnowledgeStore(settings)
    report = store.ingest(load_knowledge().values())
    return store, report
