"""Consoles shared by the CLI modules: results to stdout, messages and progress to stderr."""

from __future__ import annotations

from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
