"""The scorecard: quote-backed yes/no criteria, call metrics, an overall score and coaching.

Why deterministic first: a manager must see why a score is what it is. Each criterion is
answered from the turn analyses with the exact words that decided it; what cannot be judged
is `unscored` and left out of the arithmetic; the outcome caps the score (a call that got
delegated can never be strong). Weights, bands and caps live in `coach/data/rubric.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from coach.call import lexicon
from coach.grading.judge import capable, judge_call
from coach.llm import LLM
from coach.call.engine import Call, CallTurn

GRADER_VERSION = "1"
Result = Literal["yes", "no", "unscored"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricCriterion(_Frozen):
    id: str
    question: str
    weight: float
    tip: str


class Rubric(_Frozen):
    criteria: list[RubricCriterion]
    bands: dict[str, int]
    ratings: dict[int, int]
    outcome_caps: dict[str, int]
    insight_cues: list[str]
    follow_up_cues: list[str]
    conduct_caps: dict[str, int]


@lru_cache(maxsize=1)
def load_rubric() -> Rubric:
    """The shipped rubric."""
    return Rubric.model_validate(yaml.safe_load(
        resources.files("coach.data").joinpath("rubric.yaml").read_text(encoding="utf-8")))


class Quote(_Frozen):
    turn: int
    quote: str


class CriterionResult(_Frozen):
    id: str
    question: str
    result: Result
    evidence: list[Quote]
    tip: str


class Scorecard(BaseModel):
    """The `coach grade --json` object."""

    model_config = ConfigDict(extra="forbid")
    overall: int | None
    band: str | None
    rating: int | None = None  # the 1-5 scale managers use, from the overall score
    outcome: str
    criteria: list[CriterionResult]
    metrics: dict
    coaching: dict
    judge: dict | None = None  # the optional model judge's checked answers and disagreements
    grader_version: str = GRADER_VERSION


def quote_in(text: str, phrase: str | None = None) -> str:
    """The sentence of `text` that holds `phrase` (else the first sentence): an exact quote."""
    sentences = lexicon.sentences(text) or [text]
    if phrase:
        for sentence in sentences:
            if phrase.lower() in sentence.lower():
                return sentence
    return sentences[0]


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text)} - _STOP


_STOP = {"that", "this", "with", "what", "your", "have", "about", "from", "they", "them", "there", "when", "would",
         "could", "should", "their", "which", "where", "were", "will", "just", "like", "more", "than", "then", "into",
         "does", "been", "being", "only", "also", "very", "much", "some", "here", "it's", "that's", "you're"}


def _follows_up(question: str, buyer_said: str, rubric: Rubric) -> bool:
    """Does a question build on the buyer's last answer: shares its words or figures, or
    points back at it ("those misses", "you mentioned")?"""
    if _content_words(question) & _content_words(buyer_said):
        return True
    if set(lexicon.figures(question)) & set(lexicon.figures(buyer_said)):
        return True
    opening = " ".join(lexicon.words(question)[:6])
    return bool(lexicon.find_phrases(opening, rubric.follow_up_cues))


def _judge(turns: list[CallTurn], buyer_before: dict[int, str], budget_s: float,
           rubric: Rubric) -> dict[str, tuple[Result, list[Quote]]]:
    """Each criterion's result and the quotes that decided it."""
    out: dict[str, tuple[Result, list[Quote]]] = {}
    a = {t.index: t.analysis for t in turns if t.analysis is not None}
    text = {t.index: t.rep for t in turns}
    if not a:
        return {c.id: ("unscored", []) for c in rubric.criteria}

    def quotes(hits: list[tuple[int, str | None]], limit: int = 2) -> list[Quote]:
        return [Quote(turn=i, quote=quote_in(text[i], phrase)) for i, phrase in hits[:limit]]

    def yes_if(hits: list[tuple[int, str | None]], misses: list[tuple[int, str | None]] = ()) -> tuple[Result, list[Quote]]:
        return ("yes", quotes(hits)) if hits else ("no", quotes(list(misses)))

    first = min(a)
    opener = a[first]
    hits = [(first, opener.time_check[0])] if opener.time_check else []
    hits += [(first, q.text) for q in opener.questions if q.form == "open"][:1]
    pitch_first = [(first, e.phrase) for e in opener.feature_evidence if e.phrase][:1] if opener.feature_pitch else []
    out["opened_on_their_agenda"] = ("yes", quotes(hits)) if hits and not opener.feature_pitch else \
        ("no", quotes(pitch_first or [(first, None)]))

    value = [(i, None) for i, x in a.items() if x.value_for_title and not x.feature_pitch]
    pitches = [(i, next((e.phrase for e in x.feature_evidence if e.phrase), None)) for i, x in a.items()
               if x.feature_pitch]
    out["relevant_to_title"] = yes_if(value, pitches)

    discovery = [(i, q.text) for i, x in a.items() for q in x.questions if q.form == "open" and q.discovery]
    follow = [(i, q) for i, q in discovery if i in buyer_before and _follows_up(q, buyer_before[i], rubric)]
    if len(discovery) >= 2 and follow:
        out["real_discovery_with_follow_up"] = ("yes", quotes([follow[0], *[d for d in discovery if d != follow[0]]]))
    elif len(a) < 2 and discovery:
        out["real_discovery_with_follow_up"] = ("unscored", quotes(discovery))
    else:
        closed = [(i, q.text) for i, x in a.items() for q in x.questions if q.form != "open"]
        out["real_discovery_with_follow_up"] = ("no", quotes(discovery or closed))

    out["tied_to_a_priority"] = yes_if([(i, None) for i, x in a.items() if x.priority or x.priority_named])
    backed = [(i, next(iter(c.figures_quoted), None)) for i, x in a.items() for c in x.case_notes if c.figures_match]
    wrong = [(i, None) for i, x in a.items() for c in x.case_notes if not c.figures_match]
    out["value_backed_by_case_note"] = ("yes", quotes(backed)) if backed and not wrong else ("no", quotes(wrong))

    first_discovery = min((i for i, _ in discovery), default=None)
    early = [(i, p) for i, p in pitches if first_discovery is None or i < first_discovery]
    out["no_pitch_before_discovery"] = ("no", quotes(early)) if early else ("yes", quotes(discovery[:1]))

    wordy = [(i, x.jargon[0] if x.jargon else None) for i, x in a.items()
             if x.monologue or "jargon" in x.tags]
    out["plain_and_brief"] = ("no", quotes(wordy)) if wordy else ("yes", [])

    cued = [(i, cue) for i, x in a.items() for cue in lexicon.find_phrases(text[i], rubric.insight_cues)[:1]
            if x.questions and not x.lecturing]
    lectures = [(i, x.lecturing[0]) for i, x in a.items() if x.lecturing]
    out["insight_tested_with_question"] = ("no", quotes(lectures)) if lectures else yes_if(cued)

    over = [(t.index, None) for t in turns if t.elapsed_s >= budget_s][:1]  # the buyer times out at the budget
    warned = {t.index + 1 for t in turns if t.move == "warn"}
    ignored = [(i, None) for i, x in a.items() if i in warned and (x.monologue or x.feature_pitch)][:1]
    out["respected_the_time"] = ("no", quotes(over + ignored)) if over or ignored else ("yes", [])

    asks = [(i, x.next_step_ask[0]) for i, x in a.items() if x.next_step_ask]
    executive = turns[0].buyer_persona if turns else None  # after a hand-off, "with you" means the delegate
    to_executive = {t.index for t in turns if t.buyer_persona == executive}
    with_exec = [(i, p) for i, p in asks if a[i].next_step_with_executive and i in to_executive]
    out["next_step_with_executive"] = ("yes", quotes(with_exec)) if with_exec else ("no", quotes(asks))

    claims = [(i, c) for i, x in a.items() for c in x.unsupported_claims]
    out["no_unsupported_claims"] = ("no", quotes(claims)) if claims else ("yes", [])
    return out


