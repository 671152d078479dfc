"""Loopback helpers for tests that start servers."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A free loopback port for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
