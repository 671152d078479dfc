"""Settings: one object from env and .env, defaults that work offline, one clear message per bad value."""

from __future__ import annotations

import os

import pytest

from coach.config import OFFLINE_ENVIRONMENT, Settings, apply_offline_environment, load_settings
from coach.errors import ConfigError


def test_defaults_need_nothing_configured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.llm == "local"
    assert settings.model_name == "smollm2-135m-instruct"
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.chroma_host is None
    assert settings.api_key() is None


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_LLM", "OpenAI")
    monkeypatch.setenv("COACH_MODEL", "gpt-4o")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1/")
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/coach")
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("COACH_RECORDINGS", str(tmp_path / "rec.jsonl"))
    s = load_settings()
    assert (s.llm, s.model_name, s.openai_base_url) == ("openai", "gpt-4o", "http://127.0.0.1:8000/v1")
    assert s.data_dir == tmp_path / "d"
    assert s.effective_database_url.startswith("postgresql")
    assert s.chroma_host == "127.0.0.1"
    assert s.recordings_path == tmp_path / "rec.jsonl"


def test_dot_env_file_is_read_and_environment_wins(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("COACH_LLM=replay\nCOACH_MODEL=from-dotenv\nUNRELATED=1\n")
    monkeypatch.setenv("COACH_MODEL", "from-env")
    s = load_settings()
    assert s.llm == "replay" and s.model_name == "from-env"


@pytest.mark.parametrize("name, value, expected", [
    ("COACH_LLM", "gpt", "COACH_LLM='gpt'"),
    ("COACH_TIMEOUT_S", "soon", "COACH_TIMEOUT_S='soon'"),
    ("COACH_TIMEOUT_S", "0", "greater than 0"),
    ("COACH_MAX_RETRIES", "-1", "COACH_MAX_RETRIES"),
    ("OPENAI_BASE_URL", "localhost:8000", "must start with http://"),
    ("COACH_LOG_LEVEL", "loud", "COACH_LOG_LEVEL"),
])
def test_a_bad_value_gets_one_message_naming_the_variable_and_fix(monkeypatch, tmp_path, name, value, expected):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message and "Fix:" in message
    assert "\n" not in message


def test_api_key_is_never_shown_even_in_errors(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-abcdefghijklmnop")
    monkeypatch.setenv("COACH_LLM", "wrong")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "sk-live" not in str(caught.value)
    monkeypatch.setenv("COACH_LLM", "openai")
    s = load_settings()
    assert "sk-live" not in repr(s) and "sk-live" not in str(s.model_dump())
    assert s.api_key() == "sk-live-abcdefghijklmnop"


def test_offline_environment_keeps_explicit_user_choices(monkeypatch):
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "True")
    monkeypatch.delenv("LANGSMITH_TRACING", raising=False)
    apply_offline_environment()
    assert os.environ["ANONYMIZED_TELEMETRY"] == "True"
    assert os.environ["LANGSMITH_TRACING"] == OFFLINE_ENVIRONMENT["LANGSMITH_TRACING"]


def test_settings_object_can_be_built_directly_for_tests(tmp_path):
    s = Settings(_env_file=None, llm="none", data_dir=tmp_path)
    assert s.llm == "none" and s.tiktoken_cache_dir == tmp_path / "cache" / "tiktoken"
