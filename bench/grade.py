"""Benchmark of grading. Prints numbers; asserts nothing.

1. Grading a finished 40-turn call whose turns are already analysed (what the app does at
   "end call"): p50/p95 over repeated runs. Goal < 200 ms.
2. Grading a 40-turn transcript file from scratch (`coach grade`): every rep line is replayed
   through the buyer first, so this includes 40 turn analyses.

    .venv/bin/python bench/grade.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from coach import buyer as policy
from coach.config import Settings, apply_offline_environment
from coach.content import load_content
from coach.grader import grade_call
from coach.retrieval import current_store
from coach.session import Call
from coach.simulate import TranscriptFile, grade_transcript

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
        turns = []
        for t in call.turns:
            turns += [{"speaker": "rep", "text": t.rep}, {"speaker": "buyer", "text": t.buyer}]
        transcript = TranscriptFile(persona="cfo_meridian", turns=turns)
        timings = []
        for _ in range(max(3, args.runs // 6)):
            started = time.perf_counter()
            card = grade_transcript(transcript, Call(content.personas["cfo_meridian"], content, store))
            timings.append((time.perf_counter() - started) * 1000)
        replayed = len(turns) // 2 - card.metrics.get("rep_turns_after_end", 0)
        print(f"grade a 40-turn transcript file   {percentiles(timings)}  "
              f"(replays {replayed} rep turns through the buyer; the rest came after the call ended)")


if __name__ == "__main__":
    main()
