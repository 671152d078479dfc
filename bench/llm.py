"""Benchmark of the model boundary. Prints numbers; asserts nothing.

Local backend: cold start (spawn to healthy), time to first token, tokens per second,
resident memory of the server process and of this process. Replay backend: calls per second.

    .venv/bin/python bench/llm.py [--runs 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from coach.runtime.assets import local_model_file
from coach.config import apply_offline_environment
from coach.llm import GenerationParams, RecordingBackend, RecordingStore, ReplayBackend, ScriptedBackend
from coach.llm.local import LocalBackend, LocalServer, ServerSpec

PROMPT = [{"role": "system", "content": "You are Dana Okafor, CFO of a hospital group. Be brief."},
          {"role": "user", "content": "What would make this quarter a good one for you?"}]


def rss_mb(pid: int | None = None) -> float:
    """Resident set size in MB of a process (this one by default)."""
    path = Path(f"/proc/{pid or 'self'}/status")
    for line in path.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_local(runs: int, threads: int) -> dict[str, float]:
    server = LocalServer(ServerSpec(local_model_file().path, ctx=2048, threads=threads))
    started = time.perf_counter()
    server.address()
    cold = time.perf_counter() - started
    backend = LocalBackend("smollm2-135m-instruct", server=server)
    first_tokens, rates = [], []
    for run in range(runs):
        reply = backend.stream(PROMPT, GenerationParams(temperature=0.7, max_tokens=128, seed=run))
        reply.text()
        result = reply.result
        assert result is not None and result.first_token_seconds is not None
        first_tokens.append(result.first_token_seconds)
        generating = result.seconds - result.first_token_seconds
        if result.usage.completion_tokens > 1 and generating > 0:
            rates.append((result.usage.completion_tokens - 1) / generating)
    numbers = {
        "cold_start_s": cold,
        "first_token_s_median": statistics.median(first_tokens),
        "tokens_per_s_median": statistics.median(rates) if rates else float("nan"),
        "server_rss_mb": rss_mb(server.process.pid) if server.process else float("nan"),
        "client_rss_mb": rss_mb(),
        "client_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    server.stop()
    return numbers


def bench_replay(calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = RecordingStore(Path(tmp) / "rec.jsonl")
        prompts = [[{"role": "user", "content": f"question {i}"}] for i in range(200)]
        recorder = RecordingBackend(ScriptedBackend(["A short recorded answer about margin."] * 200), store)
        for prompt in prompts:
            recorder.complete(prompt)
        replay = ReplayBackend(RecordingStore(Path(tmp) / "rec.jsonl"))
        started = time.perf_counter()
        for i in range(calls):
            replay.complete(prompts[i % len(prompts)])
        elapsed = time.perf_counter() - started
    return {"replay_calls_per_s": calls / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--replay-calls", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    apply_offline_environment()
    numbers = bench_local(args.runs, args.threads) | bench_replay(args.replay_calls)
    if args.json:
        print(json.dumps(numbers))
        return
    for name, value in numbers.items():
        print(f"{name:24s} {value:10.3f}")


if __name__ == "__main__":
    main()
