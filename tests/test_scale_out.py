"""The multi-machine set-up (deploy/): a Chroma server, an OpenAI-compatible model server, and
several app processes sharing one PostgreSQL database, each a real process on loopback.

What each test stands in for: `chroma run` from this install is the `chroma` service; the embedded
llama.cpp server started on its own is the `vllm` service (both speak the same OpenAI API); two
`streamlit run` processes are two app replicas behind a load balancer; TempPostgres is `postgres`.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from coach.db import Database, get_session, list_users, my_sessions, unfinished_session
from tests.conftest import run_env
from tests.helpers import run_coach
from tests.net import free_port
from tests.pg import serve
from tests.test_browser import app_server, browser_tools, run_script

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
SHIPPED_DOCS = len(list((ROOT / "knowledge").rglob("*.md")))
SMALL_MODEL = "smollm2-135m-instruct"  # the name that makes the product treat a server's model as the small one

# Rep lines for the call that moves between app processes (questions about the buyer: the call stays open).
CALL_LINES = [
    "Thanks for making time today. Is thirty minutes still right for you?",
    "Before I say anything about us, what would make this quarter a good one for you?",
    "What is the board pressing you on hardest right now?",
]

# One app process starting: open the database (migrating it) and create the demo team if it is empty.
APP_START = """
import sys, time
from coach.db import Database, ensure_demo
url, start_at, demo = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "demo"
while time.time() < start_at:
    time.sleep(0.001)
try:
    db = Database(url)
    created = ensure_demo(db) if demo else None
except Exception as exc:
    print("failed", type(exc).__name__, exc, flush=True)
    raise SystemExit(1)
print("created" if created else "found", flush=True)
"""


def wait_until_up(url: str, process: subprocess.Popen, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode} before it answered {url}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not answer {url} within {timeout_s}s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`chroma run` from this install (the server ships in the chromadb package); yields (CHROMA_HOST, process)."""
    chroma = BIN / "chroma"
    assert chroma.is_file(), "the chroma command ships with the chromadb package: run `make setup`"
    port = free_port()
    log = path.parent / f"{path.name}.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, env=run_env(), start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", process, f"chroma run (log: {log})")
        yield f"127.0.0.1:{port}", process
    finally:
        stop(process)


