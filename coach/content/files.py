"""Reading content files safely, and reporting every problem with file, line, field and fix.

Why: personas and knowledge are written by sales-enablement people, not programmers. A
mistake must come back as one readable line per problem, all of them at once, and no file
(huge, binary, a YAML bomb) may hang or crash the loader.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import UserInputError

MAX_FILE_BYTES = 512 * 1024
MAX_NESTING = 50  # no content file needs lists or mappings nested deeper than this


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one content file."""

    file: Path
    line: int | None
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}. Fix: {self.fix}"


class ContentError(UserInputError):
    """Content files have problems; `problems` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = " | ".join(str(p) for p in self.problems[:3])
        more = f" (and {len(self.problems) - 3} more problem(s))" if len(self.problems) > 3 else ""
        super().__init__(shown + more)


class ProblemList(list[Problem]):
    """Problems collected while loading a directory.

    `broken` holds the ids (file stems) of files that failed, so links to them are not
    reported a second time as "names nothing".
    """

    def __init__(self) -> None:
        super().__init__()
        self.broken: set[str] = set()

    def add(self, file: Path, message: str, fix: str, *, line: int | None = None, field: str = "") -> None:
        self.append(Problem(file, line, field, message, fix))

    def raise_if_any(self) -> None:
        if self:
            raise ContentError(sorted(self, key=lambda p: (str(p.file), p.line or 0)))


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)  # PyYAML built with libyaml: about ten times faster
_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _fast_parse(text: str) -> tuple[Any, yaml.Node | None] | None:
    """A plain, well-formed file parsed by libyaml (most of a fresh `coach grade`'s start is YAML);
    None for anything else (an alias, deep nesting, a character or escape it refuses, no libyaml),
    which the pure-Python loader then reads and explains exactly as it always has. The events are
    walked first (iteratively) because libyaml's composer recurses and has no depth limit."""
    if _FAST_LOADER is None:
        return None
    scanner = _FAST_LOADER(text)
    try:
        depth = 0
        while not scanner.check_event(yaml.StreamEndEvent):
            event = scanner.get_event()
            depth += isinstance(event, _OPENS) - isinstance(event, _CLOSES)
            if depth > MAX_NESTING or isinstance(event, yaml.AliasEvent):
                return None
        loader = _FAST_LOADER(text)
        try:
            node = loader.get_single_node()
            return (_whole_characters(loader.construct_document(node)) if node is not None else None), node
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return None
    finally:
        scanner.dispose()


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases: a content file never needs them, and they enable bombs."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name / *name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def read_text(path: Path, problems: ProblemList) -> str | None:
    """The file's text, or None after recording why it cannot be read."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            problems.add(path, "is a folder, not a file", "give the path of a file (or pick one inside that folder)")
            return None
        if not stat.S_ISREG(info.st_mode):  # a device or a pipe: reading it may never end
            problems.add(path, "is not a regular file (a device, pipe or socket)", "give the path of a text file")
            return None
        if info.st_size > MAX_FILE_BYTES:
            problems.add(path, f"file is {info.st_size // 1024} KB, over the {MAX_FILE_BYTES // 1024} KB limit",
                         "split it into smaller files")
            return None
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows while we read it
    except OSError as exc:
        problems.add(path, f"cannot be read ({exc.strerror})", "check the file exists and is readable")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.add(path, f"file is over the {MAX_FILE_BYTES // 1024} KB limit", "split it into smaller files")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(path, "is not UTF-8 text", "save the file as UTF-8", line=line)
        return None
    if "\x00" in text:
        problems.add(path, "contains NUL bytes (binary file?)", "save it as plain UTF-8 text")
        return None
    if not text.strip():
        problems.add(path, "is empty", "write the content, or delete the file")
        return None
    return text


def load_yaml(text: str, path: Path, problems: ProblemList, *, line_offset: int = 0) -> tuple[Any, yaml.Node | None]:
    """Parse YAML (no aliases); returns the data and its node tree for line lookups."""
    parsed = _fast_parse(text)
    if parsed is not None:
        return parsed
    loader: _NoAliasLoader | None = None
    try:
        loader = _NoAliasLoader(text)  # checks every character first: may raise ReaderError
        node = loader.get_single_node()
        if node is not None and _depth(node) > MAX_NESTING:
            problems.add(path, f"nests lists or mappings more than {MAX_NESTING} levels deep",
                         "flatten it: a content file needs only a few levels (see the formats in README.md)",
                         line=1 + line_offset)
            return None, None
        data = _whole_characters(loader.construct_document(node)) if node is not None else None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters)
        line = text[: exc.position].count("\n") + 1 + line_offset
        problems.add(path, f"contains a character YAML does not allow ({exc.reason}, {_codepoint(exc.character)})",
                     "delete that character (it is often invisible in an editor)", line=line)
        return None, None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.add(path, f"is not valid YAML: {reason}",
                     "fix the indentation or quoting on that line (quote text that contains ': ' or '#')", line=line)
        return None, None
    except RecursionError:  # nesting too deep even to build the node tree
        problems.add(path, f"nests lists or mappings more than {MAX_NESTING} levels deep",
                     "flatten it: a content file needs only a few levels (see the formats in README.md)",
                     line=1 + line_offset)
        return None, None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def _depth(root: yaml.Node) -> int:
    """How deeply collections nest below `root` (iterative, so a hostile file cannot exhaust the stack)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_NESTING:
            break
        if isinstance(node, yaml.SequenceNode):
            stack += [(child, level + 1) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            stack += [(child, level + 1) for pair in node.value for child in pair]
    return deepest


def _codepoint(character: object) -> str:
    return f"U+{character:04X}" if isinstance(character, int) else f"U+{ord(str(character)[:1] or ' '):04X}"


def _whole_characters(value: Any) -> Any:  # noqa: ANN401 - any YAML value
    """Join `\\ud83d\\ude00`-style escaped surrogate pairs (how JSON writes emoji) into one character;
    a lone surrogate becomes U+FFFD. Why: Python strings with surrogates cannot be printed, stored or embedded."""
    if isinstance(value, str):
        if not any("\ud800" <= ch <= "\udfff" for ch in value):
            return value
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, list):
        return [_whole_characters(item) for item in value]
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    return value


def line_of(node: yaml.Node | None, path: Iterable[Any], line_offset: int = 0) -> int | None:
    """The 1-based line of the value at `path` in a composed YAML tree (nearest known parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            if match is None:
                key = next((k for k, _ in node.value if getattr(k, "value", None) == step), None)
                return (key.start_mark.line + 1 if key else line) + line_offset
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            break
        line = node.start_mark.line + 1
    return line + line_offset


def field_name(loc: Sequence[Any]) -> str:
    """`voice.lines.warn[2]` from a pydantic error location."""
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


FIXES = {
    "missing": "add it",
    "extra_forbidden": "remove it or check its spelling against the format in README.md",
    "string_type": "write it as text",
    "int_type": "write a whole number",
    "int_parsing": "write a whole number",
    "list_type": "write it as a list (one `- item` per line, or [a, b])",
    "literal_error": "use one of the values shown",
    "dict_type": "write it as a mapping of key: value lines",
    "model_type": "write it as a mapping of key: value lines",
    "too_short": "add at least the number of items shown",
    "too_long": "shorten it to the number of items or characters shown (split a long call into several files)",
    "string_pattern_mismatch": "use lowercase letters, digits, '_' or '-' only",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
}


def add_validation_errors(exc: ValidationError, path: Path, node: yaml.Node | None, problems: ProblemList,
                          *, line_offset: int = 0) -> None:
    """One problem per pydantic error, with the YAML line of the field."""
    for error in exc.errors():
        loc = tuple(error["loc"])
        kind = error["type"]
        message = error["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = "unknown key"
        elif kind == "missing":
            message = "required field is missing"
        problems.add(path, message, FIXES.get(kind, "correct the value"), line=line_of(node, loc, line_offset),
                     field=field_name(loc))


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def parse_yaml_model(text: str | None, where: Path, model: type[M], problems: ProblemList) -> M | None:
    """YAML text validated into `model`; problems (with lines) are collected, None on failure."""
    if text is None:
        return None
    data, node = load_yaml(text, where, problems)
    if data is None and node is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        add_validation_errors(exc, where, node, problems)
        return None


def load_yaml_model(path: Path, model: type[M]) -> M:
    """A YAML file validated into `model`, or ContentError naming file, line, field and fix."""
    problems = ProblemList()
    result = parse_yaml_model(read_text(path, problems), path, model, problems)
    problems.raise_if_any()
    assert result is not None
    return result


def load_yaml_models(directory: Path, model: type[M]) -> list[M]:
    """Every `*.yaml` file in a folder validated into `model` (none when the folder is missing), or one
    ContentError listing the problems of every file at once."""
    problems = ProblemList()
    out: list[M] = []
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        try:
            out.append(load_yaml_model(path, model))
        except ContentError as exc:
            problems.extend(exc.problems)
    problems.raise_if_any()
    return out


def load_folders(directories: Sequence[Path], files: Callable[[Path], list[Path]],
                 check: Callable[[Path, ProblemList], T | None], key: Callable[[T], str], what: str,
                 problems: ProblemList) -> dict[str, tuple[T, Path]]:
    """Every valid item in the folders by id, with its file; broken files and duplicate ids are problems."""
    found: dict[str, tuple[T, Path]] = {}
    for directory in directories:
        if not directory.is_dir():
            problems.add(directory, "is not a folder", f"pass a folder that holds {what} files")
            continue
        for path in files(directory):
            item = check(path, problems)
            if item is None:
                problems.broken.add(path.stem)
                continue
            item_id = key(item)
            if item_id in found:
                problems.add(path, f"duplicate id {item_id!r} (also in {found[item_id][1]})",
                             "give each file a unique id", field="id", line=1)
                continue
            found[item_id] = (item, path)
    return found

