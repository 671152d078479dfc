"""Secrets are masked in log lines and error messages."""

from __future__ import annotations

import io
import logging

from coach.errors import CoachError, ModelUnavailable
from coach.log import get_logger, redact, register_secret
from coach.runtime.startup import configure_logging


def test_registered_secrets_and_key_shapes_are_masked():
    register_secret("hunter2-very-secret")
    text = redact("key hunter2-very-secret and sk-abcdefghijklmnop and Bearer abcdefghijklmnop")
    assert "hunter2" not in text and "sk-abcdef" not in text and "abcdefghijklmnop" not in text
    assert text.count("***") == 3


def test_log_records_are_redacted(caplog):
    caplog.set_level(logging.INFO, logger="coach")
    get_logger("llm").info("calling with api_key=%s", "sk-zyxwvutsrqponm")
    assert "sk-zyxw" not in caplog.text and "***" in caplog.text


def test_stderr_handler_redacts_even_for_loggers_made_elsewhere():
    configure_logging("INFO")
    handler = next(h for h in logging.getLogger("coach").handlers if getattr(h, "_coach", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("coach.elsewhere").warning("token sk-1234567890abcdef leaked?")
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert "token sk-*** leaked?" in written and "1234567890" not in written


def test_error_messages_end_with_the_fix_and_mask_keys():
    error = ModelUnavailable("Server said: bad key sk-abcdefghijklmnopqr", "set OPENAI_API_KEY")
    assert str(error) == "Server said: bad key sk-***. Fix: set OPENAI_API_KEY"
    assert error.exit_code == 3
    assert CoachError("No fix given").message == "No fix given"


def test_the_embedded_servers_stand_in_key_is_no_secret():
    """The embedded model server takes any key; masking its stand-in would turn every "local" (and
    "localhost") in later messages into ***, as happened once that backend had been created."""
    from coach.llm.local import LocalBackend
    from coach.llm.openai_compat import OpenAICompatBackend
    from coach.log import redact

    LocalBackend("smollm2-135m-instruct", server=object())  # type: ignore[arg-type] - never started here
    assert redact("use --llm local, or http://localhost:8080/v1") == "use --llm local, or http://localhost:8080/v1"
    OpenAICompatBackend("gpt-4o-mini", base_url=None, api_key="sk-test-0123456789abcdef")
    assert "0123456789abcdef" not in redact("key sk-test-0123456789abcdef was refused")
