"""The guard on model-written buyer lines."""

from __future__ import annotations

import pytest

from coach.call.model_voice import check, clean_reply, load_guard_rules, numbers_in
from coach.retrieval.embeddings import shared_embedder

RULES = load_guard_rules()
LINE = "It's mostly people and paper. Forty-two people in AP across nine hospitals."
FACT = "Days cash on hand dropped from 212 to 174 this year; the covenant floor is 150."


def verdict_for(reply, composed):
    return check(reply, composed, "answer", [FACT], shared_embedder(), RULES)


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


# --- streaming: sentences are released only after the guard passes the reply so far ---

from coach.call.model_voice import ModelVoice, sentences  # noqa: E402
from coach.llm.scripted import ScriptedBackend, ScriptedReply  # noqa: E402
from coach.errors import ModelUnavailable  # noqa: E402


@pytest.fixture()
def persona(repo_root):
    from coach.content.personas import load_persona_file
    return load_persona_file(repo_root / "personas" / "cfo_meridian.yaml")


def streamed(reply, persona, composed=LINE, move="answer"):
    voice = ModelVoice(ScriptedBackend([reply]), shared_embedder(), RULES)
    stream = voice.stream(persona, move, "a reason", composed, [], [FACT], seed=1)
    pieces = list(stream)
    assert "".join(pieces) == stream.line  # what was shown is exactly what is recorded
    return pieces, stream, voice


def test_a_good_reply_streams_sentence_by_sentence(persona):
    pieces, stream, voice = streamed("Mostly people and paper. Forty-two people in AP across nine hospitals.",
                                     persona)
    assert pieces == ["Mostly people and paper.", " Forty-two people in AP across nine hospitals."]
    assert stream.source == "model" and stream.why == "ok" and voice.accepted == 1


def test_a_leak_in_a_later_sentence_is_never_shown(persona):
    pieces, stream, voice = streamed(
        "It's mostly people and paper. Days cash on hand fell from 212 to 174 this year.", persona)
    assert "212" not in stream.line and "174" not in "".join(pieces)
    assert pieces[0] == "It's mostly people and paper."
    # the rest of the composed line finishes the turn, so nothing the move needs is lost
    assert stream.line == "It's mostly people and paper. Forty-two people in AP across nine hospitals."
    assert stream.source == "model" and "finished with the composed line" in stream.why


def test_a_bad_first_sentence_gives_the_composed_line(persona):
    pieces, stream, voice = streamed("As an AI language model I cannot do that. Anyway.", persona)
    assert pieces == [LINE] and stream.source == "composed" and "out of character" in stream.why
    assert voice.asked == 1 and voice.accepted == 0


def test_a_model_dying_mid_reply_keeps_what_was_said(persona):
    reply = ScriptedReply("Mostly people and paper. Forty-two people in AP across nine hospitals.", fail_after=3,
                          error=ModelUnavailable("server died", "restart it"))
    pieces, stream, _ = streamed(reply, persona)
    assert stream.line.endswith("Forty-two people in AP across nine hospitals.")
    assert "model unavailable" in stream.why


def test_a_model_that_cannot_start_gives_the_composed_line(persona):
    voice = ModelVoice(ScriptedBackend([], max_retries=0), shared_embedder(), RULES)
    stream = voice.stream(persona, "answer", "r", LINE, [], [FACT], seed=1)
    assert list(stream) == [LINE] and stream.source == "composed" and "model unavailable" in stream.why


def test_only_the_first_paragraph_is_spoken_and_what_it_left_out_is_still_said(persona):
    _, stream, _ = streamed("Mostly people and paper.\n\nAs an AI I must add a note.", persona)
    assert "AI" not in stream.line
    # the reply stopped before the line's figures: the rest of the composed line finishes the turn
    assert stream.line == "Mostly people and paper. Forty-two people in AP across nine hospitals."
    assert "stopped short" in stream.why


def test_a_reply_that_says_the_whole_line_in_fewer_sentences_is_kept_as_it_is(persona):
    _, stream, _ = streamed("Mostly people and paper: forty-two people in AP across nine hospitals.", persona)
    assert stream.source == "model" and stream.why == "ok" and stream.line.count("forty-two") == 1


@pytest.mark.parametrize(("reply", "composed", "why"), [
    ("Our customers don't leave when we miss peak.", "Our customers leave when we miss peak.", "opposite"),
    ("We never close on time.", "We close on time most months.", "opposite"),
    ("Here's a revised version: mostly people and paper.", "Mostly people and paper.", "talks about the line"),
    ("The sentence is a rephrasing of the close taking eleven days.", "The close takes eleven days.",
     "talks about the line"),
    ("Mostly people and paper in AP.", LINE, "drops a number"),
])
def test_replies_that_flip_the_meaning_talk_about_the_line_or_drop_a_figure_are_rejected(reply, composed, why):
    verdict = verdict_for(reply, composed)
    assert not verdict.accepted and why in verdict.reason


def test_sentences_split_after_end_marks():
    assert sentences('Fine. "Go on." Why? Now!') == ["Fine.", '"Go on."', "Why?", "Now!"]


def test_how_the_reply_is_chunked_never_changes_the_line(persona):
    from coach.call.model_voice import VoiceStream, Verdict

    reply = '  Dana: "Mostly people and paper.\nForty-two people in AP." Why?\n\nAs an AI I add this.'
    lines = set()
    for size in (1, 2, 3, 5, 8, 13, len(reply)):
        chunks = iter([reply[i:i + size] for i in range(0, len(reply), size)])
        stream = VoiceStream(LINE, chunks, lambda text, aligned: Verdict(True, "ok"))
        assert "".join(stream) == stream.line
        lines.add(stream.line)
    assert lines == {"Mostly people and paper. Forty-two people in AP.\" Why?"}


def test_a_reply_that_stops_at_what_it_introduces_is_finished_with_the_line():
    """"Here's how it looks from where I'm sitting:" and nothing after it would leave the rep with no answer."""
    from coach.call.model_voice import VoiceStream, Verdict

    composed = "Here's how it looks from where I sit. Second visits eat the margin on fixed-price work."
    stream = VoiceStream(composed, iter(["Here's how it looks from where I'm sitting:"]),
                         lambda text, aligned: Verdict(True, "ok", 0.9))
    said = "".join(stream)
    assert said == stream.line and said.endswith("Second visits eat the margin on fixed-price work.")
    assert "stopped short" in stream.why
