"""One set of behaviours, run against every backend: scripted, replay and the real local server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from coach.errors import ModelError, ModelOutputInvalid, ModelTimeout, ModelUnavailable
from coach.llm import (
    LLM,
    ChatMessage,
    GenerationParams,
    RecordingBackend,
    RecordingStore,
    ReplayBackend,
    ScriptedBackend,
    ScriptedReply,
)

GREETING = [ChatMessage(role="system", content="You are a terse CFO."),
            ChatMessage(role="user", content="Good morning. Is now a good time?")]
STORY = [ChatMessage(role="user", content="Tell me a long story about a warehouse, in detail.")]
PARAMS = GenerationParams(temperature=0, max_tokens=48, seed=3)
LONG = GenerationParams(temperature=0, max_tokens=300, seed=3)


class Priority(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(max_length=60)
    urgency: int = Field(ge=1, le=5)


class Harness:
    """Builds a backend that will, for this kind, produce the scenario a test asks for."""

    kind = "abstract"

    def normal(self, tmp: Path) -> LLM: ...
    def structured(self, tmp: Path) -> LLM: ...
    def timing_out(self, tmp: Path) -> LLM: ...
    def dies_mid_reply(self, tmp: Path) -> tuple[LLM, Callable[[], None]]: ...


class ScriptedHarness(Harness):
    kind = "scripted"

    def normal(self, tmp):
        return ScriptedBackend(["Morning. You have ten minutes, so make them count."])

    def structured(self, tmp):
        return ScriptedBackend(['{"topic": "cash forecast", "urgency": 4}'])

    def timing_out(self, tmp):
        return ScriptedBackend([ScriptedReply("late", stall_s=1.0)], timeout_s=0.05, max_retries=0)

    def dies_mid_reply(self, tmp):
        backend = ScriptedBackend([ScriptedReply("Once upon a time there was a warehouse", fail_after=2),
                                   "Back again."])
        return backend, lambda: None


def _record(tmp: Path, inner: ScriptedBackend, calls: list[tuple[list[ChatMessage], GenerationParams, type | None]]) -> RecordingStore:
    """Make a real recording by running the recorder over a scripted model."""
    store = RecordingStore(tmp / "rec.jsonl")
    recorder = RecordingBackend(inner, store, caller="tests/llm/test_contract.py")
    for messages, params, schema in calls:
        try:
            if schema is None:
                recorder.complete(messages, params)
            else:
                recorder.structured(messages, schema, params)
        except ModelError:
            pass
    return RecordingStore(tmp / "rec.jsonl")


class ReplayHarness(Harness):
    kind = "replay"

    def normal(self, tmp):
        store = _record(tmp, ScriptedBackend(["Morning. You have ten minutes, so make them count."]),
                        [(GREETING, PARAMS, None)])
        return ReplayBackend(store)

    def structured(self, tmp):
        store = _record(tmp, ScriptedBackend(['{"topic": "cash forecast", "urgency": 4}']),
                        [(GREETING, GenerationParams(temperature=0, max_tokens=200, seed=3), Priority)])
        return ReplayBackend(store)

    def timing_out(self, tmp):
        store = _record(tmp, ScriptedBackend([ScriptedReply("x", stall_s=1.0)], timeout_s=0.05, max_retries=0),
                        [(GREETING, PARAMS, None)])
        return ReplayBackend(store)

    def dies_mid_reply(self, tmp):
        inner = ScriptedBackend([ScriptedReply("Once upon a time there was a warehouse", fail_after=2),
                                 "Back again."], max_retries=0)
        store = _record(tmp, inner, [(STORY, LONG, None), (GREETING, PARAMS, None)])
        return ReplayBackend(store), lambda: None


class LocalHarness(Harness):
    kind = "local"

    def _backend(self, **kwargs):
        from coach.llm.local import LocalBackend, LocalServer, ServerSpec
        from coach.runtime.assets import local_model_file

        server = LocalServer(ServerSpec(local_model_file().path, ctx=2048, threads=2))
        self.servers.append(server)
        return LocalBackend("smollm2-135m-instruct", server=server, **kwargs)

    def __init__(self):
        self.servers = []

    def normal(self, tmp):
        return self._backend()

    structured = normal

    def timing_out(self, tmp):
        backend = self._backend(max_retries=0)
        backend.server.address()  # start it first: the timeout is for the answer, not the start
        backend.timeout_s = 0.001
        return backend

    def dies_mid_reply(self, tmp):
        backend = self._backend(max_retries=0)
        return backend, backend.server.kill

    def close(self):
        for server in self.servers:
            server.stop()


@pytest.fixture(params=[
    pytest.param(ScriptedHarness, id="scripted"),
    pytest.param(ReplayHarness, id="replay"),
    pytest.param(LocalHarness, id="local", marks=pytest.mark.integration),
])
def harness(request):
    made = request.param()
    yield made
    if hasattr(made, "close"):
        made.close()


def test_streams_text_in_chunks_and_counts_tokens(harness, tmp_path):
    backend = harness.normal(tmp_path)
    reply = backend.stream(GREETING, PARAMS)
    chunks = list(reply)
    assert len(chunks) >= 2
    assert "".join(chunks).strip()
    assert reply.result is not None
    assert reply.result.text == "".join(chunks)
    assert reply.result.usage.prompt_tokens > 10
    assert reply.result.usage.completion_tokens > 0
    assert reply.result.first_token_seconds is not None


def test_json_schema_output_is_a_validated_object(harness, tmp_path):
    backend = harness.structured(tmp_path)
    answer = backend.structured(GREETING, Priority, GenerationParams(temperature=0, max_tokens=200, seed=3))
    assert isinstance(answer, Priority)
    assert isinstance(answer.urgency, int)


def test_timeout_becomes_a_typed_error(harness, tmp_path):
    backend = harness.timing_out(tmp_path)
    with pytest.raises(ModelTimeout) as caught:
        backend.complete(GREETING, PARAMS)
    assert "Fix:" in str(caught.value)


def test_dying_mid_reply_raises_typed_error_then_recovers(harness, tmp_path):
    backend, kill = harness.dies_mid_reply(tmp_path)
    reply = iter(backend.stream(STORY, LONG))
    first = next(reply)
    assert first
    kill()
    with pytest.raises(ModelUnavailable):
        for _ in reply:
            pass
    again = backend.complete(GREETING, PARAMS)
    assert again.text.strip()
    if harness.kind == "local":
        assert backend.server.starts == 2


def test_structured_output_that_does_not_parse_is_model_output_invalid(tmp_path):
    backend = ScriptedBackend(["I think the topic is cash."])
    with pytest.raises(ModelOutputInvalid) as caught:
        backend.structured(GREETING, Priority, PARAMS)
    assert "Priority" in str(caught.value)


def test_transient_failures_are_retried_with_backoff():
    flaky = ModelUnavailable("server busy", "wait", transient=True)
    backend = ScriptedBackend([flaky, flaky, "third time lucky"], max_retries=2)
    result = backend.complete(GREETING, PARAMS)
    assert result.text == "third time lucky"
    assert result.attempts == 3


def test_retries_are_bounded():
    flaky = ModelUnavailable("server busy", "wait", transient=True)
    backend = ScriptedBackend([flaky] * 5, max_retries=2)
    with pytest.raises(ModelUnavailable):
        backend.complete(GREETING, PARAMS)
    assert len(backend.requests) == 3


def test_permanent_failures_are_not_retried():
    backend = ScriptedBackend([ModelUnavailable("bad key", "set OPENAI_API_KEY"), "never used"])
    with pytest.raises(ModelUnavailable):
        backend.complete(GREETING, PARAMS)
    assert len(backend.requests) == 1


@pytest.mark.integration
def test_local_server_is_shared_and_thread_safe(settings):
    from coach.llm import create_backend

    first = create_backend(settings)
    second = create_backend(settings)
    assert first.server is second.server
    results: list[str] = []

    def ask():
        results.append(first.complete(GREETING, PARAMS).text)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(results)
    assert first.server.starts == 1
