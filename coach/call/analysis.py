"""Turn analysis: what a rep's turn did, with the evidence for each finding.

`analyse_turn` is pure: text + `SemanticSignals` (similarities between the turn and what we
know, computed elsewhere by `coach.retrieval.signals.Semantics` and handed in as plain data)
+ rules → `TurnAnalysis`. It imports no embedder, index, model or database.
"""

from __future__ import annotations

import bisect
import re

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from coach.call import lexicon
from coach.call.rules import AnalysisRules
from coach.call.signals import SemanticSignals
from coach.content.knowledge import KnowledgeDoc
from coach.content.personas import Persona


class Evidence(BaseModel):
    """Why a finding was made: the phrase matched, or the knowledge chunk and its similarity."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    phrase: str | None = None
    chunk_id: str | None = None
    score: float | None = None


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str
    form: Literal["open", "closed", "leading"]
    discovery: list[str]


class CaseReference(BaseModel):
    """A case note the turn drew on, and whether the figures the rep quoted are the note's."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    case_id: str
    score: float
    figures_quoted: list[str]
    figures_match: bool


class TurnAnalysis(BaseModel):
    """Everything the buyer policy and the grader need to know about one rep turn."""

    model_config = ConfigDict(extra="forbid")
    words: int
    speaking_s: float
    questions: list[Question]
    feature_pitch: bool
    feature_evidence: list[Evidence]
    value_for_title: bool
    value_evidence: list[Evidence]
    priority: str | None
    priority_named: str | None = None  # a priority named in its own words, even where meaning alone missed it
    case_notes: list[CaseReference]
    unsupported_claims: list[str]
    jargon: list[str]
    jargon_per_100: float
    monologue: bool
    long_turn: bool
    time_check: list[str]
    next_step_ask: list[str]
    next_step_with_executive: bool
    lecturing: list[str]
    rude: list[str]
    off_topic: bool
    injection: list[str]
    facts_asked: list[int]
    tags: list[str]

    @property
    def open_questions(self) -> int:
        return sum(q.form == "open" for q in self.questions)

    @property
    def discovery_questions(self) -> int:
        return sum(bool(q.discovery) and q.form == "open" for q in self.questions)

    @property
    def discovery_question_texts(self) -> list[str]:
        """The open discovery questions asked, as said."""
        return [q.text for q in self.questions if q.form == "open" and q.discovery]

    @property
    def value_turn(self) -> bool:
        """Talks about this buyer's goals, problems or needs without pitching features (buyer and grader agree)."""
        return self.value_for_title and not self.feature_pitch

    @property
    def first_feature_phrase(self) -> str | None:
        """The first feature word the rep used, to quote."""
        return next((e.phrase for e in self.feature_evidence if e.phrase), None)


_PRIORITY_STOP = set("""a an the and or of to in on at for with by from is are was be been has have had it its this
that these those every each next last any all our your their his her we you they i will would must can could should
not no nothing before after within about into than then so as more most year years week weeks month months quarter
day days one two three four five six seven eight nine ten wants expects meets due starts allowed put risk named
large annual come up""".split())


def priority_terms(priority: str) -> set[str]:
    """Words that name a priority unmistakably: adjacent content-word pairs ("finance committee",
    "rate case") and product or project names ("S/4HANA")."""
    tokens = re.findall(r"[A-Za-z0-9][A-Za-z0-9/&'-]*", priority)
    content = [(i, t) for i, t in enumerate(tokens) if t.lower() not in _PRIORITY_STOP and not t.isdigit()]
    pairs = {f"{a.lower()} {b.lower()}" for (i, a), (j, b) in zip(content, content[1:], strict=False) if j == i + 1}
    names = {t.lower() for t in tokens[1:] if len(t) > 3 and (any(c.isdigit() or c == "/" for c in t)
                                                              or sum(c.isupper() for c in t) > 1)}
    return pairs | names