def overall_score(results: dict[str, Result], rubric: Rubric, outcome: str,
                  conduct: Sequence[str] = ()) -> tuple[int | None, str | None]:
    """Weighted share of `yes` among scored criteria, capped by the outcome and by conduct
    (`conduct`: tags such as "injection" or "rude" seen in the rep's turns); None if nothing was scored."""
    weights = {c.id: c.weight for c in rubric.criteria}
    scored = {k: v for k, v in results.items() if v != "unscored"}
    if not scored:
        return None, None
    total = sum(weights[k] for k in scored)
    raw = 100 * sum(weights[k] for k, v in scored.items() if v == "yes") / total
    caps = [rubric.outcome_caps.get(outcome, 100), *(rubric.conduct_caps[t] for t in conduct if t in rubric.conduct_caps)]
    score = round(min(raw, *caps))
    band = next(name for name, floor in sorted(rubric.bands.items(), key=lambda kv: -kv[1]) if score >= floor)
    return score, band


def rating_for(score: int | None, rubric: Rubric) -> int | None:
    """The 1-5 rating a sales manager would give for an overall score (None when unscored)."""
    if score is None:
        return None
    return max(rating for rating, floor in rubric.ratings.items() if score >= floor)


def metrics_for(call: Call, buyer_words: int) -> dict:
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
    return {
        "rep_turns": len(analyses),
        "rep_talk_share": round(rep_words / max(1, rep_words + buyer_words), 3),
        "rep_seconds": round(sum(x.speaking_s for x in analyses), 1),
        "questions": len(questions),
        "open_questions": sum(q.form == "open" for q in questions),
        "leading_questions": sum(q.form == "leading" for q in questions),
        "discovery_kinds": kinds,
        "longest_turn_words": max((x.words for x in analyses), default=0),
        "feature_pitches": sum(x.feature_pitch for x in analyses),
        "value_for_title_turns": sum(x.value_for_title and not x.feature_pitch for x in analyses),
        "jargon_per_100_words": round(100 * jargon / max(1, rep_words), 2),
        "priorities_named": sorted({x.priority for x in analyses if x.priority}),
        "case_notes_used": sorted({c.case_id for c in case_refs}),
        "case_note_figures_wrong": sum(not c.figures_match for c in case_refs),
        "unsupported_claims": sum(len(x.unsupported_claims) for x in analyses),
        "minutes_used": round(max((t.elapsed_s for t in call.turns), default=0.0) / 60, 1),
        "minutes_budget": call.persona.time_budget_min,
        "next_step_asked": bool(asks),
        "next_step_agreed": call.outcome == "advanced",
        "next_step_with": call.persona.id if call.outcome == "advanced" else call.delegated_to,
        "outcome": call.outcome,
        "attention": [t.attention for t in call.turns],
    }


