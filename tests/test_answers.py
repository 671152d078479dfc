"""The buyer answers what was asked: the pure answer chooser and the composed voice's slots."""

from __future__ import annotations

import pytest

from coach.call.analysis import CaseReference, Question, TurnAnalysis
from coach.call.answers import (AnswerRules, AnswerSignals, Answerable, answerables, choose_reply, reaction_to,
                                said_goodbye)
from coach.call.composed_voice import LineContext, candidate_lines, compose
from coach.content.personas import Persona
from tests.helpers import neutral_turn

RULES = AnswerRules(min_similarity=0.35, asked_by_weight=0.5)
POOL = [Answerable("statement:0", "situation", "Forty-two people in AP across nine hospitals."),
        Answerable("statement:1", "history", "We tried an AP tool in 2021; it died in the pilot."),
        Answerable("statement:2", "problem", "The close takes eleven days."),
        Answerable("objection:0", "objection", "Every vendor promises margin.")]


turn = neutral_turn


def measured(questions=None, turn=None, topics=None) -> AnswerSignals:
    return AnswerSignals(questions or {}, turn or {}, topics or {})


def asked(text: str, act: str = "ask_situation") -> TurnAnalysis:
    return turn(questions=[Question(text=text, form="open", discovery=["situation"], act=act)],
                acts=[(text, act, 0.9)])


def test_a_question_is_answered_by_the_closest_statement_not_yet_said():
    a = asked("What did you try before?")
    scores = {"What did you try before?": {"statement:0": 0.2, "statement:1": 0.6, "statement:2": 0.3}}
    reply = choose_reply(a, POOL, measured(scores), set(), RULES)
    assert (reply.kind, reply.key, reply.topic) == ("statement", "statement:1", "history")
    again = choose_reply(a, POOL, measured(scores), {"statement:1"}, RULES)
    assert again.key != "statement:1"  # never the same statement twice in a call


def test_nothing_close_enough_means_the_buyer_says_they_have_nothing_on_it():
    a = asked("Which hospital has the best cafeteria?")
    reply = choose_reply(a, POOL, measured({"Which hospital has the best cafeteria?": {"statement:0": 0.2}}), set(), RULES)
    assert reply.kind == "no_content" and reply.statement == ""


def test_small_talk_questions_are_not_answered_from_the_persona():
    a = asked("How was your weekend?", act="small_talk")
    reply = choose_reply(a, POOL, measured({"How was your weekend?": {"statement:0": 0.9}}), set(), RULES)
    assert reply.kind == "no_content"


def test_the_topic_the_question_is_read_as_asking_about_counts_by_its_probability():
    a = asked("Ever been burned by a vendor?", act="ask_problem")
    scores = {"Ever been burned by a vendor?": {"statement:1": 0.30, "statement:2": 0.40}}
    topics = {"Ever been burned by a vendor?": {"history": 0.8, "problem": 0.1}}
    weighted = RULES.model_copy(update={"topic_weight": 0.3})
    assert choose_reply(a, POOL, measured(scores, topics=topics), set(), weighted).key == "statement:1"
    assert choose_reply(a, POOL, measured(scores, topics=topics), set(), RULES).key == "statement:2"


def test_a_question_read_surely_as_nothing_of_theirs_gets_no_answer():
    a = asked("Which forklift battery brand do you like?")
    scores = {"Which forklift battery brand do you like?": {"statement:0": 0.5}}
    topics = {"Which forklift battery brand do you like?": {"no_content": 0.9}}
    strict = RULES.model_copy(update={"no_content_above": 0.6})
    assert choose_reply(a, POOL, measured(scores, topics=topics), set(), strict).kind == "no_content"
    assert choose_reply(a, POOL, measured(scores, topics=topics), set(), RULES).kind == "statement"


def test_a_request_without_a_question_mark_is_answered_from_the_whole_turn():
    a = asked("Walk me through the close.", act="ask_situation")
    reply = choose_reply(a, POOL, measured(turn={"statement:2": 0.5}), set(), RULES)
    assert reply.key == "statement:2"


@pytest.mark.parametrize(("findings", "kind"), [
    (dict(unsupported_claims=["guarantees 50%"]), "doubt"),
    (dict(case_notes=[CaseReference(case_id="c#1", score=0.7, figures_quoted=[], figures_match=True)]), "fit_question"),
    (dict(feature_pitch=True), "steer_back"),  # an executive: product talk is beside the point
    (dict(value_for_title=True), "interest"),
    (dict(), "steer_back"),
])
def test_statements_get_a_reaction_to_what_was_said(findings, kind):
    assert choose_reply(turn(**findings), POOL, measured(turn={"statement:2": 0.5}), set(), RULES).kind == kind


