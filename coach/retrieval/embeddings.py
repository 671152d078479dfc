"""Sentence embeddings with the int8 MiniLM ONNX model: offline, no torch, no download.

Why: retrieval and the voice guard need embeddings on a laptop with no network. The
model and tokenizer ship in packages; this module mean-pools and L2-normalises.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from collections.abc import Sequence

import numpy as np

from coach.runtime.assets import Asset, embedder_tokenizer_file
from coach.retrieval.embedder_model import runtime_model_file

MAX_TOKENS = 128  # the packaged tokenizer's own limit; longer text costs time for little gain
DIMENSIONS = 384
# One text per model run: the integer-MatMul model quantizes activations per tensor, so a
# text's vector would otherwise depend on the texts batched with it (cosine down to 0.983):
# alone, every text always gets the same vector, which the buyer's determinism needs.
# Because a text's vector never depends on its neighbours, vectors can be remembered: persona
# statements, buyer lines and repeated rep lines are embedded once per process. Sized for every shipped
# buyer's statements, phrasings and hidden-fact questions (about 4,000 texts) plus the calls in progress.
CACHE_SIZE = 16384


class MiniLMEmbedder:
    """Loads lazily, thread-safe; `embed` returns unit-length 384-d vectors.

    `threads` texts are embedded at once, each model run on one thread: for sentences of a
    few dozen tokens, splitting one run across threads was slower than one thread (3.6 against
    2.1 ms a text, measured), and the vectors are identical either way.
    """

    def __init__(self, threads: int = 2) -> None:
        self.threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._session = None
        self._tokenizer = None
        self._model: Asset | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Names the model file in use, so stored vectors from another model are re-embedded."""
        with self._lock:
            if self._model is None:
                self._model = runtime_model_file()
        return self._model.path.stem

    def _load(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(embedder_tokenizer_file().path))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()  # the packaged file pads to 128 tokens; one text per run needs none
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if self._model is None:
            self._model = runtime_model_file()
        self._session = onnxruntime.InferenceSession(
            str(self._model.path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts, shape (len(texts), 384), each of unit length."""
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for i, text in enumerate(texts):
                known = self._cache.get(text)
                if known is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    vectors[i] = known
        if missing:
            fresh = self._run(list(missing))
            with self._cache_lock:
                for (text, places), vector in zip(missing.items(), fresh, strict=True):
                    vectors[places] = vector
                    self._cache[text] = vector.copy()
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return vectors

    def _run(self, texts: list[str]) -> np.ndarray:
        """The model itself, one text per run, `threads` runs at a time."""
        with self._lock:
            if self._session is None:
                self._load()
            if self._pool is None and self.threads > 1:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="coach-embed")
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        if self._pool is None or len(texts) == 1:
            return np.vstack([self._one(text) for text in texts])
        return np.vstack(list(self._pool.map(self._one, texts)))

    def _one(self, text: str) -> np.ndarray:
        encoded = self._tokenizer.encode(text or " ")
        ids = np.array([encoded.ids], dtype=np.int64)
        mask = np.array([encoded.attention_mask], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))[0]


@lru_cache(maxsize=1)
def shared_embedder() -> MiniLMEmbedder:
    """One embedder per process (the ONNX session is thread-safe); it needs no vector store."""
    return MiniLMEmbedder()
