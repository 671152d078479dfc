"""Grading a call: the criteria's answers, call metrics, an outcome-capped score, coaching from
this title's content and, with a capable model, the model judge beside the rules.

Why deterministic first: a manager must see why a score is what it is. Each criterion is
answered from the turn analyses with the exact words that decided it (`coach.grading.criteria`);
what cannot be judged is `unscored` and left out of the arithmetic; the outcome caps the score (a
call that got delegated can never be strong). Weights, bands and caps live in
`coach/data/rubric.yaml`. Coaching searches the knowledge index and the judge asks a model, so
they live here, a layer above the pure criteria.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from coach.call import lexicon
from coach.call.policy import load_buyer_rules, start
from coach.content.catalog import Content
from coach.content.personas import Persona
from coach.grading.criteria import answer_all, small_talk_share
from coach.grading.judge import capable, judge_call
from coach.grading.rubric import Rubric, load_rubric
from coach.content.knowledge import KnowledgeDoc
from coach.grading.scorecard import (Coaching, OutcomeSource, CriterionResult, DocRef, Improvement, JudgeReport, Metrics, Result,
                                     Rewrite, Scorecard, Strength)
from coach.retrieval.hits import Hit
from coach.transcript import CallTurn, Transcript

if TYPE_CHECKING:
    from coach.call.engine import Call
    from coach.llm import LLM


class CoachingSearch(Protocol):
    """What coaching asks of the knowledge index: this title's value talk and case notes nearest a turn."""

    def value_for_title(self, text: str = "", title: str = "", offering: str | None = None, k: int = 4) -> list[Hit]:
        ...

    def case_notes(self, text: str = "", title: str | None = None, industry: str | None = None,
                   k: int = 3) -> list[Hit]:
        ...


@dataclass(frozen=True)
class _Graded:
    """A transcript with who it was with and what the coaching may draw on."""

    transcript: Transcript
    persona: Persona  # the executive the call was with
    content: Content
    search: CoachingSearch

    @property
    def turns(self) -> list[CallTurn]:
        return self.transcript.turns

    @property
    def outcome(self) -> str:
        return self.transcript.outcome

    @property
    def delegated_to(self) -> str | None:
        return self.transcript.delegated_to


def _earned_and_cap(results: dict[str, Result], rubric: Rubric, outcome: str,
                    conduct: Sequence[str]) -> tuple[float, int, str] | None:
    """(what the criteria earned, the lowest cap that applies, what set that cap); None if nothing was scored."""
    weights = {c.id: c.weight for c in rubric.criteria}
    scored = {k: v for k, v in results.items() if v != "unscored"}
    if not scored:
        return None
    earned = 100 * sum(weights[k] for k, v in scored.items() if v == "yes") / sum(weights[k] for k in scored)
    cap, why = min([(rubric.outcome_caps.get(outcome, 100), outcome),
                    *((rubric.conduct_caps[t], t) for t in conduct if t in rubric.conduct_caps)])
    return earned, cap, why


def overall_score(results: dict[str, Result], rubric: Rubric, outcome: str,
                  conduct: Sequence[str] = ()) -> tuple[int | None, str | None]:
    """Weighted share of `yes` among scored criteria, capped by the outcome and by conduct
    (`conduct`: tags such as "injection" or "rude" seen in the rep's turns); None if nothing was scored."""
    found = _earned_and_cap(results, rubric, outcome, conduct)
    if found is None:
        return None, None
    earned, cap, _ = found
    score = round(min(earned, cap))
    band = next(name for name, floor in sorted(rubric.bands.items(), key=lambda kv: -kv[1]) if score >= floor)
    return score, band


def binding_cap(results: dict[str, Result], rubric: Rubric, outcome: str, conduct: Sequence[str] = ()) -> str | None:
    """Why the score is lower than the criteria earned, in a manager's words ("No next step was agreed:
    64 at most."), or None when no cap bit: a rep should know what held the grade down."""
    found = _earned_and_cap(results, rubric, outcome, conduct)
    if found is None or round(found[0]) <= found[1]:
        return None
    _, cap, why = found
    return f"{rubric.cap_reasons.get(why, why.replace('_', ' ').capitalize())}: {cap} at most."


