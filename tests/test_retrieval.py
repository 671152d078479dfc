"""The knowledge store on a real Chroma directory with the real offline embedder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.net import free_port

from coach.config import Settings
from coach.retrieval.index import KnowledgeIndex, load_knowledge, rank_documents
from tests.conftest import run_env
from tests.content.factory import CASE_NOTE


def test_ingest_chunks_every_section_with_stable_ids(shipped_store):
    store, report = shipped_store
    docs = load_knowledge()
    sections = sum(len(d.sections) for d in docs.values())
    bullets = sum(line.startswith("- ") for d in docs.values() if d.meta.kind == "value_proposition"
                  for line in d.section("capabilities").text.splitlines())
    assert report.added == len(docs) and report.chunks_written == sections + bullets == store.count()
    got = store.get(ids=["vp-cash-command-cfo#goals", "cn-mfg-cash-forecast#result"])
    meta = {chunk_id: m for chunk_id, (_, m) in got.items()}
    assert meta["vp-cash-command-cfo#goals"]["section"] == "goals"
    assert meta["vp-cash-command-cfo#goals"]["title_cfo"] is True
    assert meta["cn-mfg-cash-forecast#result"]["kind"] == "case_note"
    assert meta["cn-mfg-cash-forecast#result"]["industry"] == "manufacturing"


def test_value_for_title_returns_only_that_titles_value_sections(shipped_store):
    store, _ = shipped_store
    hits = store.value_for_title("we borrow on the revolver because the cash forecast is unreliable", "cfo")
    assert hits and all("cfo" in h.titles and h.section in {"goals", "problems", "needs", "outcomes"} for h in hits)
    assert hits[0].doc_id == "vp-cash-command-cfo"
    assert 0 < hits[-1].score <= hits[0].score <= 1


def test_features_are_single_capability_lines(shipped_store):
    store, _ = shipped_store
    hits = store.features("our optimizer uses constraint-based scheduling and route optimization on a mobile app")
    assert hits and all(h.section == "capability" and "#capability-" in h.id for h in hits)
    assert hits[0].offering == "Field Orchestrator"


def test_case_notes_filter_by_title_and_industry(shipped_store):
    store, _ = shipped_store
    hits = store.case_notes("technicians finish more jobs per day", title="coo", industry="manufacturing")
    assert hits and all(h.kind == "case_note" and "coo" in h.titles and h.industry == "manufacturing" for h in hits)
    assert rank_documents(hits)[0] == "cn-mfg-service-margin"


def test_reingest_is_a_no_op_and_fast(shipped_store):
    store, _ = shipped_store
    report = store.ingest(load_knowledge().values())
    assert (report.added, report.updated, report.removed, report.chunks_written) == (0, 0, 0, 0)
    assert report.unchanged == len(load_knowledge())


def test_changed_added_and_removed_files_are_handled(tmp_path):
    extra = tmp_path / "team"
    extra.mkdir()
    note = extra / "cn-test-forecast.md"
    note.write_text(CASE_NOTE)
    store = KnowledgeIndex(Settings(_env_file=None, data_dir=tmp_path / "d"))
    first = store.ingest(load_knowledge([extra]).values())
    assert first.added == len(load_knowledge()) + 1
    note.write_text(note.read_text().replace("Accuracy 71% → 94%", "Accuracy 70% → 95%"))
    second = store.ingest(load_knowledge([extra]).values())
    assert (second.added, second.updated, second.removed) == (0, 1, 0)
    assert second.chunks_written == 3
    assert "Accuracy 70% → 95%" in store.get(ids=["cn-test-forecast#result"])["cn-test-forecast#result"][0]
    note.unlink()
    third = store.ingest(load_knowledge([extra]).values())
    assert (third.added, third.updated, third.removed) == (0, 0, 1) and third.removed_ids == ["cn-test-forecast"]
    assert not store.get(where={"doc_id": "cn-test-forecast"})


REOPEN = """
import sys
import chromadb
import coach.retrieval.index  # registers the embedding function
client = chromadb.PersistentClient(path=sys.argv[1])
collection = client.get_collection("knowledge_case")
hit = collection.query(query_texts=["cash forecast accuracy for lenders"], n_results=1)
print(hit["ids"][0][0])
"""


def test_stored_collection_reopens_with_the_registered_embedder(shipped_store):
    store, _ = shipped_store
    path = store.client.get_settings().persist_directory
    result = subprocess.run([sys.executable, "-c", REOPEN, path], capture_output=True, text=True, timeout=120,
                            env=run_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("cn-")


@pytest.mark.integration
def test_a_chroma_server_is_used_when_chroma_host_is_set(tmp_path):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma command ships with the chromadb package"
    port = free_port()
    server = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        settings = Settings(_env_file=None, data_dir=tmp_path / "d", chroma_host=f"127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                store = KnowledgeIndex(settings)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        docs = load_knowledge()
        some = {k: docs[k] for k in ("vp-cash-command-cfo", "cn-mfg-cash-forecast")}
        assert store.ingest(some.values()).added == 2
        assert store.case_notes("revolver draw", k=1)[0].doc_id == "cn-mfg-cash-forecast"
        assert not (tmp_path / "d" / "chroma").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_labelled_queries_reach_the_recall_target(shipped_store):
    from coach.retrieval.evaluation import DEFAULT_QUERIES, evaluate, load_queries

    store, _ = shipped_store
    query_set = load_queries(DEFAULT_QUERIES)
    assert len(query_set.queries) >= 40
    scores = evaluate(store, query_set)
    assert scores.recall_at_3 >= 0.9, [r for r in scores.results if not r.rank or r.rank > 3]
    assert scores.recall_at_1 <= scores.recall_at_3 and 0 < scores.mrr <= 1


def test_searching_many_vectors_at_once_finds_what_searching_each_finds(shipped_store):
    store, _ = shipped_store
    texts = ["How far off is your cash forecast?", "Our REST API and SSO", "A pump maker cut DSO by 12 days"]
    vectors = [store.embed_query(t) for t in texts]
    for options in ({"kind": "case_note", "k": 3}, {"kind": "value_proposition", "sections": ("capability",), "k": 3},
                    {"kind": "value_proposition", "title": "cfo", "sections": ("goals", "problems"), "k": 4}):
        together = store.search_many(vectors, **options)
        assert together == [store.search(vector=v, **options) for v in vectors]
        assert all(len(hits) == options["k"] for hits in together)
