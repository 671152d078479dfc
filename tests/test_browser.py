"""A real browser (Playwright + the distribution's Chromium, headless, loopback only) walks the app.

Screenshots of each page go to `artifacts/browser/`. Set up by `scripts/ensure-browser.sh`
(which `make test` runs); without node or Chromium the test is skipped with the fix.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import Settings
from coach.db import get_session, my_sessions, open_database
from coach.db.accounts import sign_in
from tests.net import free_port

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ROOT / "tests" / "browser"


def browser_tools() -> tuple[str, str]:
    """node and Chromium for the scripts in tests/browser; skips the test with the fix when missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    if not (chromium and node and (BROWSER / "node_modules" / "playwright-core").is_dir()):
        pytest.skip("browser test needs node, Chromium and playwright-core: run `bash scripts/ensure-browser.sh`")
    return node, chromium


@contextlib.contextmanager
def app_server(tmp_path: Path, **env: str) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port (data in tmp_path/data unless `env` says so); yields its URL."""
    port = free_port()
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path / "data"), "COACH_LLM": "none", **env}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def run_script(node: str, script: str, *args: str, timeout: float = 240) -> tuple[dict, subprocess.CompletedProcess]:
    """Run a script from tests/browser; returns the JSON report it prints last, and the process."""
    result = subprocess.run([node, str(BROWSER / script), *args], capture_output=True, text=True, timeout=timeout)
    report = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    return report, result


@pytest.mark.integration
def test_a_rep_holds_a_call_and_the_manager_reviews_it_in_a_real_browser(tmp_path):
    node, chromium = browser_tools()
    with app_server(tmp_path) as url:
        artifacts = ROOT / "artifacts" / "browser"
        report, result = run_script(node, "walkthrough.mjs", url, str(artifacts), chromium)
        assert result.returncode == 0 and report.get("ok"), (report, result.stderr[-2000:])
        for name in ("1-sign-in", "2-practice", "3-call", "4-scorecard", "5-review", "5a-review-override", "6-review-queue-laptop", "7-team", "7a-team-skill-profile",
                     "8-rep-feedback-laptop", "9-rep-feedback-phone"):
            assert (artifacts / f"{name}.png").stat().st_size > 10_000


@pytest.mark.integration
def test_the_call_screen_keeps_the_chat_box_clock_and_end_call_in_view_on_a_laptop_and_a_phone(tmp_path):
    node, chromium = browser_tools()
    with app_server(tmp_path) as url:
        artifacts = ROOT / "artifacts" / "browser"
        report, result = run_script(node, "call_layout.mjs", url, str(artifacts), chromium, timeout=400)
        assert result.returncode == 0 and report.get("ok"), (report.get("failed"), report.get("error"),
                                                             result.stderr[-2000:])
        assert set(report["checks"]) == {"laptop", "phone"}


DOUBLE_SEND = ["Thanks for making time. Is 30 minutes still right for you?",
               "How far off has your cash forecast been against actuals, and what has that cost you?"]


def stored_turns(data_dir: Path) -> list[tuple[int, str, bool]]:
    """(index, rep line, answered) for each turn of rep1's latest call, read from the app's database."""
    db = open_database(Settings(_env_file=None, data_dir=data_dir))
    try:
        rep = sign_in(db, "rep1", "practice-demo", delay_s=0)
        calls = my_sessions(db, rep)
        turns = get_session(db, rep, calls[0].id).lines() if calls else []
    finally:
        db.close()
    return [(t.index, t.rep, t.buyer is not None) for t in turns]


@pytest.mark.integration
def test_a_second_line_sent_before_the_buyer_answers_on_a_fresh_app_loses_nothing(tmp_path):
    """The rep sends line 1 on a fresh app (the embedded model still starting), then line 2 about a second
    later: both are stored once, in order, and answered; the box is disabled while the buyer thinks."""
    node, chromium = browser_tools()
    with app_server(tmp_path, COACH_LLM="local") as url:
        artifacts = ROOT / "artifacts" / "browser"
        report, result = run_script(node, "double_send.mjs", url, str(artifacts), chromium, json.dumps(DOUBLE_SEND),
                                    timeout=420)
    stored = stored_turns(tmp_path / "data")
    assert stored == [(1, DOUBLE_SEND[0], True), (2, DOUBLE_SEND[1], True)], (stored, report, result.stderr[-2000:])
    assert result.returncode == 0 and report.get("ok"), (report, result.stderr[-2000:])
    assert report["disabled_while_answering"] and report["thinking_seen"], report
    assert [w for w in report["seen"] if w in DOUBLE_SEND] == DOUBLE_SEND, report["seen"]
    assert (artifacts / "double-1-thinking.png").stat().st_size > 10_000


@pytest.mark.integration
def test_two_tabs_on_one_call_sending_at_once_keep_every_line_in_order(tmp_path):
    """A line in tab A, and about a second later one in tab B on the same call, before the buyer answered A's:
    the store holds all three lines once, in order, each answered, and tab B shows them in that order."""
    node, chromium = browser_tools()
    lines = [DOUBLE_SEND[0], DOUBLE_SEND[1], "What would a good outcome from this call look like for you?"]
    with app_server(tmp_path, COACH_LLM="local") as url:
        artifacts = ROOT / "artifacts" / "browser"
        report, result = run_script(node, "two_tabs.mjs", url, str(artifacts), chromium, json.dumps(lines),
                                    timeout=420)
    stored = stored_turns(tmp_path / "data")
    assert stored == [(i, line, True) for i, line in enumerate(lines, 1)], (stored, report, result.stderr[-2000:])
    assert result.returncode == 0 and report.get("ok"), (report, result.stderr[-2000:])
    assert [w for w in report["seen_on_b"] if w in lines] == lines, report["seen_on_b"]


@pytest.mark.integration
def test_a_refresh_before_the_buyer_answers_keeps_the_line_and_the_call_goes_on(tmp_path):
    """Refresh right after sending line 1 on a fresh app, sign in, resume: line 1 is shown with "Send it again"
    (or already answered); then line 2. The store holds both once, in order, each answered."""
    node, chromium = browser_tools()
    with app_server(tmp_path, COACH_LLM="local") as url:
        artifacts = ROOT / "artifacts" / "browser"
        report, result = run_script(node, "refresh_mid_reply.mjs", url, str(artifacts), chromium,
                                    json.dumps(DOUBLE_SEND), timeout=420)
    stored = stored_turns(tmp_path / "data")
    assert stored == [(1, DOUBLE_SEND[0], True), (2, DOUBLE_SEND[1], True)], (stored, report, result.stderr[-2000:])
    assert result.returncode == 0 and report.get("ok"), (report, result.stderr[-2000:])
    assert [w for w in report["seen"] if w in DOUBLE_SEND] == DOUBLE_SEND, report["seen"]
