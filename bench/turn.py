"""Benchmark of one buyer turn. Prints numbers; asserts nothing.

Without the model: analysis + retrieval + policy + voice composition + prompt building,
p50/p95 over a 40-turn call, and the prompt tokens the model would get per turn (turns 2-40).
With the embedded model: time to the first buyer word and to the full turn.

    .venv/bin/python bench/turn.py [--model-turns 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from coach.call import policy
from coach.config import Settings, apply_offline_environment
from coach.content.catalog import load_content
from coach.call.model_voice import load_guard_rules, prompt_for
from coach.llm.tokens import count_messages
from coach.retrieval.index import current_store
from coach.call.engine import Call

LINES = [
    "Thanks for making time. Is 30 minutes still right for you?",
    "What would make this quarter a good one for you?",
    "How far off has your cash forecast been against actuals?",
    "What has that cost you on the revolver this year?",
    "Who owns the forecast today, and how is it put together?",
    "A pump manufacturer we worked with took forecast accuracy from 71% to 94% in two quarters.",
    "What would a forecast the lenders trust be worth to you?",
    "Where do approvals get stuck in your AP process?",
]



def without_model(call: Call, turns: int) -> tuple[list[float], list[int]]:
    timings, tokens = [], []
    guard = load_guard_rules()
    call.opening()
    for i in range(turns):
        text = LINES[i % len(LINES)] + ("" if i < len(LINES) else f" (take {i})")
        started = time.perf_counter()
        if call.ended:  # keep a long call going: a fresh buyer state, same call history
            speaker = call._speaker
            speaker.state = policy.start(speaker.persona, call.buyer_rules, speaker.state.elapsed_s % 600)
            call.outcome = "open"
        turn = call.take_turn(text)
        persona = call.current_persona
        known = [hit.text for hit in call.store.value_for_title(text, persona.title_key, k=2)]
        messages = prompt_for(persona, turn.move, turn.reason, turn.buyer, call._history(text), guard,
                              knowledge=known)
        timings.append((time.perf_counter() - started) * 1000)
        tokens.append(count_messages(messages, "gpt-4o"))
    return timings, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--model-turns", type=int, default=5)
    args = parser.parse_args()
    apply_offline_environment()
    content = load_content()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))
        store = current_store(settings)
        persona = content.personas["coo_halvorsen"]
        timings, tokens = without_model(Call(persona, content, store, seed=1), args.turns)
        warm = timings[1:]  # the first turn loads the embedder and the store
        print(f"turn without model   p50 {statistics.median(warm):6.1f} ms  p95 "
              f"{statistics.quantiles(warm, n=20, method='inclusive')[18]:6.1f} ms  over turns 2..{len(timings)} "
              f"(first turn {timings[0]:.1f} ms)")
        later = tokens[1:]
        mean = statistics.mean(later)
        print(f"prompt tokens 2..{len(tokens)}   min {min(later)}  max {max(later)}  mean {mean:.0f}  "
              f"deviation from mean {100 * (min(later) - mean) / mean:+.1f}% / {100 * (max(later) - mean) / mean:+.1f}%")
        if args.model_turns:
            from coach.llm import create_backend

            backend = create_backend(settings.model_copy(update={"llm": "local"}))
            backend.complete([{"role": "user", "content": "warm up"}])
            # the default (the embedded model configured, its voice off), then its opt-in voice
            for voiced, label in ((False, "default, composed voice"), (True, "COACH_LOCAL_VOICE=1")):
                call = Call(persona, content, store, llm=backend, seed=1, local_voice=voiced)
                call.opening()
                first, full = [], []
                for text in LINES[1:1 + args.model_turns]:
                    if call.ended:
                        break
                    started = time.perf_counter()
                    reply = call.stream_turn(text)
                    for _ in reply:
                        if len(first) == len(full):
                            first.append(time.perf_counter() - started)
                    full.append(time.perf_counter() - started)
                accepted = f"; model lines accepted {call.voice.accepted}/{call.voice.asked}" if call.voice else ""
                print(f"embedded model, {label}: first buyer words p50 {statistics.median(first):.2f} s "
                      f"max {max(first):.2f} s; full turn p50 {statistics.median(full):.2f} s  "
                      f"max {max(full):.2f} s{accepted}")


if __name__ == "__main__":
    main()
