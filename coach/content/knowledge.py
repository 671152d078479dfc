"""Knowledge: value propositions and professional-services case notes as Markdown files.

Each file is YAML front matter then Markdown sectioned at `##` headings. Value
propositions speak to one or more buyer titles; case notes record what a customer was
trying to do, what changed and the measured result. Proof links must resolve.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.content.files import ProblemList, add_validation_errors, load_folders, load_yaml, read_text

DOC_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SECTION_KEYS = {
    "goals": "goals", "problems": "problems", "needs": "needs", "outcomes": "outcomes",
    "capabilities": "capabilities", "proof": "proof", "situation": "situation",
    "what changed": "what_changed", "measured result": "result",
    "conversation starters": "conversation_starters",
}
REQUIRED_SECTIONS = {
    "value_proposition": ("goals", "problems", "needs", "outcomes", "capabilities", "proof"),
    "case_note": ("situation", "what_changed", "result"),
}
VALUE_SECTIONS = ("goals", "problems", "needs", "outcomes")
CASE_ID = re.compile(r"\b(cn-[a-z0-9][a-z0-9_-]*)\b")


class KnowledgeMeta(BaseModel):
    """The front matter of a knowledge file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    id: str = Field(pattern=DOC_ID_PATTERN, max_length=120)
    kind: Literal["value_proposition", "case_note"]
    offering: str = Field(min_length=1, max_length=120)
    titles: list[str] = Field(min_length=1)
    industry: str | None = Field(None, max_length=120)


@dataclass(frozen=True)
class Section:
    key: str          # goals, problems, ..., what_changed, result
    heading: str      # as written
    text: str
    line: int


@dataclass(frozen=True)
class KnowledgeDoc:
    """One knowledge file, parsed."""

    meta: KnowledgeMeta
    title: str
    sections: tuple[Section, ...]
    path: Path
    content_hash: str

    @property
    def id(self) -> str:
        return self.meta.id

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def proof_ids(self) -> list[str]:
        """Case-note ids this document cites in `## Proof` and in `[cn-...]` brackets."""
        ids: list[str] = []
        for section in self.sections:
            if section.key in ("proof", "outcomes"):
                ids += [i for i in CASE_ID.findall(section.text) if i not in ids]
        return ids


def section_key(heading: str) -> str:
    """The stable key of a `##` heading ("What changed" → what_changed)."""
    cleaned = heading.strip().lower()
    return SECTION_KEYS.get(cleaned, re.sub(r"[^a-z0-9]+", "_", cleaned).strip("_") or "section")


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, body's first line number) or None when there is no front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    return None


def split_sections(body: str, first_line: int) -> tuple[str, list[Section]]:
    """The `# title` and the `##` sections of a Markdown body."""
    title = ""
    sections: list[Section] = []
    heading: str | None = None
    start = first_line
    buffer: list[str] = []

    def flush() -> None:
        if heading is not None:
            sections.append(Section(section_key(heading), heading, "".join(buffer).strip(), start))

    for offset, line in enumerate(body.splitlines(keepends=True)):
        if line.startswith("## "):
            flush()
            heading, start, buffer = line[3:].strip(), first_line + offset, []
        elif line.startswith("# ") and heading is None and not title:
            title = line[2:].strip()
        elif heading is not None:
            buffer.append(line)
    flush()
    return title, sections


def _check_file(path: Path, problems: ProblemList) -> KnowledgeDoc | None:
    text = read_text(path, problems)
    if text is None:
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.add(path, "has no front matter", "start the file with a `---` line, the keys id, kind, offering, "
                     "titles (and optionally industry), then another `---` line", line=1)
        return None
    front, body, body_line = parts
    data, node = load_yaml(front, path, problems, line_offset=1)
    if data is None and node is None:
        return None
    if not isinstance(data, dict):
        problems.add(path, "front matter must be key: value lines", "write id, kind, offering and titles", line=2)
        return None
    try:
        meta = KnowledgeMeta.model_validate(data)
    except ValidationError as exc:
        add_validation_errors(exc, path, node, problems, line_offset=1)
        return None
    if meta.id != path.stem:
        problems.add(path, f"id {meta.id!r} does not match the file name", f"rename the file to {meta.id}.md "
                     "or change the id", field="id", line=2)
        return None
    title, sections = split_sections(body, body_line)
    present = {s.key for s in sections}
    missing = [k for k in REQUIRED_SECTIONS[meta.kind] if k not in present]
    if missing:
        headings = {v: k.capitalize() for k, v in SECTION_KEYS.items()}
        problems.add(path, f"a {meta.kind} needs the section(s) {', '.join('## ' + headings[m] for m in missing)}",
                     "add them (see the knowledge format in README.md)")
        return None
    empty = [s for s in sections if not s.text]
    for section in empty:
        problems.add(path, f"section `## {section.heading}` is empty", "write it or remove the heading",
                     line=section.line)
    if empty:
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return KnowledgeDoc(meta, title or meta.id, tuple(sections), path, digest)


def knowledge_files(directory: Path) -> list[Path]:
    """Every `*.md` below a folder, sorted (README.md files are documentation, not knowledge)."""
    return sorted(p for p in directory.rglob("*.md") if p.name.lower() != "readme.md")


def load_knowledge_dirs(directories: list[Path], problems: ProblemList) -> dict[str, KnowledgeDoc]:
    """Every valid document in the folders, by id; then checks that every proof link resolves."""
    found = load_folders(directories, knowledge_files, _check_file, lambda d: d.id, "knowledge .md", problems)
    docs = {doc_id: doc for doc_id, (doc, _) in found.items()}
    for doc in docs.values():
        for case_id in doc.proof_ids():
            target = docs.get(case_id)
            if case_id in problems.broken:
                continue
            if target is None or target.meta.kind != "case_note":
                section = doc.section("proof") or doc.sections[0]
                problems.add(doc.path, f"proof link {case_id!r} names no case note",
                             "correct the id, or add knowledge/case_notes/" f"{case_id}.md", line=section.line,
                             field="Proof")
    return docs
