"""Fill in `after` (what the buyer had just said) on bank sentences taken from whole calls.

Why: the rep act reader weighs what the buyer said just before a sentence ("Fair." after a pushback
answers it; after an answer it acknowledges). Sentences labelled from calls get the last sentence of
the buyer's previous turn; the first rep turn (after the buyer's opening) gets none, as in the app.

    python scripts/act_context.py BANK.yaml --calls evals/calibration        # transcript folders
    python scripts/act_context.py BANK.yaml --written calls.yaml ...         # calls written sentence by sentence

A sentence said several times takes its contexts in call order; one not found keeps no context.
"""

from __future__ import annotations

import argparse
from collections import defaultdict, deque
from pathlib import Path

import yaml

from coach.call import lexicon
from coach.call.engine import act_context


def contexts_from_transcripts(folders: list[Path]) -> dict[str, deque[str | None]]:
    found: dict[str, deque[str | None]] = defaultdict(deque)
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            turns = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("turns", [])
            reps, since = 0, []
            for turn in turns:
                if turn["speaker"] != "rep":
                    since.append(turn["text"])
                    continue
                after = act_context(" ".join(since)) if reps else None
                for sentence in lexicon.sentences(turn["text"]) or [turn["text"]]:
                    found[sentence.strip()].append(after)
                reps, since = reps + 1, []
    return found


def contexts_from_written(files: list[Path]) -> dict[str, deque[str | None]]:
    found: dict[str, deque[str | None]] = defaultdict(deque)
    for path in files:
        for call in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            reps, last = 0, None
            for turn in call["turns"]:
                texts = [s["text"] for s in turn["sentences"]]
                if turn["speaker"] != "rep":
                    last = texts[-1] if texts else last
                    continue
                for text in texts:
                    found[text.strip()].append(last if reps else None)
                reps, last = reps + 1, None
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bank", type=Path)
    parser.add_argument("--calls", type=Path, nargs="*", default=[])
    parser.add_argument("--written", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    found = contexts_from_transcripts(args.calls)
    for text, queue in contexts_from_written(args.written).items():
        found[text].extend(queue)
    raw = args.bank.read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in raw.splitlines() if line.startswith("#"))
    entries = yaml.safe_load(raw) or []
    matched = with_context = 0
    for number, entry in enumerate(entries):
        entry.pop("after", None)
        queue = found.get(entry["text"].strip())
        if not queue:
            continue
        matched += 1
        after = queue.popleft()
        if after:
            with_context += 1
            keys = list(entry)
            at = keys.index("position") + 1 if "position" in keys else 2  # beside `position`
            entries[number] = {**{k: entry[k] for k in keys[:at]}, "after": after,
                               **{k: entry[k] for k in keys[at:]}}
    print(f"{args.bank}: {matched} of {len(entries)} sentences found in the calls, {with_context} with context")
    args.bank.write_text(header + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=120),
                         encoding="utf-8")


if __name__ == "__main__":
    main()
