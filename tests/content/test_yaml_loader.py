"""Content YAML: libyaml reads plain files, the pure-Python loader everything else, with one result."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.content import files
from coach.content.files import ProblemList, load_yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted([*ROOT.joinpath("personas").glob("*.yaml"), *ROOT.joinpath("knowledge").rglob("*.yaml")])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_libyaml_and_the_python_loader_read_every_shipped_file_alike(path):
    text = path.read_text(encoding="utf-8")
    fast = files._fast_parse(text)
    assert fast is not None, "a plain shipped file should take the fast path"
    slow = files._NoAliasLoader(text)
    try:
        assert fast[0] == slow.construct_document(slow.get_single_node())
    finally:
        slow.dispose()


@pytest.mark.parametrize("text", [
    "a: &x [1, 2]\nb: *x\n",                       # an alias
    "a: " + "[" * 60 + "]" * 60 + "\n",            # nested past MAX_NESTING
    'a: "\\ud83d\\ude00"\n',                       # an escaped surrogate pair libyaml refuses
    "a: b\x07\n",                                  # a control character
])
def test_anything_unusual_goes_to_the_python_loader(text):
    assert files._fast_parse(text) is None
    problems = ProblemList()
    data, _ = load_yaml(text, Path("x.yaml"), problems)
    if text.startswith('a: "'):
        assert data == {"a": "\U0001F600"} and not problems  # joined into one character, as before
    else:
        assert data is None and len(problems) == 1


def test_a_file_nested_too_deep_for_any_composer_is_refused_quickly():
    problems = ProblemList()
    load_yaml("a: " + "[" * 200_000 + "]" * 200_000, Path("x.yaml"), problems)
    assert "levels deep" in problems[0].message
