"""Dialogue acts: the labelled banks, the classifier built from them, and reading how a call ended."""

from __future__ import annotations

import itertools
import os

import pytest

from coach.acts.bank import SPLITS, Example, add_example, bank_files, load_split, user_bank_file
from coach.acts.outcome import buyer_move, read_outcome
from coach.acts.reader import KEPT_BUILDS, ActReader
from coach.acts.types import ACTS, ROLLS_UP_TO, SentenceAct
from coach.errors import UserInputError
from coach.retrieval.embeddings import shared_embedder
from tests.helpers import invoke_coach


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
@pytest.mark.parametrize("side", ["rep", "buyer"])
def test_every_split_loads_and_covers_every_act(side):
    assert len(load_split(side, "calls-test")) >= 800  # sentences as said in calls come as the calls have them
    for split in ("train", "dev", "test"):
        examples = load_split(side, split)
        assert bank_files(side, split), f"no {side}-{split} file"
        acts = [a for a in ACTS[side] if not (split == "test" and a in ROLLS_UP_TO)]  # measured as the broader act
        counts = {act: sum(e.act == act for e in examples) for act in acts}
        floor = 25 if split == "test" else 8
        assert min(counts.values()) >= floor, (split, counts)


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
@pytest.mark.parametrize("side", ["rep", "buyer"])
def test_no_sentence_is_in_two_splits(side):
    texts = {split: {" ".join(e.text.lower().split()) for e in load_split(side, split)} for split in SPLITS}
    for a, b in itertools.combinations(SPLITS, 2):
        assert not texts[a] & texts[b], (a, b, sorted(texts[a] & texts[b])[:3])


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
def test_the_rep_bank_is_big_and_varied_enough():
    every = [e for split in SPLITS for e in load_split("rep", split)]
    assert len(every) >= 2000
    assert len({e.industry for e in every if e.industry}) >= 8
    assert {"CFO", "COO", "CIO", "CEO", "VP Sales", "CHRO"} <= {e.title for e in every}
    assert {"terse", "rambling", "non_native", "jargon_heavy", "polite", "pushy"} <= {e.voice for e in every}
    asks = [e for e in every if e.act == "next_step_ask"]
    assert all(e.involves_buyer is not None for e in asks)
    claims = [e for e in every if e.act == "claim"]  # each labelled: a promise, or soft praise
    assert all(e.commits is not None for e in claims)
    assert sum(e.commits for e in claims) >= 100 and sum(not e.commits for e in claims) >= 100


@pytest.mark.slow  # builds the classifier from the banks (several seconds)
def test_the_classifier_is_deterministic_and_cached(tmp_path):
    sentences = ["Could we get forty-five minutes with you and your controller next Tuesday?",
                 "How was the drive in this morning?", "Our engine matches invoices to purchase orders."]
    first = ActReader("rep", shared_embedder(), cache_dir=tmp_path)
    readings = first.read(sentences)
    assert first.build_seconds is not None and list(tmp_path.glob("rep-*.npz"))
    again = ActReader("rep", shared_embedder(), cache_dir=tmp_path)
    assert again.read(sentences) == readings and again.build_seconds is None  # loaded, not rebuilt
    assert [r.act for r in readings] == ["next_step_ask", "small_talk", "feature"]
    assert readings[0].involves_buyer is not None and readings[0].involves_buyer > 0.5
    assert all(r.commits is None for r in readings)  # only a claim is read as a promise or praise


@pytest.mark.slow  # builds the classifier from the banks (several seconds)
def test_a_claim_is_read_as_a_promise_or_as_soft_praise(tmp_path):
    reader = ActReader("rep", shared_embedder(), cache_dir=tmp_path)
    promise, praise = reader.read(["I guarantee every one of your branches will cut costs in half within a quarter.",
                                   "Honestly, our customers really love it."])
    assert promise.act == praise.act == "claim"
    assert promise.commits is not None and promise.commits > 0.5
    assert praise.commits is not None and praise.commits < 0.5


@pytest.mark.slow  # builds the classifier from the banks (several seconds)
def test_a_sentence_a_team_adds_rebuilds_the_classifier(tmp_path):
    cache = tmp_path / "cache"
    before = ActReader("buyer", shared_embedder(), data_dir=tmp_path, cache_dir=cache)
    before.models()
    shipped = len(before.training_examples())
    add_example(tmp_path, "buyer", Example(text="Let me have my chief of staff run with this.", act="hand_off"))
    after = ActReader("buyer", shared_embedder(), data_dir=tmp_path, cache_dir=cache)
    assert len(after.training_examples()) == shipped + 1
    for n in range(5):  # builds left by earlier bank versions, used long ago
        stale = cache / f"buyer-stale{n}.npz"
        stale.write_bytes(b"old")
        os.utime(stale, (1_000_000 + n, 1_000_000 + n))
    after.models()
    assert after.build_seconds is not None
    kept = sorted(f.name for f in cache.glob("buyer-*.npz"))  # the new build, the one before, the two most recent stale
    assert len(kept) == KEPT_BUILDS and {"buyer-stale4.npz", "buyer-stale3.npz"} <= set(kept), kept
    assert after.cache_file().name in kept


def test_adding_a_sentence_checks_the_act_and_keeps_the_file(tmp_path):
    with pytest.raises(UserInputError, match="not a rep act"):
        add_example(tmp_path, "rep", Example(text="Hello.", act="hand_off"))
    add_example(tmp_path, "rep", Example(text="Worth an hour with you and Priya next week?", act="next_step_ask",
                                         involves_buyer=True))
    with pytest.raises(UserInputError, match="--commits only applies to a claim"):
        add_example(tmp_path, "rep", Example(text="Our engine matches invoices.", act="feature", commits=True))
    with pytest.raises(UserInputError, match="already"):
        add_example(tmp_path, "rep", Example(text="Worth an hour with you and Priya next week?", act="next_step_ask"))
    assert "Priya" in user_bank_file(tmp_path, "rep").read_text()


