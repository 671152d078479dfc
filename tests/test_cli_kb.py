"""`coach validate`, `coach ingest` and `coach kb` as a user runs them.

In this process (`invoke_coach`); the tests taking `coach_command` also run the real command (marked slow).
"""

from __future__ import annotations

import json

from tests.content.factory import CASE_NOTE, write_content
from tests.helpers import invoke_coach


def test_validate_lists_every_problem_and_exits_2(tmp_path, coach_command):
    personas, knowledge = write_content(tmp_path)
    (personas / "cfo_test.yaml").write_text((personas / "cfo_test.yaml").read_text() + "mood: grumpy\n")
    (knowledge / "case_notes" / "cn-bad.md").write_text("no front matter here\n")
    result = coach_command("validate", "--personas", str(personas), "--knowledge", str(knowledge))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("cfo_test.yaml:" in line and "mood: unknown key" in line for line in lines)
    assert any("cn-bad.md:1: has no front matter" in line for line in lines)
    assert lines[-1].endswith("problem(s) in 2 file(s).") or "problem(s) in" in lines[-1]
    assert "Traceback" not in result.stderr


def test_validate_a_missing_folder_is_one_clear_line(tmp_path):
    result = invoke_coach("validate", "--knowledge", str(tmp_path / "nope"))
    assert result.returncode == 2 and "nope: is not a folder" in result.stderr


def test_ingest_refuses_invalid_knowledge_and_changes_nothing(tmp_path):
    data = tmp_path / "data"
    team = tmp_path / "team"
    team.mkdir()
    (team / "cn-test-forecast.md").write_text(CASE_NOTE.replace("kind: case_note", "kind: casenote"))
    result = invoke_coach("ingest", "--knowledge", str(team), COACH_DATA_DIR=str(data))
    assert result.returncode == 2 and "kind:" in result.stderr and "Traceback" not in result.stderr
    assert not (data / "chroma").exists()


def test_ingest_then_search_then_noop(tmp_path, coach_command):
    data = str(tmp_path / "data")
    team = tmp_path / "team"
    team.mkdir()
    (team / "cn-test-forecast.md").write_text(CASE_NOTE)
    first = coach_command("ingest", "--knowledge", str(team), COACH_DATA_DIR=data)
    assert first.returncode == 0, first.stderr
    assert " added, 0 updated, 0 removed, 0 unchanged" in first.stdout
    again = coach_command("ingest", "--knowledge", str(team), COACH_DATA_DIR=data)
    assert "0 added, 0 updated, 0 removed" in again.stdout and "(0 chunks embedded)" in again.stdout
    found = coach_command("kb", "search", "pump maker could not trust its forecast", "--kind", "case_note", "--json",
                          COACH_DATA_DIR=data)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["doc_id"] == "cn-test-forecast" and hits[0]["kind"] == "case_note"


def test_kb_search_rejects_an_unknown_kind(tmp_path):
    result = invoke_coach("kb", "search", "cash", "--kind", "brochure", COACH_DATA_DIR=str(tmp_path))
    assert result.returncode == 2 and "value_proposition or case_note" in result.stderr
