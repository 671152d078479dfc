"""Knowledge files as chunks, and the chunks' vectors.

Why its own module: how a file becomes searchable pieces (one per `##` section, plus one per
capability bullet) and how those pieces are embedded is one job; the store only keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from coach.retrieval.embeddings import DIMENSIONS, MiniLMEmbedder
from coach.content.knowledge import KnowledgeDoc


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    metadata: dict[str, str | bool]


def chunks_of(doc: KnowledgeDoc) -> list[Chunk]:
    """One chunk per `##` section (the text carries the document title for context), plus
    one per `## Capabilities` bullet (section `capability`), so a pitched feature matches
    its own line rather than a diluted list."""
    chunks = []
    for section in doc.sections:
        metadata: dict[str, str | bool] = {
            "doc_id": doc.id, "kind": doc.meta.kind, "section": section.key, "heading": section.heading,
            "offering": doc.meta.offering, "industry": doc.meta.industry or "",
            "titles": ",".join(doc.meta.titles), "file_hash": doc.content_hash, "source": str(doc.path),
        }
        metadata.update({f"title_{t}": True for t in doc.meta.titles})
        chunks.append(Chunk(f"{doc.id}#{section.key}", f"{doc.title} — {section.heading}\n{section.text}", metadata))
        if section.key == "capabilities":
            bullets = [line[2:].strip() for line in section.text.splitlines() if line.startswith(("- ", "* "))]
            for number, bullet in enumerate(bullets, 1):
                chunks.append(Chunk(f"{doc.id}#capability-{number}", bullet, metadata | {"section": "capability"}))
    return chunks


def whole_docs(per_doc: list[list[Chunk]], size: int) -> Iterable[list[Chunk]]:
    """Rounds of about `size` chunks that never split a document (see `embed_chunks`)."""
    batch: list[Chunk] = []
    for chunks in per_doc:
        batch += chunks
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def embed_chunks(embedder: MiniLMEmbedder, chunks: Sequence[Chunk]) -> np.ndarray:
    """Vectors for chunks. A `## Capabilities` section that has bullet chunks gets the
    normalised mean of their vectors instead of its own pass through the model: the bullets
    are embedded anyway, and the section is only their list (saves ~9% of ingest)."""
    parts_of: dict[int, list[int]] = {}
    for i, chunk in enumerate(chunks):
        if chunk.metadata["section"] != "capabilities":
            continue
        j = i + 1
        while (j < len(chunks) and chunks[j].metadata["section"] == "capability"
               and chunks[j].metadata["doc_id"] == chunk.metadata["doc_id"]):
            j += 1
        if j > i + 1:
            parts_of[i] = list(range(i + 1, j))
    direct = [i for i in range(len(chunks)) if i not in parts_of]
    vectors = np.zeros((len(chunks), DIMENSIONS), dtype=np.float32)
    vectors[direct] = embedder.embed([chunks[i].text for i in direct])
    for i, parts in parts_of.items():
        mean = vectors[parts].mean(axis=0)
        vectors[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return vectors