def test_coach_acts_add_and_read_from_the_command_line(tmp_path):
    bad = invoke_coach("acts", "add", "Hello there", "--act", "wave", COACH_DATA_DIR=str(tmp_path))
    assert bad.returncode == 2 and "use one of" in bad.stderr and "Traceback" not in bad.stderr
    misplaced = invoke_coach("acts", "add", "Our engine reads every PDF.", "--act", "feature", "--commits",
                             COACH_DATA_DIR=str(tmp_path))
    assert misplaced.returncode == 2 and "only applies to a claim" in misplaced.stderr
    assert "Traceback" not in misplaced.stderr
    claim = invoke_coach("acts", "add", "Every team that buys it hits plan.", "--act", "claim", "--commits",
                         COACH_DATA_DIR=str(tmp_path))
    assert claim.returncode == 0 and "commits: true" in (tmp_path / "acts" / "rep-user.yaml").read_text()
    good = invoke_coach("acts", "add", "Gotta run, ping my deputy.", "--side", "buyer", "--act", "hand_off",
                        COACH_DATA_DIR=str(tmp_path))
    assert good.returncode == 0 and "buyer-user.yaml" in good.stdout
    read = invoke_coach("acts", "read", "Can we pencil in thirty minutes with you on Friday?",
                        COACH_DATA_DIR=str(tmp_path))
    assert read.returncode == 0 and "next_step_ask" in read.stdout


def _said(act: str, confidence: float = 0.9, text: str = "") -> SentenceAct:
    return SentenceAct(text=text or act, act=act, confidence=confidence, sure=confidence >= 0.4)


def test_the_last_sure_decisive_act_decides_how_the_call_ended():
    turns = [[_said("answer")], [_said("hand_off", text="Talk to my IT director.")], [_said("agree_next_step")]]
    handed = read_outcome(turns, 0.4)
    assert handed.outcome == "delegated" and handed.evidence == "Talk to my IT director." and handed.turn == 2
    agreed = read_outcome([[_said("pushback")], [_said("agree_next_step", text="Tuesday at ten, me and Sam.")]], 0.4)
    assert agreed.outcome == "advanced" and agreed.evidence == "Tuesday at ten, me and Sam."
    unsure = read_outcome([[_said("end_call", 0.3, "Hm, maybe later.")]], 0.4)
    assert unsure.outcome == "open" and unsure.unsure == ["Hm, maybe later."]
    assert read_outcome([[_said("end_call")], [_said("agree_next_step")]], 0.4).outcome == "advanced"


def test_a_reply_that_agrees_a_step_hands_off_only_when_the_hand_off_is_clear():
    booked = [[_said("answer")], [_said("hand_off", 0.65, "Set it up with my assistant."),
                                  _said("agree_next_step", text="Thursday or Friday.")]]
    assert read_outcome(booked, 0.4, beside_agreement={"hand_off": 0.8}).outcome == "advanced"
    assert read_outcome(booked, 0.4).outcome == "delegated"  # without the setting, any sure hand-off decides
    passed_on = [[_said("hand_off", 0.95, "Hannah takes it from here."), _said("agree_next_step", text="Tuesday.")]]
    assert read_outcome(passed_on, 0.4, beside_agreement={"hand_off": 0.8}).outcome == "delegated"


def test_a_buyer_reply_becomes_the_move_it_made():
    assert buyer_move([_said("answer"), _said("hand_off", text="Over to Priya.")], 0.4) == ("delegate", "Over to Priya.")
    assert buyer_move([_said("answer")], 0.4) == ("answer", None)
    assert buyer_move([_said("impatience", 0.2)], 0.4) == ("answer", None)


@pytest.mark.slow  # imports scikit-learn to fit (seconds): kept out of the fast lane
def test_reading_from_arrays_matches_the_training_layout_with_words_and_context():
    import numpy as np

    from coach.acts import model as linear

    rng = np.random.default_rng(0)
    texts = ["Fair enough.", "Which ERP are you on?", "Tuesday at ten works.", "Our engine reads PDFs.",
             "Got it, eleven days.", "How was the weekend?"]
    vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
    context = rng.random(size=(len(texts), 3)).astype(np.float32)
    context[0] = 0  # nothing known before it
    settings = linear.ModelSettings(regularisation=4.0, word_weight=1.5, context_weight=2.0)
    fitted = linear.fit(linear.features(vectors, texts, settings, context), ["a", "b", "c", "a", "b", "c"], settings)
    expected = fitted.probabilities(linear.features(vectors, texts, settings, context))
    read = fitted.read(vectors, texts, settings.word_weight, context, settings.context_weight)
    assert np.allclose(read, expected, atol=1e-5)


@pytest.mark.slow  # builds the classifiers from the banks (several seconds)
def test_a_rep_sentence_is_read_in_the_light_of_what_the_buyer_just_said():
    from coach.acts.reader import shared_reader
    from coach.runtime.startup import prepare

    reader = shared_reader("rep", shared_embedder(), prepare(llm="none").data_dir)
    line = "Fair, and that's why the first phase never touches the ERP."
    alone, = reader.read([line])
    assert reader.read([line], [None]) == [alone]  # nothing known before it: read as alone
    after_pushback, = reader.read([line], ["Every vendor says integration is easy, and it never is."])
    after_answer, = reader.read([line], ["We run SAP in the hospitals and Oracle at the two we bought."])
    assert after_pushback.chance("objection_handling") > alone.chance("objection_handling")
    assert after_pushback.chance("objection_handling") > after_answer.chance("objection_handling")