def coaching_for(call: Call, results: list[CriterionResult], rubric: Rubric) -> dict:
    """Two strengths, three improvements naming this title's value proposition or case note, and a rewrite."""
    weights = {c.id: c.weight for c in rubric.criteria}
    title = call.persona.title_key
    props = call.content.value_props_for(title)
    notes = [n for n in call.content.case_notes() if title in n.meta.titles] or call.content.case_notes()
    turns = [t for t in call.turns if t.analysis is not None]
    candidates = [t for t in turns if t.move != "advance"] or turns
    weakest = min(candidates, key=lambda t: (t.attention - _attention_before(call, t), t.index)) if turns else None
    vector_text = weakest.rep if weakest else call.persona.goals[0]
    hits = call.store.value_for_title(vector_text, title, k=1) if props else []
    prop = call.content.knowledge.get(hits[0].doc_id) if hits else (props[0] if props else None)
    case_hits = call.store.case_notes(vector_text, title=title, k=1)
    note = call.content.knowledge.get(case_hits[0].doc_id) if case_hits else (notes[0] if notes else None)

    def ref(doc) -> dict | None:
        return {"id": doc.id, "title": doc.title} if doc else None

    strengths = sorted((r for r in results if r.result == "yes"), key=lambda r: -weights[r.id])[:2]
    gaps = sorted((r for r in results if r.result == "no"), key=lambda r: -weights[r.id])[:3]
    rewrite = None
    if weakest is not None and prop is not None:
        problem = (prop.section("problems").text.splitlines() or [""])[0].lstrip("- ").rstrip(".")
        result = note.section("result").text.splitlines()[0].lstrip("- ").rstrip(".") if note else ""
        line = f"Many {call.persona.title}s we work with tell us: {problem.lower()}. Is that true at " \
               f"{call.persona.company.name}?"
        if result and note:
            line += f" One customer we worked with: {result}."
        rewrite = {"turn": weakest.index, "original": weakest.rep, "suggested": line,
                   "why": f"It cost the most attention ({weakest.reason}); this puts their problem first, in "
                          f"their words, and tests it with a question.",
                   "source": [ref(prop), ref(note)], "written_by": "rules"}
    return {
        "strengths": [{"criterion": r.id, "note": r.question, "evidence": [q.model_dump() for q in r.evidence]}
                      for r in strengths],
        "improvements": [{"criterion": r.id, "tip": r.tip, "use": ref(prop) if i % 2 == 0 else ref(note)}
                         for i, r in enumerate(gaps)],
        "rewrite": rewrite,
    }