def conduct_shown(turns: Sequence[CallTurn], rubric: Rubric) -> list[str]:
    """The conduct faults that cap the grade. Rudeness caps it when it is plain: in more than one
    turn, or in one turn the buyer reacted to (warned, handed off or ended the call). A single line
    read as rude that the buyer took in stride is more likely a misreading than an insult."""
    rude_turns = sum("rude" in t.tags for t in turns)
    shown = {tag for turn in turns for tag in turn.tags if tag in rubric.conduct_caps
             and (tag != "rude" or rude_turns > 1 or turn.move in ("warn", "delegate", "disengage"))}
    analyses = [t.analysis for t in turns if t.analysis is not None]
    if "time_wasting" in rubric.conduct_caps and small_talk_share(analyses, rubric) >= rubric.small_talk_share:
        shown.add("time_wasting")
    return sorted(shown)


def rescored(card: Scorecard, overrides: Mapping[str, str], turns: Sequence[CallTurn],
             rubric: Rubric | None = None) -> int | None:
    """The overall score once a manager's overrides (criterion id -> yes | no) replace the grader's
    answers: a manager who corrects a criterion corrects the score too. The outcome and conduct caps
    still apply (conduct read again from the stored turns). The card's own score without overrides, or
    when every override only repeats the grader's answer."""
    graders = {c.id: c.result for c in card.criteria}
    if all(graders.get(cid) == result for cid, result in overrides.items()):
        return card.overall
    rubric = rubric or load_rubric()
    results: dict[str, Result] = {c.id: overrides.get(c.id, c.result) for c in card.criteria}  # type: ignore[misc]
    return overall_score(results, rubric, card.outcome, conduct_shown(turns, rubric))[0]


def rating_for(score: int | None, rubric: Rubric) -> int | None:
    """The 1-5 rating a sales manager would give for an overall score (None when unscored)."""
    if score is None:
        return None
    return max(rating for rating, floor in rubric.ratings.items() if score >= floor)


def metrics_for(call: _Graded, buyer_words: int) -> Metrics:
    """Numbers a manager reads at a glance."""
    analyses = [t.analysis for t in call.turns if t.analysis is not None]
    rep_words = sum(x.words for x in analyses)
    questions = [q for x in analyses for q in x.questions]
    kinds: dict[str, int] = {}
    for q in questions:
        for kind in q.discovery:
            kinds[kind] = kinds.get(kind, 0) + 1
    jargon = sum(len(x.jargon) for x in analyses)
    case_refs = [c for x in analyses for c in x.case_notes]
    asks = [t for t in call.turns if t.analysis and t.analysis.next_step_ask]
    return Metrics(
        rep_turns=len(analyses),
        rep_talk_share=round(rep_words / max(1, rep_words + buyer_words), 3),
        rep_seconds=round(sum(x.speaking_s for x in analyses), 1),
        questions=len(questions),
        open_questions=sum(q.form == "open" for q in questions),
        leading_questions=sum(q.form == "leading" for q in questions),
        discovery_kinds=kinds,
        longest_turn_words=max((x.words for x in analyses), default=0),
        feature_pitches=sum(x.feature_pitch for x in analyses),
        value_for_title_turns=sum(x.value_turn for x in analyses),
        jargon_per_100_words=round(100 * jargon / max(1, rep_words), 2),
        priorities_named=sorted({x.priority for x in analyses if x.priority}),
        case_notes_used=sorted({c.case_id for c in case_refs}),
        case_note_figures_wrong=sum(not c.figures_match for c in case_refs),
        unsupported_claims=sum(len(x.unsupported_claims) for x in analyses),
        minutes_used=round(max((t.elapsed_s for t in call.turns), default=0.0) / 60, 1),
        minutes_budget=call.persona.time_budget_min,
        next_step_asked=bool(asks),
        next_step_agreed=call.outcome == "advanced",
        next_step_with=call.persona.id if call.outcome == "advanced" else call.delegated_to,
        outcome=call.outcome,
        attention=[t.attention for t in call.turns],
    )


def plural_title(title: str) -> str:
    """How a seller names this title's peers: "Chief Financial Officer" → "CFOs" (a C-suite title by its
    letters, as people say it), "VP of Sales" → "VPs of Sales", "Plant Manager" → "Plant Managers"."""
    words = title.split()
    if len(words) >= 3 and words[0] == "Chief" and words[-1] == "Officer" and all(w[:1].isupper() for w in words):
        return "C" + "".join(w[0] for w in words[1:-1]) + "Os"
    head, sep, tail = next(((title[:i], s, title[i + len(s):]) for s in (" of ", ", ", " - ")
                            if (i := title.find(s)) > 0), (title, "", ""))
    if head.endswith("s"):
        return title
    head = head[:-1] + "ies" if head.endswith("y") and head[-2:-1] not in "aeiou" else head + "s"
    return f"{head}{sep}{tail}"


