"""Shared fixtures. The whole suite runs with sockets limited to loopback (pytest-socket)."""

from __future__ import annotations

import functools
import inspect
import ipaddress
import os
import sys
from pathlib import Path

import pytest

from coach.config import Settings, apply_offline_environment

# Variables a developer's shell might carry that would change what the tests see.
_USER_VARIABLES = [
    "COACH_LLM", "COACH_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "COACH_DATA_DIR", "DATABASE_URL",
    "CHROMA_HOST", "COACH_RECORDINGS", "COACH_TIMEOUT_S", "COACH_MAX_RETRIES", "COACH_LOG_LEVEL", "COACH_CONTENT_DIR",
    "COACH_JUDGE",
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


# ---------------------------------------------------------------- markers: what the fast lane leaves out
#
# `make check` runs -m "not integration and not browser and not postgres and not slow"; `make test` runs
# everything. `integration` (the real embedded model) and `slow` on single tests are written on the tests;
# the rules below apply the rest by module and by fixture, so a new test in these places is classified too.

FAST_LANE_EXCLUDES = ("integration", "browser", "postgres", "slow")
SLOW_FOLDERS = {
    "faults": "the fault suite: model servers that fail, processes holding locks, full disks, damaged stores",
}
SLOW_MODULES = {
    "test_corpus.py": "the bad-input corpus runs the real `coach` command once per case",
    "test_scale_out.py": "scale-out starts Chroma, model, PostgreSQL and app servers in their own processes",
    "test_local_lifecycle.py": "starts and kills processes holding the embedded model server",
}
SLOW_TESTS = {  # single tests taking seconds each, by file::name (all parameters)
    "test_app.py::test_a_line_the_database_could_not_take_is_kept_and_sent_again":
        "a fault: another process holds the SQLite write lock while the app waits it out",
    "test_access.py::test_app_sign_in_is_rate_limited": "real wrong-password delays",
    "test_access.py::test_cli_sign_in_is_rate_limited_with_the_app": "real wrong-password delays",
    "test_scenarios.py::test_scenario_with_the_recorded_model_voice":
        "every scenario played twice more, silent and with the recorded model voice (60 tests)",
}
POSTGRES_FIXTURES = {"postgres_server", "pg_server", "postgres"}  # each starts tests.pg.TempPostgres


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.path.name.startswith("test_browser") or "browser_tools(" in _source(item):
            item.add_marker(pytest.mark.browser)
        if POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())) or params.get("db") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if (item.path.name in SLOW_MODULES or item.path.parent.name in SLOW_FOLDERS
                or f"{item.path.name}::{getattr(item, 'originalname', item.name)}" in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


def _source(item: pytest.Item) -> str:
    try:
        return inspect.getsource(item.function)  # type: ignore[attr-defined]
    except (AttributeError, OSError, TypeError):
        return ""


_running: list[pytest.Item] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running[:] = [item]


def require_out_of_fast_lane(what: str) -> None:
    """Fail a fast-lane run (`-m ...`) whose test does `what` without carrying a marker that leaves it out.

    Called where tests start real processes and servers, so the fast lane stays fast as tests are added;
    a run without -m (`make test`, CI) is never failed by this.
    """
    if not _running or not _running[0].config.option.markexpr:
        return
    item = _running[0]
    if not any(item.get_closest_marker(name) for name in FAST_LANE_EXCLUDES):
        pytest.fail(f"{item.nodeid} {what}, so it belongs outside the fast lane: mark it "
                    f"({', '.join(FAST_LANE_EXCLUDES)}; see tests/conftest.py)", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _streamlit_components_scanned_once():
    """Each new AppTest scans every installed package's metadata for Streamlit components (half a second);
    the installed packages do not change during a test run, so the scan is done once and reused."""
    if "streamlit.testing.v1" not in sys.modules:  # no test in this run drives the app
        yield
        return
    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(original)
    yield
    manifest_scanner.scan_component_manifests = original


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


@pytest.fixture(params=["in-process", pytest.param("subprocess", marks=pytest.mark.slow)])
def coach_command(request: pytest.FixtureRequest):
    """The `coach` command, run in this process (`invoke_coach`) and, marked slow, as the real command in its
    own process (`run_coach`): the same checks prove both."""
    from tests.helpers import invoke_coach, run_coach

    return invoke_coach if request.param == "in-process" else run_coach


@pytest.fixture(scope="session")
def shipped_store(tmp_path_factory):
    """A real Chroma store holding the shipped knowledge (ingested once per test run)."""
    from coach.retrieval.index import KnowledgeIndex, load_knowledge

    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("kb"))  # type: ignore[call-arg]
    store = KnowledgeIndex(settings)
    report = store.ingest(load_knowledge().values())
    return store, report
