"""The call's pure core and the criterion registry: what the layering promises."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from coach.errors import UserInputError
from coach.grading.criteria import CRITERIA
from coach.grading.rubric import Rubric, check_criteria, load_rubric

CORE = ["coach.call.analysis", "coach.call.policy", "coach.call.answers", "coach.call.composed_voice", "coach.call.signals",
        "coach.call.proof", "coach.call.turn_acts", "coach.acts.types", "coach.acts.outcome",
        "coach.grading.criteria", "coach.grading.rubric", "coach.grading.scorecard", "coach.transcript"]
IO = ["chromadb", "openai", "sqlalchemy", "streamlit", "langchain_core", "onnxruntime", "httpx", "sklearn"]


def test_the_pure_core_imports_no_store_model_database_or_page():
    code = (f"import sys\nfor m in {CORE!r}: __import__(m)\n"
            f"print(__import__('json').dumps([m for m in {IO!r} if m in sys.modules]))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert loaded == []


def test_every_rubric_criterion_has_one_registered_function_and_back():
    assert [c.id for c in load_rubric().criteria] == list(CRITERIA)


def _rubric_with(ids: list[str]) -> Rubric:
    shipped = load_rubric()
    by_id = {c.id: c for c in shipped.criteria}
    extra = shipped.criteria[0].model_copy(update={"id": "asked_about_the_weather"})
    criteria = [by_id.get(i, extra) for i in ids]
    return shipped.model_copy(update={"criteria": criteria})


def test_a_rubric_naming_an_unknown_criterion_is_one_clear_error():
    rubric = _rubric_with([*CRITERIA, "asked_about_the_weather"])
    with pytest.raises(UserInputError, match="unknown criteria asked_about_the_weather.*Fix: "):
        check_criteria(rubric, CRITERIA)


def test_a_registered_criterion_left_out_of_the_rubric_is_one_clear_error():
    rubric = _rubric_with([c for c in CRITERIA if c != "plain_and_brief"])
    with pytest.raises(UserInputError, match="leaves out registered criteria plain_and_brief"):
        check_criteria(rubric, CRITERIA)


def test_a_criterion_named_twice_is_refused():
    rubric = _rubric_with([*CRITERIA, "plain_and_brief"])
    with pytest.raises(UserInputError, match="names plain_and_brief twice"):
        check_criteria(rubric, CRITERIA)