def offering_for(call: _Graded) -> str | None:
    """What the rep sells this buyer: the persona's `offering`, else the one whose value talk for this
    title is nearest the buyer's own goals and problems."""
    if call.persona.offering:
        return call.persona.offering
    hits = call.search.value_for_title(" ".join([*call.persona.goals, *call.persona.problems]),
                                       call.persona.title_key, k=1)
    return hits[0].offering if hits else None


def weakest_turn(call: _Graded, results: list[CriterionResult]) -> CallTurn | None:
    """The turn that cost the most attention, or else the first one a failed criterion quotes; None
    when no turn did either (nothing to rewrite)."""
    turns = [t for t in call.turns if t.analysis is not None and t.move != "advance"]
    costly = [t for t in turns if t.attention - _attention_before(call, t) < 0]
    if costly:
        return min(costly, key=lambda t: (t.attention - _attention_before(call, t), t.index))
    quoted = sorted({q.turn for r in results if r.result == "no" for q in r.evidence})
    return next((t for t in turns if t.index in quoted), None)


def coaching_for(call: _Graded, results: list[CriterionResult], rubric: Rubric) -> Coaching:
    """Two strengths, three improvements naming this buyer's value proposition or case note (their
    offering, their title), and a rewrite of the weakest turn."""
    weights = {c.id: c.weight for c in rubric.criteria}
    title = call.persona.title_key
    offering = offering_for(call)
    props = [d for d in call.content.value_props_for(title) if offering is None or d.meta.offering == offering] \
        or call.content.value_props_for(title)
    notes = [n for n in call.content.case_notes() if title in n.meta.titles]
    weakest = weakest_turn(call, results)
    vector_text = weakest.rep if weakest else " ".join(call.persona.goals[:2])
    hits = call.search.value_for_title(vector_text, title, offering=offering, k=1) if props else []
    prop = call.content.knowledge.get(hits[0].doc_id) if hits else (props[0] if props else None)
    case_hits = [h for h in call.search.case_notes(vector_text, title=title, k=6)
                 if offering is None or h.offering == offering]
    same_offering = [n for n in notes if offering is None or n.meta.offering == offering]
    note = call.content.knowledge.get(case_hits[0].doc_id) if case_hits else \
        (same_offering[0] if same_offering else None)

    def ref(doc: KnowledgeDoc | None) -> DocRef | None:
        return DocRef(id=doc.id, title=doc.title) if doc else None

    strengths = sorted((r for r in results if r.result == "yes"), key=lambda r: -weights[r.id])[:2]
    gaps = sorted((r for r in results if r.result == "no"), key=lambda r: -weights[r.id])[:3]
    rewrite = None
    if weakest is not None and prop is not None:
        problem = (prop.section("problems").text.splitlines() or [""])[0].lstrip("- ").rstrip(".")
        result = note.section("result").text.splitlines()[0].lstrip("- ").rstrip(".") if note else ""
        line = f"Many {plural_title(call.persona.title)} we work with tell us: {problem[:1].lower()}{problem[1:]}. " \
               f"Is that true at {call.persona.company.name}?"
        if result and note:
            line += f" One customer we worked with: {result}."
        cost = weakest.attention - _attention_before(call, weakest)
        why = (f"It cost the most attention ({weakest.reason})" if cost < 0 else
               "A criterion it needed was missed here")
        rewrite = Rewrite(turn=weakest.index, original=weakest.rep, suggested=line,
                          why=f"{why}; this puts their problem first, in their words, and tests it with a question.",
                          source=[ref(prop), ref(note)], written_by="rules")
    return Coaching(
        strengths=[Strength(criterion=r.id, note=r.question, evidence=list(r.evidence)) for r in strengths],
        improvements=[Improvement(criterion=r.id, tip=r.tip, use=ref(prop) if i % 2 == 0 else ref(note))
                      for i, r in enumerate(gaps)],
        rewrite=rewrite,
    )


