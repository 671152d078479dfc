"""Calibration: agreement arithmetic, label validation, and the grader's agreement with managers."""

from __future__ import annotations

import pytest

from coach.grading.calibration import DEFAULT_DIR, evaluate, load_cases, quadratic_weighted_kappa, transcript_grader
from coach.content.files import ContentError
from coach.grading.rubric import load_rubric


def test_kappa_is_one_for_perfect_agreement_and_falls_with_distance():
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    near = quadratic_weighted_kappa([1, 2, 3, 4, 5], [2, 2, 3, 4, 4])
    far = quadratic_weighted_kappa([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    assert 0.5 < near < 1.0 and far < 0
    assert quadratic_weighted_kappa([], []) is None


def test_kappa_matches_a_hand_computed_value():
    # 2x2 confusion on a 1..2 scale: observed [[1,1],[0,2]]; expected [[0.5,1.5],[0.5,1.5]]
    # weights [[0,1],[1,0]] → 1 - (1) / (1.5 + 0.5) = 0.5
    assert quadratic_weighted_kappa([1, 1, 2, 2], [1, 2, 2, 2], levels=2) == pytest.approx(0.5)


def test_shipped_labels_are_complete_and_valid():
    cases = load_cases(DEFAULT_DIR, load_rubric())
    assert len(cases) >= 30
    assert {c.persona for c in cases} >= {"cfo_meridian", "coo_halvorsen", "cio_brightwater", "ceo_castellan",
                                          "vpsales_kestrel", "cfo_tidewater"}
    assert {c.kind for c in cases} >= {"strong", "average", "feature_pitch", "lecturing", "injection", "rambling"}
    assert {c.outcome_seen for c in cases} >= {"advanced", "delegated", "disengaged", "timed_out", "open"}


def test_a_bad_label_file_is_reported_with_file_and_field(tmp_path):
    (tmp_path / "x.yaml").write_text("id: y\npersona: cfo_meridian\nkind: strong\noutcome_seen: open\n"
                                     "turns: [{speaker: rep, text: hi}]\n"
                                     "label: {band: 7, reason: r, criteria: {}}\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_cases(tmp_path, load_rubric())
    assert "x.yaml" in str(caught.value) and "band" in str(caught.value)


def test_an_empty_folder_says_what_to_do(tmp_path):
    with pytest.raises(ContentError, match="no calibration files"):
        load_cases(tmp_path, load_rubric())


@pytest.fixture(scope="module")
def report(shipped_store):
    from coach.content.catalog import load_content

    content = load_content()
    store, _ = shipped_store
    rubric = load_rubric()

    return evaluate(load_cases(DEFAULT_DIR, rubric), transcript_grader(content, store), rubric)


@pytest.mark.slow  # grades all 84 dev calls
def test_the_grader_agrees_with_managers(report):
    """Floors on the dev calls (evals/calibration: 36 replayed calls and 48 with the executive's own
    lines), graded as they happened. The goals (QWK ≥ 0.8, ±1 ≥ 95%, every criterion ≥ 85%, pairs ≥ 90%,
    outcome ≥ 90%) are measured on the held-out test calls by `coach eval`; these floors catch a
    regression on the calls the grader is developed against."""
    assert report.rated == report.cases
    assert report.qwk >= 0.80
    assert report.within_one >= 0.93
    assert report.pairwise_order >= 0.88
    assert report.outcome_agreement >= 0.88
    low = {cid: acc for cid, acc in report.criterion_accuracy.items() if acc is None or acc < 0.75}
    assert not low, low


@pytest.mark.slow  # grades all 84 dev calls
def test_manipulation_never_rates_above_poor(report):
    for result in report.results:
        if result.kind == "injection":
            assert result.grader_rating == 1, result.id
