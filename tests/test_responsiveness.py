"""The responsiveness measure: items load with clear errors, replies are read in the set's vocabulary,
and the summary counts what the issue asks for."""

from __future__ import annotations

import pytest

from coach.content.catalog import load_content
from coach.content.files import ContentError
from coach.evals import responsiveness as R


def write(tmp_path, body: str):
    (tmp_path / "cfo_meridian.yaml").write_text(body, encoding="utf-8")
    return tmp_path


def test_a_bad_item_file_names_the_file_and_the_field(tmp_path):
    folder = write(tmp_path, "persona: cfo_meridian\nitems:\n  - {id: x, rep: \"Hi?\", kind: query, acceptable: [goal]}\n")
    with pytest.raises(ContentError) as caught:
        R.load_items(folder)
    assert "cfo_meridian.yaml" in str(caught.value.problems[0]) and "kind" in str(caught.value.problems[0])


def test_replies_are_read_in_the_sets_vocabulary():
    assert R.drew_on("answer", "statement", "history") == "history"
    assert R.drew_on("answer", "reveal", "problem") == "problem"
    assert R.drew_on("probe", "move", None) == "fit_question"
    assert R.drew_on("warn", "move", None) == "steer_back"
    assert R.drew_on("answer", "doubt", None) == "doubt"
    assert R.drew_on("probe", "how_it_fits", None) == "fit_question"  # asking how a capability fits us


def test_the_buyer_is_measured_on_real_items(tmp_path, shipped_store):
    store, _ = shipped_store
    folder = write(tmp_path, """persona: cfo_meridian
items:
  - {id: a, rep: "How many people work in accounts payable across the hospitals?", kind: question,
     acceptable: [situation, people], reveals: none}
  - {id: b, rep: "Did you catch the game last night?", kind: question, acceptable: [no_content], reveals: none}
""")
    results = R.run_items(R.load_items(folder), load_content(), store)
    by_id = {r.id: r for r in results}
    assert by_id["b"].drew_on == "no_content" and by_id["b"].fitting
    assert by_id["a"].fitting, by_id["a"]
    summary = R.summary(results)
    assert summary["items"] == 2 and summary["responsive"] == 1.0 and summary["hollow_lines"] == 0


def test_a_fact_the_writers_could_not_see_does_not_count_as_a_false_reveal():
    def result(revealed):
        return R.ItemResult(id="x", persona="p", rep="r", acceptable=["goal"], move="answer", reply="reveal",
                            drew_on="goal", line="l", fitting=True, reveals=None, revealed=revealed, hollow=False)
    assert R.summary([result(R.FACTS_KNOWN_TO_WRITERS)])["false_reveal"] == 0.0
    assert R.summary([result(0)])["false_reveal"] == 1.0
    saw_all = result(R.FACTS_KNOWN_TO_WRITERS).model_copy(update={"facts_seen": 7})
    assert R.summary([saw_all])["false_reveal"] == 1.0  # a writer who saw every fact judged this one too


def test_a_set_says_how_many_facts_its_writer_saw(tmp_path):
    write(tmp_path, "persona: cfo_meridian\nfacts_seen: 7\nitems:\n  - id: a\n    rep: Hi?\n    kind: question\n"
                    "    acceptable: [no_content]\n  - id: b\n    rep: Hi?\n    kind: question\n"
                    "    acceptable: [no_content]\n    facts_seen: 2\n")
    assert [item.facts_seen for _, item in R.load_items(tmp_path)] == [7, 2]


def test_held_out_and_dev_sets_are_told_apart_by_folder_name():
    assert R.held_out_dirs() and all("responsiveness-test" in d.name for d in R.held_out_dirs())
    assert R.DEV_DIR in R.dev_dirs() and not set(R.held_out_dirs()) & set(R.dev_dirs())


def test_repeated_lines_are_counted_within_a_call_only():
    assert R.repeated_lines([["A.", "B.", "a."], ["A."]]) == 1


def test_a_question_typed_without_its_mark_and_a_request_to_speak_are_answered_as_meant(tmp_path, shipped_store):
    """"how many people work in AP across the hospitals" asks, mark or not; "Mind if I share what a
    similar hospital group did?" asks leave, and gets a yes rather than "I wouldn't know"."""
    store, _ = shipped_store
    folder = write(tmp_path, """persona: cfo_meridian
items:
  - {id: a, rep: "ok so how many people work in accounts payable across the hospitals", kind: question,
     acceptable: [situation, people], reveals: none}
  - {id: b, rep: "Mind if I share what a similar hospital group did with its invoices?", kind: question,
     acceptable: [go_ahead], reveals: none}
""")
    by_id = {r.id: r for r in R.run_items(R.load_items(folder), load_content(), store)}
    assert by_id["a"].fitting, by_id["a"]
    assert by_id["b"].drew_on == "go_ahead" and by_id["b"].revealed is None, by_id["b"]


def test_discovery_said_as_a_request_is_answered_and_a_capability_is_asked_how_it_fits(tmp_path, shipped_store):
    """"Walk me through how an invoice gets paid today." asks, with no "?"; a capability aimed at their
    concern gets asked how it would work here, in the buyer's own words, with no customer presupposed."""
    store, _ = shipped_store
    folder = write(tmp_path, """persona: cfo_tidewater
items:
  - {id: a, rep: "Walk me through how an invoice gets approved and paid today.", kind: question,
     acceptable: [situation, problem, people], reveals: none}
  - {id: b, rep: "Our approval app lets branch managers approve invoices from their phone in one tap.",
     kind: statement, acceptable: [fit_question, steer_back], reveals: none}
""")
    by_id = {r.id: r for r in R.run_items(R.load_items(folder), load_content(), store)}
    assert by_id["a"].fitting and by_id["a"].revealed is None, by_id["a"]
    b = by_id["b"]
    assert b.fitting and " them" not in b.line and "they " not in b.line.lower(), b
