"""A retrieved knowledge chunk as plain data.

Why a leaf module: the call's pure core reads hits (what the rep's turn is close to) without
importing the index, Chroma or the embedder.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its cosine similarity (1 = same meaning)."""

    id: str
    doc_id: str
    kind: str
    section: str
    offering: str
    titles: tuple[str, ...]
    industry: str
    text: str
    score: float
