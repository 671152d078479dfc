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