def test_interest_adds_the_buyers_own_side():
    reply = choose_reply(turn(value_for_title=True), POOL, measured(turn={"statement:2": 0.6, "objection:0": 0.9}),
                         set(), RULES)
    assert reply.kind == "interest" and reply.key == "statement:2"  # their problem, not an objection


def test_a_goodbye_is_read_only_when_nothing_else_is_asked():
    bye = turn(acts=[("Thanks for your time.", "closing", 0.9), ("Goodbye.", "closing", 0.9)])
    assert said_goodbye(bye)
    ask = turn(acts=[("Thanks.", "closing", 0.9), ("Can we meet Tuesday?", "next_step_ask", 0.9)],
               next_step_ask=["Can we meet Tuesday?"])
    assert not said_goodbye(ask)


def _persona(**lines) -> Persona:
    return Persona.model_validate({
        "id": "cfo_x", "name": "A B", "title": "CFO", "title_key": "cfo", "level": "executive",
        "company": {"name": "X Co", "industry": "retail"}, "time_budget_min": 30, "patience": "medium",
        "delegates_to": "y", "goals": ["Raise margin."], "problems": ["Margin fell."], "needs": ["Proof."],
        "priorities": ["Board in five weeks."],
        "statements": [{"topic": "priority", "text": "I see the board in five weeks."}],
        "voice": {"style": "terse", "lines": lines}})


def test_no_line_leaves_a_slot_empty():
    persona = _persona(answer=["Fair question. {fact}", "{statement}"], no_content=["Not mine. {goal}"])
    assert candidate_lines(persona, "answer", LineContext(statement="Forty-two people.")) == ["{statement}"]
    assert candidate_lines(persona, "answer", LineContext(fact="We lost $48M.")) == ["Fair question. {fact}"]
    # an empty goal slot is never spoken: the default no-content lines that have something to say are used
    lines = candidate_lines(persona, "no_content", LineContext(priority="I see the board in five weeks."))
    assert lines and all("{goal}" not in line for line in lines)


def test_priorities_in_lines_are_said_in_the_buyers_own_words():
    from coach.call.composed_voice import context_for
    from coach.call.policy import Decision, load_buyer_rules, start

    persona = _persona()
    context = context_for(persona, start(persona, load_buyer_rules()), Decision(move="probe", reason="r"), None, 1)
    assert context.priority == "I see the board in five weeks."  # the statement, not "Board in five weeks."


def test_a_reaction_the_persona_has_no_line_for_uses_their_lines_for_the_move():
    persona = _persona(probe=["So what does it do for margin?"])
    line = compose(persona, "fit_question", LineContext(), seed=0, turn_index=1, used=set(), fallback="probe")
    assert line == "So what does it do for margin?"


def test_a_persona_without_statements_answers_from_its_goals_and_problems():
    persona = _persona().model_copy(update={"statements": []})
    topics = {a.topic for a in answerables(persona)}
    assert topics == {"problem", "goal"}


def test_a_delegate_who_likes_features_asks_how_they_fit():
    reply = choose_reply(turn(feature_pitch=True), POOL, measured(), set(), RULES, likes_features=True)
    assert reply.kind == "how_it_fits"


def test_a_capability_is_asked_how_it_works_here_not_about_a_customer_nobody_mentioned():
    """A customer story's questions ("what did it cost them?") presuppose a customer; a capability
    gets the persona's own how-it-fits lines, else their probe lines, never the story questions."""
    persona = _persona(probe=["So what does it do for margin?"], fit_question=["What did it cost them?"])
    say = dict(seed=0, turn_index=1, used=set(), fallback="probe")
    assert compose(persona, "how_it_fits", LineContext(), **say) == "So what does it do for margin?"
    own = _persona(fit_question=["What did it cost them?"], how_it_fits=["How would that work at our nine sites?"])
    assert compose(own, "how_it_fits", LineContext(), **say) == "How would that work at our nine sites?"


def test_a_value_statement_read_as_such_gets_interest_even_without_the_titles_words():
    acts = [("Taking hand-keying off your team would end the overtime.", "value", 0.99)]
    assert reaction_to(turn().model_copy(update={"acts": acts})) == "interest"


