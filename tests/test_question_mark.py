"""A question typed without its question mark is still heard as a question."""

from __future__ import annotations

import pytest

from coach.acts.question_mark import punctuate, stripped, training_pairs, unmarked_endings


def test_bank_sentences_teach_asking_and_telling_with_their_marks_stripped():
    assert stripped("Fine. How many invoices a month?") == ("How many invoices a month", True)
    assert stripped("We cut the close to six days.") == ("We cut the close to six days", False)
    assert stripped("no mark at the end") is None  # nothing to learn from
    assert training_pairs(["Who signs?", "Got it.", "hmm"]) == (["Who signs", "Got it"], ["asks", "tells"])


def test_only_a_line_that_stops_on_a_word_can_be_missing_its_mark():
    text = "Thanks for the time. ok so what does the deal desk do today\nNoted.\nand who runs it"
    assert unmarked_endings(text) == ["ok so what does the deal desk do today", "and who runs it"]
    assert unmarked_endings("All punctuated. Really?") == []


def test_a_mark_is_added_only_where_the_model_is_sure_and_nothing_else_changes():
    sure = {"ok so what does the deal desk do today": 0.9, "we cut it in half": 0.2}

    def asks(sentences: list[str]) -> list[float]:
        return [sure.get(s, 0.0) for s in sentences]

    text = "Right. ok so what does the deal desk do today\nwe cut it in half"
    assert punctuate(text, asks, 0.7) == "Right. ok so what does the deal desk do today?\nwe cut it in half"
    assert punctuate("Nothing missing here.", asks, 0.7) == "Nothing missing here."


@pytest.mark.slow  # builds the classifier from the banks (several seconds)
def test_the_shipped_reader_hears_unmarked_questions_and_leaves_statements_alone():
    from coach.acts.reader import shared_reader
    from coach.retrieval.embeddings import shared_embedder
    from coach.runtime.startup import prepare

    reader = shared_reader("rep", shared_embedder(), prepare(llm="none").data_dir)
    assert reader.punctuated("ok so what does the deal desk actually do today") == \
        "ok so what does the deal desk actually do today?"
    assert reader.punctuated("Got it.\nis the close still the big pain") == "Got it.\nis the close still the big pain?"
    told = "What we do is quite different from a scanning tool, it covers the whole invoice"
    assert reader.punctuated(told) == told
    for said in ("we cut the close from eleven days to six", "thanks for the time today", "walk me through month end"):
        assert reader.punctuated(said) == said  # a request is heard by its act, not as a question
