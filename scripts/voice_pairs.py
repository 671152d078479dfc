"""Make the (composed line, rephrased line) pairs on which the embedded model's voice is judged.

Plays the eval cases with no model to collect the buyer's composed lines (every move, every shipped
executive and delegate), asks the embedded model to rephrase each one exactly as a call would, and
writes `evals/voice-pairs/pairs.yaml` (id, persona, move, composed, rephrased). What the guard
thinks of each pair is not written: people judge the pairs without knowing it
(`evals/voice-pairs/labels.yaml`), and `scripts/voice_verdict.py` joins the two.

    .venv/bin/python scripts/voice_pairs.py [--limit 120]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

from coach.call.engine import Call
from coach.call.model_voice import ModelVoice, clean_reply, load_guard_rules, prompt_for
from coach.config import PROJECT_ROOT
from coach.evals.cases import DEFAULT_DIR, load_cases
from coach.llm import GenerationParams, create_backend
from coach.retrieval.embeddings import shared_embedder
from coach.runtime.startup import prepare_with_knowledge

OUT = PROJECT_ROOT / "evals" / "voice-pairs" / "pairs.yaml"


def composed_lines(content, store) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(persona id, move, composed line) for every distinct line the eval cases make the buyer say."""
    seen, out = set(), []
    for case in load_cases(DEFAULT_DIR, content):
        call = Call(content.personas[case.persona], content, store)
        call.play(case.turns)
        for turn in call.turns:
            if turn.buyer not in seen:
                seen.add(turn.buyer)
                out.append((turn.buyer_persona, turn.move, turn.buyer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=120)
    args = parser.parse_args()
    settings, content, store = prepare_with_knowledge(llm="local")
    lines = composed_lines(content, store)
    random.Random(7).shuffle(lines)
    llm = create_backend(settings)
    voice = ModelVoice(llm, shared_embedder(), load_guard_rules(), simple=True)
    pairs = []
    for number, (persona_id, move, composed) in enumerate(lines[:args.limit], 1):
        persona = content.personas[persona_id]
        messages = prompt_for(persona, move, "", composed, [], voice.rules, simple=True)
        params = GenerationParams(temperature=0.3, max_tokens=90, seed=number)
        rephrased = clean_reply("".join(llm.stream(messages, params)))  # as a call would show it
        pairs.append({"id": f"p{number:03d}", "persona": persona_id, "move": move, "composed": composed,
                      "rephrased": rephrased})
        print(f"{number}/{min(args.limit, len(lines))}", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    Path(OUT).write_text(yaml.safe_dump({"pairs": pairs}, sort_keys=False, allow_unicode=True, width=110),
                         encoding="utf-8")
    print(f"wrote {len(pairs)} pairs to {OUT}")


if __name__ == "__main__":
    main()
