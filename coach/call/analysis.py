"""Turn analysis: what a rep's turn did, with the evidence for each finding.

`analyse_turn` is pure: text + `SemanticSignals` (similarities between the turn and what we
know, computed elsewhere by `coach.retrieval.signals.Semantics` and handed in as plain data)
+ rules → `TurnAnalysis`. It imports no embedder, index, model or database.
"""

from __future__ import annotations

import re

from typing import Literal

from pydantic import BaseModel, ConfigDict

from coach.call import lexicon
from coach.call.rules import AnalysisRules
from coach.acts.types import ASSERTING_ACTS, DISCOVERY_ACTS
from coach.call.proof import CaseReference, case_references, figure_index, is_supported, rounded_from  # noqa: F401 - re-exported
from coach.call.signals import SemanticSignals
from coach.call.turn_acts import ActView
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
    act: str | None = None  # what the sentence does, when acts were read (a next-step ask is not discovery)
    follows_up: float | None = None  # closeness in meaning to what the buyer said just before (None: unknown)
    agenda: float | None = None  # how surely it asks about their priorities or goals (topic reading; None: not read)


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
    # the sentences that carry the point, for the grader's quotes (None: not measured, or no such point)
    priority_quote: str | None = None
    value_quote: str | None = None
    case_notes: list[CaseReference]
    unsupported_claims: list[str]  # figures and promises nothing backs
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
    small_talk: bool = False
    invented_proof: list[str] = []  # customer stories with figures no case note holds (invented or misquoted)
    feature_pitch_maybe: bool = False  # an unsure reading of a feature statement: a smaller cost, no hand-off
    soft_claims: list[str] = []  # vague praise nothing backs ("customers love it"): doubted, but no promise made
    rude_maybe: bool = False  # an unsure reading of a rude sentence: a smaller cost, never counted towards ending
    acts: list[tuple[str, str, float]] = []  # (sentence, act, confidence), in order; empty when no acts were read
    unsure: list[str] = []  # readings of consequence held back for lack of confidence, for the reason shown

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
    def unbacked_talk(self) -> list[str]:
        """Every claim nothing backs, promises and soft praise alike: the buyer doubts both, while only a
        promise fails the grade's "claimed nothing that cannot be backed"."""
        return [*self.unsupported_claims, *self.soft_claims]

    @property
    def value_turn(self) -> bool:
        """Talks about this buyer's goals, problems or needs without pitching features (buyer and grader agree)."""
        return self.value_for_title and not self.feature_pitch

    def first_sentence_of(self, *acts: str) -> str | None:
        """The first sentence read as one of `acts` (what a criterion quotes), None without acts."""
        return next((text for text, act, _ in self.acts if act in acts), None)

    @property
    def first_feature_phrase(self) -> str | None:
        """The first feature word the rep used, to quote."""
        return next((e.phrase for e in self.feature_evidence if e.phrase), None)


# what a rep says about us or its results: where a promise in so many words makes a claim
PROMISING_ACTS = frozenset({"feature", "value", "claim", "objection_handling"})

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


def _questions(text: str, rules: AnalysisRules, view: ActView | None, follow_up: dict[str, float],
               topics: dict[str, dict[str, float]]) -> list[Question]:
    """The questions asked: sentences ending in "?" and, when acts were read, discovery said as a
    request ("Walk me through the close."); the discovery kind comes from the act when there is one."""
    asked = []
    said = lexicon.sentences(text)
    for sentence in said:
        reading = view.reading_for(sentence) if view is not None else None
        requested = reading is not None and reading.sure and reading.act in DISCOVERY_ACTS
        if not (sentence.endswith("?") or requested):
            continue
        form, discovery = lexicon.classify_question(sentence, rules.questions)
        if view is not None:
            discovery = view.discovery_kind(sentence)
            if discovery and form == "closed" and not lexicon.starts_closed(sentence, rules.questions):
                form = "open"  # "Integrations, data or operations: where does it hurt?"
            if requested and not sentence.endswith("?"):
                form = "open"
        elif form == "open" and not discovery and lexicon.find_phrases(sentence, rules.questions.about_them) \
                and not lexicon.find_phrases(sentence, rules.feature_terms):
            discovery = ["situation"]  # an open question about their world is discovery, whatever its words
        act = reading.act if reading else None
        if reading is not None and act == "agenda_time_check" and not reading.sure:
            act = reading.runner_up  # only a clear time check goes unanswered ("How much headroom is left…?")
        about = topics.get(sentence)
        agenda = round(sum(about.get(t, 0.0) for t in rules.agenda_topics), 4) if about else None
        asked.append(Question(text=sentence, form=form, discovery=discovery, act=act,
                              follows_up=follow_up.get(sentence), agenda=agenda))
    return asked


