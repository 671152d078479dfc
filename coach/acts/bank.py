"""The labelled sentence banks: load a split, add a user's sentence, fingerprint what a model learns from.

Why files: the acts are learned from examples a sales-enablement lead can read and extend,
not from word lists in code. The shipped banks live in `coach/data/acts/`; sentences a team
adds (`coach acts add`) live in `<data dir>/acts/` and always join the training split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from coach.acts.types import ACTS, ATTRIBUTES, Side
from coach.content.files import ProblemList
from coach.errors import UserInputError

# `calls-test`: sentences as said in the held-out calibration calls, labelled in context; measured only
Split = Literal["train", "dev", "test", "calls-test"]
# libyaml's safe loader when the wheel has it: the banks are thousands of lines, read at every start
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SPLITS: tuple[Split, ...] = ("train", "dev", "test", "calls-test")


class Example(BaseModel):
    """One labelled sentence."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str = Field(min_length=1)
    act: str
    involves_buyer: bool | None = None  # next_step_ask only
    commits: bool | None = None  # claim only: a promise or checkable assertion (true) or soft praise (false)
    position: Literal["first", "middle", "last", "only"] | None = None  # where it stood in its turn, when said in a call
    # what the buyer had just said (the last sentence of their previous turn), when said in a call after
    # the buyer's opening; the reader reads it as a buyer act and weighs it with the sentence
    after: str | None = None
    voice: str | None = None
    title: str | None = None
    industry: str | None = None


def shipped_dir() -> Path:
    """The folder of the shipped banks (inside the installed package)."""
    return Path(str(resources.files("coach.data").joinpath("acts")))


def bank_files(side: Side, split: Split, directory: Path | None = None) -> list[Path]:
    """The files of one split: `rep-train.yaml` and `rep-train-*.yaml` alike."""
    folder = directory or shipped_dir()
    return sorted({*folder.glob(f"{side}-{split}.yaml"), *folder.glob(f"{side}-{split}-*.yaml")})


def user_bank_file(data_dir: Path, side: Side) -> Path:
    """Where a team's own sentences for `side` are kept."""
    return data_dir / "acts" / f"{side}-user.yaml"


def read_examples(path: Path, side: Side, problems: ProblemList) -> list[Example]:
    """The examples in one file; unknown acts and bad entries are reported with the file named."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or []
    except (OSError, yaml.YAMLError) as exc:
        problems.add(path, f"cannot be read as YAML: {exc}", "fix the file or remove it")
        return []
    if not isinstance(raw, list):
        problems.add(path, "is not a list of sentences", "write a YAML list of {text, act} entries")
        return []
    examples: list[Example] = []
    known = ACTS[side]
    for number, entry in enumerate(raw):
        try:
            example = Example.model_validate(entry)
        except ValueError as exc:
            problems.add(path, f"entry {number} is not a sentence with an act: {str(exc).splitlines()[0]}",
                         "give each entry `text` and `act` (and optionally involves_buyer, commits, voice, title, industry)")
            continue
        if example.act not in known:
            problems.add(path, f"entry {number} has the unknown act {example.act!r}",
                         f"use one of: {', '.join(known)}")
            continue
        misplaced = misplaced_attribute(example)
        if misplaced:
            problems.add(path, f"entry {number} has `{misplaced}` but is not a {ATTRIBUTES[misplaced]} sentence",
                         f"remove `{misplaced}`, or label the sentence {ATTRIBUTES[misplaced]}")
            continue
        examples.append(example)
    return examples


def load_split(side: Side, split: Split, directory: Path | None = None,
               extra: Iterable[Path] = ()) -> list[Example]:
    """Every example of one split (plus `extra` files, for the training split); all problems at once."""
    problems = ProblemList()
    examples: list[Example] = []
    for path in [*bank_files(side, split, directory), *extra]:
        if path.exists():
            examples += read_examples(path, side, problems)
    problems.raise_if_any()
    return examples


def misplaced_attribute(example: Example) -> str | None:
    """A yes/no field set on a sentence of another act (it would teach the head nothing true)."""
    return next((name for name, act in ATTRIBUTES.items()
                 if getattr(example, name) is not None and example.act != act), None)


def fingerprint(files: Iterable[Path], *parts: str) -> str:
    """Changes whenever a bank file (so a sentence or a label) or a setting that shapes the model
    changes; read from the files' bytes, so a model already built loads without parsing the banks."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
    for path in files:
        if path.exists():
            digest.update(f"\x00{path.name}\x01".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def add_example(data_dir: Path, side: Side, example: Example) -> Path:
    """Append one sentence to the team's bank; the classifier is rebuilt on next use."""
    if example.act not in ACTS[side]:
        raise UserInputError(f"{example.act!r} is not a {side} act",
                             f"use one of: {', '.join(ACTS[side])}")
    misplaced = misplaced_attribute(example)
    if misplaced:
        flag = "--" + misplaced.replace("_", "-")
        raise UserInputError(f"{flag} only applies to a {ATTRIBUTES[misplaced]} sentence",
                             f"leave it out, or label the sentence {ATTRIBUTES[misplaced]}")
    path = user_bank_file(data_dir, side)
    problems = ProblemList()
    existing = read_examples(path, side, problems) if path.exists() else []
    problems.raise_if_any()
    if any(e.text.strip() == example.text.strip() for e in existing):
        raise UserInputError(f"That sentence is already in {path}", "edit the file to change its label")
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [e.model_dump(exclude_none=True) for e in [*existing, example]]
    path.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    return path
