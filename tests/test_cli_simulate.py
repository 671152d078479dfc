"""`coach simulate` as scripts and CI call it: the JSON contract in the README.

In this process (`invoke_coach`); the tests taking `coach_command` also run the real command (marked slow),
and the embedded-model test runs it in its own process.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import invoke_coach, run_coach

PITCH = ('turns:\n  - "Our platform has an AI engine, REST API, SSO and fifty dashboards."\n'
         '  - "It integrates with every ERP through our connector framework."\n'
         '  - "We also have a mobile app with real-time analytics."\n'
         '  - "Which ERP do you run?"\n')


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return str(tmp_path_factory.mktemp("sim-data"))


def simulate(tmp_path, data, script=PITCH, *args, coach=invoke_coach, **env):
    path = tmp_path / "script.yaml"
    path.write_text(script)
    return coach("simulate", "--script", str(path), *args, COACH_DATA_DIR=data, **env)


def test_json_matches_the_contract(tmp_path, data, coach_command):
    result = simulate(tmp_path, data, PITCH, "--persona", "cfo_meridian", "--json", coach=coach_command)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"persona", "outcome", "delegated_to", "turns", "grade"} <= out.keys()
    assert out["persona"] == "cfo_meridian" and out["outcome"] == "delegated"
    assert out["delegated_to"] == "it_director_meridian"
    for turn in out["turns"]:
        assert {"index", "rep", "buyer", "buyer_persona", "move", "reason", "attention", "elapsed_s", "tags"} <= turn.keys()
    assert out["turns"][-1]["buyer_persona"] == "it_director_meridian"
    assert out["model_voice"] is None


def test_text_output_reads_like_a_transcript(tmp_path, data):
    result = simulate(tmp_path, data, PITCH, "--persona", "cfo_meridian")
    assert result.returncode == 0 and "Outcome: delegated (handed to it_director_meridian)" in result.stdout
    assert "Dana Okafor:" in result.stdout and "Tomás Herrera:" in result.stdout


def test_a_persona_file_outside_personas_finds_its_delegate_beside_it(tmp_path, data, repo_root):
    folder = tmp_path / "team"
    folder.mkdir()
    text = (repo_root / "personas" / "cfo_meridian.yaml").read_text()
    (folder / "cfo_custom.yaml").write_text(text.replace("id: cfo_meridian", "id: cfo_custom")
                                            .replace("delegates_to: it_director_meridian", "delegates_to: it_custom"))
    delegate = (repo_root / "personas" / "it_director_meridian.yaml").read_text()
    (folder / "it_custom.yaml").write_text(delegate.replace("id: it_director_meridian", "id: it_custom")
                                           .replace("Tomás Herrera", "Ana Ruiz"))
    result = simulate(tmp_path, data, PITCH, "--persona", str(folder / "cfo_custom.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["persona"] == "cfo_custom" and out["delegated_to"] == "it_custom"
    assert out["turns"][-1]["buyer_persona"] == "it_custom"


def test_extra_knowledge_is_used_for_this_run(tmp_path, data):
    from tests.content.factory import CASE_NOTE

    team = tmp_path / "kb"
    team.mkdir()
    (team / "cn-test-forecast.md").write_text(CASE_NOTE)
    result = simulate(tmp_path, data, PITCH, "--persona", "cfo_meridian", "--knowledge", str(team), "--json")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script, args, words", [
    (PITCH, ["--persona", "nobody"], "No persona with id 'nobody'"),
    ("turns: hello\n", ["--persona", "cfo_meridian"], "turns: Input should be a valid list"),
    ("lines: [hi]\n", ["--persona", "cfo_meridian"], "lines: unknown key"),
    ('turns: ["  "]\n', ["--persona", "cfo_meridian"], "blank"),
    ("turns: [\n", ["--persona", "cfo_meridian"], "not valid YAML"),
    (PITCH, ["--persona", "cfo_meridian", "--llm", "gpt"], "--llm 'gpt' is not a backend"),
    (PITCH, ["--persona", "/no/such/persona.yaml"], "Persona file /no/such/persona.yaml not found"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, data, script, args, words):
    result = simulate(tmp_path, data, script, *args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_script_file(tmp_path, data):
    result = invoke_coach("simulate", "--persona", "cfo_meridian", "--script", str(tmp_path / "nope.yaml"),
                          COACH_DATA_DIR=data)
    assert result.returncode == 2 and "nope.yaml: cannot be read" in result.stderr


@pytest.mark.integration
def test_simulate_with_the_embedded_model_reports_its_accepted_share(tmp_path, data):
    result = simulate(tmp_path, data, PITCH, "--persona", "cfo_meridian", "--llm", "local", "--json", coach=run_coach)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["outcome"] == "delegated"
    voice = out["model_voice"]
    assert voice["backend"] == "local" and voice["asked"] == len(out["turns"])
    assert 0 <= voice["accepted"] <= voice["asked"]
    assert all(t["voice"] == "model" or t["voice_check"] for t in out["turns"])


def test_practice_in_the_terminal_keeps_going_after_a_blank_line(tmp_path, data, coach_command):
    lines = "Is 20 minutes still right for you?\n\n   \nWhat would make this quarter a good one for you?\n/end\n"
    result = coach_command("practice", "--persona", "ceo_castellan", stdin=lines, COACH_DATA_DIR=data)
    assert result.returncode == 0, result.stderr
    assert "The rep turn is empty" in result.stderr and "Call ended: open after 2 turn(s)." in result.stdout
    assert "attention" in result.stderr and "Traceback" not in result.stderr


def test_practice_shows_markup_like_text_literally(tmp_path, data):
    result = invoke_coach("practice", "--persona", "coo_halvorsen", "--exam",
                          stdin="What does [bold]first-time fix[/] cost you today?\n", COACH_DATA_DIR=data)
    assert result.returncode == 0, result.stderr
    assert "Call ended" in result.stdout and ": Stays" not in result.stderr  # --exam hides the reason
