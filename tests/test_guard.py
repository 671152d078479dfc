"""The guard on model-written buyer lines."""

from __future__ import annotations

import pytest

from coach.guard import check, clean_reply, load_guard_rules, numbers_in
from coach.retrieval import shared_embedder

RULES = load_guard_rules()
LINE = "It's mostly people and paper. Forty-two people in AP across nine hospitals."
FACT = "Days cash on hand dropped from 212 to 174 this year; the covenant floor is 150."


def verdict(reply, composed=LINE, move="answer", unrevealed=(FACT,)):
    return check(reply, composed, move, list(unrevealed), shared_embedder(), RULES)


def test_a_faithful_paraphrase_is_accepted():
    v = verdict("Mostly people and paper: forty-two people in AP across nine hospitals.")
    assert v.accepted and v.similarity >= RULES.min_similarity


@pytest.mark.parametrize("reply, why", [
    ("", "empty"),
    ("As an AI language model I cannot role-play a buyer.", "out of character"),
    ("Twenty-two people in AP across nine hospitals.", "number"),
    ("Forty-two people in AP, and days cash on hand fell from 212 to 174.", "number"),
    ("I went fishing with my brother and we caught a trout by the river bend.", "drifts"),
    (" ".join(["people and paper"] * 30), "too long"),
    ("Forty-two people in your AP team across your nine hospitals.", "who is speaking"),
])
def test_bad_replies_are_rejected_with_the_reason(reply, why):
    v = verdict(reply)
    assert not v.accepted and why in v.reason


def test_agreeing_while_ending_the_call_is_rejected():
    v = verdict("Sounds good, let's schedule time.", composed="I'm going to end the call here. Thanks.",
                move="disengage")
    assert not v.accepted and "agrees while the move is disengage" in v.reason


def test_replies_are_cleaned_to_one_spoken_line():
    assert clean_reply('Dana Okafor: "Fine. Go on."\n\nExtra paragraph.') == "Fine. Go on."


def test_numbers_in_reads_digits_and_words():
    assert numbers_in("Forty-two people, 9 hospitals, $1,200") == {"forty", "two", "9", "1200"}
