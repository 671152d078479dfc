"""The product makes no network call the user did not configure.

The suite runs with connections limited to loopback (pytest-socket) and an audit hook
that fails any test during which a non-loopback lookup or connection was attempted.
"""

from __future__ import annotations

import os
import socket
import time

import pytest
from pytest_socket import SocketConnectBlockedError

from coach.runtime.startup import prepare
from tests.conftest import OUTSIDE_ATTEMPTS


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
def test_the_guard_blocks_and_sees_outside_connections():
    before = len(OUTSIDE_ATTEMPTS)
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=0.5)  # TEST-NET-1, never routable
    try:
        socket.getaddrinfo("telemetry.example.invalid", 443)
    except OSError:
        pass
    assert OUTSIDE_ATTEMPTS[before:] == ["lookup 192.0.2.1", "lookup telemetry.example.invalid"]
    del OUTSIDE_ATTEMPTS[before:]  # this test's own attempts were deliberate


def test_prepare_switches_off_every_library_telemetry(tmp_path, monkeypatch):
    for name in ("ANONYMIZED_TELEMETRY", "LANGSMITH_TRACING", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    prepare()
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["LANGSMITH_TRACING"] == "false"
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "cache" / "tiktoken")


def test_chroma_store_and_embeddings_work_with_no_outside_network(tmp_path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from coach.retrieval.embeddings import MiniLMEmbedder

    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("probe", metadata={"hnsw:space": "cosine"},
                                                 embedding_function=None)
    embedder = MiniLMEmbedder(threads=1)
    texts = ["Our month-end close takes nine days.", "The mobile app works offline."]
    collection.add(ids=["a", "b"], documents=texts, embeddings=embedder.embed(texts).tolist())
    hits = collection.query(query_embeddings=embedder.embed(["How long is your close?"]).tolist(), n_results=1)
    assert hits["ids"][0] == ["a"]
    time.sleep(0.5)  # give any background telemetry thread time to try


def test_langchain_openai_and_tiktoken_import_without_network():
    import langchain_openai  # noqa: F401
    import tiktoken

    assert tiktoken.get_encoding("o200k_base").encode("margin") != []
