"""The bad-input corpus: every entry point fed the inputs listed in tests/corpus/cases.yaml.

A case is handled when the product either refuses the input with exit 2 and one line naming the
fix, or takes it in its stride (exit 0; in the app the line is stored, shown as plain text and
answered, and the call goes on). Never a traceback, a hang or a lost line. Each case is one test;
at the end of the run the tally is printed and written to artifacts/corpus.md.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Literal

import pytest
import streamlit as st
import yaml
from pydantic import BaseModel, ConfigDict, model_validator
from streamlit.testing.v1 import AppTest

from coach.config import Settings
from coach.db import open_database, unfinished_session
from coach.db.accounts import sign_in
from tests.conftest import run_env

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
ARTIFACT = ROOT / "artifacts" / "corpus.md"
TIMEOUT_S = 90  # a command that takes longer has hung on its input
FOLLOW_UP = "What would make this quarter a good one for you?"
Entry = Literal["chat", "cli", "transcript", "script", "persona", "knowledge", "settings"]


class Part(BaseModel):
    """One piece of a generated input: text, raw bytes, a repetition or a YAML bomb."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    hex: str | None = None
    repeat: str | None = None
    times: int | None = None
    size: int | None = None
    bomb: int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Part:
        kinds = [k for k in ("text", "hex", "repeat", "bomb") if getattr(self, k) is not None]
        assert len(kinds) == 1, f"a part is one of text, hex, repeat, bomb; got {kinds}"
        assert self.repeat is None or (self.times is None) != (self.size is None), "repeat needs times or size"
        return self


class FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    text: str | None = None
    copy_of: str | None = None
    parts: list[Part] | None = None
    symlink: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _copy_key(cls, data: dict) -> dict:
        return {("copy_of" if k == "copy" else k): v for k, v in data.items()}


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    entry: Entry
    kind: str
    say: str | None = None
    say_parts: list[Part] | None = None
    files: list[FileSpec] = []
    run: list[str] | None = None
    env: dict[str, str | list[Part]] = {}
    stdin: str | None = None
    stdin_parts: list[Part] | None = None
    cwd: str | None = None
    data: Literal["shared", "copy"] = "shared"
    expect: Literal["error", "graceful", "hint"]
    says: list[str] = []
    not_says: list[str] = []
    json_out: bool = False
    stored: str | None = None
    stored_prefix: str | None = None
    notice: str | None = None
    then: list[str] | None = None
    then_says: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _json_key(cls, data: dict) -> dict:
        return {("json_out" if k == "json" else k): v for k, v in data.items()}

    @model_validator(mode="after")
    def _fits_its_entry(self) -> Case:
        if self.entry == "chat":
            assert (self.say is None) != (self.say_parts is None), f"{self.id}: a chat case needs say or say_parts"
        else:
            assert self.run and self.expect != "hint", f"{self.id}: a command case needs run and error|graceful"
        return self


