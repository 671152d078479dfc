"""The OpenAI-compatible backend against a real HTTP server on loopback."""

from __future__ import annotations

import logging

import pytest

from coach.config import Settings
from coach.errors import ModelTimeout, ModelUnavailable
from coach.llm import GenerationParams, RecordingStore, create_backend
from coach.llm.openai_compat import OpenAICompatBackend
from tests.llm.fake_openai import Behaviour, FakeOpenAI

SECRET = "sk-test-DO-NOT-LEAK-0123456789abcdef"
HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture
def fake():
    server = FakeOpenAI()
    yield server
    server.close()


def backend_for(fake: FakeOpenAI, tmp_path, **kwargs) -> OpenAICompatBackend:
    settings = Settings(_env_file=None, llm="openai", openai_base_url=fake.url, openai_api_key=SECRET,
                        model="fake-model", data_dir=tmp_path, **kwargs)
    backend = create_backend(settings)
    assert isinstance(backend, OpenAICompatBackend)
    backend.backoff_s = 0.01
    return backend


def test_streams_from_an_openai_compatible_server(fake, tmp_path):
    backend = backend_for(fake, tmp_path)
    reply = backend.stream(HELLO, GenerationParams(max_tokens=20, temperature=0.2, seed=1))
    assert "".join(reply).strip() == "Hello from the fake server."
    sent = fake.requests[0]["json"]
    assert sent["model"] == "fake-model" and sent["stream"] is True and sent["seed"] == 1


def test_server_errors_are_retried_then_succeed(fake, tmp_path):
    fake.behaviours[:] = [Behaviour(status=503), Behaviour(status=500), Behaviour(text="Recovered now.")]
    result = backend_for(fake, tmp_path).complete(HELLO)
    assert result.text.strip() == "Recovered now."
    assert result.attempts == 3


def test_persistent_5xx_is_model_unavailable(fake, tmp_path):
    fake.behaviours[:] = [Behaviour(status=502)] * 3
    with pytest.raises(ModelUnavailable) as caught:
        backend_for(fake, tmp_path).complete(HELLO)
    assert "502" in str(caught.value) and "Fix:" in str(caught.value)


def test_garbage_response_is_a_typed_error(fake, tmp_path):
    fake.behaviours[:] = [Behaviour(body=b"\x00\xffnot json at all")] * 3
    with pytest.raises(ModelUnavailable):
        backend_for(fake, tmp_path).complete(HELLO)


def test_slow_server_times_out_with_a_typed_error(fake, tmp_path):
    fake.behaviours[:] = [Behaviour(stall_s=1.0)] * 3
    backend = backend_for(fake, tmp_path, timeout_s=0.2, max_retries=0)
    with pytest.raises(ModelTimeout) as caught:
        backend.complete(HELLO)
    assert "COACH_TIMEOUT_S" in str(caught.value)


def test_wrong_model_name_says_to_set_coach_model(fake, tmp_path):
    fake.behaviours[:] = [Behaviour(status=404)]
    with pytest.raises(ModelUnavailable) as caught:
        backend_for(fake, tmp_path).complete(HELLO)
    assert "COACH_MODEL" in str(caught.value)


def test_api_key_never_appears_in_errors_logs_or_recordings(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="coach")
    body = ('{"error": {"message": "Incorrect API key provided: ' + SECRET + '"}}').encode()
    fake.behaviours[:] = [Behaviour(status=401, body=body)]
    backend = backend_for(fake, tmp_path)
    with pytest.raises(ModelUnavailable) as caught:
        backend.complete(HELLO)
    assert "OPENAI_API_KEY" in str(caught.value)
    assert {k.lower(): v for k, v in fake.requests[0]["headers"].items()}["authorization"] == f"Bearer {SECRET}"  # it was really sent
    # the reply echoes the key back; neither the error nor the log may carry it
    assert SECRET not in str(caught.value)
    assert SECRET not in caplog.text

    settings = Settings(_env_file=None, llm="record", openai_base_url=fake.url, openai_api_key=SECRET,
                        model="fake-model", data_dir=tmp_path, recordings=tmp_path / "rec.jsonl")
    fake.behaviours[:] = [Behaviour(text=f"my key is {SECRET} ok")]
    recorder = create_backend(settings)
    recorder.complete(HELLO)
    stored = (tmp_path / "rec.jsonl").read_text()
    assert SECRET not in stored and "my key is" in stored
    assert RecordingStore(tmp_path / "rec.jsonl").entries()


def test_connection_refused_names_the_url_and_fix(tmp_path):
    settings = Settings(_env_file=None, llm="openai", openai_base_url="http://127.0.0.1:9/v1",
                        data_dir=tmp_path, max_retries=0)
    with pytest.raises(ModelUnavailable) as caught:
        create_backend(settings).complete(HELLO)
    assert "127.0.0.1:9" in str(caught.value) and "OPENAI_BASE_URL" in str(caught.value)


def test_openai_without_key_or_url_is_refused_before_any_call(tmp_path):
    with pytest.raises(ModelUnavailable) as caught:
        create_backend(Settings(_env_file=None, llm="openai", data_dir=tmp_path))
    assert "OPENAI_API_KEY" in str(caught.value)
