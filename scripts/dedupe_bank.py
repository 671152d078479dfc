"""Drop from the training files any sentence that is also in the dev or test split, and from the dev
files any that is also in the test split (normalised).

Usage: .venv/bin/python scripts/dedupe_bank.py
Why: short common lines ("Makes sense.") get written twice by different writers; a test sentence
the classifier has learned says nothing about phrasing it has never seen. The test files are
never edited; only training and dev entries are removed, with the file's layout kept.
"""

from __future__ import annotations

import re

import yaml

from coach.acts.bank import bank_files, load_split


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def main() -> None:
    for side, split, held_out in (("rep", "train", ("dev", "test", "calls-test")),
                                  ("buyer", "train", ("dev", "test", "calls-test")),
                                  ("rep", "dev", ("test", "calls-test")), ("buyer", "dev", ("test", "calls-test"))):
        held = {norm(e.text) for other in held_out for e in load_split(side, other)}  # type: ignore[arg-type]
        for path in bank_files(side, split):  # type: ignore[arg-type]
            blocks = re.split(r"(?m)^(?=- )", path.read_text(encoding="utf-8"))
            kept = [b for b in blocks if not (b.startswith("- ") and norm(yaml.safe_load(b)[0]["text"]) in held)]
            if len(kept) != len(blocks):
                path.write_text("".join(kept), encoding="utf-8")
                print(f"{path.name}: dropped {len(blocks) - len(kept)} sentence(s) also held out")


if __name__ == "__main__":
    main()
