"""The API key never leaves the HTTP request: not in output, logs, errors, stored calls, exports, reports or recordings.

A loopback stand-in for an OpenAI-compatible server answers chat completions (plain and streamed) and, on
other routes, refuses the key and echoes it back (401, 400), fails (500) or sends garbage. Everything a user
runs is run against it with COACH_LOG_LEVEL=DEBUG; then every byte written is searched for the key, its
first 12 characters and its base64.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from coach.config import Settings
from coach.errors import ModelUnavailable
from coach.log import LOGGER_NAME, register_secret
from coach.db import open_database, sign_in
from tests.helpers import page_text, run_coach

SENTINEL = "sk-test-SENTINEL-5f3a9c1e7b2d4a6f8c0e9d1b3a5c7e9f"
FORMS = {
    "the key": SENTINEL.encode(),
    "its first 12 characters": SENTINEL[:12].encode(),
    "its base64": base64.b64encode(SENTINEL.encode()).rstrip(b"="),
    "its URL-safe base64": base64.urlsafe_b64encode(SENTINEL.encode()).rstrip(b"="),
}
B64 = base64.b64encode(SENTINEL.encode()).decode()
ECHO = f"Incorrect API key provided: {SENTINEL} (base64 {B64})"
LINE = re.compile(r'The line to say:\n"(.*)"\n')


def answer_for(body: dict) -> str:
    """What a capable model would say: the judge's JSON, the buyer's line in its own words, or a short reply."""
    messages = body.get("messages") or []
    if body.get("response_format"):
        return json.dumps({"criteria": [], "rewrite": "Ask what a late close cost the board last quarter."})
    line = LINE.search(messages[0]["content"]) if messages else None
    if line:
        return line.group(1)
    last = messages[-1]["content"] if messages else ""
    if last.startswith("Paraphrase this sentence"):
        return last.split("\n", 1)[1].strip()
    return "ready"


class FakeOpenAI:
    """Routes: /ok/v1 answers; /401 and /400 refuse and echo the key; /500 fails; /garbage sends nonsense;
    /flaky-NAME fails with 500, then garbage, then answers (per NAME, so runs do not share the cycle)."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        self.lock = threading.Lock()
        self.cycles: dict[str, Iterator[str]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                route = self.path.strip("/").split("/")[0]
                with fake.lock:
                    fake.authorizations.append(self.headers.get("Authorization", ""))
                    if route.startswith("flaky"):
                        route = next(fake.cycles.setdefault(route, itertools.cycle(["500", "garbage", "ok"])))
                if route == "401":
                    self.send(401, "application/json", json.dumps(
                        {"error": {"message": ECHO, "type": "invalid_request_error", "code": "invalid_api_key"}}))
                elif route == "400":
                    self.send(400, "application/json", json.dumps(
                        {"error": {"message": f"key {B64} / {SENTINEL[:12]}… is not allowed here; {ECHO}"}}))
                elif route == "500":
                    self.send(500, "application/json", json.dumps({"error": {"message": f"upstream failed; {ECHO}"}}))
                elif route == "garbage":
                    self.send(200, "text/event-stream" if body.get("stream") else "application/json",
                              f"<html>\x00\x7f garbage; Authorization: Bearer {SENTINEL}</html>")
                else:
                    self.answer(body, answer_for(body))

            def answer(self, body: dict, text: str) -> None:
                base = {"id": "chatcmpl-1", "created": 0, "model": body.get("model")}
                if not body.get("stream"):
                    self.send(200, "application/json", json.dumps({
                        **base, "object": "chat.completion",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}))
                    return
                words = text.split(" ")
                chunks = [{**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": None,
                           "delta": {"role": "assistant", "content": word} if i == 0 else {"content": " " + word}}]}
                          for i, word in enumerate(words)]
                chunks.append({**base, "object": "chat.completion.chunk",
                               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self.send(200, "text/event-stream",
                          "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n")

            def send(self, status: int, kind: str, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{route}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake():
    server = FakeOpenAI()
    yield server
    server.close()


def leaks(blobs: dict[str, bytes]) -> list[str]:
    """Where any form of the key appears."""
    return [f"{where} holds {name}" for where, data in blobs.items() for name, form in FORMS.items() if form in data]


def written(root: Path) -> dict[str, bytes]:
    """Every file under root (databases with their WAL, the vector store, exports, reports, recordings)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_search_finds_every_form_of_the_key(tmp_path):
    for name, form in FORMS.items():
        (tmp_path / f"{name}.bin").write_bytes(b"prefix " + form + b" suffix")
    assert len(leaks(written(tmp_path))) >= len(FORMS)  # so an empty result below means "not there"


def test_a_key_of_any_shape_is_masked_in_every_form_a_server_echoes_it():
    key = "or-v1-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"  # not shaped like an OpenAI key: only registration masks it
    register_secret(key)
    echoed = (f"bad key {key}; starts {key[:12]}…; basic {base64.b64encode(key.encode()).decode()}; "
              f"url {base64.urlsafe_b64encode(key.encode()).decode()}")
    masked = ModelUnavailable(echoed, "set a valid OPENAI_API_KEY").message
    assert key[:12] not in masked and base64.b64encode(key.encode()).decode()[:40] not in masked, masked
    assert masked.count("***") == 4 and masked.endswith("Fix: set a valid OPENAI_API_KEY")


def test_a_password_inside_a_url_is_masked():
    error = ModelUnavailable("Cannot reach the model server at https://team:pw-7f3e9a@gpu-box:8000/v1",
                             "check OPENAI_BASE_URL")
    assert "pw-7f3e9a" not in error.message and "https://team:***@gpu-box:8000/v1" in error.message


def user_env(tmp_path: Path, route: str, fake: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_LLM": "openai", "OPENAI_API_KEY": SENTINEL,
            "OPENAI_BASE_URL": fake.url(route), "COACH_LOG_LEVEL": "DEBUG", **extra}


@pytest.mark.slow  # the real `coach` commands, each in its own process (OPENAI_LOG is read at start-up)
def test_a_refused_key_says_how_to_fix_it_and_never_shows_the_key(tmp_path, fake):
    runs = {
        "chat": run_coach("chat", "Hello", **user_env(tmp_path, "401", fake, OPENAI_LOG="debug")),
        "doctor": run_coach("doctor", **user_env(tmp_path, "401", fake)),
        "chat (400)": run_coach("chat", "Hello", **user_env(tmp_path, "400", fake)),
    }
    fix = "set a valid OPENAI_API_KEY in your environment or .env"
    chat, doctor, bad = runs["chat"], runs["doctor"], runs["chat (400)"]
    assert chat.returncode == 3 and "refused the API key (401)" in chat.stderr and f"Fix: {fix}" in chat.stderr
    assert "Traceback" not in chat.stderr and chat.stderr.strip().splitlines()[-1].startswith("coach: ")
    assert doctor.returncode == 1 and "refused the API key (401)" in doctor.stdout and f"fix: {fix}" in doctor.stdout
    assert bad.returncode == 3 and "rejected the request (400)" in bad.stderr and "Incorrect API key" in bad.stderr
    assert f"Bearer {SENTINEL}" in fake.authorizations  # the key did go to the server, and came back in its bodies
    blobs = {f"{name} {stream}": getattr(run, stream).encode() for name, run in runs.items()
             for stream in ("stdout", "stderr")}
    assert leaks({**blobs, **written(tmp_path)}) == []


@pytest.mark.slow  # the real `coach` commands, each in its own process (OPENAI_LOG is read at start-up)
def test_every_command_keeps_the_key_secret(tmp_path, fake):
    work = tmp_path / "work"
    (work / "cases").mkdir(parents=True)
    (work / "script.yaml").write_text('turns:\n  - "Thanks for making time. Is 30 minutes still right for you?"\n'
                                      '  - "How far off has your cash forecast been, and what has that cost you?"\n')
    (work / "call.json").write_text(json.dumps({"persona": "cfo_meridian", "turns": [
        {"speaker": "rep", "text": "How far off has your cash forecast been against actuals?"},
        {"speaker": "buyer", "text": "About eight percent."}]}))
    (work / "cases" / "cfo.yaml").write_text(
        "persona: cfo_meridian\ncases:\n  - id: cfo_meridian-key-check\n    kind: discovery\n    turns:\n"
        '      - "How far off has your cash forecast been against actuals, and what has that cost you?"\n'
        "    expect:\n      forbidden_moves: [disengage]\n")
    env = lambda route, **extra: user_env(tmp_path, route, fake, **extra)  # noqa: E731
    runs = {
        "doctor": run_coach("doctor", **env("ok")),
        "chat": run_coach("chat", "Hello", "--stats", **env("flaky-chat")),  # 500, garbage, then an answer
        "chat --llm record": run_coach("chat", "Hello again", "--llm", "record", **env("ok")),
        "simulate": run_coach("simulate", "--persona", "cfo_meridian", "--script", str(work / "script.yaml"),
                              "--llm", "openai", "--json", **env("flaky-simulate")),
        "grade": run_coach("grade", str(work / "call.json"), "--llm", "openai", **env("ok")),
        "practice": run_coach("practice", "--llm", "openai", stdin="What would make this quarter a good one?\n/end\n",
                              **env("ok")),
        "eval": run_coach("eval", "--llm", "openai", "--cases", str(work / "cases"), "--seeds", "1", "--report-dir",
                          str(work / "report"), "--baseline", str(work / "no-baseline.json"), **env("ok")),
    }
    for name, run in runs.items():
        assert run.returncode == 0, (name, run.stdout[-1000:], run.stderr[-2000:])
    assert "model (openai): openai gpt-4o-mini answered" in runs["doctor"].stdout
    assert runs["chat"].stdout.strip() == "ready" and "retry 2/2" in runs["chat"].stderr
    assert "model" in {t["voice"] for t in json.loads(runs["simulate"].stdout)["turns"]}  # the model's words were used
    assert "Model judge (gpt-4o-mini)" in runs["grade"].stdout
    assert "Call ended" in runs["practice"].stdout
    assert json.loads((work / "report" / "report.json").read_text())["backend"] == "openai"
    assert list((tmp_path / "data" / "recordings").glob("*.jsonl"))  # what `record` keeps is searched below
    assert "DEBUG" in runs["eval"].stderr or "INFO" in runs["eval"].stderr  # the logs were on
    assert all(a == f"Bearer {SENTINEL}" for a in fake.authorizations[-5:])
    blobs = {f"{name} {stream}": getattr(run, stream).encode() for name, run in runs.items()
             for stream in ("stdout", "stderr")}
    assert leaks({**blobs, **written(tmp_path)}) == []


@pytest.fixture
def app_logs(capfd):
    """The product's log handler, writing where this test reads (it is made once per process otherwise)."""
    logger = logging.getLogger(LOGGER_NAME)
    before = list(logger.handlers)
    for handler in before:
        if getattr(handler, "_coach", False):
            logger.removeHandler(handler)
    yield capfd
    for handler in list(logger.handlers):
        if getattr(handler, "_coach", False):
            logger.removeHandler(handler)
    for handler in before:
        logger.addHandler(handler)


def practice_call(at: AppTest, lines: list[str]) -> AppTest:
    at.run()
    at.text_input(key="sign_in_name").set_value("rep1")
    at.text_input(key="sign_in_password").set_value("practice-demo")
    at.button[0].click().run()
    at.button(key="brief-cfo_meridian").click().run()
    next(b for b in at.button if b.label.startswith("Start the call")).click().run()
    for line in lines:
        at.chat_input[0].set_value(line).run()
        assert not at.exception
    return at


@pytest.mark.slow  # the real `coach` commands, each in its own process (OPENAI_LOG is read at start-up)
def test_the_app_and_the_export_keep_the_key_secret(tmp_path, fake, monkeypatch, repo_root, app_logs):
    data = tmp_path / "data"
    for name, value in user_env(tmp_path, "ok", fake).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    st.cache_resource.clear()
    pages = []
    try:
        at = practice_call(AppTest.from_file(str(repo_root / "app.py"), default_timeout=180),
                           ["Thanks for making time. Is 30 minutes still right for you?",
                            "How far off has your cash forecast been against actuals, and what has that cost you?"])
        next(b for b in at.button if b.label == "End call").click().run()
        assert not at.exception and [m.label for m in at.metric][:2] == ["Outcome", "Score"]
        pages.append(page_text(at))
        st.cache_resource.clear()  # the same app with a key the server refuses
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url("401"))
        refused = practice_call(AppTest.from_file(str(repo_root / "app.py"), default_timeout=180),
                                ["What would make this quarter a good one for you?"])
        assert any("model is unavailable" in w.value for w in refused.warning)
        pages.append(page_text(refused))
    finally:
        st.cache_resource.clear()
    db = open_database(Settings(_env_file=None, data_dir=data))
    manager = sign_in(db, "manager", "practice-demo", delay_s=0)
    from coach.db import team_sessions

    ended = team_sessions(db, manager)
    assert len(ended) == 1 and ended[0].overall is not None
    db.close()
    logs = app_logs.readouterr()
    assert "coach.llm" in logs.err  # the DEBUG logs were written where this test reads them
    export = tmp_path / "export.json"
    cli = {"COACH_DATA_DIR": str(data), "COACH_PASSWORD": "practice-demo", "COACH_LOG_LEVEL": "DEBUG",
           "OPENAI_API_KEY": SENTINEL, "COACH_LLM": "openai", "OPENAI_BASE_URL": fake.url("ok")}
    runs = {"export": run_coach("calls", "export", "--format", "json", "-o", str(export), "--user", "manager", **cli),
            "show": run_coach("calls", "show", ended[0].id, "--json", "--user", "manager", **cli)}
    assert all(r.returncode == 0 for r in runs.values()), [r.stderr for r in runs.values()]
    record = json.loads(runs["show"].stdout)
    assert "model" in {t["voice"] for t in record["turns"]} and record["scorecard"]["judge"]  # model output was stored
    assert json.loads(export.read_text())[0]["id"] == ended[0].id
    blobs = {"app stdout": logs.out.encode(), "app stderr": logs.err.encode(),
             **{f"page {i}": text.encode() for i, text in enumerate(pages)},
             **{f"calls {name} {stream}": getattr(run, stream).encode() for name, run in runs.items()
                for stream in ("stdout", "stderr")}}
    assert leaks({**blobs, **written(tmp_path)}) == []
