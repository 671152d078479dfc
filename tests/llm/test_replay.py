"""Recordings: stable keys, readable lines, and misses that say how to re-record."""

from __future__ import annotations

import json

import pytest

from coach.config import Settings
from coach.errors import RecordingMissing, UserInputError, ModelUnavailable
from coach.llm import (
    ChatMessage,
    ChatRequest,
    GenerationParams,
    RecordingBackend,
    RecordingStore,
    ReplayBackend,
    ScriptedBackend,
    create_backend,
)

MESSAGES = [{"role": "user", "content": "What keeps a CFO awake?"}]


def test_key_depends_on_what_defines_the_answer_only():
    base = ChatRequest(model="m", messages=(ChatMessage(role="user", content="hi"),))
    same = ChatRequest(model="m", messages=(ChatMessage(role="user", content="hi"),))
    assert base.key() == same.key()
    assert len(base.key()) == 64
    for changed in (
        base.model_copy(update={"model": "other"}),
        base.model_copy(update={"messages": (ChatMessage(role="user", content="hi!"),)}),
        base.model_copy(update={"params": GenerationParams(temperature=0.1)}),
        base.model_copy(update={"params": GenerationParams(seed=5)}),
        base.model_copy(update={"schema_name": "X", "json_schema": {"type": "object"}}),
    ):
        assert changed.key() != base.key()


def test_key_ignores_timeouts_urls_and_keys(tmp_path):
    a = ScriptedBackend(model="m", timeout_s=1)
    b = ScriptedBackend(model="m", timeout_s=99)
    assert a.request(MESSAGES).key() == b.request(MESSAGES).key()
    s1 = Settings(_env_file=None, llm="openai", model="m", openai_base_url="http://127.0.0.1:1/v1",
                  openai_api_key="sk-aaaaaaaaaaaa", data_dir=tmp_path)
    s2 = Settings(_env_file=None, llm="openai", model="m", openai_base_url="http://127.0.0.1:2/v1",
                  openai_api_key="sk-bbbbbbbbbbbb", data_dir=tmp_path, timeout_s=5)
    assert create_backend(s1).request(MESSAGES).key() == create_backend(s2).request(MESSAGES).key()


def test_record_then_replay_gives_the_same_reply_without_the_recorder(tmp_path):
    store = RecordingStore(tmp_path / "rec.jsonl")
    recorder = RecordingBackend(ScriptedBackend(["Margin and cash, mostly."], model="m"), store,
                                caller="test")
    assert recorder.complete(MESSAGES).text == "Margin and cash, mostly."
    line = json.loads((tmp_path / "rec.jsonl").read_text().splitlines()[0])
    assert line["response"] == "Margin and cash, mostly."
    assert line["request"]["messages"][0]["content"] == "What keeps a CFO awake?"
    assert {"key", "caller", "backend", "model", "recorded_at"} <= line.keys()
    replay = ReplayBackend(RecordingStore(tmp_path / "rec.jsonl"))
    assert replay.model == "m"
    assert replay.complete(MESSAGES).text == "Margin and cash, mostly."


def test_a_reply_the_caller_stopped_reading_is_still_recorded_whole(tmp_path):
    store = RecordingStore(tmp_path / "rec.jsonl")
    recorder = RecordingBackend(ScriptedBackend(["First sentence. Second one. Third."], model="m"), store,
                                caller="test")
    stream = iter(recorder.stream(MESSAGES))
    next(stream)
    stream.close()  # e.g. the buyer's guard stopped at a bad sentence
    line = json.loads((tmp_path / "rec.jsonl").read_text().splitlines()[0])
    assert line["response"] == "First sentence. Second one. Third."
    replay = ReplayBackend(RecordingStore(tmp_path / "rec.jsonl"))
    assert replay.complete(MESSAGES).text == "First sentence. Second one. Third."


def test_a_miss_names_the_key_the_caller_and_the_rerecord_command(tmp_path):
    store = RecordingStore(tmp_path / "rec.jsonl")
    RecordingBackend(ScriptedBackend(["x"], model="m"), store).complete(MESSAGES)
    replay = ReplayBackend(RecordingStore(tmp_path / "rec.jsonl"), caller="evals/cases/cfo_pitch.yaml",
                           rerecord="coach eval --record --case cfo_pitch")
    other = [{"role": "user", "content": "Something never recorded"}]
    with pytest.raises(RecordingMissing) as caught:
        replay.complete(other)
    message = str(caught.value)
    assert replay.request(other).key()[:16] in message
    assert "evals/cases/cfo_pitch.yaml" in message
    assert "coach eval --record --case cfo_pitch" in message


def test_a_miss_under_pytest_names_the_test(tmp_path):
    store = RecordingStore(tmp_path / "rec.jsonl")
    RecordingBackend(ScriptedBackend(["x"], model="m"), store).complete(MESSAGES)
    with pytest.raises(RecordingMissing) as caught:
        ReplayBackend(RecordingStore(tmp_path / "rec.jsonl")).complete([{"role": "user", "content": "new"}])
    assert "test_a_miss_under_pytest_names_the_test" in str(caught.value)


def test_a_folder_of_recordings_is_read_whole_and_written_to_one_file(tmp_path):
    folder = tmp_path / "recordings"
    for name, reply in (("a", "first"), ("b", "second")):
        store = RecordingStore(folder / f"{name}.jsonl")
        RecordingBackend(ScriptedBackend([reply], model="m"), store).complete(
            [{"role": "user", "content": name}])
    replay = ReplayBackend(RecordingStore(folder))
    assert replay.complete([{"role": "user", "content": "a"}]).text == "first"
    assert replay.complete([{"role": "user", "content": "b"}]).text == "second"
    assert RecordingStore(folder).write_file == folder / "recordings.jsonl"


def test_replay_needs_a_model_when_recordings_hold_several(tmp_path):
    store = RecordingStore(tmp_path / "rec.jsonl")
    RecordingBackend(ScriptedBackend(["x"], model="m1"), store).complete(MESSAGES)
    RecordingBackend(ScriptedBackend(["y"], model="m2"), store).complete(MESSAGES)
    with pytest.raises(ModelUnavailable) as caught:
        ReplayBackend(RecordingStore(tmp_path / "rec.jsonl"))
    assert "COACH_MODEL" in str(caught.value)
    assert ReplayBackend(RecordingStore(tmp_path / "rec.jsonl"), "m2").complete(MESSAGES).text == "y"


def test_empty_recordings_say_how_to_record(tmp_path):
    with pytest.raises(ModelUnavailable) as caught:
        ReplayBackend(RecordingStore(tmp_path / "none.jsonl"))
    assert "COACH_LLM=record" in str(caught.value)


def test_a_damaged_line_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "rec.jsonl"
    path.write_text('{"key": "a", "model": "m", "response": "ok"}\nnot json\n')
    with pytest.raises(UserInputError) as caught:
        RecordingStore(path).entries()
    assert f"{path}:2" in str(caught.value)