def test_a_hidden_fact_comes_out_only_when_the_question_is_closer_to_it_than_to_what_they_say_openly():
    from coach.call.answers import facts_worth_revealing

    a = asked("Who has to sign off?").model_copy(update={"facts_asked": [0, 1]})
    signals = measured({"Who has to sign off?": {"statement:0": 0.55}})
    assert facts_worth_revealing(a, [0.6, 0.5], signals, RULES) == [0]
    stricter = RULES.model_copy(update={"fact_margin": 0.1})
    assert facts_worth_revealing(a, [0.6, 0.5], signals, stricter) == []


def test_a_secret_on_another_topic_does_not_answer_the_question_asked():
    """Secret and open statement alike get the pull of the topic the question is read as asking about:
    a question about what solving it is worth gets the statement on value, not a secret about people."""
    from coach.call.answers import facts_worth_revealing

    question = "What would two days off the close be worth to you?"
    pool = [*POOL, Answerable("statement:4", "value", "Two days sooner and the committee sees real numbers.")]
    a = asked(question).model_copy(update={"facts_asked": [0]})
    signals = measured({question: {"statement:4": 0.45}}, topics={question: {"value": 0.9, "people": 0.05}})
    rules = RULES.model_copy(update={"fact_topic_weight": 0.4})
    about_people = [{"people": 0.8, "value": 0.1}]
    assert facts_worth_revealing(a, [0.5], signals, RULES) == [0]  # closeness alone: the secret wins
    assert facts_worth_revealing(a, [0.5], signals, rules, pool=pool, fact_topics=about_people) == []
    about_value = [{"value": 0.7, "problem": 0.2}]  # asked in its own terms, it still comes out
    assert facts_worth_revealing(a, [0.5], signals, rules, pool=pool, fact_topics=about_value) == [0]


@pytest.mark.parametrize(("closeness", "kind"), [(0.55, "how_it_fits"), (0.2, "steer_back")])
def test_product_talk_aimed_at_their_concern_gets_asked_how_it_fits(closeness, kind):
    rules = RULES.model_copy(update={"concern_similarity": 0.4})
    signals = measured(turn={"statement:2": closeness, "statement:1": 0.1})
    assert choose_reply(turn(feature_pitch=True), POOL, signals, set(), rules).kind == kind


def test_the_topic_reading_decides_whether_a_question_is_about_their_business():
    a = asked("What would stop you taking a next step?", act="manipulation")  # an unsure, wrong act
    scores = {"What would stop you taking a next step?": {"objection:0": 0.5}}
    about = measured(scores, topics={"What would stop you taking a next step?": {"objection": 0.9}})
    assert choose_reply(a, POOL, about, set(), RULES).key == "objection:0"
    trivia = asked("Which forklift battery brand does the warehouse use?")
    beside = measured({"Which forklift battery brand does the warehouse use?": {"statement:0": 0.6}},
                      topics={"Which forklift battery brand does the warehouse use?": {"no_content": 0.7}})
    assert choose_reply(trivia, POOL, beside, set(), RULES.model_copy(update={"no_content_above": 0.5})).kind \
        == "no_content"


def test_a_question_about_nothing_of_theirs_earns_no_secret_whatever_its_act():
    """The same reading decides whether a question is answered and whether it can draw out a secret."""
    from coach.call.answers import facts_worth_revealing

    question = "Do you happen to know which screens the ward nurses use for triage?"
    a = asked(question, act="ask_product_preference").model_copy(update={"facts_asked": [0]})
    rules = RULES.model_copy(update={"no_content_above": 0.5})
    beside = measured({question: {"statement:0": 0.3}}, topics={question: {"no_content": 0.6, "situation": 0.3}})
    assert choose_reply(a, POOL, beside, set(), rules).kind == "no_content"
    assert facts_worth_revealing(a, [0.45], beside, rules) == []
    theirs = measured({question: {"statement:0": 0.3}}, topics={question: {"situation": 0.8}})
    assert facts_worth_revealing(a, [0.45], theirs, rules) == [0]
    likelier_theirs = measured({question: {"statement:0": 0.6}}, topics={question: {"no_content": 0.4, "situation": 0.5}})
    eager = RULES.model_copy(update={"no_content_above": 0.3})
    assert choose_reply(a, POOL, likelier_theirs, set(), eager).kind == "statement"  # likelier about their business


def test_asked_again_after_the_open_answer_the_secret_comes_out():
    from coach.call.answers import facts_worth_revealing

    a = asked("Why do deals slip?").model_copy(update={"facts_asked": [0]})
    signals = measured({"Why do deals slip?": {"statement:0": 0.6, "statement:1": 0.3}})
    assert facts_worth_revealing(a, [0.5], signals, RULES) == []  # the open answer first
    assert facts_worth_revealing(a, [0.5], signals, RULES, said={"statement:0"}) == [0]