def _attention_before(call: _Graded, turn: CallTurn) -> int:
    earlier = [t for t in call.turns if t.index < turn.index and t.buyer_persona == turn.buyer_persona]
    if earlier:
        return earlier[-1].attention
    persona = call.content.personas.get(turn.buyer_persona, call.persona)
    return start(persona, load_buyer_rules()).attention


def grade_call(call: Call, buyer_lines: dict[int, str] | None = None, rubric: Rubric | None = None,
               judge: LLM | None = None) -> Scorecard:
    """Grade a call held by the engine (simulated, practised or replayed)."""
    return grade(call.transcript, persona=call.persona, content=call.content, search=call.store,
                 buyer_lines=buyer_lines, rubric=rubric, judge=judge, outcome_source="simulated")


def grade(transcript: Transcript, *, persona: Persona, content: Content, search: CoachingSearch,
          buyer_lines: dict[int, str] | None = None, rubric: Rubric | None = None,
          judge: LLM | None = None, outcome_source: OutcomeSource | None = None,
          outcome_evidence: str | None = None) -> Scorecard:
    """Grade a transcript with the executive it was with. `buyer_lines` replaces the buyer's words
    where a real transcript had its own (used for follow-up questions and talk share). With a capable
    `judge` model, its quote-checked answers are added beside the deterministic ones; coaching
    searches `search` for this title's value proposition and case note."""
    call = _Graded(transcript, persona, content, search)
    rubric = rubric or load_rubric()
    said = {t.index: t.buyer for t in call.turns} | (buyer_lines or {})
    buyer_before = {i + 1: said[i] for i in said if i + 1 in said}
    judged = answer_all(call.turns, buyer_before, call.persona.time_budget_min * 60, rubric)
    results = [CriterionResult(id=c.id, question=c.question, result=judged[c.id][0], evidence=judged[c.id][1],
                               tip=c.tip) for c in rubric.criteria]
    conduct = conduct_shown(call.turns, rubric)
    answers = {r.id: r.result for r in results}
    overall, band = overall_score(answers, rubric, call.outcome, conduct)
    capped_by = binding_cap(answers, rubric, call.outcome, conduct)
    buyer_words = sum(len(lexicon.words(t)) for t in said.values())
    card = Scorecard(overall=overall, band=band, rating=rating_for(overall, rubric), outcome=call.outcome,
                     criteria=results, metrics=metrics_for(call, buyer_words),
                     coaching=coaching_for(call, results, rubric), outcome_source=outcome_source,
                     outcome_evidence=outcome_evidence, capped_by=capped_by)
    if capable(judge) and call.turns:
        card.judge = _ask_judge(judge, call, said, results, rubric, card.coaching)
    return card


def _ask_judge(judge: LLM, call: _Graded, said: dict[int, str], results: list[CriterionResult], rubric: Rubric,
               coaching: Coaching) -> JudgeReport:
    """Run the model judge; adopt its rewrite in the coaching when it passed the checks."""
    turns: list[tuple[str, int, str]] = []
    for t in call.turns:
        turns += [("rep", t.index, t.rep), ("buyer", t.index, said.get(t.index, t.buyer))]
    rewrite = coaching.rewrite
    sources = [call.content.knowledge.get(ref.id) for ref in (rewrite.source if rewrite else []) if ref]
    prop = next((d for d in sources if d is not None and d.meta.kind == "value_proposition"), None)
    note = next((d for d in sources if d is not None and d.meta.kind == "case_note"), None)
    value = " ".join(prop.section("problems").text.split()[:60]) if prop else "; ".join(call.persona.goals[:2])
    result = note.section("result").text.splitlines()[0].lstrip("- ") if note else ""
    known = set(lexicon.figures(f"{value} {result}")) | set(lexicon.figures(" ".join(call.persona.goals)))
    report = judge_call(judge, buyer_name=call.persona.name, buyer_title=call.persona.title,
                        company=call.persona.company.name, turns=turns,
                        criteria=[(c.id, c.question) for c in rubric.criteria],
                        deterministic={r.id: r.result for r in results},
                        weak_turn=rewrite.turn if rewrite else call.turns[-1].index, value=value, result=result,
                        known_figures=known)
    if report.rewrite and rewrite:
        rewrite.built, rewrite.suggested, rewrite.written_by = rewrite.suggested, report.rewrite, "model"
    return report
