"""Benchmark of grading. Prints numbers; asserts nothing.

1. Grading a finished 40-turn call whose turns are already analysed (what the app does at
   "end call"): p50/p95 over repeated runs. Goal < 200 ms.
2. Grading a 40-turn transcript file from scratch (`coach grade`): every rep line is analysed
   (sentence acts, knowledge search, follow-up on the buyer's words) and every buyer line read
   for the outcome. Each run's rep and buyer lines are new words (a run number is woven in), so
   no embedding is remembered from an earlier run; the persona's own statements are, as in any
   process that grades more than one call.
3. The same, as the first grading in a fresh process (`coach grade FILE`): model load and the
   buyer's statements included.

    .venv/bin/python bench/grade.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coach.call import policy
from coach.config import Settings, apply_offline_environment
from coach.content.catalog import load_content
from coach.grading.grade import grade_call
from coach.retrieval.index import current_store
from coach.call.engine import Call
from coach.call.simulate import TranscriptFile, grade_transcript

LINES = [
    "Thanks for making time. Is 30 minutes still right for you?",
    "What would make this quarter a good one for you?",
    "How far off has your cash forecast been against actuals?",
    "Our platform has an AI engine and a REST API for your ERP.",
    "Who owns the forecast today, and how is it put together?",
    "A pump manufacturer we worked with took forecast accuracy from 71% to 94% in two quarters.",
    "What would a forecast the lenders trust be worth to you?",
    "Where do approvals get stuck in your AP process?",
]


def forty_turn_call(content, store) -> Call:  # noqa: ANN001
    """A 40-turn call; when the buyer would end it, the clock and state restart so it goes on."""
    call = Call(content.personas["cfo_meridian"], content, store, seed=1)
    call.opening()
    for i in range(40):
        if call.ended:
            speaker = call._speaker
            speaker.state = policy.start(speaker.persona, call.buyer_rules, speaker.state.elapsed_s % 600)
            call.outcome = "open"
        call.take_turn(LINES[i % len(LINES)] + ("" if i < len(LINES) else f" (take {i})"))
    return call


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    apply_offline_environment()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp) / "data")
        content = load_content()
        store = current_store(settings)
        store.ingest(content.knowledge.values())
        call = forty_turn_call(content, store)
        grade_call(call)  # warm caches
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            grade_call(call)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"grade a finished {len(call.turns)}-turn call    {percentiles(timings)}  (goal p95 < 200 ms)")
        grader = content.personas["cfo_meridian"]
        grade_transcript(transcript_of(call, -1), Call(grader, content, store, reveals=False))  # warm: buyer reader
        timings = []
        for run in range(max(5, args.runs // 3)):
            transcript = transcript_of(call, run)
            started = time.perf_counter()
            card = grade_transcript(transcript, Call(grader, content, store, reveals=False))
            timings.append((time.perf_counter() - started) * 1000)
        replayed = len(transcript.turns) // 2 - (card.metrics.rep_turns_after_end or 0)
        print(f"grade a 40-turn transcript file   {percentiles(timings)}  (goal p95 < 150 ms; "
              f"{replayed} rep turns before the call ended, the rest after)")
        print(f"first grading in a fresh process  {first_grading(settings, transcript_of(call, 10_000))}")


def transcript_of(call: Call, run: int) -> TranscriptFile:
    """The call as a transcript file whose rep lines no earlier run has seen."""
    turns = []
    for t in call.turns:
        turns += [{"speaker": "rep", "text": f"{t.rep.rstrip('?.')} (run {run})" + ("?" if t.rep.endswith("?") else ".")},
                  {"speaker": "buyer", "text": f"{t.buyer} (run {run})"}]
    return TranscriptFile(persona="cfo_meridian", turns=turns)


def first_grading(settings: Settings, transcript: TranscriptFile) -> str:
    """`coach grade FILE` as a user runs it: a new process that loads content, the embedding
    model and the store before it grades."""
    path = settings.data_dir / "bench-transcript.json"
    path.write_text(transcript.model_dump_json(), encoding="utf-8")
    env = {**os.environ, "COACH_DATA_DIR": str(settings.data_dir), "COACH_LLM": "none"}
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("coach")), "grade", str(path), "--json"], env=env,
                       check=True, capture_output=True)
        timings.append((time.perf_counter() - started) * 1000)
    return (f"`coach grade FILE` wall time p50 {statistics.median(timings):7.1f} ms (3 runs, process start included; "
            "goal < 1500 ms)")


if __name__ == "__main__":
    main()