def size_of(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


@pytest.fixture(scope="module")
def postgres():
    yield from serve()


@pytest.fixture(scope="module")
def knowledge_server(tmp_path_factory):
    """One Chroma server holding the shipped knowledge, ingested with `coach ingest`."""
    root = tmp_path_factory.mktemp("chroma")
    with chroma_server(root / "server") as (host, _):
        result = run_coach("ingest", CHROMA_HOST=host, COACH_DATA_DIR=str(root / "ingest-data"))
        assert result.returncode == 0, result.stderr
        yield host


# --- the compose file ------------------------------------------------------------------------------


def test_the_compose_file_wires_every_service():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"app", "init", "postgres", "chroma", "vllm"} <= services.keys()
    for name in ("app", "postgres", "chroma", "vllm"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    env = services["app"]["environment"]
    assert env["COACH_LLM"] == "openai"
    assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CHROMA_HOST"] == "chroma:8000" and env["OPENAI_BASE_URL"] == "http://vllm:8000/v1"
    assert "COACH_MODEL" in env and services["init"]["environment"]["CHROMA_HOST"] == "chroma:8000"
    assert services["app"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    for name, mount in (("postgres", "/var/lib/postgresql/data"), ("chroma", "/data")):
        volume = services[name]["volumes"][0].split(":")
        assert volume[1] == mount and volume[0] in compose["volumes"], name
    gpu = services["vllm"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"]
    assert services["init"]["command"][-1] == "deploy/init.sh" and (DEPLOY / "init.sh").is_file()
    assert (ROOT / services["app"]["build"]["dockerfile"]).is_file()


def test_the_chroma_server_image_and_command_are_the_release_this_install_talks_to():
    import chromadb

    # `chroma run` here is the server from the chromadb wheel the client comes from ...
    script = next(ep for ep in importlib.metadata.entry_points(group="console_scripts") if ep.name == "chroma")
    assert script.dist is not None and script.dist.name == "chromadb"
    assert script.dist.version == chromadb.__version__
    pinned = re.search(r"^chromadb==([\w.]+)", (ROOT / "requirements.lock").read_text(), re.M)
    assert pinned and pinned.group(1) == chromadb.__version__, "run `make setup`: .venv is not the locked release"
    # ... and the compose file runs the image of that same release.
    image = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["chroma"]["image"]
    assert image == f"chromadb/chroma:{chromadb.__version__}", "pin the chroma image to the chromadb in requirements.lock"


# --- a Chroma server ------------------------------------------------------------------------------


@pytest.mark.integration
def test_knowledge_lives_on_the_chroma_server_named_by_chroma_host(tmp_path):
    with chroma_server(tmp_path / "server") as (host, server):
        empty = size_of(tmp_path / "server")
        first = run_coach("ingest", CHROMA_HOST=host, COACH_DATA_DIR=str(tmp_path / "machine-a"))
        assert first.returncode == 0, first.stderr
        assert f"{SHIPPED_DOCS} added" in first.stdout, first.stdout
        assert size_of(tmp_path / "server") > empty + 500_000  # the vectors went to the server's folder ...
        assert not (tmp_path / "machine-a" / "chroma").exists()  # ... and none to the local one

        # Another machine (a fresh data folder) sees the same store: nothing to do.
        again = run_coach("ingest", CHROMA_HOST=f"http://{host}", COACH_DATA_DIR=str(tmp_path / "machine-b"))
        assert again.returncode == 0, again.stderr
        assert f"0 added, 0 updated, 0 removed, {SHIPPED_DOCS} unchanged" in again.stdout, again.stdout

        search = run_coach("kb", "search", "revolver draw and a forecast the lenders trust", "--kind", "case_note",
                           "--json", CHROMA_HOST=host, COACH_DATA_DIR=str(tmp_path / "machine-b"))
        assert search.returncode == 0, search.stderr
        hits = json.loads(search.stdout)
        assert hits and hits[0]["doc_id"] == "cn-mfg-cash-forecast", hits[:2]
        assert all(hit["kind"] == "case_note" for hit in hits)
        assert not (tmp_path / "machine-b" / "chroma").exists()

        stop(server)
        gone = run_coach("kb", "search", "revolver draw", CHROMA_HOST=host, COACH_DATA_DIR=str(tmp_path / "machine-b"))
    assert gone.returncode == 2, gone.stdout + gone.stderr
    no_traceback(gone)
    message = gone.stderr.strip().splitlines()
    assert len(message) == 1 and f"CHROMA_HOST={host}" in message[0] and "Fix:" in message[0], gone.stderr


# --- an OpenAI-compatible model server ------------------------------------------------------------


@pytest.fixture
def model_server():
    """The embedded llama.cpp server, started on its own as a separate process: it speaks the same
    OpenAI API as vLLM. Found and started the way the product starts its own (coach.llm.local)."""
    from coach.runtime.assets import local_model_file
    from coach.llm.local import LocalServer, ServerSpec

    server = LocalServer(ServerSpec(model_path=local_model_file().path, ctx=2048, threads=2))
    address = server.address()
    yield server, address
    server.stop()


@pytest.mark.integration
def test_an_openai_compatible_server_gives_the_buyer_its_voice(tmp_path, model_server):
    server, address = model_server
    served = json.loads(urllib.request.urlopen(f"{address}/v1/models", timeout=5).read())["data"]
    assert served, "the model server lists no model"
    env = {"OPENAI_BASE_URL": f"{address}/v1", "OPENAI_API_KEY": "anything", "COACH_MODEL": SMALL_MODEL,
           "COACH_DATA_DIR": str(tmp_path / "data")}

    chat = run_coach("chat", "Say hello.", "--llm", "openai", "--max-tokens", "16", "--temperature", "0", "--stats",
                     **env)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.strip(), "the server sent back no words"
    assert f"openai {SMALL_MODEL}" in chat.stderr

    script = tmp_path / "call.yaml"
    script.write_text(yaml.safe_dump({"turns": CALL_LINES}))
    simulate = run_coach("simulate", "--persona", "cfo_meridian", "--script", str(script), "--llm", "openai",
                         "--json", timeout=300, **env)
    assert simulate.returncode == 0, simulate.stderr
    out = json.loads(simulate.stdout)
    voice = out["model_voice"]
    assert voice["backend"] == "openai" and voice["model"] == SMALL_MODEL
    revealing = sum(t["revealed"] is not None for t in out["turns"])  # a hidden fact is said in its own words
    assert voice["asked"] + revealing == len(out["turns"]) == len(CALL_LINES), voice
    # Every other buyer line was written by the server: spoken as it came, or checked by the guard and
    # replaced for a stated reason; none fell back because the server could not be reached.
    checks = [(t["voice"], t["voice_check"]) for t in out["turns"]]
    assert all(source == "model" or (why and not why.startswith("model unavailable")) for source, why in checks), checks
    assert voice["accepted"] == sum(source == "model" for source, _ in checks)

    server.stop()  # the server goes away: the same command now says where it looked and what to do
    down = run_coach("chat", "Say hello.", "--llm", "openai", COACH_MAX_RETRIES="0", **env)
    assert down.returncode == 3, down.stdout + down.stderr
    no_traceback(down)
    assert address.removeprefix("http://") in down.stderr and "OPENAI_BASE_URL" in down.stderr


# --- several app processes, one PostgreSQL database ----------------------------------------------


def start_apps_at_once(url: str, count: int, *, demo: bool) -> list[subprocess.Popen]:
    start_at = time.time() + 4  # after every interpreter has imported the store
    return [subprocess.Popen([sys.executable, "-c", APP_START, url, str(start_at), "demo" if demo else "plain"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=run_env())
            for _ in range(count)]


def outcomes(processes: list[subprocess.Popen]) -> list[tuple[int, str]]:
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        results.append((process.returncode, out.strip().splitlines()[-1] if out.strip() else ""))
    return results


@pytest.mark.integration
def test_app_processes_starting_together_on_an_empty_database_all_migrate_it(postgres):
    url = postgres.fresh_database("migrate_together")
    results = outcomes(start_apps_at_once(url, 3, demo=False))
    assert all(code == 0 for code, _ in results), results
    db = Database(url, run_migrations=False)
    try:
        with db.transaction() as s:
            assert len(s.execute(text("SELECT version_num FROM alembic_version")).all()) == 1
    finally:
        db.close()


@pytest.mark.integration
def test_two_app_processes_creating_the_demo_team_at_once_both_start(postgres):
    url = postgres.fresh_database("demo_together")
    Database(url).close()  # the schema exists; the race is about the demo team only
    # Hold the accounts table so both processes are waiting on their "is it empty?" count, then let go:
    # both see an empty database at the same moment, as two replicas serving their first users would.
    blocker = Database(url, run_migrations=False)
    try:
        with blocker.engine.connect() as hold:
            hold.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            processes = start_apps_at_once(url, 2, demo=True)
            deadline = time.monotonic() + 60
            while hold.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar() < 2:
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    hold.rollback()
                    pytest.fail(f"the processes never reached the count: {outcomes(processes)}")  # not the known bug
                time.sleep(0.05)
            hold.rollback()
        results = outcomes(processes)
        with blocker.transaction() as s:
            names = sorted(s.execute(text("SELECT name FROM users")).scalars())
    finally:
        blocker.close()
    assert names == ["manager", "rep1", "rep2"]
    assert all(code == 0 for code, _ in results), results
    assert sorted(line for _, line in results) == ["created", "found"], results


@pytest.mark.integration
def test_the_deploy_init_job_ingests_migrates_and_adds_the_admin(tmp_path, postgres, knowledge_server):
    if shutil.which("sh") is None:
        pytest.skip("deploy/init.sh needs a POSIX shell (sh)")
    url = postgres.fresh_database("init_job")
    env = run_env(DATABASE_URL=url, CHROMA_HOST=knowledge_server, COACH_DATA_DIR=str(tmp_path / "data"),
                  COACH_ADMIN_PASSWORD="a-long-admin-password", PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    for attempt in ("first", "again"):
        result = subprocess.run(["sh", str(DEPLOY / "init.sh")], capture_output=True, text=True, timeout=300,
                                env=env, cwd=tmp_path)
        assert result.returncode == 0, (attempt, result.stdout, result.stderr)
        assert f"{SHIPPED_DOCS} unchanged" in result.stdout  # the knowledge server was already up to date
    assert "admin account present" in result.stdout
    db = Database(url)
    try:
        users = [(viewer.name, viewer.role) for viewer, _ in list_users(db)]
    finally:
        db.close()
    assert users == [("admin", "admin")]  # no demo team on a shared database with an account


@pytest.mark.integration
def test_a_call_started_on_one_app_process_is_resumed_on_another(tmp_path, postgres, knowledge_server):
    node, chromium = browser_tools()
    url = postgres.fresh_database("two_apps")
    artifacts = ROOT / "artifacts" / "browser"
    shared = {"DATABASE_URL": url, "CHROMA_HOST": knowledge_server, "COACH_LLM": "none"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with app_server(tmp_path / "a", COACH_DATA_DIR=str(tmp_path / "a" / "data"), **shared) as app_a, \
            app_server(tmp_path / "b", COACH_DATA_DIR=str(tmp_path / "b" / "data"), **shared) as app_b:
        report, result = run_script(node, "resume_across.mjs", app_a, app_b, str(artifacts), chromium,
                                    json.dumps(CALL_LINES), timeout=300)
    assert result.returncode == 0 and report.get("ok"), (report, result.stderr[-2000:])
    for name in ("across-1-app-a-call", "across-2-app-b-resume", "across-3-app-b-resumed", "across-4-app-b-scorecard"):
        assert (artifacts / f"{name}.png").stat().st_size > 10_000, name

    db = Database(url)
    try:
        rep = next(viewer for viewer, _ in list_users(db) if viewer.name == "rep1")
        calls = my_sessions(db, rep)
        assert len(calls) == 1, "resuming on the second process must continue the call, not start another"
        call = get_session(db, rep, calls[0].id)
        assert unfinished_session(db, rep) is None
    finally:
        db.close()
    assert [t.index for t in call.turns] == [1, 2, 3]
    assert [t.rep for t in call.turns] == CALL_LINES
    assert all(t.buyer for t in call.turns)
    # What app B showed after resuming is what app A showed before: the opening and both turns, word for word.
    shown = report["seen_on_b_after_resume"]
    assert shown == report["seen_on_a"]
    assert shown[1:] == [words for t in call.turns[:2] for words in (t.rep, t.buyer)]
    assert call.ended_at is not None and call.scorecard is not None
    assert call.scorecard.outcome == call.outcome and call.scorecard.criteria
