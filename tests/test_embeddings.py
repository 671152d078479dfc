"""The embedder: the fast integer-MatMul model, derived from the packaged one, deterministic."""

from __future__ import annotations

import numpy as np

from coach.retrieval.embedder_model import RECIPE, runtime_model_file
from coach.retrieval.embeddings import MiniLMEmbedder
from coach.retrieval.embeddings import shared_embedder

TEXTS = ["Our cash forecast is never right.", "Technicians finish three jobs a day, and the backlog is six weeks.",
         "REST API and SSO integration", "What would make this quarter a good one for you?"]


def test_a_text_gets_the_same_vector_whatever_it_is_embedded_with():
    embedder = shared_embedder()
    together = embedder.embed(TEXTS)
    alone = np.vstack([embedder.embed([t]) for t in TEXTS])
    assert np.array_equal(together, alone)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_the_derived_model_is_in_use_and_stays_close_to_the_packaged_one():
    model = runtime_model_file()
    assert RECIPE in model.path.name, "the fast model was not built; run `coach setup`"
    fast = shared_embedder()
    assert fast.model_id == model.path.stem

    class Packaged(MiniLMEmbedder):  # the packaged file, unmodified
        def _load(self) -> None:
            from coach.runtime.assets import embedder_model_file
            self._model = embedder_model_file()
            super()._load()

    packaged = Packaged()
    cosine = (fast.embed(TEXTS) * packaged.embed(TEXTS)).sum(axis=1)
    assert cosine.min() > 0.97, cosine


def test_meaning_survives_quantization():
    embedder = shared_embedder()
    cash, late, api = embedder.embed(["Our cash forecast is never right.", "We never know how much cash we will have.",
                                      "REST API and SSO integration"])
    assert cash @ late > cash @ api + 0.2


def test_remembered_vectors_are_the_model_s_own_and_the_memory_is_bounded(monkeypatch):
    from coach.retrieval import embeddings

    monkeypatch.setattr(embeddings, "CACHE_SIZE", 3)
    embedder = MiniLMEmbedder(threads=2)
    first = embedder.embed(TEXTS + TEXTS[:1])  # a repeated text in one call is embedded once
    assert np.array_equal(first[0], first[-1])
    assert len(embedder._cache) == 3
    again = embedder.embed(TEXTS)
    fresh = MiniLMEmbedder(threads=1).embed(TEXTS)
    assert np.array_equal(again, fresh)
    again[0][:] = 0  # a caller changing its copy does not change what is remembered
    assert np.array_equal(embedder.embed(TEXTS[-1:])[0], fresh[-1])
