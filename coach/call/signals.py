"""What the rep's turn is close to in meaning, as plain data for the pure core.

Why: the turn analysis needs similarities (to the offerings' capabilities, this title's value
propositions, case notes, the persona's goals, priorities and hidden-fact topics) but must not
embed or search itself; `coach.retrieval.signals.Semantics` computes these and hands them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coach.acts.types import SentenceAct
from coach.retrieval.hits import Hit


@dataclass(frozen=True)
class SemanticSignals:
    """Similarities of one turn to what we know; all lists best first."""

    capability_hits: list[Hit] = field(default_factory=list)
    value_hits: list[Hit] = field(default_factory=list)
    case_hits: list[Hit] = field(default_factory=list)
    statement_scores: dict[str, float] = field(default_factory=dict)  # goals/problems/needs → similarity
    priority_scores: dict[str, float] = field(default_factory=dict)
    priorities_named: list[str] = field(default_factory=list)  # named in their own words (for the grader)
    fact_scores: list[float] = field(default_factory=list)  # per hidden fact: best question vs reveal_when
    case_figures: dict[str, set[str]] = field(default_factory=dict)  # case id → figures in that note
    turn_vector: np.ndarray | None = None  # the turn's embedding, for reuse (choosing relevant lines)
    sentence_acts: list[SentenceAct] = field(default_factory=list)  # what each sentence does (empty: rules only)
    question_vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # each question's embedding
    follow_up: dict[str, float] = field(default_factory=dict)  # question -> closeness to the buyer's last words
    # question -> what it asks about (topic -> probability, from the topic classifier; empty without one)
    question_topics: dict[str, dict[str, float]] = field(default_factory=dict)
    # the sentence that carries the point, to quote: per priority, and for their goals, problems and needs
    priority_sentences: dict[str, str] = field(default_factory=dict)
    statement_sentence: str | None = None

    @property
    def best_score(self) -> float:
        scores = [h.score for h in self.capability_hits + self.value_hits + self.case_hits]
        scores += list(self.statement_scores.values()) + list(self.priority_scores.values())
        return max(scores, default=0.0)
