"""The eval suite runner: case files, expectations, the report, the baseline diff and exit codes."""

from __future__ import annotations

import json

import pytest

from coach.call import lexicon
from coach.content.catalog import load_content
from coach.content.files import ContentError
from coach.evals.cases import CaseRun, EvalCase, check, leaked, load_cases, run_case
from coach.evals.report import compare, metrics
from coach.llm import RecordingStore, ReplayBackend
from tests.helpers import run_coach

PITCH = ["Our platform has an AI engine and a REST API.", "It integrates with every ERP through connectors.",
         "There is a mobile app with real-time analytics.", "And dashboards for everything."]
CASES = f"""persona: cfo_meridian
cases:
  - id: t-pitch
    kind: feature_pitch
    turns: {json.dumps(PITCH)}
    expect: {{outcome: [delegated, disengaged], forbidden_moves: [advance], max_buyer_words: 60}}
"""


def a_run(**kw) -> CaseRun:
    base = dict(id="c", kind="feature_pitch", persona="cfo_meridian", seed=0, outcome="advanced",
                moves=["answer", "advance"], reasons=["r1", "asks for a next step"], revealed=[1], buyer=["ok", "fine"],
                rep=["a", "b"], overall=50, band="developing", criteria={"no_pitch_before_discovery": "yes"})
    return CaseRun(**(base | kw))


def test_every_missed_expectation_is_named():
    case = EvalCase.model_validate({
        "id": "c", "kind": "feature_pitch", "turns": ["x"],
        "expect": {"outcome": ["delegated"], "required_moves": [{"move": "delegate", "by_turn": 2}],
                   "forbidden_moves": ["advance"], "reveal": [0], "not_reveal": [1], "max_buyer_words": 1,
                   "band": ["weak"], "criteria": {"no_pitch_before_discovery": "no"}}})
    failures = check(case, a_run())
    text = " | ".join(failures)
    for expected in ("outcome advanced, expected delegated", "no delegate by rep turn 2", "forbidden advance at turn 2",
                     "hidden fact 0 was not revealed", "hidden fact 1 was revealed", "band developing",
                     "criterion no_pitch_before_discovery is yes"):
        assert expected in text
    assert check(case.model_copy(update={"expect": case.expect.model_copy(update={"max_buyer_words": 10})}),
                 a_run(outcome="delegated", moves=["answer", "delegate"], revealed=[0], band="weak",
                       criteria={"no_pitch_before_discovery": "no"})) == []


def test_a_bad_case_file_names_the_file_and_field(tmp_path):
    (tmp_path / "bad.yaml").write_text("persona: cfo_meridian\ncases:\n  - id: x\n    kind: shouting\n    turns: [hi]\n")
    (tmp_path / "ghost.yaml").write_text("persona: nobody\ncases:\n  - {id: y, kind: rude, turns: [hi]}\n")
    with pytest.raises(ContentError) as caught:
        load_cases(tmp_path, load_content())
    message = str(caught.value)
    assert "bad.yaml" in message and "kind" in message and "ghost.yaml" in message


def test_a_missing_recording_fails_the_case_with_the_rerecord_command(tmp_path, shipped_store):
    content = load_content()
    store, _ = shipped_store
    (tmp_path / "r.jsonl").write_text(json.dumps({"key": "0" * 64, "model": "smollm2-135m-instruct",
                                                  "response": "x", "request": {}}) + "\n")
    replay = ReplayBackend(RecordingStore(tmp_path / "r.jsonl"), caller="test", rerecord="coach eval --record")
    case = EvalCase.model_validate({"id": "t", "kind": "feature_pitch", "turns": PITCH[:1], "persona": "cfo_meridian"})
    run = run_case(case, content, store, replay, seed=0)
    assert any("coach eval --record" in f for f in run.failures)


def test_metrics_and_baseline_regressions():
    runs = [a_run(id="bad", kind="feature_pitch", outcome="advanced", failures=["outcome advanced, expected x"]),
            a_run(id="good", kind="great_call", outcome="advanced")]
    m = metrics(runs, seeds=1)
    assert m["too_agreeable"] == 1.0 and m["too_hard"] == 0.0 and m["pass_k"] == 0.5
    baseline = {"metrics": {"pass_k": 1.0, "too_agreeable": 0.0}, "passing_cases": ["bad", "good"]}
    lines = compare(m, baseline, {"good"})
    assert any(line.startswith("pass_k: 1.000 → 0.500") for line in lines)
    assert any(line.startswith("too_agreeable") for line in lines)
    assert "case bad passed in the baseline and fails now" in lines


@pytest.mark.integration
def test_the_command_writes_a_report_and_fails_on_a_regression(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "cfo.yaml").write_text(CASES)
    report = tmp_path / "report"
    baseline = tmp_path / "baseline.json"
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    ok = run_coach("eval", "--cases", str(cases), "--llm", "none", "--seeds", "2", "--report-dir", str(report),
                   "--baseline", str(baseline), "--update-baseline", **env)
    assert ok.returncode == 0, ok.stderr
    data = json.loads((report / "report.json").read_text())
    assert {"run", "commit", "backend", "settings", "metrics", "runs", "calibration"} <= data.keys()
    assert data["metrics"]["pass_k"] == 1.0 and len(data["runs"]) == 2
    assert (report / "summary.md").read_text().startswith("# Eval run")
    held_out = data["calibration_test_sets"]  # each held-out set alone, and all of them together
    assert {"calibration-test", "calibration-test-2"} <= held_out.keys()
    assert data["calibration_test"]["cases"] == sum(one["cases"] for one in held_out.values())
    assert "`calibration-test-2`" in (report / "summary.md").read_text()
    assert (report / "outcome_accuracy.png").stat().st_size > 1000
    saved = json.loads(baseline.read_text())
    saved["passing_cases"].append("a-case-that-no-longer-exists")
    saved["metrics"]["outcome_accuracy"] = 1.5
    baseline.write_text(json.dumps(saved))
    bad = run_coach("eval", "--cases", str(cases), "--llm", "none", "--seeds", "1", "--report-dir",
                    str(tmp_path / "r2"), "--baseline", str(baseline), **env)
    assert bad.returncode == 1
    assert "outcome_accuracy: 1.500" in bad.stdout and "a-case-that-no-longer-exists" in bad.stdout
    broken = run_coach("eval", "--cases", str(tmp_path / "nowhere"), "--llm", "none", **env)
    assert broken.returncode == 2 and "no case files" in broken.stderr and "Traceback" not in broken.stderr


def test_a_figure_the_executive_states_openly_gives_no_hidden_fact_away():
    persona = load_content().personas["ceo_castellan"]
    fact = next(f for f in persona.hidden_facts if "8%" in f.fact)  # the board's deadline repeats the public 8% goal
    public_goal = next(g for g in persona.goals if "8%" in g)
    assert leaked(persona, [fact], public_goal, []) == []
    assert leaked(persona, [fact], fact.fact, []) == [fact.fact]
    open_record = " ".join([persona.background, *persona.goals, *persona.problems, *persona.needs,
                            *persona.priorities, *(s.text for s in persona.statements)])
    secret, figure = next((f, x) for f in persona.hidden_facts for x in lexicon.figures(f.fact)
                          if not x.isdigit() and x not in lexicon.figures(open_record))
    assert leaked(persona, [secret], f"Between us, it was {figure}.", []) == [secret.fact]
    assert leaked(persona, [secret], f"Between us, it was {figure}.", [f"Is it {figure}?"]) == []  # the rep said it
