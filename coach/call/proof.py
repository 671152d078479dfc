"""Proof integrity: the figures a rep states, checked against what backs them.

Why its own module: a case story is only proof when it tells a real case note with that note's
figures. Each story is matched to the note it tells and every figure in it is checked against that
note (rounding and units tolerated); a story whose figures no note holds is invented or misquoted
proof, a conduct fault the rubric caps. Pure: figures and search hits in, findings out.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from coach.call import lexicon
from coach.call.rules import AnalysisRules
from coach.call.signals import SemanticSignals
from coach.retrieval.hits import Hit
from coach.content.knowledge import KnowledgeDoc

ROUNDING = 0.05  # "about 40%" for 38.4%, "$1.2M" for $1,180,000


class CaseReference(BaseModel):
    """A case note the turn drew on, and whether the figures the rep quoted are the note's."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    case_id: str
    score: float
    figures_quoted: list[str]
    figures_match: bool
    said: str | None = None  # the rep's sentence that told it
    stray_figures: list[str] = []  # figures in that sentence the note does not hold


_RECENT_INDEXES: OrderedDict[tuple, tuple[tuple[KnowledgeDoc, ...], tuple[dict[str, set[str]], set[str]]]] = OrderedDict()


def figure_index(docs: Sequence[KnowledgeDoc], rules: AnalysisRules) -> tuple[dict[str, set[str]], set[str]]:
    """(figures per case note, every figure in the knowledge): what a rep's numbers are checked against.

    Remembered for the last few document sets (the same loaded documents, by identity): every call
    on the same content needs the same index, and building it costs more than grading a call."""
    key = (tuple(id(d) for d in docs), tuple(rules.figure_exempt_units))
    known = _RECENT_INDEXES.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], docs, strict=True)):
        per_case, everything = known[1]
        return {k: set(v) for k, v in per_case.items()}, set(everything)

    def of(doc: KnowledgeDoc) -> set[str]:
        return set(lexicon.figures(" ".join(s.text for s in doc.sections), rules.figure_exempt_units))

    per_case = {d.id: of(d) for d in docs if d.meta.kind == "case_note"}
    everything = set().union(*(of(d) for d in docs)) if docs else set()
    _RECENT_INDEXES[key] = (tuple(docs), ({k: set(v) for k, v in per_case.items()}, set(everything)))
    while len(_RECENT_INDEXES) > 4:
        _RECENT_INDEXES.popitem(last=False)
    return per_case, everything


def is_supported(figure: str, known: set[str], derivable: set[str] = frozenset()) -> bool:
    """A figure is supported when it is known, is a known figure said without its unit ("104"
    for "104%"), or is the sum or difference of two `derivable` figures (the buyer's own) of the
    same kind: "$3.1M offered, $0.5M taken" supports "a $2.6M gap"."""
    if figure in known:
        return True
    value = lexicon.figure_value(figure)
    if value is None:
        return False
    values = {v for v in (lexicon.figure_value(k) for k in known) if v is not None}
    if figure.replace(".", "").isdigit() and any(number == value[0] for number, _ in values):
        return True
    own = (lexicon.figure_value(k) for k in derivable)
    same = sorted({v[0] for v in own if v is not None and v[1] == value[1]})
    tolerance = max(abs(value[0]) * 0.02, 1e-9)

    def known_near(target: float, other_than: float) -> bool:
        at = bisect.bisect_left(same, target - tolerance)
        return any(abs(c - target) <= tolerance and c != other_than for c in same[at:at + 3])

    for a in same:  # value = a - b, b - a or a + b, with b known too
        if any(b > 0 and known_near(b, a) for b in (a - value[0], a + value[0], value[0] - a)):
            return True
    return False


def rounded_from(figure: str, known: set[str]) -> bool:
    """Is `figure` one of `known` in other words or rounded, with its unit said ("around $400K" for
    $0.4M, "just over $2 million" for $2.1M)? Stricter than `close_to`: a bare number never matches,
    so "1% in three months" is not read as the note's "1.4 points"."""
    value = lexicon.figure_value(figure)
    if value is None or figure.replace(".", "").isdigit():
        return False
    return any(theirs is not None and theirs[1] == value[1] and abs(theirs[0] - value[0]) <= ROUNDING * abs(theirs[0])
               for theirs in (lexicon.figure_value(other) for other in known))


def close_to(figure: str, known: set[str]) -> bool:
    """Is `figure` one of `known`, allowing rounding and a unit left off ("40" for "40%")?"""
    if figure in known:
        return True
    value = lexicon.figure_value(figure)
    if value is None:
        return False
    bare = figure.replace(".", "").isdigit()  # "from 42 to 24 million": the unit said once, for both
    for other in known:
        theirs = lexicon.figure_value(other)
        if theirs is None:
            continue
        said = float(match[0]) if bare and (match := re.match(r"\d+(?:\.\d+)?", other)) else theirs[0]
        if (theirs[1] == value[1] or bare) and abs(said - value[0]) <= max(ROUNDING * abs(said), 0.5):
            return True
    return False


def case_references(stories: Sequence[str], signals: SemanticSignals, rules: AnalysisRules,
                    own: set[str]) -> tuple[list[CaseReference], list[str]]:
    """(the case notes the stories tell, the stories whose figures no note holds).

    Each story is matched to the retrieved note holding most of its figures (then the nearest);
    the buyer's own figures (`own`) are theirs to repeat and are not checked.
    """
    notes = []
    for hit in signals.case_hits:
        if hit.score >= rules.similarity.value and hit.doc_id not in {h.doc_id for h in notes}:
            notes.append(hit)
    refs: list[CaseReference] = []
    invented: list[str] = []
    for story in stories:
        stated = [f for f in lexicon.figures(story, rules.figure_exempt_units) if not close_to(f, own)]
        candidates = [*notes, *_notes_by_figures(stated, signals, {h.doc_id for h in notes}, rules)]
        best = max(candidates, key=lambda h: (sum(close_to(f, signals.case_figures.get(h.doc_id, set()))
                                                  for f in stated), h.score), default=None)
        if best is None:
            if stated:
                invented.append(story)
            continue
        note_figures = signals.case_figures.get(best.doc_id, set())
        quoted = [f for f in stated if close_to(f, note_figures)]
        stray = [f for f in stated if not close_to(f, note_figures)]
        if not stated and best.score < rules.similarity.value + 0.1:
            continue  # a loose likeness with nothing checkable: not telling this note
        if stray and not quoted and best.score < rules.similarity.value + 0.1:
            invented.append(story)  # figures, but no note it plausibly tells
            continue
        if any(r.case_id == best.doc_id and r.said == story for r in refs):
            continue
        refs.append(CaseReference(case_id=best.doc_id, score=best.score, figures_quoted=quoted,
                                  figures_match=not stray, said=story, stray_figures=stray))
        if stray:
            invented.append(story)
    return refs, invented


def _notes_by_figures(stated: Sequence[str], signals: SemanticSignals, seen: set[str],
                      rules: AnalysisRules) -> list[Hit]:
    """Notes holding every figure of a story (two at least): the second half of a story told over two
    turns names no customer, but its figures say which note it is."""
    if len(stated) < 2:
        return []
    return [Hit(id=f"{doc_id}#figures", doc_id=doc_id, kind="case_note", section="result", offering="", titles=(),
                industry="", text="", score=rules.similarity.value)
            for doc_id, figures in signals.case_figures.items()
            if doc_id not in seen and all(close_to(f, figures) for f in stated)]
