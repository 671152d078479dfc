"""The offline MiniLM embedder as Chroma sees it, and the one embedder a process shares.

Why its own module: a stored collection must reopen without a download, so the embedder is
registered with Chroma as a named embedding function; the index, the turn signals and the
guard all use the same process-wide embedder.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function

from coach.retrieval.embeddings import shared_embedder


@register_embedding_function
class ChromaMiniLM(EmbeddingFunction[Documents]):
    """The offline embedder registered with Chroma, so a stored collection reopens without a download."""

    def __init__(self) -> None:
        self.embedder = shared_embedder()

    def __call__(self, input: Documents) -> ChromaEmbeddings:  # noqa: A002 - Chroma's signature
        return list(self.embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "coach-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaMiniLM:
        return ChromaMiniLM()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]
