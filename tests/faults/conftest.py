"""The fault suite's report: each fault test adds one row; the table prints at the end of the run.

Why a table: the promise is "no fault loses a turn", and a manager or operator reads it as
fault -> turns lost -> what the user saw -> recovered. The rows are also written to
`artifacts/faults.md` so CI keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

ROWS: list[FaultRow] = []
ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "faults.md"


@dataclass(frozen=True)
class FaultRow:
    fault: str
    turns_lost: int
    message: str
    recovered: bool


class FaultReport:
    """Collects rows for the end-of-run table."""

    def add(self, fault: str, *, turns_lost: int, message: str, recovered: bool) -> None:
        ROWS.append(FaultRow(fault, turns_lost, " ".join(message.split()), recovered))


@pytest.fixture
def fault_report() -> FaultReport:
    return FaultReport()


def _table() -> list[str]:
    lines = ["| fault | turns lost | user-visible message | recovered |", "|---|---|---|---|"]
    for row in ROWS:
        message = row.message.replace("|", "\\|")
        lines.append(f"| {row.fault} | {row.turns_lost} | {message} | {'yes' if row.recovered else 'no'} |")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    terminalreporter.section("fault suite")
    for line in _table():
        terminalreporter.write_line(line)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("# Fault suite\n\n" + "\n".join(_table()) + "\n", encoding="utf-8")