def _best(scores: dict[str, float], threshold: float) -> tuple[str, float] | None:
    if not scores:
        return None
    key = max(scores, key=lambda k: scores[k])
    return (key, scores[key]) if scores[key] >= threshold else None


def _case_references(text: str, figures: Sequence[str], signals: SemanticSignals,
                     rules: AnalysisRules) -> list[CaseReference]:
    """Case notes the turn tells (another customer's story), with a figure check."""
    cued = bool(lexicon.find_phrases(text, rules.case_reference_cues))
    refs: list[CaseReference] = []
    for hit in signals.case_hits:
        if hit.score < rules.similarity.value:
            continue
        note_figures = signals.case_figures.get(hit.doc_id, set())
        quoted = [f for f in figures if f in note_figures]
        if any(r.case_id == hit.doc_id for r in refs):
            continue
        if quoted or (cued and hit.score >= rules.similarity.value + 0.1):
            stray = [f for f in figures if f not in note_figures]
            refs.append(CaseReference(case_id=hit.doc_id, score=hit.score, figures_quoted=quoted,
                                      figures_match=bool(quoted) or not stray))
    return refs


def analyse_turn(text: str, signals: SemanticSignals, rules: AnalysisRules, supported_figures: set[str],
                 known_acronyms: frozenset[str] = frozenset(), derivable: set[str] = frozenset()) -> TurnAnalysis:
    """Analyse one rep turn. Pure: the same inputs always give the same analysis.

    `supported_figures` are numbers the rep may state (the knowledge's, the buyer's own);
    `known_acronyms` are ones the buyer uses themself, so they are not jargon to them.
    """
    sim = rules.similarity
    word_list = lexicon.words(text)
    n_words = len(word_list)
    asked = []
    for sentence in lexicon.questions(text):
        form, discovery = lexicon.classify_question(sentence, rules.questions)
        if form == "open" and not discovery and lexicon.find_phrases(sentence, rules.questions.about_them) \
                and not lexicon.find_phrases(sentence, rules.feature_terms):
            discovery = ["situation"]  # an open question about their world is discovery, whatever its words
        asked.append(Question(text=sentence, form=form, discovery=discovery))

    feature_phrases = lexicon.find_phrases(text, rules.feature_terms)
    feature_chunks = [h for h in signals.capability_hits if h.score >= sim.feature]
    feature_evidence = [Evidence(phrase=p) for p in feature_phrases]
    feature_evidence += [Evidence(chunk_id=h.id, score=h.score) for h in feature_chunks]
    statement = _best(signals.statement_scores, sim.persona_statement)
    discovering = any(q.form == "open" and q.discovery for q in asked)
    feature_pitch = (len(feature_phrases) >= 2
                     or (bool(feature_phrases) and (bool(feature_chunks) or not (discovering or statement)))
                     or (not discovering and any(h.score >= sim.feature_alone for h in feature_chunks)))

    value_chunks = [h for h in signals.value_hits if h.score >= sim.value]
    value_evidence = [Evidence(phrase=statement[0], score=round(statement[1], 4))] if statement else []
    value_evidence += [Evidence(chunk_id=h.id, score=h.score) for h in value_chunks]
    priority = _best(signals.priority_scores, sim.priority)

    stated = lexicon.figures(text, rules.figure_exempt_units)
    cases = _case_references(text, stated, signals, rules)
    backed = set().union(*(signals.case_figures.get(c.case_id, set()) for c in cases)) if cases else set()
    unsupported = [f for f in stated if not is_supported(f, supported_figures | backed, derivable)]
    unsupported += [p for p in lexicon.find_phrases(text, rules.promise_terms)]

    jargon = lexicon.find_phrases(text, rules.jargon_terms) + lexicon.acronyms(
        text, [*rules.plain_acronyms, *known_acronyms])
    jargon_per_100 = round(100 * len(jargon) / n_words, 2) if n_words else 0.0
    next_step = lexicon.find_phrases(text, rules.next_step.ask)
    with_exec = bool(next_step) and bool(lexicon.find_phrases(text, rules.next_step.involves_executive))
    lecturing = lexicon.find_phrases(text, rules.lecturing)
    if lecturing and asked:
        lecturing = lecturing if all(q.form == "leading" for q in asked) else []
    facts = [i for i, score in enumerate(signals.fact_scores) if score >= sim.hidden_fact]
    injection = lexicon.find_phrases(text, rules.injection)
    time_check = lexicon.find_phrases(text, rules.time_check)
    open_question = any(q.form == "open" for q in asked)
    off_topic = (n_words >= 4 and signals.best_score < sim.on_topic and not next_step and not time_check
                 and not open_question)

    analysis = TurnAnalysis(
        words=n_words, speaking_s=round(n_words * 60 / rules.speaking_words_per_minute, 1), questions=asked,
        feature_pitch=feature_pitch, feature_evidence=feature_evidence,
        value_for_title=bool(statement or value_chunks), value_evidence=value_evidence,
        priority=priority[0] if priority else None,
        priority_named=signals.priorities_named[0] if signals.priorities_named else None, case_notes=cases, unsupported_claims=unsupported,
        jargon=jargon, jargon_per_100=jargon_per_100, monologue=n_words > rules.monologue_words,
        long_turn=n_words > rules.long_turn_words, time_check=time_check,
        next_step_ask=next_step, next_step_with_executive=with_exec, lecturing=lecturing,
        rude=lexicon.find_phrases(text, rules.rude), off_topic=off_topic, injection=injection, facts_asked=facts,
        tags=[],
    )
    analysis.tags = tags_for(analysis, rules)
    return analysis


