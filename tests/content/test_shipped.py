"""The content that ships is valid, complete and internally consistent."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from coach.content.catalog import load_content
from coach.content.personas import MOVES
from tests.helpers import invoke_coach

TITLES = {"cfo", "coo", "cio", "ceo"}
NUMBER = re.compile(r"\$?\d[\d,.]*\s?(?:%|M|K|B)?")


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_every_shipped_file_is_valid():
    result = invoke_coach("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK:")


def test_there_is_an_executive_for_every_title_and_a_vp(content):
    execs = content.executives()
    assert len(execs) >= 6
    keys = Counter(p.title_key for p in execs)
    assert TITLES <= set(keys)
    assert any(k.startswith("vp") or k == "chro" for k in keys)
    low = [p for p in execs if p.title_key in ("cfo", "coo") and p.patience == "low"]
    assert low, "a second CFO or COO with low patience"
    assert len({p.patience for p in execs}) == 3 and len({p.time_budget_min for p in execs}) >= 3


def test_every_executive_hands_down_to_a_delegate_of_the_same_company(content):
    for persona in content.executives():
        delegate = content.personas[persona.delegates_to]
        assert delegate.level == "delegate", persona.id
        assert delegate.company.name == persona.company.name, persona.id


def test_executives_are_fully_drawn(content):
    for persona in content.executives():
        assert len(persona.hidden_facts) >= 2, persona.id
        assert persona.objections and persona.priorities and persona.background, persona.id
        for move in MOVES:
            lines = getattr(persona.voice.lines, move)
            assert len(lines) >= 3, (persona.id, move)
            assert len(set(lines)) == len(lines), (persona.id, move)
        assert all("{delegate_name}" in line for line in persona.voice.lines.delegate), persona.id


def test_every_buyer_has_enough_to_answer_a_good_rep(content):
    """Issue-level depth: a good rep asks more than six stock answers and three secrets can serve."""
    from coach.content.personas import REACTIONS, TOPICS

    for persona in content.personas.values():
        need = (30, 5, 4) if persona.is_executive else (20, 3, 3)
        assert len(persona.statements) >= need[0], persona.id
        assert len(persona.hidden_facts) >= need[1], persona.id
        assert len(persona.objections) >= need[2], persona.id
        assert {s.topic for s in persona.statements} == set(TOPICS), persona.id
        assert all(not isinstance(o, str) and o.answered_by for o in persona.objections), persona.id
        assert all(len(f.asked_like) >= 5 for f in persona.hidden_facts), persona.id
        assert persona.handles, persona.id
        for group in REACTIONS:
            if group != "go_ahead":  # the defaults serve: "That works. Go ahead."
                assert getattr(persona.voice.lines, group), (persona.id, group)
        said = " ".join(s.text for s in persona.statements).lower()
        for fact in persona.hidden_facts:  # statements never give a secret away
            assert fact.fact.lower() not in said, (persona.id, fact.fact)


def test_no_line_names_the_clock_except_through_minutes_left(content):
    clock_words = ("halfway", "out of time", "running short", "used the time", "running out of time", "time is up")
    for persona in content.personas.values():
        lines = [line for group in persona.voice.lines.model_dump().values() for line in group]
        for line in lines:
            assert not any(word in line.lower() for word in clock_words), (persona.id, line)


def test_an_executives_hand_off_says_who_and_why(content):
    for persona in content.executives():
        for line in persona.voice.lines.delegate:
            assert "{delegate_name}" in line and "{delegate_handles}" in line, (persona.id, line)


def test_delegates_have_lines_for_every_move(content):
    for persona in content.personas.values():
        if persona.level == "delegate":
            assert all(getattr(persona.voice.lines, move) for move in MOVES), persona.id


def test_every_title_has_value_propositions_for_every_offering(content):
    offerings = {d.meta.offering for d in content.knowledge.values()}
    assert len(offerings) >= 3
    for persona in content.executives():
        covered = {d.meta.offering for d in content.value_props_for(persona.title_key)}
        assert covered == offerings, (persona.title_key, offerings - covered)


def test_case_notes_span_industries_and_every_value_prop_has_proof(content):
    notes = content.case_notes()
    assert len(notes) >= 15
    assert len({n.meta.industry for n in notes}) >= 3
    for doc in content.knowledge.values():
        if doc.meta.kind == "value_proposition":
            assert len(doc.proof_ids()) >= 2, doc.id
            assert doc.section("capabilities").text.strip(), doc.id


def test_figures_cited_with_a_case_note_appear_in_that_note(content):
    for doc in content.knowledge.values():
        if doc.meta.kind != "value_proposition":
            continue
        for section in ("outcomes", "proof"):
            for line in doc.section(section).text.splitlines():
                cited = re.findall(r"\b(cn-[a-z0-9-]+)\b", line)
                if len(cited) != 1:
                    continue
                note = content.knowledge[cited[0]]
                note_text = " ".join(s.text for s in note.sections)
                for figure in NUMBER.findall(line.split(cited[0])[0] + line.split(cited[0])[-1]):
                    figure = figure.strip().rstrip(".,")
                    if any(ch.isdigit() for ch in figure):
                        assert figure in note_text, (doc.id, cited[0], figure)
