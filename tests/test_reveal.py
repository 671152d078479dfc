"""The hidden-fact reveal model: its shipped numbers load, it prefers the secret the question is
closest to over what the buyer says openly, and the buyer uses it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coach.call.analysis import Question
from coach.call.answers import AnswerRules, AnswerSignals, facts_worth_revealing
from coach.call.policy import load_buyer_rules
from coach.call.reveal import FEATURES, RevealModel, chosen, likelihood, load_reveal_model, measurements
from tests.helpers import neutral_turn


def test_the_shipped_model_loads_says_where_it_was_fitted_and_is_what_the_buyer_uses():
    model = load_reveal_model()
    assert model.features == FEATURES
    assert all(split.startswith("responsiveness-dev") for split in model.fitted_on["splits"])  # never a held-out set
    assert load_buyer_rules().answers.reveal == model


def test_a_model_with_other_features_is_refused_with_the_fix():
    with pytest.raises(ValidationError, match="refit with scripts/fit_reveal.py"):
        RevealModel(features=("closeness",), mean=(0,), scale=(1,), coef=(1,), intercept=0, threshold=0.5)


def test_the_secret_well_ahead_of_what_they_say_openly_comes_out_and_one_behind_does_not():
    model = load_reveal_model()
    ahead = measurements([0.9, 0.4], [0.7, 0.3], best_open=0.45, best_open_raw=0.35, nothing_of_theirs=0.0,
                         read_as_asked=[0])
    behind = measurements([0.4, 0.35], [0.3, 0.25], best_open=0.8, best_open_raw=0.6, nothing_of_theirs=0.0,
                          read_as_asked=[])
    assert likelihood(model, ahead[0]) > model.threshold > likelihood(model, behind[0])
    assert chosen(model, ahead) == [0]
    assert chosen(model, behind) == []


def test_the_buyer_decides_with_the_model_even_when_the_analysis_read_no_secret_as_asked():
    """The reading past a fixed closeness is one measurement among several, not a gate."""
    question = "Anything ancient on the books that was supposed to be switched off by now?"
    a = neutral_turn(questions=[Question(text=question, form="open", discovery=["history"], act="ask_history")],
                     acts=[(question, "ask_history", 0.9)])
    signals = AnswerSignals({question: {"statement:0": 0.3}}, {}, {question: {"history": 0.7}})
    rules = AnswerRules(min_similarity=0.2, asked_by_weight=0.5, reveal=load_reveal_model())
    assert facts_worth_revealing(a, [0.75, 0.3], signals, rules) == [0]
    assert facts_worth_revealing(a, [0.3, 0.28], signals, rules) == []
    fixed_margin = AnswerRules(min_similarity=0.2, asked_by_weight=0.5)
    assert facts_worth_revealing(a, [0.75, 0.3], signals, fixed_margin) == []  # not read as asked: none
