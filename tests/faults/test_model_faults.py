"""Model faults during a stored practice call: a real loopback HTTP server misbehaves (or the
real embedded llama.cpp server is killed mid-reply); the rep's turns are all stored, the rep
reads one line saying the buyer is speaking from their script, and the model voice returns
once the server does."""

from __future__ import annotations

import pytest

from coach.content.catalog import load_content
from coach.runtime.assets import local_model_file
from coach.llm.local import LocalBackend, LocalServer, ServerSpec
from coach.llm.openai_compat import OpenAICompatBackend
from coach.call.practice import PracticeCall, model_notice
from coach.db import Database, add_user, get_session
from tests.llm.fake_openai import Behaviour, FakeOpenAI

LINES = ["Thanks for making time. Is 30 minutes still right for you?",
         "What would make this quarter a good one for you?",
         "How long does the month-end close take you today?",
         "Who owns the forecast today, and how is it put together?",
         "What would a forecast the lenders trust be worth to you?"]
TIMEOUT_S = 1.0


@pytest.fixture(autouse=True)
def embedded_voice_on(monkeypatch):
    """These faults are in the model's voice: the embedded model's is opt-in (COACH_LOCAL_VOICE)."""
    monkeypatch.setenv("COACH_LOCAL_VOICE", "1")


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def fake():
    server = FakeOpenAI(default=Behaviour(echo_line=True))
    yield server
    server.close()


@pytest.fixture
def start_call(tmp_path, content, shipped_store):
    store, _ = shipped_store
    db = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    viewer = add_user(db, "rep_model_faults", "long-enough-password", role="rep", team="east")

    def start(llm) -> PracticeCall:  # noqa: ANN001
        return PracticeCall.start(db, viewer, content, store, llm, "cfo_meridian", seed=7)
    yield start
    db.close()


def say(practice: PracticeCall, text: str) -> str:
    return "".join(practice.say(text))


def turns_lost(practice: PracticeCall, said: list[str]) -> int:
    """Rep lines said that the store does not hold, answered, in order."""
    stored = get_session(practice.db, practice.viewer, practice.session_id).lines()
    kept = [t.rep for t in stored if t.buyer is not None]
    return sum(1 for i, line in enumerate(said) if i >= len(kept) or kept[i] != line)


FAULTS = {
    "model request timeout": Behaviour(stall_s=TIMEOUT_S + 1.0, echo_line=True),
    "model server returns 500": Behaviour(status=500),
    "model server returns 503": Behaviour(status=503),
    "model server returns garbage": Behaviour(body=b"\x00\x9f<html>not json at all"),
    "model server returns an empty reply": Behaviour(text=""),
    "model server drops the stream mid-reply": Behaviour(text="We have had a hard quarter on cash and I", cut_after=4),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_model_fault_loses_no_turn_and_the_call_goes_on(fault, fake, start_call, fault_report):
    llm = OpenAICompatBackend("fake-model", base_url=fake.url, api_key="sk-test", timeout_s=TIMEOUT_S, max_retries=1,
                              backoff_s=0.05)
    practice = start_call(llm)
    said = LINES[:2]
    for line in said:
        say(practice, line)
    assert all(model_notice(t) is None for t in practice.turns), [t.voice_check for t in practice.turns]

    fake.behaviours = [FAULTS[fault]] * 2  # the request and its one retry
    reply = say(practice, LINES[2])
    said.append(LINES[2])
    notice = model_notice(practice.last_turn)
    assert reply.strip() and notice, practice.last_turn.voice_check
    assert practice.pending is None and practice.unsent is None

    fake.behaviours = []
    asked = len(fake.requests)
    say(practice, LINES[3])
    said.append(LINES[3])
    recovered = len(fake.requests) > asked and model_notice(practice.last_turn) is None
    resumed = PracticeCall.resume(practice.db, practice.viewer, load_content(), practice.call.store, llm,
                                  practice.session_id)
    assert [t.rep for t in resumed.turns] == said
    lost = turns_lost(practice, said)
    fault_report.add(fault, turns_lost=lost, message=notice, recovered=recovered)
    assert lost == 0 and recovered


class KillsServerAfterFirstWords(LocalBackend):
    """The real embedded backend; the real server process is killed once the reply has begun."""

    kill_next = False

    def _open(self, request):  # noqa: ANN001, ANN202
        for n, chunk in enumerate(super()._open(request)):
            yield chunk
            if n == 1 and self.kill_next:
                self.kill_next = False
                self.server.kill()


@pytest.mark.integration
def test_the_embedded_server_killed_mid_reply_loses_no_turn_and_comes_back(start_call, fault_report, tmp_path):
    # a server of its own, so the process-wide shared one other tests count starts on is left alone
    server = LocalServer(ServerSpec(model_path=local_model_file().path, ctx=2048, threads=2), tmp_path / "model.log")
    llm = KillsServerAfterFirstWords("smollm2-135m-instruct", timeout_s=60, max_retries=0, server=server)
    try:
        _kill_mid_reply(llm, start_call(llm), fault_report)
    finally:
        server.stop()


def _kill_mid_reply(llm: KillsServerAfterFirstWords, practice: PracticeCall, fault_report) -> None:  # noqa: ANN001
    said = LINES[:2]
    for line in said:
        say(practice, line)
    first_pid = llm.server.process.pid

    llm.kill_next = True
    reply = say(practice, LINES[2])
    said.append(LINES[2])
    assert not llm.server.alive(), "the server was not killed mid-reply"
    notice = model_notice(practice.last_turn)
    assert reply.strip() and notice, practice.last_turn.voice_check

    say(practice, LINES[3])
    said.append(LINES[3])
    recovered = llm.server.alive() and llm.server.process.pid != first_pid \
        and model_notice(practice.last_turn) is None
    lost = turns_lost(practice, said)
    fault_report.add("embedded model server killed mid-reply", turns_lost=lost, message=notice, recovered=recovered)
    assert lost == 0 and recovered
