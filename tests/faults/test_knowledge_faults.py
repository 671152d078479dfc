"""Knowledge-store faults: the Chroma folder deleted or damaged under a running call. The rep's
turns are in the database, not in Chroma, so none is lost; a deleted store is refilled from the
shipped knowledge on the next start; a damaged one gives one message naming `coach ingest
--rebuild`, and after it the call resumes."""

from __future__ import annotations

import shutil

import chromadb
import pytest

from coach.config import Settings
from coach.content.catalog import load_content
from coach.errors import KnowledgeStoreDamaged
from coach.call.practice import PracticeCall
from coach.retrieval.index import _clients, current_store
from coach.db import Database, add_user, get_session
from tests.helpers import run_coach

LINES = ["Thanks for making time. Is 30 minutes still right for you?",
         "How far off has your cash forecast been against actuals?",
         "What would a forecast the lenders trust be worth to you?",
         "Who owns the forecast today, and how is it put together?"]


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def world(tmp_path, content):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    db = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    viewer = add_user(db, "rep_kb_faults", "long-enough-password", role="rep", team="east")
    yield settings, db, viewer
    db.close()


def restart_process_state(settings: Settings) -> None:
    """What a new app process starts with: no Chroma client held for the folder."""
    _clients.pop(str(settings.data_dir / "chroma"), None)
    chromadb.api.client.SharedSystemClient.clear_system_cache()


def say(practice: PracticeCall, text: str) -> None:
    for _ in practice.say(text):
        pass


def stored_lines(practice: PracticeCall) -> list[str]:
    return [t.rep for t in get_session(practice.db, practice.viewer, practice.session_id).lines()]


def resume_and_report(db, viewer, content, store, practice: PracticeCall, said: list[str], fault: str,  # noqa: ANN001
                      message: str, fault_report) -> None:  # noqa: ANN001
    """After recovery: resume the stored call, say one more line, and report what the store holds."""
    resumed = PracticeCall.resume(db, viewer, content, store, None, practice.session_id)
    say(resumed, LINES[2])
    said.append(LINES[2])
    lost = sum(1 for line in said if line not in stored_lines(resumed))
    fault_report.add(fault, turns_lost=lost, message=message, recovered=[t.rep for t in resumed.turns] == said)
    assert lost == 0 and [t.rep for t in resumed.turns] == said


def test_a_deleted_knowledge_folder_is_refilled_on_the_next_start(world, content, fault_report, caplog):
    settings, db, viewer = world
    practice = PracticeCall.start(db, viewer, content, current_store(settings), None, "cfo_meridian", seed=3)
    said = LINES[:2]
    for line in said:
        say(practice, line)
    shutil.rmtree(settings.data_dir / "chroma")
    restart_process_state(settings)

    with caplog.at_level("WARNING", logger="coach.retrieval.index"):
        store = current_store(settings)
    message = next(r.getMessage() for r in caplog.records if "knowledge store" in r.getMessage())
    assert store.count() > 200
    resume_and_report(db, viewer, content, store, practice, said, "knowledge (Chroma) folder deleted", message,
                      fault_report)


@pytest.mark.slow  # the real `coach` command in its own process, as a user recovers
def test_a_damaged_knowledge_store_names_the_rebuild_and_the_call_resumes_after_it(world, content, fault_report):
    settings, db, viewer = world
    practice = PracticeCall.start(db, viewer, content, current_store(settings), None, "cfo_meridian", seed=3)
    said = LINES[:2]
    for line in said:
        say(practice, line)
    (settings.data_dir / "chroma" / "chroma.sqlite3").write_bytes(b"\x00garbage, not a database" * 64)
    restart_process_state(settings)

    with pytest.raises(KnowledgeStoreDamaged) as caught:
        current_store(settings)
    message = caught.value.message
    assert "coach ingest --rebuild" in message and "Traceback" not in message

    cli = run_coach("kb", "search", "cash forecast", COACH_DATA_DIR=str(settings.data_dir))
    assert cli.returncode != 0 and "coach ingest --rebuild" in cli.stderr and "Traceback" not in cli.stderr

    rebuilt = run_coach("ingest", "--rebuild", COACH_DATA_DIR=str(settings.data_dir))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert list(settings.data_dir.glob("chroma.damaged-*")), "the damaged folder is kept aside, not deleted"
    restart_process_state(settings)
    store = current_store(settings)
    resume_and_report(db, viewer, content, store, practice, said, "knowledge (Chroma) store damaged", message,
                      fault_report)


@pytest.mark.slow  # the real `coach` command in its own process
def test_the_rebuild_leaves_a_healthy_store_alone_when_there_is_none(tmp_path):
    result = run_coach("ingest", "--rebuild", COACH_DATA_DIR=str(tmp_path / "fresh"))
    assert result.returncode == 0, result.stderr
    assert "moved" not in result.stderr and not list((tmp_path / "fresh").glob("chroma.damaged-*"))


