"""What the buyer's line draws on: the persona's statement that answers the rep's question, or a
reaction to what the rep said.

Why: reps judge the product by whether the buyer answers what was asked. The policy chooses the
move (answer, probe, warn, ...); inside an answer this chooses the content by meaning. It is pure:
the similarities between the rep's questions and the persona's statements are computed elsewhere
(`coach.retrieval.signals.Semantics.answer_signals`) and handed in as `AnswerSignals`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.acts.types import NOT_THEIR_BUSINESS
from coach.call.analysis import TurnAnalysis
from coach.call.reveal import RevealModel, chosen, measurements
from coach.content.personas import Persona

ReplyKind = Literal["statement", "reveal", "no_content", "fit_question", "how_it_fits", "doubt", "interest",
                    "steer_back", "goodbye", "go_ahead", "move"]

# questions that ask nothing about their business: nothing in the persona answers them
NOT_ABOUT_THEM = frozenset({"small_talk", "off_topic", "greeting", "closing", "manipulation", "rude"})
# sentences that never earn a secret, however their words read: the rep managing the call itself
MANAGING_THE_CALL = frozenset({"agenda_time_check", "next_step_ask", "greeting", "closing"})
# what a value statement may draw out of the buyer: their side of it
THEIR_SIDE = frozenset({"problem", "goal", "value", "priority", "situation"})


class AnswerRules(BaseModel):
    """How close in meaning a statement must be to answer a question (`coach/data/buyer.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_similarity: float = Field(ge=0, le=1)   # below this the buyer has nothing on it, and says so
    asked_by_weight: float = Field(ge=0, le=1)  # how much "the kind of question it answers" counts vs the text
    topic_weight: float = Field(0.0, ge=0, le=2)  # how much the question's read topic counts (× its probability)
    no_content_above: float = Field(1.0, ge=0, le=1)  # a question read as "nothing of theirs" this surely: no answer
    asks_leave_above: float = Field(1.0, ge=0, le=1)  # a question read this surely as asking leave to speak: go ahead
    fact_margin: float = Field(0.0, ge=-1, le=1)  # a hidden fact comes out only when the question is this much
    # closer to it than to anything the buyer says openly
    concern_similarity: float = Field(1.0, ge=0, le=1)  # product talk this close to their own concern asks how it fits
    fact_topic_weight: float = Field(0.0, ge=0, le=2)  # the topic pull when a secret competes with what they say openly
    surely_business: float = Field(0.6, ge=0, le=1)  # a topic reading this sure overrules a misread time check
    reveal: RevealModel | None = None  # when set (`coach/data/reveal.yaml`), it decides which secret comes out


@dataclass(frozen=True)
class AnswerSignals:
    """What the I/O side measured for one turn: closeness of each question (and of the whole turn) to
    each answerable, and what each question asks about (topic -> probability, from the topic classifier)."""

    question_scores: dict[str, dict[str, float]]
    turn_scores: dict[str, float]
    question_topics: dict[str, dict[str, float]]


@dataclass(frozen=True)
class Answerable:
    """One thing the buyer can say when asked: a persona statement, an objection or (for a persona
    with no statements) a goal or problem. `key` is stable within the persona."""

    key: str
    topic: str
    text: str
    asked_by: tuple[str, ...] = ()  # phrasings of the questions it answers


@dataclass(frozen=True)
class Reply:
    """What the line draws on: its kind, and for an answer the statement and its topic."""

    kind: ReplyKind
    topic: str | None = None
    key: str | None = None
    statement: str = ""
    score: float | None = None


def answerables(persona: Persona) -> list[Answerable]:
    """Everything the persona can say when asked, with a topic; goals and problems stand in for a
    persona written before statements existed."""
    out = [Answerable(f"statement:{i}", s.topic, s.text, tuple(s.asked_by)) for i, s in enumerate(persona.statements)]
    out += [Answerable(f"objection:{i}", "objection", text) for i, text in enumerate(persona.objection_texts)]
    if not persona.statements:
        out += [Answerable(f"problem:{i}", "problem", text) for i, text in enumerate(persona.problems)]
        out += [Answerable(f"goal:{i}", "goal", text) for i, text in enumerate(persona.goals)]
    return out


def said_goodbye(a: TurnAnalysis) -> bool:
    """The rep is closing the call: a goodbye, and no question, next step or business left in the turn."""
    acts = [act for _, act, _ in a.acts]
    return "closing" in acts and not a.next_step_ask and not a.questions and \
        all(act in ("closing", "acknowledgement", "greeting", "small_talk") for act in acts)


def about_them(a: TurnAnalysis, signals: AnswerSignals, rules: AnswerRules) -> list[str]:
    """The turn's questions about their business. The topic reading, trained for exactly this, decides
    when there is one ("What would stop you taking a next step?" is an objection however the act reads):
    not when it reads the question surely and most likely as nothing of theirs, nor as only asking leave
    to speak; without it, the question's act."""
    asked = []
    for q in a.questions:
        topics = signals.question_topics.get(q.text)
        if topics:
            nothing = topics.get("no_content", 0.0)  # "nothing of theirs" must be surely and most likely so
            if (nothing < rules.no_content_above or nothing < max(topics.values())) \
                    and not asks_leave(q.text, signals, rules):
                asked.append(q.text)
        elif q.act not in NOT_ABOUT_THEM:
            asked.append(q.text)
    return asked


def asks_leave(question: str, signals: AnswerSignals, rules: AnswerRules) -> bool:
    """The topic reading is sure the question only asks leave to speak, show or go on ("Mind if I share
    what a similar group did?"): it wants a go-ahead, not an answer or a secret."""
    return signals.question_topics.get(question, {}).get("permission", 0.0) >= rules.asks_leave_above


def _surely_business(question: str, signals: AnswerSignals, rules: AnswerRules) -> bool:
    """The topic reading is sure the question asks about their business (a misread act aside)."""
    topics = signals.question_topics.get(question, {})
    return any(p >= rules.surely_business for topic, p in topics.items() if topic not in NOT_THEIR_BUSINESS)


def facts_worth_revealing(a: TurnAnalysis, fact_scores: list[float], signals: AnswerSignals, rules: AnswerRules,
                          said: set[str] = frozenset(), *, pool: Sequence[Answerable] = (),
                          fact_topics: Sequence[Mapping[str, float]] = ()) -> list[int]:
    """The hidden facts the turn asks about. With a reveal model (`rules.reveal`): the secret it finds
    likely enough to be what was asked, from how the question measures against every secret and
    against what the buyer would still say openly. Without one: the secrets the analysis read as
    asked that the question is closer to than to anything the buyer would still say openly
    (`said`: statements already given), by `fact_margin`. Either way a question about who signs is
    answered by who signs, not by a secret that mentions them; asked again, deeper, the secret comes
    out; secret and statement alike get the pull of the topic the question is read as asking about
    (`pool`, and `fact_topics`: what the questions that bring each secret out ask about)."""
    measured = fact_measurements(a, fact_scores, signals, rules, said, pool=pool, fact_topics=fact_topics)
    if measured is None:
        return []
    if rules.reveal is not None:
        return chosen(rules.reveal, measured)
    return [i for i in a.facts_asked if measured[i][0] >= rules.fact_margin]


def fact_measurements(a: TurnAnalysis, fact_scores: list[float], signals: AnswerSignals, rules: AnswerRules,
                      said: set[str] = frozenset(), *, pool: Sequence[Answerable] = (),
                      fact_topics: Sequence[Mapping[str, float]] = ()) -> list[tuple[float, ...]] | None:
    """Per hidden fact, what the reveal decision reads (`coach.call.reveal.FEATURES`); None when the
    turn asks nothing about their business (small talk earns no secret, nor does managing the call)."""
    theirs = set(about_them(a, signals, rules))
    asked = [q.text for q in a.questions if q.text in theirs and q.act not in MANAGING_THE_CALL]
    if not asked:
        return None
    topic_of = {item.key: item.topic for item in pool}

    def pull(question: str, topic: str | None) -> float:
        return rules.fact_topic_weight * signals.question_topics.get(question, {}).get(topic or "", 0.0)

    # a request said without "?" ("Walk me through the close.") is measured on the turn, as its answer is
    open_now = [(q, k, v) for q in asked for k, v in signals.question_scores.get(q, signals.turn_scores).items()
                if k not in said]
    said_openly = max((v + pull(q, topic_of.get(k)) for q, k, v in open_now), default=0.0)
    said_openly_raw = max((v for _, _, v in open_now), default=0.0)

    def weighed(i: int) -> float:
        profile = fact_topics[i] if i < len(fact_topics) else {}
        top = max(profile.values(), default=1.0) or 1.0  # its main topic pulls as a statement's topic does
        return fact_scores[i] + max(sum(pull(q, t) * p / top for t, p in profile.items()) for q in asked)

    nothing_of_theirs = max((signals.question_topics.get(q.text, {}).get("no_content", 0.0) for q in a.questions),
                            default=0.0)
    return measurements([weighed(i) for i in range(len(fact_scores))], fact_scores, said_openly, said_openly_raw,
                        nothing_of_theirs, a.facts_asked)


def _score(item: Answerable, question: str, signals: AnswerSignals, rules: AnswerRules) -> float:
    """Closeness in meaning, plus the pull of the topic the question was read as asking about."""
    # a request said without "?" ("Walk me through the close.") has no vector of its own: the turn's
    closeness = signals.question_scores.get(question, signals.turn_scores).get(item.key, 0.0)
    return closeness + rules.topic_weight * signals.question_topics.get(question, {}).get(item.topic, 0.0)


def best_answer(pool: list[Answerable], scores: dict[str, float], said: set[str], rules: AnswerRules,
                topics: frozenset[str] | None = None) -> Reply | None:
    """The closest statement not yet said (on `topics`, when given), if any is close enough."""
    ranked = sorted(((scores.get(item.key, 0.0), item)
                     for item in pool if item.key not in said and (topics is None or item.topic in topics)),
                    key=lambda pair: -pair[0])
    if not ranked or ranked[0][0] < rules.min_similarity:
        return None
    score, item = ranked[0]
    return Reply("statement", item.topic, item.key, item.text, round(score, 4))


def choose_reply(a: TurnAnalysis, pool: list[Answerable], signals: AnswerSignals, said: set[str],
                 rules: AnswerRules, *, likes_features: bool = False) -> Reply:
    """Answer the question from the closest statement on the topic it asks about, or say there is
    nothing on it; or react to what was said: a customer story gets a question about fit or numbers,
    a claim doubt, value in their terms (or an answer to their concern) interest with their side of
    it, product talk a steer back to what matters (a delegate, who likes features, asks how it fits),
    anything else a steer back."""
    if said_goodbye(a):
        return Reply("goodbye")
    if a.questions and all(q.act == "agenda_time_check" and not _surely_business(q.text, signals, rules)
                           for q in a.questions):
        return Reply("go_ahead")  # "Is thirty minutes still right?" gets a yes, not a secret
    if a.questions:
        asked = about_them(a, signals, rules)
        if not asked:  # asked leave to tell or show something: yes, briefly; otherwise nothing of theirs
            return Reply("go_ahead") if any(asks_leave(q.text, signals, rules) for q in a.questions) \
                else Reply("no_content")
        scores = {item.key: max(_score(item, q, signals, rules) for q in asked) for item in pool}
        return best_answer(pool, scores, said, rules) or Reply("no_content")
    if a.time_check and reaction_to(a, likes_features) == "steer_back":
        return Reply("go_ahead")  # "I'll keep it to twenty minutes." and nothing else
    kind = reaction_to(a, likes_features)
    if kind == "steer_back" and (a.feature_pitch or a.feature_pitch_maybe) and _on_their_concern(pool, signals, rules):
        kind = "how_it_fits"  # a capability aimed at what they said hurts: how would it work here, for how much?
    return _interest(pool, signals, said, rules) if kind == "interest" else Reply(kind)


def reaction_to(a: TurnAnalysis, likes_features: bool = False) -> ReplyKind:
    """How the buyer reacts to a turn with no question: a customer story gets a question about fit or
    numbers, a claim nothing backs doubt, value in their terms (or an answer to their concern) interest,
    product talk a steer back (a delegate, who likes features, asks how it would work here)."""
    acts = [act for _, act, _ in a.acts]
    if a.case_notes or a.invented_proof or "case_story" in acts:
        return "fit_question"
    if a.unbacked_talk:
        return "doubt"
    if a.value_for_title or "objection_handling" in acts or "value" in acts:
        return "interest"
    if (a.feature_pitch or a.feature_pitch_maybe) and likes_features:
        return "how_it_fits"
    return "steer_back"


def _on_their_concern(pool: list[Answerable], signals: AnswerSignals, rules: AnswerRules) -> bool:
    """The turn is close in meaning to one of their own problems, goals or priorities."""
    return any(signals.turn_scores.get(item.key, 0.0) >= rules.concern_similarity for item in pool
               if item.topic in THEIR_SIDE)


def _interest(pool: list[Answerable], signals: AnswerSignals, said: set[str], rules: AnswerRules) -> Reply:
    """Interest, with their own side of it when something they say is close to what the rep said."""
    side = best_answer(pool, signals.turn_scores, said, rules, topics=THEIR_SIDE)
    return Reply("interest", side.topic, side.key, side.statement, side.score) if side else Reply("interest")
