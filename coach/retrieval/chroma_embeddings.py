"""The offline MiniLM embedder as LangChain and Chroma see it.

Why its own module: the knowledge store needs the embedder twice, as a LangChain
`Embeddings` for the vector-store wrapper and as a registered Chroma embedding function so a
stored collection reopens without a download; one process-wide embedder serves both.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from coach.retrieval.embeddings import MiniLMEmbedder


@lru_cache(maxsize=1)
def shared_embedder() -> MiniLMEmbedder:
    """One embedder per process (the ONNX session is thread-safe)."""
    return MiniLMEmbedder()


class MiniLMEmbeddings(Embeddings):
    """The offline embedder as a LangChain `Embeddings`."""

    def __init__(self, embedder: MiniLMEmbedder | None = None) -> None:
        self.embedder = embedder or shared_embedder()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()


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
