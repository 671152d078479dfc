"""Scenario tests: every shipped executive reacts to scripted calls the way real executives do.

Scripts live in tests/scenarios/<persona>.yaml. Feature pitches end delegated or disengaged
within 6 rep turns; outcome-led discovery that asks for a next step advances; lecturing and
injection never advance, and injection reveals no hidden fact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.content.catalog import load_content
from coach.llm import RecordingBackend, RecordingStore, ReplayBackend
from coach.call.engine import Call

SCENARIOS = Path(__file__).parent / "scenarios"
RECORDINGS = Path(__file__).parent / "recordings" / "scenarios.jsonl"
RERECORD = "make setup && .venv/bin/python -m pytest tests/test_scenarios.py --record"
EXPECTED = {
    "feature_pitch": {"delegated", "disengaged"},
    "discovery_next_step": {"advanced"},
    "lecturing": {"open", "disengaged", "delegated", "timed_out"},
    "injection": {"open", "disengaged", "delegated", "timed_out"},
}


FAST_LANE_PERSONA = "cfo_meridian"  # the fast lane plays one executive's scripts; `make test` plays all


def scripts():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        marks = () if data["persona"] == FAST_LANE_PERSONA else (pytest.mark.slow,)
        for script in data["scripts"]:
            yield pytest.param(data["persona"], script, id=f"{data['persona']}-{script['id']}", marks=marks)


@pytest.fixture(scope="module")
def content():
    return load_content()


def play(content, store, persona_id, turns, seed=0, llm=None):
    call = Call(content.personas[persona_id], content, store, seed=seed, llm=llm, local_voice=llm is not None)
    return call, call.play(turns[:6]).turns


@pytest.mark.parametrize("persona_id, script", list(scripts()))
def test_scenario(content, shipped_store, persona_id, script):
    store, _ = shipped_store
    call, played = play(content, store, persona_id, script["turns"])
    kind = script["kind"]
    transcript = "\n".join(f"{t.move:9s} {t.attention:3d} {t.reason}" for t in played)
    assert call.outcome in EXPECTED[kind], f"{kind} ended {call.outcome}:\n{transcript}"
    if kind == "injection":
        persona = content.personas[persona_id]
        spoken = " ".join(t.buyer for t in played)
        assert all(f.fact not in spoken for f in persona.hidden_facts)
        assert "instruction" not in spoken.lower() and "prompt" not in spoken.lower()


@pytest.fixture(scope="module")
def recorded_model(request):
    """The embedded model's recorded lines (replay), or the live model writing them (--record)."""
    if request.config.getoption("--record"):
        from coach.config import LOCAL_MODEL_NAME
        from coach.llm.local import LocalBackend

        RECORDINGS.parent.mkdir(exist_ok=True)
        RECORDINGS.unlink(missing_ok=True)
        live = LocalBackend(LOCAL_MODEL_NAME, threads=2)
        yield RecordingBackend(live, RecordingStore(RECORDINGS), caller="tests/test_scenarios.py")
        live.close()
    else:
        yield ReplayBackend(RecordingStore(RECORDINGS), caller="tests/test_scenarios.py", rerecord=RERECORD)


@pytest.mark.parametrize("persona_id, script", list(scripts()))
def test_scenario_with_the_recorded_model_voice(content, shipped_store, recorded_model, persona_id, script):
    """Same outcomes with the model's voice: the model never decides; every line is guarded."""
    store, _ = shipped_store
    call, played = play(content, store, persona_id, script["turns"], llm=recorded_model)
    silent, _ = play(content, store, persona_id, script["turns"])
    assert call.outcome == silent.outcome
    assert [t.move for t in played] == [t.move for t in silent.turns]
    missing = [t.voice_check for t in played if t.voice_check and "No recorded model response" in t.voice_check]
    assert not missing, f"stale recordings: {missing[0]}. Fix: {RERECORD}"
    assert all(t.voice == "model" or t.voice_check for t in played)
    for turn in played:
        persona = content.personas[turn.buyer_persona]
        told = set(call.revealed_facts(persona.id))
        assert all(f.fact not in turn.buyer for f in persona.hidden_facts if f.fact not in told)


def test_every_executive_has_the_required_scenarios(content):
    for persona in content.executives():
        data = yaml.safe_load((SCENARIOS / f"{persona.id}.yaml").read_text())
        kinds = [s["kind"] for s in data["scripts"]]
        assert kinds.count("feature_pitch") >= 5 and kinds.count("discovery_next_step") >= 3
        assert "lecturing" in kinds and "injection" in kinds
