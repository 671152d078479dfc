"""The knowledge index: Chroma collections (embedded, or a server with CHROMA_HOST) of MiniLM-embedded chunks.

Why: the buyer and the grader need, in milliseconds, "what does this offering mean to a
CFO", "which capabilities did the rep just pitch" and "which case note backs this claim".
Chunks are the `##` sections of each knowledge file, with stable ids `<doc id>#<section>`.
Ingest is incremental by content hash, so re-running it is cheap.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from coach.config import Settings
from coach.retrieval.chunks import Chunk, chunks_of, embed_chunks, whole_docs
from coach.retrieval.embeddings import MiniLMEmbedder
from coach.retrieval.chroma_embeddings import ChromaMiniLM
from coach.retrieval.embeddings import shared_embedder
from coach.errors import CoachError, KnowledgeStoreDamaged, StoreUnavailable, UserInputError
from coach.content.files import ProblemList
from coach.content.knowledge import VALUE_SECTIONS, KnowledgeDoc, load_knowledge_dirs
from coach.content.catalog import shipped_knowledge_dir
from coach.log import get_logger
from coach.retrieval.hits import Hit

log = get_logger("retrieval")
ADD_BATCH = 256  # chunks per embed+upsert round; whole documents only
# Chunks live in one collection per kind of query. Measured on 8,000 chunks: a Chroma query
# filtered on metadata costs time in proportion to the chunks the filter admits (p50 25-37 ms),
# an unfiltered one about 3 ms; partitions keep each query's filter small.
PARTITIONS = ("value", "capability", "case", "other")
LEGACY_COLLECTION = "knowledge"


def partition_of(kind: str, section: str) -> str:
    """Which collection a chunk lives in."""
    if section == "capability":
        return "capability"
    if kind == "case_note":
        return "case"
    return "value" if section in VALUE_SECTIONS else "other"


def _sections_in(part: str) -> set[str]:
    return set(VALUE_SECTIONS) if part == "value" else set()


def partitions_for(kind: str | None, sections: Sequence[str] | None) -> tuple[str, ...]:
    """The collections a search must look in."""
    if sections:
        kinds = (kind,) if kind else ("value_proposition", "case_note")
        return tuple(dict.fromkeys(partition_of(k, s) for k in kinds for s in sections))
    if kind == "case_note":
        return ("case",)
    if kind == "value_proposition":
        return ("value", "capability", "other")
    return PARTITIONS


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_written: int = 0
    seconds: float = 0.0
    removed_ids: list[str] = field(default_factory=list)


def _client(settings: Settings) -> Any:  # noqa: ANN401 - chromadb's client types are private
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        host, _, port = settings.chroma_host.removeprefix("http://").partition(":")
        try:  # the client asks the server for its tenant and database here, so a dead server fails now
            return chromadb.HttpClient(host=host, port=int(port or 8000), settings=chroma_settings)
        except Exception as exc:  # noqa: BLE001 - any connection failure gets one message
            raise UserInputError(
                f"Cannot reach the Chroma server at CHROMA_HOST={settings.chroma_host} ({exc})",
                "start it (`chroma run --path DIR --host 0.0.0.0 --port 8000`, the same chromadb release as this "
                "install), correct CHROMA_HOST, or unset CHROMA_HOST to use the embedded store") from None
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return _persistent_client(str(path), chroma_settings)


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _persistent_client(path: str, chroma_settings: ChromaSettings) -> Any:  # noqa: ANN401
    """One PersistentClient per directory per process, as Chroma requires."""
    with _clients_lock:
        if path not in _clients:
            _clients[path] = chromadb.PersistentClient(path=path, settings=chroma_settings)
        return _clients[path]


def _where(title: str | None, sections: Sequence[str] | None, offering: str | None,
           industry: str | None) -> dict[str, Any] | None:
    """A Chroma filter within one partition (the partition already fixes the kind)."""
    clauses: list[dict[str, Any]] = []
    if title:
        clauses.append({f"title_{title}": True})
    if sections:
        clauses.append({"section": {"$in": list(sections)}})
    if offering:
        clauses.append({"offering": offering})
    if industry:
        clauses.append({"industry": industry})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _hit(chunk_id: str, text: str, meta: dict, distance: float) -> Hit:
    return Hit(id=chunk_id, doc_id=str(meta["doc_id"]), kind=str(meta["kind"]), section=str(meta["section"]),
               offering=str(meta["offering"]), titles=tuple(str(meta.get("titles", "")).split(",")),
               industry=str(meta.get("industry", "")), text=text, score=round(1.0 - distance, 4))


class KnowledgeIndex:
    """Search and incremental ingest over the knowledge collections."""

    def __init__(self, settings: Settings, embedder: MiniLMEmbedder | None = None) -> None:
        self.where = settings.chroma_host or str(settings.data_dir / "chroma")
        self.data_dir = settings.data_dir  # where the team's own act sentences live, for readers beside the store
        self.remote = bool(settings.chroma_host)
        self.embedder = embedder or shared_embedder()
        self.parts: dict[str, Any] = {}  # partition -> chromadb Collection
        with self._reading():
            self.client = _client(settings)
            if LEGACY_COLLECTION in {c.name if hasattr(c, "name") else c for c in self.client.list_collections()}:
                self.client.delete_collection(LEGACY_COLLECTION)  # one collection before partitioning; re-ingested
            for part in PARTITIONS:
                name = f"knowledge_{part}"
                self.parts[part] = self.client.get_or_create_collection(
                    name, embedding_function=ChromaMiniLM(), metadata={"hnsw:space": "cosine"})

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Chroma's own failures become one message that names the fix."""
        try:
            yield
        except CoachError:
            raise
        except Exception as exc:  # noqa: BLE001 - chromadb raises many types; each gets the same treatment
            detail = " ".join(str(exc).split())[:160] or type(exc).__name__
            if self.remote:
                raise StoreUnavailable(f"The Chroma server at {self.where} failed ({detail})",
                                       "check that it is running (`chroma run`), or unset CHROMA_HOST") from None
            raise KnowledgeStoreDamaged(
                f"The knowledge store in {self.where} cannot be read ({detail})",
                "rebuild it with `coach ingest --rebuild` (your knowledge files are not changed)") from None

    def count(self) -> int:
        """Chunks stored."""
        with self._reading():
            return sum(part.count() for part in self.parts.values())

    def get(self, ids: Sequence[str] = (), where: dict[str, Any] | None = None) -> dict[str, tuple[str, dict]]:
        """Stored chunks, by ids or by a metadata filter: id → (text, metadata)."""
        found: dict[str, tuple[str, dict]] = {}
        for part in self.parts.values():
            with self._reading():
                got = part.get(ids=list(ids) or None, where=where, include=["documents", "metadatas"])
            for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                found[chunk_id] = (text, meta)
        return found

    def stored_docs(self) -> dict[str, tuple[str, list[str]]]:
        """doc id → (content hash, chunk ids) for everything stored."""
        stored: dict[str, tuple[str, list[str]]] = {}
        model_id = self.embedder.model_id
        for part in self.parts.values():
            got = part.get(include=["metadatas"])
            for chunk_id, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                doc_id = str(meta.get("doc_id", chunk_id.split("#", 1)[0]))
                fresh = meta.get("embedder") == model_id  # vectors from another model are stale
                digest, ids = stored.get(doc_id, (str(meta.get("file_hash", "")) if fresh else "", []))
                stored[doc_id] = (digest, [*ids, chunk_id])
        return stored

    def ingest(self, docs: Iterable[KnowledgeDoc],
               progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Bring the store in line with `docs`: add new, re-embed changed, delete removed."""
        started = time.perf_counter()
        report = IngestReport()
        wanted = {d.id: d for d in docs}
        with self._reading():
            stored = self.stored_docs()
        model_id = self.embedder.model_id
        stale: list[str] = []
        to_write: list[list[Chunk]] = []
        for doc_id, doc in wanted.items():
            if doc_id not in stored:
                report.added += 1
            elif stored[doc_id][0] != doc.content_hash:
                report.updated += 1
                stale += stored[doc_id][1]
            else:
                report.unchanged += 1
                continue
            to_write.append(chunks_of(doc))
        for doc_id, (_, ids) in stored.items():
            if doc_id not in wanted:
                report.removed += 1
                report.removed_ids.append(doc_id)
                stale += ids
        if stale:
            for part in self.parts.values():
                part.delete(ids=stale)
        total, done = sum(len(c) for c in to_write), 0
        for batch in whole_docs(to_write, ADD_BATCH):
            vectors = embed_chunks(self.embedder, batch)
            for chunk in batch:
                chunk.metadata["embedder"] = model_id
            for part in PARTITIONS:
                picked = [i for i, c in enumerate(batch)
                          if partition_of(str(c.metadata["kind"]), str(c.metadata["section"])) == part]
                if picked:
                    self.parts[part].upsert(
                        ids=[batch[i].id for i in picked], embeddings=[vectors[i] for i in picked],
                        documents=[batch[i].text for i in picked], metadatas=[batch[i].metadata for i in picked])
            done += len(batch)
            if progress:
                progress(done, total)
        report.chunks_written = total
        report.seconds = time.perf_counter() - started
        return report

    def embed_query(self, text: str) -> list[float]:
        """The query vector for `text`; pass it as `vector=` to run several searches for one embedding."""
        return self.embedder.embed([text])[0].tolist()

    def search(self, text: str = "", *, vector: Sequence[float] | None = None, kind: str | None = None,
               title: str | None = None, sections: Sequence[str] | None = None, offering: str | None = None,
               industry: str | None = None, k: int = 5) -> list[Hit]:
        """The `k` chunks closest in meaning to `text` (or to `vector`), filtered by metadata."""
        query = list(vector) if vector is not None else self.embed_query(text)
        return self.search_many([query], kind=kind, title=title, sections=sections, offering=offering,
                                industry=industry, k=k)[0]

    def search_many(self, vectors: Sequence[Sequence[float]], *, kind: str | None = None, title: str | None = None,
                    sections: Sequence[str] | None = None, offering: str | None = None,
                    industry: str | None = None, k: int = 5) -> list[list[Hit]]:
        """`search` for several vectors in one round per collection: a 40-turn transcript costs
        one query per collection instead of forty (measured 4 ms against 60 ms)."""
        if not vectors:
            return []
        found: list[list[tuple[float, str, str, dict]]] = [[] for _ in vectors]
        for part in partitions_for(kind, sections):
            # within a partition only `section` can still need filtering (value/other hold several)
            wanted = [s for s in sections or () if partition_of(kind or "value_proposition", s) == part]
            spread = part in ("value", "other") and wanted and set(wanted) != _sections_in(part)
            where = _where(title, wanted if spread else None, offering, industry)
            with self._reading():
                got = self.parts[part].query(query_embeddings=[list(v) for v in vectors], n_results=k,
                                                         where=where,
                                   include=["documents", "metadatas", "distances"])
            for i, (ids, docs, metas, dists) in enumerate(zip(got["ids"], got["documents"], got["metadatas"],
                                                              got["distances"], strict=True)):
                # a chunk deleted a moment ago (another process re-ingested) can still come back from the index,
                # without its text and metadata: it is gone, so it is not a hit
                found[i] += [(float(d), cid, doc, meta) for cid, doc, meta, d in zip(ids, docs, metas, dists,
                                                                                     strict=True)
                             if meta is not None and doc is not None]
        return [[_hit(cid, doc, meta, distance) for distance, cid, doc, meta in sorted(rows, key=lambda r: r[0])[:k]]
                for rows in found]

    def value_for_title(self, text: str = "", title: str = "", offering: str | None = None, k: int = 4, *,
                        vector: Sequence[float] | None = None) -> list[Hit]:
        """Goals, problems, needs and outcomes written for this buyer title."""
        return self.search(text, vector=vector, kind="value_proposition", title=title or None,
                           sections=VALUE_SECTIONS, offering=offering, k=k)

    def features(self, text: str = "", k: int = 4, *, vector: Sequence[float] | None = None) -> list[Hit]:
        """Single capability lines: the features a rep should not lead with."""
        return self.search(text, vector=vector, kind="value_proposition", sections=("capability",), k=k)

    def case_notes(self, text: str = "", title: str | None = None, industry: str | None = None, k: int = 3, *,
                   vector: Sequence[float] | None = None) -> list[Hit]:
        """Case-note sections that back a claim or fit a buyer's title and industry."""
        return self.search(text, vector=vector, kind="case_note", title=title, industry=industry, k=k)


def rank_documents(hits: Sequence[Hit]) -> list[str]:
    """Document ids in order of their best chunk."""
    ranked: list[str] = []
    for hit in sorted(hits, key=lambda h: -h.score):
        if hit.doc_id not in ranked:
            ranked.append(hit.doc_id)
    return ranked


def load_knowledge(extra_dirs: Sequence[Path] = ()) -> dict[str, KnowledgeDoc]:
    """The shipped knowledge plus extra folders, validated; ContentError lists every problem."""
    problems = ProblemList()
    docs = load_knowledge_dirs([shipped_knowledge_dir(), *extra_dirs], problems)
    problems.raise_if_any()
    return docs


def open_store(settings: Settings) -> KnowledgeIndex:
    """The store named by the settings (embedded folder, or CHROMA_HOST)."""
    return KnowledgeIndex(settings)


def current_store(settings: Settings, extra_dirs: Sequence[Path] = ()) -> KnowledgeIndex:
    """The store, filled from the shipped knowledge first if it is empty (first run, or its
    folder was deleted)."""
    store = open_store(settings)
    if store.count() == 0:
        log.warning("Filling the knowledge store in %s from the shipped knowledge (first start, or its folder "
                    "was removed); add your own folders with `coach ingest --knowledge DIR`", store.where)
        store.ingest(load_knowledge(extra_dirs).values())
    return store


def set_aside(settings: Settings) -> Path | None:
    """Move a damaged embedded store out of the way so the next ingest starts clean; returns
    where it went (kept, not deleted, in case someone wants to look at it)."""
    path = settings.data_dir / "chroma"
    if settings.chroma_host or not path.exists():
        return None
    with _clients_lock:
        _clients.pop(str(path), None)
    chromadb.api.client.SharedSystemClient.clear_system_cache()
    aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(path), str(aside))
    return aside