def _attention_before(call: Call, turn: CallTurn) -> int:
    earlier = [t for t in call.turns if t.index < turn.index and t.buyer_persona == turn.buyer_persona]
    if earlier:
        return earlier[-1].attention
    from coach.call.policy import load_buyer_rules, start

    persona = call.content.personas.get(turn.buyer_persona, call.persona)
    return start(persona, load_buyer_rules()).attention


def grade_call(call: Call, buyer_lines: dict[int, str] | None = None, rubric: Rubric | None = None,
               judge: LLM | None = None) -> Scorecard:
    """Grade a finished (or open) call. `buyer_lines` replaces the simulated buyer's words where a
    real transcript had its own (used for follow-up questions and talk share). With a capable
    `judge` model, its quote-checked answers are added beside the deterministic ones."""
    rubric = rubric or load_rubric()
    said = {t.index: t.buyer for t in call.turns} | (buyer_lines or {})
    buyer_before = {i + 1: said[i] for i in said if i + 1 in said}
    judged = _judge(call.turns, buyer_before, call.persona.time_budget_min * 60, rubric)
    results = [CriterionResult(id=c.id, question=c.question, result=judged[c.id][0], evidence=judged[c.id][1],
                               tip=c.tip) for c in rubric.criteria]
    conduct = sorted({tag for t in call.turns for tag in t.tags if tag in rubric.conduct_caps})
    overall, band = overall_score({r.id: r.result for r in results}, rubric, call.outcome, conduct)
    buyer_words = sum(len(lexicon.words(t)) for t in said.values())
    card = Scorecard(overall=overall, band=band, rating=rating_for(overall, rubric), outcome=call.outcome,
                     criteria=results, metrics=metrics_for(call, buyer_words),
                     coaching=coaching_for(call, results, rubric))
    if capable(judge) and call.turns:
        card.judge = _ask_judge(judge, call, said, results, rubric, card.coaching)
    return card


def _ask_judge(judge: LLM, call: Call, said: dict[int, str], results: list[CriterionResult], rubric: Rubric,
               coaching: dict) -> dict:
    """Run the model judge; adopt its rewrite in the coaching when it passed the checks."""
    turns: list[tuple[str, int, str]] = []
    for t in call.turns:
        turns += [("rep", t.index, t.rep), ("buyer", t.index, said.get(t.index, t.buyer))]
    rewrite = coaching.get("rewrite") or {}
    sources = [call.content.knowledge.get(ref["id"]) for ref in rewrite.get("source", []) if ref]
    prop = next((d for d in sources if d is not None and d.meta.kind == "value_proposition"), None)
    note = next((d for d in sources if d is not None and d.meta.kind == "case_note"), None)
    value = " ".join(prop.section("problems").text.split()[:60]) if prop else "; ".join(call.persona.goals[:2])
    result = note.section("result").text.splitlines()[0].lstrip("- ") if note else ""
    known = set(lexicon.figures(f"{value} {result}")) | set(lexicon.figures(" ".join(call.persona.goals)))
    report = judge_call(judge, buyer_name=call.persona.name, buyer_title=call.persona.title,
                        company=call.persona.company.name, turns=turns,
                        criteria=[(c.id, c.question) for c in rubric.criteria],
                        deterministic={r.id: r.result for r in results},
                        weak_turn=rewrite.get("turn", call.turns[-1].index), value=value, result=result,
                        known_figures=known)
    if report["rewrite"] and rewrite:
        rewrite["built"] = rewrite["suggested"]
        rewrite["suggested"], rewrite["written_by"] = report["rewrite"], "model"
    return report
