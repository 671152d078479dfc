"""The rubric's criteria: one small function per criterion id, each answering yes / no / unscored
with the rep's exact words that decided it.

Why a registry: a criterion is added by writing one function with `@criterion("id")` and one
entry in `coach/data/rubric.yaml`; the rubric loader refuses any mismatch. Pure: the criteria read
the call's turns and their analyses, and import no store, model or orchestration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach.call import lexicon
from coach.call.analysis import TurnAnalysis
from coach.call.turn_acts import PLEASANTRIES
from coach.grading.rubric import Rubric
from coach.grading.scorecard import Quote, Result
from coach.transcript import CallTurn

Answer = tuple[Result, list[Quote]]
Hits = list[tuple[int, str | None]]  # (rep turn index, the phrase to quote or None for its first sentence)


@dataclass(frozen=True)
class Evidence:
    """What every criterion reads: the rep's turns, their analyses and what the buyer said before each."""

    turns: Sequence[CallTurn]
    analyses: dict[int, TurnAnalysis]  # rep turn index -> analysis
    buyer_before: dict[int, str]  # rep turn index -> the buyer's line just before it
    budget_s: float
    rubric: Rubric

    def text(self, index: int) -> str:
        return next(t.rep for t in self.turns if t.index == index)

    def quotes(self, hits: Hits, limit: int = 2, pleasantries: bool = False) -> list[Quote]:
        """Exact quotes for hits; a hit without a phrase quotes the turn's first sentence that does
        business (a greeting or small talk never carries a point, except for the opening)."""
        return [Quote(turn=i, quote=quote_in(self.text(i), phrase or (None if pleasantries else self._business(i))))
                for i, phrase in hits[:limit]]

    def _business(self, index: int) -> str | None:
        analysis = self.analyses.get(index)
        if analysis is None:
            return None
        return next((text for text, act, _ in analysis.acts if act not in PLEASANTRIES), None)

    def yes_if(self, hits: Hits, misses: Hits = ()) -> Answer:
        return ("yes", self.quotes(hits)) if hits else ("no", self.quotes(list(misses)))

    def discovery(self) -> Hits:
        """Open discovery questions, in call order."""
        return [(i, q) for i, x in self.analyses.items() for q in x.discovery_question_texts]

    def set_up_a_pitch(self) -> set[int]:
        """Turns whose questions the rep answered with a pitch in their next turn: a question asked to
        set up a feature ("Which ERP are you on?" then "we have a connector for that") is not discovery
        that earns the right to pitch."""
        order = sorted(self.analyses)
        return {i for i, after in zip(order, order[1:], strict=False) if self.analyses[after].feature_pitch}

    def close_to_their_words(self, index: int, question: str) -> bool:
        """Does the question build in meaning on what the buyer just said (no shared word needed)?"""
        score = next((q.follows_up for q in self.analyses[index].questions if q.text == question), None)
        return score is not None and score >= self.rubric.follow_up_similarity

    def sure(self, index: int, *acts: str) -> list[str]:
        """The turn's sentences read as one of `acts` surely enough for a criterion to count them."""
        return sure_sentences(self.analyses[index], self.rubric, *acts)

    def pitches(self) -> Hits:
        return [(i, x.first_feature_phrase) for i, x in self.analyses.items() if x.feature_pitch]


CHATTER = ("small_talk", "off_topic")


def sure_sentences(analysis: TurnAnalysis, rubric: Rubric, *acts: str) -> list[str]:
    """A turn's sentences read as one of `acts` with at least the rubric's `act_confidence`."""
    return [text for text, act, confidence in analysis.acts if act in acts and confidence >= rubric.act_confidence]


def small_talk_share(analyses: Sequence[TurnAnalysis], rubric: Rubric) -> float:
    """The share of the rep's words said as small talk or off-topic chatter (0 without acts): what a
    busy executive's time went on besides business."""
    words = sum(len(text.split()) for x in analyses for text, _, _ in x.acts)
    chatter = sum(len(text.split()) for x in analyses for text in sure_sentences(x, rubric, *CHATTER))
    return chatter / words if words else 0.0


CriterionFn = Callable[[Evidence], Answer]
CRITERIA: dict[str, CriterionFn] = {}


def criterion(criterion_id: str) -> Callable[[CriterionFn], CriterionFn]:
    """Register the function that answers rubric criterion `criterion_id`."""
    def register(fn: CriterionFn) -> CriterionFn:
        if criterion_id in CRITERIA:
            raise ValueError(f"criterion {criterion_id!r} is registered twice")
        CRITERIA[criterion_id] = fn
        return fn
    return register


def quote_in(text: str, phrase: str | None = None) -> str:
    """The sentence of `text` that holds `phrase` (else the first sentence): an exact quote."""
    sentences = lexicon.sentences(text) or [text]
    if phrase:
        for sentence in sentences:
            if phrase.lower() in sentence.lower():
                return sentence
        for sentence in sentences:  # a figure, written as the rep said it ("1.8 million" for "1.8m")
            if phrase in lexicon.figures(sentence, ()):
                return sentence
    return sentences[0]