def build(parts: list[Part]) -> bytes:
    """The bytes a recipe describes (big, broken or explosive inputs are generated, not committed)."""
    out = bytearray()
    for part in parts:
        if part.text is not None:
            out += part.text.encode("utf-8")
        elif part.hex is not None:
            out += bytes.fromhex(part.hex)
        elif part.bomb is not None:
            out += _bomb(part.bomb).encode()
        else:
            unit = (part.repeat or "").encode("utf-8")
            out += unit * (part.times if part.times is not None else -(-(part.size or 0) // len(unit)))
    return bytes(out)


def _bomb(levels: int) -> str:
    """Billion laughs: each level is nine aliases of the one before (9**levels strings if expanded)."""
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = [f'{names[0]}: &{names[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{n}: &{n} [{','.join(['*' + p] * 9)}]" for p, n in zip(names, names[1:], strict=False)]
    return "\n".join(lines) + "\n"


def load_cases() -> list[Case]:
    raw = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    cases = [Case.model_validate(c) for c in raw["cases"]]
    duplicates = [i for i, n in Counter(c.id for c in cases).items() if n > 1]
    assert not duplicates, f"duplicate case ids: {duplicates}"
    return cases


CASES = load_cases()
ENTRY_OF = {c.id: c.entry for c in CASES}


# ---------------------------------------------------------------- the tally printed at the end of the run

class CorpusTally:
    """Counts each case once: handled if its test passed, not handled if any phase failed."""

    def __init__(self) -> None:
        self.results: dict[str, bool] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        match = re.search(r"test_corpus\.py::test_bad_input\[(.+)\]$", report.nodeid)
        if match is None or match.group(1) not in ENTRY_OF:
            return
        if report.failed:
            self.results[match.group(1)] = False
        elif report.when == "call":
            self.results.setdefault(match.group(1), True)

    def lines(self) -> list[str]:
        handled = sum(self.results.values())
        lines = [f"bad-input corpus: {handled} handled / {len(self.results)} total", "",
                 "| entry point | cases | handled | not handled |", "|---|---|---|---|"]
        for entry in Entry.__args__:  # type: ignore[attr-defined]
            ids = [i for i in self.results if ENTRY_OF[i] == entry]
            if ids:
                bad = [i for i in ids if not self.results[i]]
                lines.append(f"| {entry} | {len(ids)} | {len(ids) - len(bad)} | {', '.join(bad) or '-'} |")
        if len(self.results) < len(CASES):
            lines += ["", f"({len(CASES) - len(self.results)} of the {len(CASES)} cases in the manifest were not run.)"]
        return lines

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.results:
            return
        terminalreporter.section("bad-input corpus")
        for line in self.lines():
            terminalreporter.write_line(line)
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACT.write_text("# Bad-input corpus\n\n" + "\n".join(self.lines()) + "\n", encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def _corpus_tally(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if manager.get_plugin("corpus-tally") is None:
        manager.register(CorpusTally(), "corpus-tally")


# ---------------------------------------------------------------- shared data folders

@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the shipped knowledge ingested once, for every command that needs the store."""
    data = tmp_path_factory.mktemp("corpus-data")
    result = _coach(["ingest"], env={"COACH_DATA_DIR": str(data)}, cwd=data)
    assert result.returncode == 0, result.stderr
    return data


@pytest.fixture(scope="session")
def app_data(corpus_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's own copy of the ingested store (the app holds it open in this process)."""
    data = tmp_path_factory.mktemp("corpus-app") / "data"
    shutil.copytree(corpus_data / "chroma", data / "chroma")
    return data


def _coach(args: list[str], *, env: dict[str, str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    try:
        return subprocess.run([sys.executable, "-m", "coach", *args], input=stdin, capture_output=True,
                              timeout=TIMEOUT_S, env=run_env(**env), cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`coach {' '.join(args)[:200]}` did not finish within {TIMEOUT_S}s: it hangs on this input")


# ---------------------------------------------------------------- the test

@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if case.entry == "chat":
        run_chat_case(case, tmp_path, request.getfixturevalue("app_data"), request.getfixturevalue("monkeypatch"))
    else:
        run_command_case(case, tmp_path, request.getfixturevalue("corpus_data"))


def _write(spec: FileSpec, root: Path) -> Path:
    path = root / spec.name
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.symlink is not None:
        path.symlink_to(spec.symlink)
    elif spec.copy_of is not None:
        shutil.copyfile(CORPUS / spec.copy_of, path)
    else:
        path.write_bytes(build(spec.parts) if spec.parts is not None else (spec.text or "").encode("utf-8"))
    return path


def run_command_case(case: Case, tmp: Path, shared: Path) -> None:
    """One `coach` run in a subprocess, as a user would type it."""
    written = [_write(spec, tmp) for spec in case.files]
    data = shared
    if case.data == "copy":
        data = tmp / "own-data"
        shutil.copytree(shared, data)
    first = written[0] if written else tmp
    places = {"{file}": str(first), "{dir}": str(first.parent), "{tmp}": str(tmp), "{data}": str(data)}

    def fill(text: str) -> str:
        for key, value in places.items():
            text = text.replace(key, value)
        return text

    args = [fill(a) for a in case.run or []]
    env = {"COACH_DATA_DIR": str(data)}
    env |= {k: fill(v) if isinstance(v, str) else build(v).decode("utf-8") for k, v in case.env.items()}
    cwd = tmp / case.cwd if case.cwd else tmp
    cwd.mkdir(parents=True, exist_ok=True)
    stdin = build(case.stdin_parts) if case.stdin_parts else (case.stdin or "").encode("utf-8")
    result = _coach(args, env=env, cwd=cwd, stdin=stdin)
    out, err = result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    shown = f"exit {result.returncode}\n--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}"
    assert "Traceback" not in out + err, shown
    for text in case.not_says:
        assert text not in out + err, f"{text!r} must not be shown\n{shown}"
    if case.expect == "error":
        assert result.returncode == 2, shown
        lines = [line for line in err.splitlines() if line.strip()]
        if args[0] == "validate":  # one line per problem, then the count
            *problems, count = lines
            assert problems and re.fullmatch(r"\d+ problem\(s\) in \d+ file\(s\)\.", count), shown
        else:
            problems = lines
            assert len(lines) == 1, f"one line on stderr, not {len(lines)}\n{shown}"
        assert all("Fix:" in line for line in problems), f"every problem names its fix\n{shown}"
        for text in case.says:
            assert text in err, f"stderr should say {text!r}\n{shown}"
        return
    assert result.returncode == 0, shown
    for text in case.says:
        assert text in out + err, f"the output should say {text!r}\n{shown}"
    if case.json_out:
        assert isinstance(json.loads(out), (dict, list)), shown
    if case.then:
        after = _coach([fill(a) for a in case.then], env=env, cwd=cwd)
        then_out = after.stdout.decode("utf-8", "replace")
        assert after.returncode == 0 and "Traceback" not in then_out, after.stderr
        for text in case.then_says:
            assert text in then_out, then_out


# ---------------------------------------------------------------- the app's chat box

def run_chat_case(case: Case, tmp: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Type the line into the practice chat box of the real app (Streamlit AppTest) on a fresh database."""
    text = case.say if case.say is not None else build(case.say_parts or []).decode("utf-8")
    database_url = f"sqlite:///{tmp / 'coach.db'}"
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COACH_LLM", "none")
    monkeypatch.chdir(tmp)
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.text_input(key="sign_in_name").set_value("rep1")
        at.text_input(key="sign_in_password").set_value("practice-demo")
        at.button[0].click().run()
        at.button(key="brief-cfo_meridian").click().run()
        next(b for b in at.button if b.label.startswith("Start the call")).click().run()
        db = open_database(Settings(_env_file=None, data_dir=data, database_url=database_url))  # type: ignore[call-arg]
        rep = sign_in(db, "rep1", "practice-demo")

        at.chat_input[0].set_value(text).run()
        _nothing_broke(at)
        turns = _stored_turns(db, rep)
        if case.expect == "hint":
            assert any("Type something" in c.value for c in at.caption), "the rep is told to type something"
            assert not turns, f"nothing is stored for a line with nothing in it: {turns}"
        else:
            assert len(turns) == 1 and turns[0].buyer, f"the line is stored and answered: {turns}"
            stored = turns[0].rep
            if case.stored is not None:
                assert stored == case.stored, f"stored {stored[:200]!r}"
            if case.stored_prefix is not None:
                assert stored.startswith(case.stored_prefix) and len(stored) <= 4000, f"stored {stored[:200]!r}"
            if case.notice is not None:  # a cut line is never cut silently
                assert case.notice in (turns[0].notice or ""), turns[0].notice
                assert any(case.notice in c.value for c in at.caption), "the cut is shown to the rep"
            shown = [t.value for m in at.chat_message for t in m.text]
            assert stored in shown, "the rep's line is shown as plain text (st.text), never as Markdown or HTML"
        assert not any("has not answered it yet" in w.value for w in at.warning), "no line is left hanging"

        at.chat_input[0].set_value(FOLLOW_UP).run()  # and the call goes on
        _nothing_broke(at)
        after = _stored_turns(db, rep)
        assert after[-1].rep == FOLLOW_UP and after[-1].buyer, "the next line is answered"
        assert after[-1].buyer_persona == "cfo_meridian", "the buyer is still in the call, in character"
    finally:
        st.cache_resource.clear()


def _stored_turns(db, rep) -> list:  # noqa: ANN001 - store objects
    record = unfinished_session(db, rep)
    assert record is not None, "the call is still open in the store"
    assert not record.waiting, f"no stored line is left unanswered: {record.waiting}"
    return record.turns


def _nothing_broke(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    for node in [*at.main, *at.sidebar]:  # every element on the page
        assert getattr(node, "type", None) != "html", "nothing is rendered as raw HTML"
        proto = getattr(node, "proto", None)
        assert not getattr(proto, "allow_html", False), f"Markdown with HTML allowed: {getattr(proto, 'body', '')[:80]}"