def tags_for(a: TurnAnalysis, rules: AnalysisRules) -> list[str]:
    """Short labels for transcripts and filters, in a fixed order."""
    checks = [
        ("feature_pitch", a.feature_pitch), ("value_for_title", a.value_for_title),
        ("priority", a.priority is not None), ("open_question", a.open_questions > 0),
        ("discovery", a.discovery_questions > 0),
        ("leading_question", any(q.form == "leading" for q in a.questions)),
        ("case_note", bool(a.case_notes)), ("wrong_figures", any(not c.figures_match for c in a.case_notes)),
        ("unsupported_claim", bool(a.unsupported_claims)),
        ("jargon", a.jargon_per_100 >= rules.jargon_per_100_words_high), ("monologue", a.monologue),
        ("time_check", bool(a.time_check)), ("next_step_ask", bool(a.next_step_ask)),
        ("lecturing", bool(a.lecturing)), ("rude", bool(a.rude)), ("off_topic", a.off_topic),
        ("injection", bool(a.injection)),
    ]
    return [name for name, present in checks if present]


def figure_index(docs: Sequence[KnowledgeDoc], rules: AnalysisRules) -> tuple[dict[str, set[str]], set[str]]:
    """(figures per case note, every figure in the knowledge): what a rep's numbers are checked against."""
    def of(doc: KnowledgeDoc) -> set[str]:
        return set(lexicon.figures(" ".join(s.text for s in doc.sections), rules.figure_exempt_units))

    per_case = {d.id: of(d) for d in docs if d.meta.kind == "case_note"}
    everything = set().union(*(of(d) for d in docs)) if docs else set()
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


def persona_vocabulary(persona: Persona, rules: AnalysisRules) -> tuple[set[str], frozenset[str]]:
    """(figures, acronyms) the buyer uses themself: a rep repeating them is neither inventing nor jargon."""
    text = " ".join([*persona.goals, *persona.problems, *persona.needs, *persona.priorities, persona.background,
                     persona.company.size, *persona.objections])
    return set(lexicon.figures(text, rules.figure_exempt_units)), frozenset(lexicon.ACRONYM.findall(text))
