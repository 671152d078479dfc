"""Computes the `SemanticSignals` of rep turns: one embedding per turn and question, searched
against the knowledge index and the persona's own statements.

Why here: this is the I/O half of turn analysis (the embedder and the index); the pure half,
`coach.call.analysis.analyse_turn`, only reads the result.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from coach.acts.types import NOT_THEIR_BUSINESS, SentenceAct, SentenceReader
from coach.call import lexicon
from coach.call.analysis import priority_terms
from coach.call.answers import AnswerRules, AnswerSignals, answerables
from coach.call.signals import SemanticSignals
from coach.content.knowledge import VALUE_SECTIONS
from coach.content.personas import Persona
from coach.call.rules import AnalysisRules
from coach.retrieval.embeddings import MiniLMEmbedder
from coach.transcript import heard_lines

if TYPE_CHECKING:
    from coach.retrieval.index import KnowledgeIndex



QUOTE_LAST = frozenset({"greeting", "small_talk", "off_topic", "closing"})  # side talk never carries the point


def persona_texts(persona: Persona, reveals: bool = True) -> list[str]:
    """The persona's own statements a turn is compared with: goals, problems, needs, priorities, and (for
    a buyer who may reveal them) each hidden fact's topic, words and example questions."""
    return [*persona.goals, *persona.problems, *persona.needs, *persona.priorities,
            *(fact_texts(persona) if reveals else [])]


def fact_texts(persona: Persona) -> list[str]:
    """What a question is compared with to ask about each hidden fact: its topic (`reveal_when`),
    its words and its example questions (`asked_like`), fact after fact."""
    return [text for f in persona.hidden_facts for text in (f.reveal_when, f.fact, *f.asked_like)]


def turn_texts(texts: Sequence[str], questions: Sequence[Sequence[str]] | None = None) -> list[str]:
    """What is embedded for rep turns: each turn, then each question in it (`questions`, when the
    caller has split them already, one list per turn)."""
    asked = questions if questions is not None else [lexicon.questions(text) for text in texts]
    return [*texts, *(q for turn in asked for q in turn)]


def warm_up(embedder: MiniLMEmbedder, persona: Persona, rep_lines: Sequence[str],
            rules: AnalysisRules, reveals: bool = True) -> threading.Thread:
    """Start embedding what a call with `persona` over `rep_lines` will need, on a background thread.

    Why: embedding runs in the model's native code, which lets another thread work meanwhile, so a
    fresh process can import and open the knowledge index while the vectors are computed; the
    embedder remembers them, and the call then finds them ready. Join the thread before relying on it.
    """
    import onnxruntime  # noqa: F401 - imported here, not on the thread: imports running on two threads can deadlock
    import tokenizers  # noqa: F401

    texts = [*persona_texts(persona, reveals), *turn_texts(heard_lines(rep_lines, rules))]
    worker = threading.Thread(target=embedder.embed, args=(texts,), name="coach-warm-up", daemon=True)
    worker.start()
    return worker


def fact_closeness(similarities: np.ndarray) -> float:
    """How close the turn's questions (rows) come to one hidden fact (columns: its `reveal_when`, its
    words, then its example questions): the best of the first two and of the mean of the two
    closest example questions, so one example sharing a word is not enough on its own."""
    direct = float(similarities[:, :2].max())
    examples = similarities[:, 2:]
    if examples.shape[1] < 2:
        return max(direct, float(examples.max()) if examples.size else 0.0)
    top_two = np.sort(examples, axis=1)[:, -2:].mean(axis=1)
    return max(direct, float(top_two.max()))


def topic_reading(own: dict[str, float] | None, in_context: dict[str, float] | None) -> dict[str, float] | None:
    """What a question asks about: read with the sentence it points back at, unless its own words only ask
    leave to speak ("…a pump maker with your problem. Want to hear what they did?"): the sentence before
    says what the story is about, not that the rep asked for anything."""
    if own and max(own, key=own.__getitem__) == "permission":
        return own
    return in_context


