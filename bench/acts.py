"""Benchmark of the dialogue-act classifiers. Prints numbers; asserts nothing.

Build time from the banks (embedding every training sentence and fitting, in an empty cache),
load time from the cache, and the time to read one rep turn's sentences (p50/p95).

    .venv/bin/python bench/acts.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from coach.acts.reader import ActReader
from coach.call import lexicon
from coach.config import apply_offline_environment
from coach.retrieval.embeddings import MiniLMEmbedder

TURN = ("Thanks for making time, Dana. Before anything about us: how far off has your cash forecast been? "
        "A pump manufacturer we worked with took accuracy from 71% to 94% in two quarters. "
        "Could we book thirty minutes next week with you and your controller?")


def main() -> None:
    apply_offline_environment()
    readers = {}
    with tempfile.TemporaryDirectory() as cache:
        for side in ("rep", "buyer"):
            embedder = MiniLMEmbedder()  # a fresh one: nothing embedded yet
            reader = ActReader(side, embedder, cache_dir=Path(cache))  # type: ignore[arg-type]
            started = time.perf_counter()
            reader.models()
            build = time.perf_counter() - started
            again = ActReader(side, embedder, cache_dir=Path(cache))  # type: ignore[arg-type]
            started = time.perf_counter()
            again.models()
            load = time.perf_counter() - started
            readers[side] = again
            print(f"{side}: built from {len(reader.training_examples())} sentences in {build:.1f} s; "
                  f"loaded from the cache in {1000 * load:.0f} ms")
        sentences = lexicon.sentences(TURN)
        timings = []
        for n in range(60):
            fresh = [f"{s} ({n})" for s in sentences]  # new text each time: no embedding cache hit
            started = time.perf_counter()
            readers["rep"].read(fresh)
            timings.append(1000 * (time.perf_counter() - started))
        timings.sort()
        print(f"reading one {len(sentences)}-sentence turn (embedding included): p50 {statistics.median(timings):.1f} ms, "
              f"p95 {timings[int(0.95 * len(timings)) - 1]:.1f} ms")


if __name__ == "__main__":
    main()
