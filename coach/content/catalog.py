"""All content at once: personas + knowledge, loaded together and cross-checked.

Why together: the rules that matter span files — a delegate must exist, an executive's
title must have a value proposition, a proof link must name a case note. `load_content`
reports every problem in every folder in one go, or returns a consistent `Content`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.content.files import ProblemList
from coach.errors import UserInputError
from coach.content.knowledge import KnowledgeDoc, load_knowledge_dirs
from coach.content.personas import Persona, load_persona_dirs, load_persona_file
from coach.config import content_root
from coach.shipped import shipped_folder


def shipped_personas_dir() -> Path:
    """The personas that ship with the product (inside the package), or `$COACH_CONTENT_DIR/personas`."""
    root = content_root()
    return root / "personas" if root else shipped_folder("personas")


def shipped_knowledge_dir() -> Path:
    """The value propositions and case notes that ship with the product, or `$COACH_CONTENT_DIR/knowledge`."""
    root = content_root()
    return root / "knowledge" if root else shipped_folder("knowledge")


@dataclass(frozen=True)
class Content:
    personas: dict[str, Persona]
    knowledge: dict[str, KnowledgeDoc]

    def value_props_for(self, title_key: str) -> list[KnowledgeDoc]:
        """Value propositions that speak to a buyer title."""
        return [d for d in self.knowledge.values()
                if d.meta.kind == "value_proposition" and title_key in d.meta.titles]

    def case_notes(self) -> list[KnowledgeDoc]:
        return [d for d in self.knowledge.values() if d.meta.kind == "case_note"]

    def executives(self) -> list[Persona]:
        return [p for p in self.personas.values() if p.is_executive]


def cross_check(personas: dict[str, Persona], knowledge: dict[str, KnowledgeDoc], problems: ProblemList) -> None:
    """Rules that span files: delegates exist, every executive's title has value propositions."""
    titles_with_value = {t for d in knowledge.values() if d.meta.kind == "value_proposition" for t in d.meta.titles}
    offerings = {d.meta.offering for d in knowledge.values() if d.meta.kind == "value_proposition"}
    for persona in personas.values():
        path = persona.source
        known = persona.delegates_to in personas or persona.delegates_to in problems.broken
        if persona.delegates_to and not known:
            problems.add(path, f"delegates_to {persona.delegates_to!r} names no persona",
                         f"add personas/{persona.delegates_to}.yaml or correct the id", field="delegates_to")
        if persona.delegates_to == persona.id:
            problems.add(path, "delegates_to names the persona itself", "name a subordinate's persona id",
                         field="delegates_to")
        if persona.offering and persona.offering not in offerings:
            problems.add(path, f"offering {persona.offering!r} has no value proposition",
                         f"use one of: {', '.join(sorted(offerings)) or '(none yet)'}, or leave `offering` out",
                         field="offering")
        if persona.is_executive and persona.title_key not in titles_with_value:
            problems.add(path, f"title_key {persona.title_key!r} has no value proposition",
                         f"add a knowledge/value_props/*.md whose `titles` include {persona.title_key}, "
                         "or correct the title_key", field="title_key")


def load_content(persona_dirs: Sequence[Path] = (), knowledge_dirs: Sequence[Path] = (), *,
                 include_shipped: bool = True) -> Content:
    """Load and validate everything; raise `ContentError` listing every problem found."""
    problems = ProblemList()
    p_dirs = ([shipped_personas_dir()] if include_shipped else []) + [Path(d) for d in persona_dirs]
    k_dirs = ([shipped_knowledge_dir()] if include_shipped else []) + [Path(d) for d in knowledge_dirs]
    personas = load_persona_dirs(_unique(p_dirs), problems)
    knowledge = load_knowledge_dirs(_unique(k_dirs), problems)
    cross_check(personas, knowledge, problems)
    problems.raise_if_any()
    return Content(personas, knowledge)


def _unique(dirs: list[Path]) -> list[Path]:
    seen: list[Path] = []
    for d in dirs:
        if d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def resolve_persona(ref: str, content_dirs: tuple[list[Path], list[Path]] = ([], [])) -> tuple[Persona, Content]:
    """A persona by id (shipped or in extra folders) or by file path, with the content it needs.

    For a path, `delegates_to` is looked up first beside the file, then among the shipped personas.
    """
    persona_dirs, knowledge_dirs = content_dirs
    content = load_content(persona_dirs, knowledge_dirs)
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or "/" in ref or path.is_file():
        if path.is_dir():
            raise UserInputError(f"Persona {ref} is a folder", "pass one persona .yaml file in it, or a persona id "
                                 "such as cfo_meridian")
        if not path.is_file():
            raise UserInputError(f"Persona file {ref} not found", "check the path, or pass a persona id such as cfo_meridian")
        persona = load_persona_file(path)
        personas = dict(content.personas) | {persona.id: persona}
        if persona.delegates_to:
            for suffix in (".yaml", ".yml"):
                beside = path.parent / f"{persona.delegates_to}{suffix}"
                if beside.is_file():
                    personas[persona.delegates_to] = load_persona_file(beside)
                    break
        problems = ProblemList()
        cross_check(personas, content.knowledge, problems)
        problems.raise_if_any()
        return persona, Content(personas, content.knowledge)
    if ref not in content.personas:
        known = ", ".join(sorted(p.id for p in content.executives()))
        raise UserInputError(f"No persona with id {ref!r}", f"use one of: {known}; or pass a persona .yaml path")
    return content.personas[ref], content
