"""The act classifier: logistic regression over a sentence's embedding and its words.

Why this shape: the embedding carries meaning (plain phrasing nobody listed), hashed word
n-grams carry the exact cues the embedding blurs ("with you", a question mark); a linear
model over both is deterministic, fast (well under a millisecond a sentence) and small enough
to cache as plain arrays (no pickle). The weights are learned from the training split only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from pydantic import BaseModel, ConfigDict, Field

WORD_FEATURES = 2 ** 15


class ModelSettings(BaseModel):
    """How the classifier is built (chosen on the dev split; `coach/data/acts.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    regularisation: float = Field(gt=0)   # LogisticRegression's C
    word_weight: float = Field(ge=0)      # scale of the word n-gram block against the embedding block
    class_weight: str | None = None       # "balanced" or none


def word_features(texts: Sequence[str]) -> sparse.csr_matrix:
    """Hashed word unigrams and bigrams plus the question mark, L2-normalised (stateless, sparse)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(n_features=WORD_FEATURES, ngram_range=(1, 2), alternate_sign=False,
                                   norm="l2", token_pattern=r"(?u)\b\w+\b|\?", dtype=np.float32)
    return vectorizer.transform(list(texts))


def features(vectors: np.ndarray, texts: Sequence[str], settings: ModelSettings) -> sparse.csr_matrix:
    """The model's input: the sentence embedding beside its weighted word features."""
    dense = sparse.csr_matrix(vectors.astype(np.float32))
    if settings.word_weight == 0:
        return dense
    return sparse.hstack([dense, settings.word_weight * word_features(texts)], format="csr")


@dataclass(frozen=True)
class LinearModel:
    """A fitted multinomial logistic regression as plain arrays."""

    classes: tuple[str, ...]
    coef: np.ndarray        # (classes, features), or (1, features) for two classes
    intercept: np.ndarray

    def probabilities(self, x: sparse.csr_matrix | np.ndarray) -> np.ndarray:
        """Class probabilities, rows summing to one (the same arithmetic as scikit-learn's predict_proba)."""
        scores = np.asarray(x @ self.coef.T) + self.intercept
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