class Semantics:
    """Computes `SemanticSignals` for one persona, embedding the persona's statements once."""

    def __init__(self, store: KnowledgeIndex, persona: Persona, embedder: MiniLMEmbedder,
                 case_figures: dict[str, set[str]], acts: SentenceReader | None = None, reveals: bool = True,
                 topics: SentenceReader | None = None) -> None:
        self.store = store
        self.acts = acts
        self.topics = topics
        self.persona = persona
        self.embedder = embedder
        self.case_figures = case_figures
        self.statements = [*persona.goals, *persona.problems, *persona.needs]
        self.priorities = list(persona.priorities)
        everything = persona_texts(persona, reveals)  # grading a transcript reveals nothing: no fact texts
        vectors = embedder.embed(everything) if everything else np.zeros((0, 384), dtype=np.float32)
        n_s, n_p = len(self.statements), len(self.priorities)
        self._statement_vectors = vectors[:n_s]
        self._priority_vectors = vectors[n_s:n_s + n_p]
        at, self._fact_vectors = n_s + n_p, []  # per hidden fact: the vectors a question is compared with
        for fact in persona.hidden_facts if reveals else []:
            n = 2 + len(fact.asked_like)
            self._fact_vectors.append(vectors[at:at + n])
            at += n
        standing = set().union(*(priority_terms(g) for g in [*persona.goals, *persona.problems, *persona.needs]))
        # a term that also names a standing goal or problem does not single out the urgent priority
        self._priority_terms = {p: priority_terms(p) - standing for p in self.priorities}
        self._prefetched: dict[str, SemanticSignals] = {}
        self._pool: tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None = None
        self._fact_topics: list[dict[str, float]] | None = None

    def _priorities_named(self, text: str) -> list[str]:
        """Priorities the turn names outright, in the priority's own words."""
        lowered = f" {' '.join(re.findall(r'[a-z0-9][a-z0-9/&-]*', text.lower()))} "
        return [p for p, terms in self._priority_terms.items() if any(f" {term} " in lowered for term in terms)]

    def punctuated(self, text: str) -> str:
        """The rep's text as meant: with the question marks a question was typed without (the shipped
        act reader learns when one is missing; a reader without that model leaves the text as typed)."""
        punctuate = getattr(self.acts, "punctuated", None)
        return punctuate(text) if punctuate is not None else text

    def signals(self, text: str, after: str | None = None) -> SemanticSignals:
        """One embedding of the turn (plus one per question) against everything we know; `after` is
        what the buyer had just said (None on the first turn after their opening), which the act
        reader weighs."""
        known = self._prefetched.pop((text, after), None)
        return known if known is not None else self.signals_many([text], [after])[0]

    def prefetch(self, texts: Sequence[str], after: Sequence[str | None] | None = None) -> None:
        """Compute signals for turns known in advance (a transcript being graded) in one batch;
        `signals` then returns them without touching the model or the store."""
        keys = list(dict.fromkeys(zip(texts, after if after is not None else [None] * len(texts), strict=True)))
        fresh = [k for k in keys if k not in self._prefetched]
        computed = self.signals_many([t for t, _ in fresh], [a for _, a in fresh])
        self._prefetched.update(zip(fresh, computed, strict=True))

    def signals_many(self, texts: Sequence[str], after: Sequence[str | None] | None = None) -> list[SemanticSignals]:
        """`signals` for several turns, with one knowledge-store round per kind of search."""
        if not texts:
            return []
        questions = [lexicon.questions(text) for text in texts]
        after = list(after) if after is not None else [None] * len(texts)
        # a question that points back, with what it points at (in the turn, or what the buyer just said)
        meant = [lexicon.in_context(text, after=said_before) for text, said_before in zip(texts, after, strict=True)]
        as_meant = [[m[q] for q in qs] for m, qs in zip(meant, questions, strict=True)]
        vectors = self.embedder.embed(turn_texts(texts, as_meant))
        turns, question_vectors = vectors[:len(texts)], vectors[len(texts):]
        queries = turns.tolist()
        capability = self.store.search_many(queries, kind="value_proposition", sections=("capability",), k=3)
        value = self.store.search_many(queries, kind="value_proposition", title=self.persona.title_key,
                                       sections=VALUE_SECTIONS, k=3)
        cases = self.store.search_many(queries, kind="case_note", k=3)
        said = [lexicon.sentences(text) or [text] for text in texts]  # each turn's sentences, split once
        readings = self._read_acts(said, after)
        every_question = list(dict.fromkeys(text for m, qs in zip(meant, questions, strict=True) for q in qs
                                            for text in (m[q], q)))
        topics = {r.text: dict(r.probabilities) for r in self.topics.read(every_question)} \
            if self.topics is not None and every_question else {}
        priority, quoted = self._priority_closeness(said, turns, readings)
        out, at = [], 0
        for i, (text, asked) in enumerate(zip(texts, questions, strict=True)):
            asked_vectors, at = question_vectors[at:at + len(asked)], at + len(asked)
            turn = turns[i]
            out.append(SemanticSignals(
                capability_hits=capability[i], value_hits=value[i], case_hits=cases[i],
                statement_scores=dict(zip(self.statements, (self._statement_vectors @ turn).tolist(), strict=True)),
                priority_scores=dict(zip(self.priorities, priority[i].tolist(), strict=True)),
                priorities_named=self._priorities_named(text),
                fact_scores=[fact_closeness(asked_vectors @ known.T) if len(asked) else 0.0
                             for known in self._fact_vectors],
                case_figures=self.case_figures,
                turn_vector=turn,
                sentence_acts=readings[i],
                question_vectors=dict(zip(asked, asked_vectors, strict=True)),
                question_topics={q: read for q in asked
                                 if (read := topic_reading(topics.get(q), topics.get(meant[i][q])))},
                priority_sentences=quoted[i][0], statement_sentence=quoted[i][1],
            ))
        return out

    def answer_signals(self, signals: SemanticSignals, questions: Sequence[str], rules: AnswerRules) -> AnswerSignals:
        """How close each thing the persona can say (`coach.call.answers.answerables`) is in meaning to
        each question of the turn and to the whole turn, and what each question asks about (the turn's
        topic readings; the topic classifier reads any question they lack).

        Why lazy: only the buyer needs it; the persona's statements are embedded on first use."""
        keys, text_vectors, phrase_vectors, owners = self._answer_pool()
        weight = rules.asked_by_weight

        def score(vector: np.ndarray) -> dict[str, float]:
            by_text = text_vectors @ vector
            asked = np.full(len(keys), -np.inf, dtype=np.float32)  # the closest phrasing of what it answers
            np.maximum.at(asked, owners, phrase_vectors @ vector)
            blended = np.where(np.isfinite(asked), (1 - weight) * by_text + weight * asked, by_text)
            return dict(zip(keys, blended.round(4).tolist(), strict=True))

        per_question = {question: score(vector) for question, vector in signals.question_vectors.items()}
        whole = score(signals.turn_vector) if signals.turn_vector is not None else {}
        if self.topics is None or not questions:
            return AnswerSignals(per_question, whole, {})
        missing = [q for q in questions if q not in signals.question_topics]  # e.g. a request said without "?"
        read = {**signals.question_topics, **{r.text: dict(r.probabilities) for r in self.topics.read(missing)}}
        return AnswerSignals(per_question, whole, {q: read[q] for q in questions if q in read})

    def _answer_pool(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(keys, text vectors, vectors of every `asked_by` phrasing, the answerable each phrasing is of)."""
        if self._pool is None:
            pool = answerables(self.persona)
            phrasings = [(i, phrase) for i, a in enumerate(pool) for phrase in a.asked_by]
            texts = [*(a.text for a in pool), *(phrase for _, phrase in phrasings)]
            vectors = self.embedder.embed(texts) if texts else np.zeros((0, 384), dtype=np.float32)
            self._pool = ([a.key for a in pool], vectors[:len(pool)], vectors[len(pool):],
                          np.array([i for i, _ in phrasings], dtype=np.int64))
        return self._pool

    def fact_topics(self) -> list[dict[str, float]]:
        """Per hidden fact, what the questions that bring it out ask about: the topic reading of its
        `asked_like` questions (and `reveal_when`), averaged; its labelled topic when nothing reads them.

        Why: a secret is told when asked about, and a question about it reads like those questions,
        whatever single topic the fact is filed under."""
        if self._fact_topics is None:
            profiles = []
            for fact in self.persona.hidden_facts:
                asks = [*fact.asked_like, fact.reveal_when]
                readings = self.topics.read(asks) if self.topics is not None else []
                if not readings:
                    profiles.append({fact.topic: 1.0})
                    continue
                total: dict[str, float] = {}
                for reading in readings:
                    for topic, p in dict(reading.probabilities).items():
                        if topic not in NOT_THEIR_BUSINESS:  # a secret is always about their business
                            total[topic] = total.get(topic, 0.0) + p / len(readings)
                profiles.append(total)
            self._fact_topics = profiles
        return self._fact_topics

    def _priority_closeness(self, said: Sequence[Sequence[str]], turns: np.ndarray,
                            readings: Sequence[Sequence[SentenceAct]] = ()
                            ) -> tuple[np.ndarray, list[tuple[dict[str, str], str | None]]]:
        """(turns, priorities): each turn's closeness to each priority, the whole turn's or its closest
        sentence's, whichever is higher; and per turn, the sentence to quote for each priority and for
        their goals, problems and needs (the closest; for a priority named in its own words, the sentence
        that names it). Why: one sentence about the board deadline ties a long turn to it, while the whole
        turn's meaning is spread over everything else it says; and the quote must be the sentence that
        made the point, not the greeting before it. The sentences are the ones the act reader embeds, so
        the embedder's cache answers them. A greeting or small talk is quoted only when the turn has
        nothing else."""
        best = turns @ self._priority_vectors.T if self.priorities else np.zeros((len(said), 0), dtype=np.float32)
        flat = [s for sentences in said for s in sentences]
        vectors = self.embedder.embed(flat) if flat else np.zeros((0, turns.shape[1]), dtype=np.float32)
        by_priority = vectors @ self._priority_vectors.T if self.priorities else np.zeros((len(flat), 0))
        by_statement = vectors @ self._statement_vectors.T if self.statements else np.zeros((len(flat), 0))
        quoted: list[tuple[dict[str, str], str | None]] = []
        at = 0
        for i, sentences in enumerate(said):
            rows = slice(at, at + len(sentences))
            at += len(sentences)
            chosen: dict[str, str] = {}
            acts = readings[i] if i < len(readings) and len(readings[i]) == len(sentences) else []
            side = np.array([bool(acts) and acts[k].act in QUOTE_LAST for k in range(len(sentences))])
            penalty = np.where(side & ~side.all(), -2.0, 0.0)[:, None] if len(sentences) else 0.0
            if self.priorities and sentences:
                best[i] = np.maximum(best[i], by_priority[rows].max(axis=0))
                closest = (by_priority[rows] + penalty).argmax(axis=0)
                named = [self._priorities_named(s) for s in sentences]
                for j, priority in enumerate(self.priorities):
                    naming = next((s for s, found in zip(sentences, named, strict=True) if priority in found), None)
                    chosen[priority] = naming or sentences[int(closest[j])]
            about = sentences[int((by_statement[rows] + penalty).max(axis=1).argmax())] \
                if self.statements and sentences else None
            quoted.append((chosen, about))
        return best, quoted

    def _read_acts(self, said: Sequence[Sequence[str]], after: Sequence[str | None] | None = None
                   ) -> list[list[SentenceAct]]:
        """Each turn's sentences read as acts, in one classifier pass (empty lists without a reader)."""
        if self.acts is None:
            return [[] for _ in said]
        return self.acts.read_turns(said, after)