def answer_all(turns: Sequence[CallTurn], buyer_before: dict[int, str], budget_s: float,
               rubric: Rubric) -> dict[str, Answer]:
    """Each rubric criterion's result and the quotes that decided it (all unscored without rep turns)."""
    analyses = {t.index: t.analysis for t in turns if t.analysis is not None}
    if not analyses:
        return {c.id: ("unscored", []) for c in rubric.criteria}
    evidence = Evidence(turns, analyses, buyer_before, budget_s, rubric)
    return {c.id: CRITERIA[c.id](evidence) for c in rubric.criteria}


@criterion("opened_on_their_agenda")
def opened_on_their_agenda(e: Evidence) -> Answer:
    first = min(e.analyses)
    opener = e.analyses[first]
    hits: Hits = [(first, opener.time_check[0])] if opener.time_check else []
    asks = [q for q in opener.questions if (q.form == "open" or q.discovery) and q.act != "next_step_ask"]
    # a question about their priorities or goals opens on their agenda, even after a line on what we do;
    # one on a topic the rep chose ("How are supplier payments going?") does only when it meets a
    # priority of theirs. Without topic readings, any question about their business counts.
    read = any(q.agenda is not None for q in asks)
    agenda = [q.text for q in asks if not read or (q.agenda or 0.0) >= e.rubric.opener_agenda_topic]
    hits += [(first, text) for text in agenda[:1]]
    hits += [(first, q.text) for q in asks if opener.priority is not None and q.text not in agenda][:1]
    # ... and so does an idea about their business put to them as a question
    insight = e.sure(first, "insight")[:1]
    hits += [(first, insight[0])] if insight and opener.questions and not opener.lecturing else []
    pitched = opener.feature_pitch and not (read and agenda)
    if hits and not pitched and not opener.lecturing and not opener.monologue:  # a time check, then a speech
        return "yes", e.quotes(hits)
    pitch_first = [(first, opener.first_feature_phrase)] if opener.feature_pitch and opener.first_feature_phrase \
        else []
    return "no", e.quotes(pitch_first or [(first, None)], pleasantries=True)


@criterion("relevant_to_title")
def relevant_to_title(e: Evidence) -> Answer:
    return e.yes_if([(i, x.value_quote) for i, x in e.analyses.items() if x.value_turn], e.pitches())


@criterion("real_discovery_with_follow_up")
def real_discovery_with_follow_up(e: Evidence) -> Answer:
    discovery = e.discovery()
    set_up = e.set_up_a_pitch()
    if discovery and all(i in set_up for i, _ in discovery):  # every question only set up a pitch
        return "no", e.quotes(discovery)
    # a follow-up may be closed ("Do the coordinators see each other's boards?") when it asks about their business
    asked = discovery + [(i, q.text) for i, x in e.analyses.items() for q in x.questions
                         if q.form != "open" and q.discovery and i not in set_up]
    follow = [(i, q) for i, q in asked if i in e.buyer_before and
              (_follows_up(q, e.buyer_before[i], e.rubric) or e.close_to_their_words(i, q))]
    if discovery and len(asked) >= 2 and follow:
        return "yes", e.quotes([follow[0], *[d for d in discovery if d != follow[0]]])
    if len(e.analyses) < 2 and discovery:
        return "unscored", e.quotes(discovery)
    closed = [(i, q.text) for i, x in e.analyses.items() for q in x.questions if q.form != "open"]
    return "no", e.quotes(discovery or closed)


@criterion("tied_to_a_priority")
def tied_to_a_priority(e: Evidence) -> Answer:
    return e.yes_if([(i, x.priority_quote) for i, x in e.analyses.items()
                     if (x.priority or x.priority_named) and not x.feature_pitch])


@criterion("value_backed_by_case_note")
def value_backed_by_case_note(e: Evidence) -> Answer:
    backed = [(i, c.said or next(iter(c.figures_quoted), None)) for i, x in e.analyses.items() for c in x.case_notes
              if c.figures_match and c.figures_quoted]  # a measured result: the note's own figures
    wrong = [(i, story) for i, x in e.analyses.items() for story in x.invented_proof]
    wrong += [(i, c.said) for i, x in e.analyses.items() for c in x.case_notes if not c.figures_match and
              c.said not in x.invented_proof]
    # without proof, the soft praise said in its place is the point to coach ("customers love it")
    unproven = [(i, claim) for i, x in e.analyses.items() for claim in x.soft_claims]
    return ("yes", e.quotes(backed)) if backed and not wrong else ("no", e.quotes(wrong or unproven))


@criterion("no_pitch_before_discovery")
def no_pitch_before_discovery(e: Evidence) -> Answer:
    set_up = e.set_up_a_pitch()
    discovery = [(i, q) for i, q in e.discovery() if i not in set_up]
    first_discovery = min((i for i, _ in discovery), default=None)
    early = [(i, p) for i, p in e.pitches() if first_discovery is None or i < first_discovery]
    return ("no", e.quotes(early)) if early else ("yes", e.quotes(discovery[:1]))


