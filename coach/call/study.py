"""What a rep studies before a call: the briefing (who, where, how long), the offering they sell this
buyer, its value proposition for the buyer's title, and the few case notes that fit the buyer best,
readable in full.

Why: the grader checks a customer story's figures against its case note, so the rep must be able to
read those notes, and only the ones that fit (this offering, this title, the nearest industry), not
every note the team holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from coach.content.catalog import Content
from coach.content.knowledge import KnowledgeDoc
from coach.content.personas import Persona
from coach.retrieval.hits import Hit


class CaseNoteSearch(Protocol):
    def case_notes(self, text: str = "", title: str | None = None, industry: str | None = None,
                   k: int = 3) -> list[Hit]: ...


@dataclass(frozen=True)
class StudyMaterial:
    offering: str | None
    value_proposition: KnowledgeDoc | None
    case_notes: list[KnowledgeDoc]


def study_material(persona: Persona, content: Content, search: CaseNoteSearch, limit: int = 4) -> StudyMaterial:
    """The persona's offering, its value proposition for their title, and up to `limit` case notes of
    that offering written for their title, closest first to their industry, goals and problems."""
    offering = persona.offering
    props = content.value_props_for(persona.title_key)
    prop = next((d for d in props if d.meta.offering == offering), props[0] if props else None)
    offering = offering or (prop.meta.offering if prop else None)
    fitting = {d.id: d for d in content.case_notes()
               if persona.title_key in d.meta.titles and (offering is None or d.meta.offering == offering)}
    about = " ".join([persona.company.industry, *persona.goals, *persona.problems])
    ranked = [h.doc_id for h in search.case_notes(about, title=persona.title_key, k=4 * limit) if h.doc_id in fitting]
    ordered = list(dict.fromkeys([*ranked, *sorted(fitting)]))  # notes the search did not reach come last
    return StudyMaterial(offering, prop, [fitting[i] for i in ordered[:limit]])


class Briefing(BaseModel):
    """What a rep may know before the call (never the hidden facts)."""

    model_config = ConfigDict(extra="forbid")
    persona_id: str
    name: str
    title: str
    company: str
    industry: str
    size: str
    time_budget_min: int
    patience: str
    background: str
    value_propositions: list[str]
    case_notes: list[str]


def briefing_for(persona: Persona, content: Content) -> Briefing:
    """The rep's pre-call briefing: who, where, how long, and what to study for this title."""
    props = content.value_props_for(persona.title_key)
    notes = [n for n in content.case_notes() if persona.title_key in n.meta.titles]
    return Briefing(persona_id=persona.id, name=persona.name, title=persona.title, company=persona.company.name,
                    industry=persona.company.industry, size=persona.company.size,
                    time_budget_min=persona.time_budget_min, patience=persona.patience,
                    background=persona.background, value_propositions=[d.id for d in props],
                    case_notes=[d.id for d in notes])
