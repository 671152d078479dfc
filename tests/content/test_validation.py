"""Every kind of mistake a content author can make gets one message naming file, line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.content.catalog import load_content
from coach.content.files import ContentError
from tests.content.factory import write_content


def problems_for(personas: Path, knowledge: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content([personas], [knowledge], include_shipped=False)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def content(tmp_path):
    return write_content(tmp_path)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_valid_set_loads(content):
    loaded = load_content([content[0]], [content[1]], include_shipped=False)
    assert set(loaded.personas) == {"cfo_test", "fin_sys_test"}
    assert loaded.personas["cfo_test"].source.name == "cfo_test.yaml"
    assert [d.id for d in loaded.value_props_for("cfo")] == ["vp-test-cfo"]


def test_bad_yaml_names_the_line(content):
    edit(content[0] / "cfo_test.yaml", "patience: medium", "patience: medium: very")
    [problem] = problems_for(*content)
    assert "cfo_test.yaml:8:" in problem and "not valid YAML" in problem and "Fix:" in problem


def test_unknown_key_names_key_and_line(content):
    edit(content[0] / "cfo_test.yaml", "patience: medium", "patience: medium\nmood: grumpy")
    [problem] = problems_for(*content)
    assert "cfo_test.yaml:9: mood: unknown key" in problem and "remove it" in problem


def test_unknown_nested_key(content):
    edit(content[0] / "cfo_test.yaml", "style: clipped", "style: clipped\n  tone: dry")
    [problem] = problems_for(*content)
    assert "voice.tone: unknown key" in problem


def test_missing_required_field(content):
    edit(content[0] / "cfo_test.yaml", 'needs: ["A forecast the lenders trust"]\n', "")
    [problem] = problems_for(*content)
    assert "needs: required field is missing" in problem and "Fix: add it" in problem


def test_wrong_type(content):
    edit(content[0] / "cfo_test.yaml", "time_budget_min: 30", "time_budget_min: thirty")
    [problem] = problems_for(*content)
    assert "cfo_test.yaml:7: time_budget_min:" in problem and "whole number" in problem


def test_wrong_choice(content):
    edit(content[0] / "cfo_test.yaml", "patience: medium", "patience: saintly")
    [problem] = problems_for(*content)
    assert "patience:" in problem and "'low', 'medium' or 'high'" in problem


def test_duplicate_id_across_folders(content, tmp_path):
    extra = tmp_path / "team_personas"
    extra.mkdir()
    (extra / "cfo_test.yaml").write_text((content[0] / "cfo_test.yaml").read_text())
    with pytest.raises(ContentError) as caught:
        load_content([content[0], extra], [content[1]], include_shipped=False)
    [problem] = [str(p) for p in caught.value.problems]
    assert "duplicate id 'cfo_test'" in problem and str(content[0]) in problem


def test_id_must_match_file_name(content):
    edit(content[0] / "cfo_test.yaml", "id: cfo_test", "id: cfo_other")
    problems = problems_for(*content)
    assert any("id 'cfo_other' does not match the file name" in p and "rename the file" in p for p in problems)


def test_delegates_to_naming_no_persona(content):
    (content[0] / "fin_sys_test.yaml").unlink()
    [problem] = problems_for(*content)
    assert "delegates_to 'fin_sys_test' names no persona" in problem


def test_executive_without_a_delegate(content):
    edit(content[0] / "cfo_test.yaml", "delegates_to: fin_sys_test\n", "")
    [problem] = problems_for(*content)
    assert "an executive needs `delegates_to`" in problem


def test_executive_title_without_value_proposition(content):
    edit(content[0] / "cfo_test.yaml", "title_key: cfo", "title_key: cmo")
    [problem] = problems_for(*content)
    assert "title_key 'cmo' has no value proposition" in problem


def test_unknown_voice_placeholder(content):
    edit(content[0] / "cfo_test.yaml", "{delegate_name}", "{boss_name}")
    [problem] = problems_for(*content)
    assert "voice.lines.delegate" in problem and "boss_name" in problem and "allowed:" in problem


def test_proof_id_that_does_not_exist(content):
    edit(content[1] / "value_props" / "vp-test-cfo.md", "- cn-test-forecast —", "- cn-test-missing —")
    [problem] = problems_for(*content)
    assert "vp-test-cfo.md:" in problem and "proof link 'cn-test-missing' names no case note" in problem


def test_missing_front_matter(content):
    path = content[1] / "case_notes" / "cn-test-forecast.md"
    path.write_text(path.read_text().split("---", 2)[2])
    problems = problems_for(*content)
    assert any("cn-test-forecast.md:1: has no front matter" in p for p in problems)


def test_missing_required_section(content):
    edit(content[1] / "case_notes" / "cn-test-forecast.md", "## What changed", "## What we did")
    problems = problems_for(*content)
    assert any("needs the section(s) ## What changed" in p for p in problems)


def test_unknown_front_matter_key_names_its_line(content):
    edit(content[1] / "case_notes" / "cn-test-forecast.md", "industry: manufacturing", "industry: manufacturing\nregion: emea")
    [problem] = problems_for(*content)
    assert "cn-test-forecast.md:7: region: unknown key" in problem


def test_empty_file(content):
    (content[0] / "cfo_test.yaml").write_text("  \n")
    problems = problems_for(*content)
    assert any("cfo_test.yaml: is empty" in p for p in problems)


def test_non_utf8_file(content):
    (content[1] / "case_notes" / "cn-test-forecast.md").write_bytes("---\nid: café\n".encode("latin-1"))
    problems = problems_for(*content)
    assert any("cn-test-forecast.md:2: is not UTF-8 text" in p and "save the file as UTF-8" in p for p in problems)


def test_yaml_anchors_are_refused(content):
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'
    (content[0] / "cfo_test.yaml").write_text(bomb)
    problems = problems_for(*content)
    assert any("anchors and aliases" in p for p in problems)


def test_every_problem_in_a_folder_is_reported_together(content):
    edit(content[0] / "cfo_test.yaml", "patience: medium", "patience: medium\nmood: grumpy")
    edit(content[0] / "fin_sys_test.yaml", "time_budget_min: 45", "time_budget_min: lots")
    edit(content[1] / "value_props" / "vp-test-cfo.md", "- cn-test-forecast —", "- cn-nope —")
    problems = problems_for(*content)
    assert len(problems) == 3
    with pytest.raises(ContentError) as caught:
        load_content([content[0]], [content[1]], include_shipped=False)
    assert str(caught.value).count(" | ") == 2  # all three, in one line


def test_a_statement_with_an_unknown_topic_names_the_topics_allowed(content):
    edit(content[0] / "cfo_test.yaml", 'priorities: ["Refinancing closes in 60 days"]',
         'priorities: ["Refinancing closes in 60 days"]\nstatements:\n  - {topic: gossip, text: "Our controller leaves."}')
    [problem] = problems_for(*content)
    assert "statements[0].topic" in problem and "'people'" in problem and "Fix:" in problem


def test_the_depth_fields_are_optional_and_load_when_given(content):
    edit(content[0] / "cfo_test.yaml", 'objections: ["We tried a tool in 2022 and it took 14 months."]',
         'objections:\n  - {text: "We tried a tool in 2022.", answered_by: "a plan that fits our close"}\n'
         'handles: "runs finance"\nstatements:\n  - {topic: history, text: "We tried a tool in 2022.", '
         'asked_by: "what you tried before"}')
    loaded = load_content([content[0]], [content[1]], include_shipped=False).personas["cfo_test"]
    assert loaded.statements[0].topic == "history" and loaded.objection_texts == ["We tried a tool in 2022."]