@criterion("plain_and_brief")
def plain_and_brief(e: Evidence) -> Answer:
    wordy = [(i, x.jargon[0] if x.jargon else None) for i, x in e.analyses.items()
             if x.monologue or x.words > e.rubric.brief_turn_words or
             ("jargon" in x.tags and len(x.jargon) >= e.rubric.plain_jargon_terms)]
    flagged = {i for i, _ in wordy}
    wordy += [(i, said) for i, said in _vendor_talk(e) if i not in flagged]
    return ("no", e.quotes(wordy)) if wordy else ("yes", [])


_LIST_SEPARATORS = re.compile(r",|;|\band\b|\bor\b|\bplus\b")


def _vendor_talk(e: Evidence) -> Hits:
    """Turns with a product sentence that lists product parts: an executive hears a catalogue, however
    short the words (product vocabulary is jargon to them, and no word list can name it all)."""
    if e.rubric.vendor_list_items is None:
        return []
    return [(i, listed[0]) for i in e.analyses
            if (listed := [f for f in e.sure(i, "feature")
                           if len(_LIST_SEPARATORS.split(f)) >= e.rubric.vendor_list_items])]


@criterion("insight_tested_with_question")
def insight_tested_with_question(e: Evidence) -> Answer:
    lectures = [(i, x.lecturing[0]) for i, x in e.analyses.items() if x.lecturing]
    # an insight is a statement read as one (whatever its words; a question offers nothing, but a statement
    # put with a tag, "..., no?", offers and tests it at once), or, when no acts were read, an observation
    # marked by its words
    offered = [(i, text) for i in e.analyses for text in e.sure(i, "insight")
               if (not text.rstrip().endswith("?") or lexicon.asks_agreement(text))
               and not _known_to_them(text, e.rubric)]
    offered += [(i, cue) for i, x in e.analyses.items() if not x.acts
                for cue in lexicon.find_phrases(e.text(i), e.rubric.insight_cues)[:1]]
    # a question at the end of a long speech tests nothing: the point is lost in it
    tested = [(i, said) for i, said in offered if e.analyses[i].questions and not e.analyses[i].lecturing
              and not e.analyses[i].long_turn]
    return e.yes_if(tested[:1], lectures or offered)


def _known_to_them(sentence: str, rubric: Rubric) -> bool:
    """The sentence opens by telling them what the rep knows of them: nothing they may not have considered."""
    opening = " ".join(lexicon.words(sentence)[:3])
    return bool(lexicon.find_phrases(opening, rubric.known_to_them_cues))


@criterion("respected_the_time")
def respected_the_time(e: Evidence) -> Answer:
    over = [(t.index, None) for t in e.turns if t.elapsed_s >= e.budget_s][:1]  # the buyer times out at the budget
    warned = {t.index + 1 for t in e.turns if t.move == "disengage"}  # the buyer said they had to go
    ignored = [(i, None) for i, x in e.analyses.items() if i in warned and (x.monologue or x.feature_pitch)][:1]
    if small_talk_share(list(e.analyses.values()), e.rubric) >= e.rubric.small_talk_share:
        ignored += [(i, text) for i in e.analyses for text in e.sure(i, *CHATTER)][:1]
    speeches = [(i, None) for i, x in e.analyses.items() if x.monologue]
    if e.rubric.speeches_over_time is not None and len(speeches) >= e.rubric.speeches_over_time:
        ignored += speeches[1:2]  # the second speech is the one that ran over their time
    return ("no", e.quotes(over + ignored, pleasantries=True)) if over or ignored else ("yes", [])


@criterion("next_step_with_executive")
def next_step_with_executive(e: Evidence) -> Answer:
    asks = [(i, ask[0]) for i, x in e.analyses.items()
            if (ask := [a for a in x.next_step_ask if not lexicon.find_phrases(a, e.rubric.pressure_close)])]
    executive = e.turns[0].buyer_persona if e.turns else None  # after a hand-off, "with you" means the delegate
    turns = {t.index: t for t in e.turns}
    with_exec = [(i, p) for i, p in asks if e.analyses[i].next_step_with_executive
                 and turns[i].buyer_persona == executive and _names_a_when(turns[i], e.rubric)]
    return ("yes", e.quotes(with_exec)) if with_exec else ("no", e.quotes(asks))


def _names_a_when(turn: CallTurn, rubric: Rubric) -> bool:
    """A next step needs a when: the rep's turn or the buyer's reply names a day, a time or a length
    ("find some time sometime" does not; with no list in the rubric, any ask counts)."""
    return not rubric.next_step_when or bool(lexicon.find_phrases(f"{turn.rep} {turn.buyer}", rubric.next_step_when))


@criterion("no_unsupported_claims")
def no_unsupported_claims(e: Evidence) -> Answer:
    claims = [(i, c) for i, x in e.analyses.items() for c in x.unsupported_claims]
    return ("no", e.quotes(claims)) if claims else ("yes", [])


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
    if lexicon.find_phrases(opening, rubric.follow_up_cues):
        return True
    words = [w.lower() for w in lexicon.words(question)]
    return len(words) <= 8 and bool(set(words) & lexicon.POINTING_BACK)  # "Where is it missing most?"