def test_a_time_check_gets_a_yes_and_never_earns_a_secret():
    from coach.call.answers import facts_worth_revealing

    a = asked("Is thirty minutes still right for you?", act="agenda_time_check").model_copy(
        update={"facts_asked": [0]})
    signals = measured({"Is thirty minutes still right for you?": {"statement:0": 0.1}},
                       topics={"Is thirty minutes still right for you?": {"no_content": 0.34, "constraint": 0.31}})
    assert choose_reply(a, POOL, signals, set(), RULES).kind == "go_ahead"
    assert facts_worth_revealing(a, [0.9], signals, RULES) == []
    misread = measured(topics={"Is thirty minutes still right for you?": {"goal": 0.9}})
    assert choose_reply(a, POOL, misread, set(), RULES).kind != "go_ahead"  # a goal question misread as a time check


def test_every_line_group_has_a_default_line_that_always_fills():
    """A persona without lines for a group still gets something to say, with no slot left empty."""
    from dataclasses import replace

    from coach.content.personas import LINE_GROUPS

    always = LineContext(priority="p", goal="g", problem="x", minutes_left=5, company="c", delegate_name="n",
                         delegate_title="t")
    for group in LINE_GROUPS:  # an answer always carries the statement or fact it gives
        context = replace(always, statement="We close in nine days.") if group == "answer" else always
        assert candidate_lines(_persona(), group, context), group


def test_the_question_topic_classifier_knows_every_statement_topic():
    from coach.acts.types import QUESTION_TOPICS
    from coach.content.personas import TOPICS

    assert QUESTION_TOPICS == (*TOPICS, "no_content", "permission")


def test_a_question_that_asks_leave_to_speak_gets_a_go_ahead_and_no_secret():
    """"Mind if I share what a similar group did?" asks nothing of theirs: a yes hands over the floor,
    neither an "I wouldn't know" nor an answer or a secret; read unsurely, it is answered as usual."""
    from coach.call.answers import facts_worth_revealing

    rules = RULES.model_copy(update={"asks_leave_above": 0.5})
    question = "Mind if I share what a similar group did?"
    a = asked(question, act="case_story").model_copy(update={"facts_asked": [0]})
    leave = measured({question: {"statement:0": 0.6}}, topics={question: {"permission": 0.8, "history": 0.1}})
    assert choose_reply(a, POOL, leave, set(), rules).kind == "go_ahead"
    assert facts_worth_revealing(a, [0.9], leave, rules) == []
    unsure = measured({question: {"statement:0": 0.6}}, topics={question: {"permission": 0.4, "history": 0.5}})
    assert choose_reply(a, POOL, unsure, set(), rules).kind == "statement"
    nothing = measured({question: {"statement:0": 0.1}}, topics={question: {"no_content": 0.9}})
    assert choose_reply(a, POOL, nothing, set(), rules).kind == "no_content"


def test_a_request_without_a_question_mark_weighs_a_secret_against_what_the_whole_turn_draws_openly():
    """A request ("Walk me through the close.") has no closeness of its own: the secret is measured against
    the statements closest to the whole turn, as its answer is, not against nothing."""
    from coach.call.answers import fact_measurements

    request = asked("Walk me through the close.")
    signals = measured(turn={"statement:2": 0.6})
    [(margin_over_open, raw_margin, *_)] = fact_measurements(request, [0.5], signals, RULES)
    assert margin_over_open == pytest.approx(-0.1) and raw_margin == pytest.approx(-0.1)


@pytest.mark.parametrize("move", ["answer", "probe", "warn"])
def test_a_go_ahead_or_a_goodbye_never_borrows_the_moves_question(move):
    """"I've got a few questions, if that's ok" while the buyer probes still gets a yes, not "Where is this
    going?"; a goodbye gets no question whatever the move."""
    from coach.call.composed_voice import default_lines, fallback_for

    persona = _persona(probe=["Where is this going?"], warn=["Where is this going, fast?"], answer=["Where to?"])
    for group in ("go_ahead", "goodbye"):
        line = compose(persona, group, LineContext(), seed=0, turn_index=1, used=set(),
                       fallback=fallback_for(group, move))
        assert line in default_lines()[group] and "?" not in line
    assert fallback_for("how_it_fits", move) == "probe" and fallback_for("doubt", move) == move
