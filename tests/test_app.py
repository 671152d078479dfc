"""The first page, run by Streamlit's AppTest against real recordings."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from coach.chat import CHAT_PARAMS, build_messages
from coach.llm import ChatMessage
from tests.helpers import LOCAL_MODEL, record_reply


@pytest.fixture
def app(monkeypatch, tmp_path, repo_root):
    st.cache_resource.clear()
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    yield lambda: AppTest.from_file(str(repo_root / "app.py"), default_timeout=60)
    st.cache_resource.clear()


def test_a_line_sent_in_the_app_gets_the_streamed_reply(app, monkeypatch, tmp_path):
    rec = tmp_path / "rec.jsonl"
    record_reply(rec, build_messages([], "What does a CFO care about?", LOCAL_MODEL), CHAT_PARAMS,
                 "Margin, cash and forecast accuracy.")
    history = [ChatMessage(role="user", content="What does a CFO care about?"),
               ChatMessage(role="assistant", content="Margin, cash and forecast accuracy.")]
    record_reply(rec, build_messages(history, "And a COO?", LOCAL_MODEL), CHAT_PARAMS, "Throughput and cost per unit.")
    monkeypatch.setenv("COACH_LLM", "replay")
    monkeypatch.setenv("COACH_RECORDINGS", str(rec))
    at = app().run()
    assert not at.exception
    at.chat_input[0].set_value("What does a CFO care about?").run()
    assert not at.exception
    texts = [m.markdown[0].value if m.markdown else "" for m in at.chat_message]
    assert any("Margin, cash and forecast accuracy." in t for t in texts)
    at.chat_input[0].set_value("And a COO?").run()
    texts = [m.markdown[0].value if m.markdown else "" for m in at.chat_message]
    assert any("Throughput and cost per unit." in t for t in texts)


def test_a_model_failure_shows_one_message_and_keeps_what_was_typed(app, monkeypatch, tmp_path):
    rec = tmp_path / "rec.jsonl"
    record_reply(rec, [{"role": "user", "content": "something else"}], CHAT_PARAMS, "x")
    monkeypatch.setenv("COACH_LLM", "replay")
    monkeypatch.setenv("COACH_RECORDINGS", str(rec))
    at = app().run()
    at.chat_input[0].set_value("A line the recordings do not hold").run()
    assert not at.exception
    assert len(at.error) == 1 and "re-record" in at.error[0].value
    assert "Your message is kept" in at.error[0].value
    assert at.session_state["chat_history"][0].content == "A line the recordings do not hold"
    assert any(t.value == "A line the recordings do not hold" for t in at.text)


def test_a_bad_setting_is_shown_not_raised(app, monkeypatch):
    monkeypatch.setenv("COACH_LLM", "nonsense")
    at = app().run()
    assert not at.exception
    assert "COACH_LLM='nonsense'" in at.error[0].value


def test_no_model_configured_explains_how_to_get_one(app, monkeypatch):
    monkeypatch.setenv("COACH_LLM", "none")
    at = app().run()
    assert not at.exception and "COACH_LLM=local" in at.info[0].value


def test_html_in_a_message_is_shown_as_text(app, monkeypatch, tmp_path):
    text = "<script>alert('x')</script> hello"
    rec = tmp_path / "rec.jsonl"
    record_reply(rec, build_messages([], text, LOCAL_MODEL), CHAT_PARAMS, "Noted.")
    monkeypatch.setenv("COACH_LLM", "replay")
    monkeypatch.setenv("COACH_RECORDINGS", str(rec))
    at = app().run()
    at.chat_input[0].set_value(text).run()
    assert any(t.value == text for t in at.text)  # st.text: shown literally, never as HTML


@pytest.mark.integration
def test_the_app_answers_with_the_embedded_model_and_reuses_its_server(app):
    from coach.llm.local import _servers

    at = app().run()
    at.chat_input[0].set_value("Say hello.").run(timeout=120)
    assert not at.exception and not at.error
    assert len(at.chat_message) == 2
    at.chat_input[0].set_value("Now say goodbye.").run(timeout=120)
    assert not at.exception and not at.error and len(at.chat_message) == 4
    started = [server for server in _servers.values() if server.starts]
    assert len(started) == 1 and started[0].starts == 1  # one server across reruns