def analyse_turn(text: str, signals: SemanticSignals, rules: AnalysisRules, supported_figures: set[str],
                 known_acronyms: frozenset[str] = frozenset(), derivable: set[str] = frozenset()) -> TurnAnalysis:
    """Analyse one rep turn. Pure: the same inputs always give the same analysis.

    `supported_figures` are numbers the rep may state (the knowledge's, the buyer's own);
    `known_acronyms` are ones the buyer uses themself, so they are not jargon to them.
    """
    sim = rules.similarity
    view = ActView(signals.sentence_acts, rules.claim_commits) if signals.sentence_acts else None
    word_list = lexicon.words(text)
    n_words = len(word_list)
    asked = _questions(text, rules, view, signals.follow_up, signals.question_topics)

    feature_phrases = lexicon.find_phrases(text, rules.feature_terms)
    feature_chunks = [h for h in signals.capability_hits if h.score >= sim.feature]
    statement = _best(signals.statement_scores, sim.persona_statement)
    discovering = any(q.form == "open" and q.discovery for q in asked)
    if view is not None:  # what each sentence does decides; word lists only where no acts were read
        pitched = view.sure("feature") + [r for r in view.readings
                                          if r.act == "claim" and r.chance("feature") >= rules.claim_as_feature]
        if feature_chunks:  # product talk (even unsure) in a turn that matches our capabilities is a pitch
            pitched += [r for r in view.readings if r.act in ("feature", "ask_product_preference", "claim")
                        and r not in pitched]
        preferences = view.sure("ask_product_preference")
        # a turn that reads like one of our capability lines, with no discovery in it, pitches whatever its acts
        alike = not discovering and any(h.score >= sim.feature_alone for h in feature_chunks)
        feature_pitch = bool(pitched) or len(preferences) >= 2 or alike
        feature_evidence = [Evidence(phrase=r.text) for r in [*pitched, *preferences]]
        feature_evidence += [Evidence(chunk_id=h.id, score=h.score) for h in feature_chunks if feature_pitch]
        feature_maybe = not feature_pitch and bool(view.unsure("feature"))
        business, about_them = view.does_business, view.talks_about_them
    else:
        feature_evidence = [Evidence(phrase=p) for p in feature_phrases]
        feature_evidence += [Evidence(chunk_id=h.id, score=h.score) for h in feature_chunks]
        feature_pitch = (len(feature_phrases) >= 2
                         or (bool(feature_phrases) and (bool(feature_chunks) or not (discovering or statement)))
                         or (not discovering and any(h.score >= sim.feature_alone for h in feature_chunks)))
        feature_maybe, business, about_them = False, True, True

    value_chunks = [h for h in signals.value_hits if h.score >= sim.value] if about_them else []
    statement = statement if about_them else None
    value_evidence = [Evidence(phrase=statement[0], score=round(statement[1], 4))] if statement else []
    value_evidence += [Evidence(chunk_id=h.id, score=h.score) for h in value_chunks]
    # only a turn surely all pleasantry or side talk cannot tie to a priority; a time check that names what is on
    # their desk ("is 20 minutes right, and is the board plan the main thing?") can
    priority = _best(signals.priority_scores, sim.priority) if view is None or not view.only_side_talk else None

    # a figure is a claim when a sentence asserts it; one inside a question or a pleasantry claims nothing.
    # A statement whose reading is unsure may still assert: its figures count.
    # An idea put as a question ("…to those 42 techs, would you still need the hires?") claims nothing
    # unless it is read as a claim or a customer story ("Did you know 80% of CFOs…?").
    asserting = [r.text for r in view.readings
                 if (r.act in ASSERTING_ACTS and (not r.text.rstrip().endswith("?") or r.act in ("claim", "case_story")))
                 or (not r.sure and not r.text.rstrip().endswith("?"))] if view is not None else [text]
    stated = [f for sentence in asserting for f in lexicon.figures(sentence, rules.figure_exempt_units)]
    if view is not None:
        stories = [r.text for r in view.sure("case_story")]
    else:  # without acts: the whole turn, when it cites a customer or quotes a note's figure
        quotes_a_note = any(set(stated) & figs for figs in signals.case_figures.values())
        stories = [text] if lexicon.find_phrases(text, rules.case_reference_cues) or quotes_a_note else []
    cases, invented = case_references(stories, signals, rules, derivable)
    told = " ".join(stories)
    backed = set().union(*(signals.case_figures.get(c.case_id, set()) for c in cases)) if cases else set()
    # a figure of the note the story tells may be rounded or put in other units ("around $400K" for $0.4M)
    unsupported = [f for f in stated if not is_supported(f, supported_figures | backed, derivable)
                   and not rounded_from(f, backed)
                   and not (f in lexicon.figures(told, rules.figure_exempt_units) and invented)]
    unsupported += invented
    soft_claims: list[str] = []
    if view is not None:
        for claim in view.sure("claim"):
            (unsupported if view.promises(claim) else soft_claims).append(claim.text)
        # a promise in so many words ("plugs straight into any ERP", "guaranteed") is one whatever the act
        unsupported += [r.text for r in view.readings if r.act in PROMISING_ACTS and r.text not in unsupported
                        and lexicon.find_phrases(r.text, rules.promise_terms)]
    else:
        unsupported += lexicon.find_phrases(text, rules.promise_terms)

    jargon = lexicon.find_phrases(text, rules.jargon_terms) + lexicon.acronyms(
        text, [*rules.plain_acronyms, *known_acronyms])
    jargon_per_100 = round(100 * len(jargon) / n_words, 2) if n_words else 0.0
    if view is not None:
        asks = view.sure("next_step_ask")
        next_step = [r.text for r in asks]
        with_exec = any((r.involves_buyer if r.involves_buyer is not None else
                         bool(lexicon.find_phrases(r.text, rules.next_step.involves_executive))) >= 0.5 for r in asks)
        time_check = [r.text for r in view.sure("agenda_time_check")]
        rude = lexicon.find_phrases(text, rules.rude) + [r.text for r in view.sure("rude")]
        rude_maybe = not rude and bool(view.unsure("rude"))
        manipulation = [r.text for r in view.sure("manipulation")]
        small_talk = bool(view.sure("small_talk", "off_topic")) and not business
    else:
        next_step = lexicon.find_phrases(text, rules.next_step.ask)
        with_exec = bool(next_step) and bool(lexicon.find_phrases(text, rules.next_step.involves_executive))
        time_check = lexicon.find_phrases(text, rules.time_check)
        rude, manipulation, small_talk = lexicon.find_phrases(text, rules.rude), [], False
        rude_maybe = False
    lecturing = lexicon.find_phrases(text, rules.lecturing)
    if lecturing and asked:
        lecturing = lecturing if all(q.form == "leading" for q in asked) else []
    if view is not None:
        lecturing += [r.text for r in view.sure("lecturing")]
        unsupported += [r.text for r in view.sure("lecturing")]  # how their business works, backed by nothing
    facts = sorted((i for i, score in enumerate(signals.fact_scores) if score >= sim.hidden_fact),
                   key=lambda i: -signals.fact_scores[i])  # the closest first
    injection = lexicon.find_phrases(text, rules.injection) + manipulation
    open_question = any(q.form == "open" for q in asked)
    if view is not None:
        off_topic = n_words >= 4 and small_talk
    else:
        off_topic = (n_words >= 4 and signals.best_score < sim.on_topic and not next_step and not time_check
                     and not open_question)

    tied = priority[0] if priority else signals.priorities_named[0] if signals.priorities_named and business else None
    analysis = TurnAnalysis(
        priority_quote=signals.priority_sentences.get(tied) if tied else None,
        value_quote=signals.statement_sentence if statement else None,
        words=n_words, speaking_s=round(n_words * 60 / rules.speaking_words_per_minute, 1), questions=asked,
        feature_pitch=feature_pitch, feature_evidence=feature_evidence,
        value_for_title=bool(statement or value_chunks), value_evidence=value_evidence,
        priority=priority[0] if priority else None,
        priority_named=signals.priorities_named[0] if signals.priorities_named and business else None,
        case_notes=cases, unsupported_claims=unsupported, soft_claims=soft_claims,
        jargon=jargon, jargon_per_100=jargon_per_100, monologue=n_words > rules.monologue_words,
        long_turn=n_words > rules.long_turn_words, time_check=time_check,
        next_step_ask=next_step, next_step_with_executive=with_exec, lecturing=lecturing,
        rude=rude, off_topic=off_topic, injection=injection, facts_asked=facts,
        tags=[], small_talk=small_talk, invented_proof=invented, feature_pitch_maybe=feature_maybe, rude_maybe=rude_maybe,
        acts=[(r.text, r.act, r.confidence) for r in view.readings] if view is not None else [],
        unsure=view.unsure_notes("feature", "next_step_ask", "rude", "lecturing", "manipulation", "claim")
        if view else [],
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
        ("invented_proof", bool(a.invented_proof)),
        ("unsupported_claim", bool(a.unsupported_claims)),
        ("jargon", a.jargon_per_100 >= rules.jargon_per_100_words_high), ("monologue", a.monologue),
        ("time_check", bool(a.time_check)), ("next_step_ask", bool(a.next_step_ask)),
        ("lecturing", bool(a.lecturing)), ("rude", bool(a.rude)), ("off_topic", a.off_topic),
        ("injection", bool(a.injection)), ("small_talk", a.small_talk),
    ]
    return [name for name, present in checks if present]


def persona_vocabulary(persona: Persona, rules: AnalysisRules) -> tuple[set[str], frozenset[str]]:
    """(figures, acronyms) the buyer uses themself: a rep repeating them is neither inventing nor jargon."""
    text = " ".join([*persona.goals, *persona.problems, *persona.needs, *persona.priorities, persona.background,
                     persona.company.size, *persona.objection_texts])
    return set(lexicon.figures(text, rules.figure_exempt_units)), frozenset(lexicon.ACRONYM.findall(text))
