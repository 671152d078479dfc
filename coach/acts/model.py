"""The act classifier: logistic regression over a sentence's embedding and its words.

Why this shape: the embedding carries meaning (plain phrasing nobody listed), hashed word
n-grams carry the exact cues the embedding blurs ("with you", a question mark); a linear
model over both is deterministic, fast (well under a millisecond a sentence) and small enough
to cache as plain arrays (no pickle). The weights are learned from the training split only,
with scikit-learn; reading needs only numpy (importing scikit-learn costs over a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import re
import zlib
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from scipy import sparse

WORD_FEATURES = 2 ** 15


class ModelSettings(BaseModel):
    """How the classifier is built (chosen on the dev split; `coach/data/acts.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    regularisation: float = Field(gt=0)   # LogisticRegression's C
    word_weight: float = Field(ge=0)      # scale of the word n-gram block against the embedding block
    class_weight: str | None = None       # "balanced" or none
    # scale of the context block (what the buyer had just said, read as buyer acts) against the rest;
    # 0: sentences are read alone
    context_weight: float = Field(0.0, ge=0)


_TOKEN = re.compile(r"(?u)\b\w+\b|\?")
FEATURIZER = "crc32-unigrams-bigrams-v1"  # part of the cache fingerprint: change it when the hashing changes


def terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A sentence's hashed word unigrams and bigrams (and its question mark), L2-normalised:
    (feature indices, weights). Stateless and cheap, so reading needs no scikit-learn import."""
    tokens = _TOKEN.findall(text.lower())
    grams = [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))]
    counts = Counter(zlib.crc32(gram.encode()) % WORD_FEATURES for gram in grams)
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    keys = np.fromiter(counts.keys(), dtype=np.int64)
    values = np.fromiter(counts.values(), dtype=np.float32)
    return keys, values / np.linalg.norm(values)


def features(vectors: np.ndarray, texts: Sequence[str], settings: ModelSettings,
             context: np.ndarray | None = None) -> sparse.csr_matrix:
    """The training input: the sentence embedding beside its weighted word features (sparse), and the
    weighted context block when the settings use one (`context`: one row per sentence, zeros when
    nothing is known of what came before)."""
    from scipy import sparse

    dense = sparse.csr_matrix(vectors.astype(np.float32))
    blocks = [dense]
    if settings.word_weight:
        blocks.append(_word_block(texts, settings.word_weight))
    if settings.context_weight and context is not None:
        blocks.append(sparse.csr_matrix(settings.context_weight * context.astype(np.float32)))
    return blocks[0] if len(blocks) == 1 else sparse.hstack(blocks, format="csr")


def _word_block(texts: Sequence[str], word_weight: float) -> sparse.csr_matrix:
    from scipy import sparse

    rows, cols, data = [], [], []
    for row, text in enumerate(texts):
        keys, values = terms(text)
        rows += [row] * len(keys)
        cols += keys.tolist()
        data += (word_weight * values).tolist()
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), WORD_FEATURES), dtype=np.float32)


@dataclass(frozen=True)
class LinearModel:
    """A fitted multinomial logistic regression as plain arrays."""

    classes: tuple[str, ...]
    coef: np.ndarray        # (classes, features), or (1, features) for two classes
    intercept: np.ndarray

    def probabilities(self, x: sparse.csr_matrix | np.ndarray) -> np.ndarray:
        """Class probabilities for a feature matrix (the same arithmetic as scikit-learn's predict_proba)."""
        return self._softmax(np.asarray(x @ self.coef.T) + self.intercept)

    def read(self, vectors: np.ndarray, texts: Sequence[str], word_weight: float,
             context: np.ndarray | None = None, context_weight: float = 0.0,
             words: Sequence[tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
        """Class probabilities straight from embeddings and text, without building the sparse matrix
        (the same layout as `features`: embedding, then word features, then the context block);
        `words`: each text's `terms`, when the caller reads the same texts with several models."""
        dims = vectors.shape[1]
        scores = vectors.astype(np.float32) @ self.coef[:, :dims].T + self.intercept
        words_at = dims
        if word_weight:
            for row, text in enumerate(texts):
                keys, values = words[row] if words is not None else terms(text)
                if len(keys):
                    scores[row] += word_weight * (self.coef[:, words_at + keys] @ values)
        context_at = words_at + (WORD_FEATURES if word_weight else 0)
        if context_weight and context is not None and self.coef.shape[1] > context_at:
            scores += context_weight * (context.astype(np.float32) @ self.coef[:, context_at:].T)
        return self._softmax(scores)

    def _softmax(self, scores: np.ndarray) -> np.ndarray:
        if len(self.classes) == 2 and scores.shape[1] == 1:
            positive = 1 / (1 + np.exp(-scores[:, 0]))
            return np.stack([1 - positive, positive], axis=1)
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


def fit(x: sparse.csr_matrix, labels: Sequence[str], settings: ModelSettings) -> LinearModel:
    """Fit on the training split (Newton-CG: deterministic, and fast on sparse word features)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=settings.regularisation, max_iter=3000, class_weight=settings.class_weight,
                               solver="newton-cg")
    model.fit(x, list(labels))
    return LinearModel(classes=tuple(str(c) for c in model.classes_), coef=model.coef_.astype(np.float32),
                       intercept=model.intercept_.astype(np.float32))


def save(path: Path, models: dict[str, LinearModel]) -> None:
    """Write models as arrays (no pickle), atomically so a reader never sees half a file."""
    arrays: dict[str, np.ndarray] = {}
    for name, model in models.items():
        arrays[f"{name}.classes"] = np.array(model.classes)
        arrays[f"{name}.coef"] = model.coef
        arrays[f"{name}.intercept"] = model.intercept
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{np.random.default_rng().integers(1 << 30)}.partial.npz")
    np.savez_compressed(partial, **arrays)
    partial.replace(path)


def load(path: Path) -> dict[str, LinearModel]:
    """Models saved by `save`; raises OSError or ValueError when the file is unreadable."""
    with np.load(path, allow_pickle=False) as data:
        names = {key.split(".")[0] for key in data.files}
        return {name: LinearModel(classes=tuple(str(c) for c in data[f"{name}.classes"]),
                                  coef=data[f"{name}.coef"], intercept=data[f"{name}.intercept"])
                for name in names}
