"""Benchmark of the knowledge store. Prints numbers; asserts nothing.

Ingest of the shipped knowledge and of N generated files (time, chunks/s), no-op
re-ingest time, and query latency p50/p95 for each query kind.

    .venv/bin/python bench/retrieval.py [--files 1000] [--queries 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from coach.config import Settings, apply_offline_environment
from coach.content.catalog import shipped_knowledge_dir
from coach.content.knowledge import knowledge_files
from coach.retrieval.index import KnowledgeIndex, load_knowledge

QUERIES = {
    "value_for_title": lambda s, q: s.value_for_title(q, "cfo"),
    "features": lambda s, q: s.features(q),
    "case_notes": lambda s, q: s.case_notes(q, title="coo"),
}
PHRASES = ["our cash forecast is never right", "technicians finish three jobs a day", "quotes take nine days",
           "the board wants margin", "we missed two quarters", "too many tools for IT to run",
           "renewals keep slipping", "late payment penalties", "route optimization and a mobile app",
           "REST API and SSO integration", "billing disputes with customers", "install backlog of six weeks"]


def generate(target: Path, count: int, seed: int = 7) -> None:
    """`count` knowledge files shaped like the shipped ones: same sections, shuffled lines, new ids."""
    rng = random.Random(seed)
    sources = [p.read_text(encoding="utf-8") for p in knowledge_files(shipped_knowledge_dir())]
    target.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        text = rng.choice(sources)
        head, body = text.split("\n---\n", 1)
        old_id = next(line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("id:"))
        new_id = f"{old_id}-gen{n:04d}"
        lines = body.splitlines()
        bullets = [i for i, line in enumerate(lines) if line.startswith("- ")]
        shuffled = [lines[i] for i in bullets]
        rng.shuffle(shuffled)
        for i, line in zip(bullets, shuffled, strict=True):
            lines[i] = line
        body = "\n".join(lines)
        (target / f"{new_id}.md").write_text(head.replace(old_id, new_id, 1) + "\n---\n" + body + "\n",
                                             encoding="utf-8")


def timed_ingest(store: KnowledgeIndex, extra: list[Path]) -> tuple[float, int, int]:
    docs = load_knowledge(extra)
    started = time.perf_counter()
    report = store.ingest(docs.values())
    return time.perf_counter() - started, report.chunks_written, len(docs)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    apply_offline_environment()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = KnowledgeIndex(Settings(_env_file=None, data_dir=root / "data"))
        seconds, chunks, files = timed_ingest(store, [])
        print(f"ingest shipped           {files:5d} files {chunks:6d} chunks {seconds:8.2f} s "
              f"{chunks / seconds:8.1f} chunks/s")
        seconds, _, _ = timed_ingest(store, [])
        print(f"no-op re-ingest shipped  {seconds:8.3f} s")
        generate(root / "generated", args.files)
        started = time.perf_counter()
        seconds, chunks, files = timed_ingest(store, [root / "generated"])
        print(f"ingest +{args.files} generated   {files:5d} files {chunks:6d} chunks {seconds:8.2f} s "
              f"{chunks / seconds:8.1f} chunks/s (validation {time.perf_counter() - started - seconds:.2f} s)")
        started = time.perf_counter()
        seconds, _, _ = timed_ingest(store, [root / "generated"])
        print(f"no-op re-ingest all      {seconds:8.3f} s (with validation {time.perf_counter() - started:.3f} s)")
        for name, query in QUERIES.items():
            query(store, "warm up")
            latencies = []
            for i in range(args.queries):
                started = time.perf_counter()
                query(store, PHRASES[i % len(PHRASES)] + f" {i}")
                latencies.append((time.perf_counter() - started) * 1000)
            print(f"query {name:18s} p50 {statistics.median(latencies):6.1f} ms  p95 {statistics.quantiles(latencies, n=20, method='inclusive')[18]:6.1f} ms "
                  f"over {store.count()} chunks")


if __name__ == "__main__":
    main()
