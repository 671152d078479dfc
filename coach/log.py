"""The `coach` logger and secret redaction.

Why: API keys must never reach logs, error messages or stored data. Every log record
goes through `RedactingFilter`, and `CoachError` messages through `redact`.
"""

from __future__ import annotations

import base64
import logging
import re
import threading

LOGGER_NAME = "coach"

_KEY_PATTERNS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"),  # OpenAI-style keys
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"'=:\s]+)[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^/\s@]+(?=@)"),  # a password inside a URL
]
_registered: set[str] = set()
_lock = threading.Lock()


PREFIX_CHARS = 12  # a server that echoes a key often shows only its start; long keys mask that too


def _forms(value: str) -> set[str]:
    """The secret and the shapes it is echoed in: base64 (standard and URL-safe) and, for long keys, its start."""
    raw = value.encode("utf-8")
    forms = {value, base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    if len(value) >= 2 * PREFIX_CHARS:
        forms.add(value[:PREFIX_CHARS])
    return {form for form in forms if len(form) >= 4}


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is masked wherever it would be printed (also base64-encoded or cut short)."""
    if value and len(value) >= 4:
        with _lock:
            _registered.update(_forms(value))


def redact(text: str) -> str:
    """Mask registered secrets, anything shaped like an API key, and passwords inside URLs."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    for pattern in _KEY_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
        else:
            text = pattern.sub("sk-***", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def get_logger(name: str = "") -> logging.Logger:
    """The product's named logger (or a child of it), always redacting."""
    root = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, RedactingFilter) for f in root.filters):
        root.addFilter(RedactingFilter())
    if not name:
        return root
    child = root.getChild(name)
    if not any(isinstance(f, RedactingFilter) for f in child.filters):
        child.addFilter(RedactingFilter())
    return child
