"""The `coach` command as a user runs it: exit codes, one-line errors, no tracebacks.

Commands run in this process (`invoke_coach`, the console entry under Typer's test isolation); the tests
taking `coach_command` also run the real command in its own process (marked slow).
"""

from __future__ import annotations

import pytest

from coach.llm import GenerationParams
from tests.helpers import invoke_coach, record_reply, run_coach

CHAT_DEFAULTS = GenerationParams(max_tokens=256, temperature=0.7, seed=None)
SYSTEM = "You are a helpful, concise assistant."


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def test_version(coach_command):
    result = coach_command("--version")
    assert result.returncode == 0 and result.stdout.startswith("coach ")


def test_chat_streams_the_reply_from_recordings(tmp_path, coach_command):
    rec = tmp_path / "rec.jsonl"
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Who owns margin?"}]
    record_reply(rec, messages, CHAT_DEFAULTS, "The CFO owns margin, with the COO.")
    result = coach_command("chat", "Who owns margin?", "--stats", COACH_LLM="replay", COACH_RECORDINGS=str(rec),
                           COACH_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The CFO owns margin, with the COO."
    assert "completion tokens" in result.stderr


def test_chat_reads_standard_input_with_dash(tmp_path, coach_command):
    rec = tmp_path / "rec.jsonl"
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "from stdin\n"}]
    record_reply(rec, messages, CHAT_DEFAULTS, "Got it.")
    result = coach_command("chat", "-", stdin="from stdin\n", COACH_LLM="replay", COACH_RECORDINGS=str(rec),
                           COACH_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 0 and result.stdout.strip() == "Got it."


def test_missing_recording_exits_3_naming_the_rerecord_command(tmp_path, coach_command):
    rec = tmp_path / "rec.jsonl"
    record_reply(rec, [{"role": "user", "content": "other"}], CHAT_DEFAULTS, "x")
    result = coach_command("chat", "never recorded", COACH_LLM="replay", COACH_RECORDINGS=str(rec),
                           COACH_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 3
    assert "COACH_LLM=record" in result.stderr and "No recorded model response" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    no_traceback(result)


@pytest.mark.parametrize("args, env, code, words", [
    (["chat", "   "], {}, 2, "Nothing to send"),
    (["chat", "hi"], {"COACH_LLM": "gpt5"}, 2, "COACH_LLM='gpt5'"),
    (["chat", "hi"], {"COACH_LLM": "none"}, 2, "--llm local"),
    (["chat", "hi", "--llm", "openai"], {}, 3, "OPENAI_API_KEY"),
    (["chat", "hi", "--llm", "openai"], {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "COACH_MAX_RETRIES": "0"}, 3,
     "Cannot reach the model server at http://127.0.0.1:9/v1"),
    (["chat", "hi", "--max-tokens", "0"], {}, 2, "max-tokens"),
    (["nonsense"], {}, 2, "No such command"),
])
def test_user_mistakes_get_one_clear_message_and_the_right_exit_code(tmp_path, args, env, code, words):
    result = invoke_coach(*args, COACH_DATA_DIR=str(tmp_path / "d"), **env)
    assert result.returncode == code, result.stderr
    assert words in result.stderr
    no_traceback(result)


def test_unwritable_data_dir_is_a_setting_error(tmp_path, coach_command):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = coach_command("setup", COACH_DATA_DIR=str(blocker / "sub"))
    assert result.returncode == 2 and "COACH_DATA_DIR" in result.stderr
    no_traceback(result)


def test_doctor_passes_offline_without_the_model(tmp_path, coach_command):
    result = coach_command("doctor", "--no-model", COACH_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MISSING" not in result.stdout
    for name in ("local model file", "embedding model file", "tiktoken encodings", "embeddings run"):
        assert f"ok      {name}" in result.stdout


def test_doctor_reports_an_unreachable_model_with_its_fix(tmp_path):
    result = invoke_coach("doctor", "--llm", "openai", COACH_DATA_DIR=str(tmp_path / "d"),
                          OPENAI_BASE_URL="http://127.0.0.1:9/v1", COACH_MAX_RETRIES="0")
    assert result.returncode == 1
    assert "MISSING model (openai)" in result.stdout and "fix: start the server" in result.stdout
    no_traceback(result)


@pytest.mark.integration
def test_chat_with_the_embedded_model(tmp_path):
    result = run_coach("chat", "Say hello.", "--max-tokens", "16", "--temperature", "0", "--stats",
                       COACH_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "local smollm2-135m-instruct" in result.stderr


@pytest.mark.integration
def test_doctor_with_the_embedded_model(tmp_path):
    result = run_coach("doctor", COACH_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 0, result.stdout
    assert "ok      model (local): local smollm2-135m-instruct answered" in result.stdout
