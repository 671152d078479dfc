"""Sentence embeddings with the int8 MiniLM ONNX model: offline, no torch, no download.

Why: retrieval and the voice guard need embeddings on a laptop with no network. The
model and tokenizer ship in packages; this module mean-pools and L2-normalises.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from coach.assets import Asset, embedder_tokenizer_file
from coach.embedder_model import runtime_model_file

MAX_TOKENS = 128  # the packaged tokenizer's own limit; longer text costs time for little gain
DIMENSIONS = 384
# One text per model run. The integer-MatMul model quantizes activations per tensor, so a
# text's vector would otherwise depend on the texts batched with it (cosine down to 0.983):
# alone, every text always gets the same vector, which the buyer's determinism needs.
BATCH = 1


class MiniLMEmbedder:
    """Loads lazily, thread-safe; `embed` returns unit-length 384-d vectors."""

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._model: Asset | None = None
        self._lock = threading.Lock()

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
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if self._model is None:
            self._model = runtime_model_file()
        self._session = onnxruntime.InferenceSession(
            str(self._model.path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts, shape (len(texts), 384), each of unit length."""
        with self._lock:
            if self._session is None:
                self._load()
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        ordered = [texts[i] or " " for i in order]
        out = []
        for start in range(0, len(ordered), BATCH):
            batch = self._tokenizer.encode_batch(ordered[start:start + BATCH])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(["last_hidden_state"], feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append(pooled / np.clip(norms, 1e-12, None))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        vectors[order] = np.vstack(out)
        return vectors
