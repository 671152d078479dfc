"""The eval paraphrases: every case has two independent rewordings, turn for turn."""

from __future__ import annotations

from collections import Counter

from coach.content.catalog import load_content
from coach.evals import cases as eval_cases
from coach.evals.paraphrases import DEFAULT_DIR, ParaphraseResult, load_paraphrases, stability


def test_every_case_has_two_paraphrases_with_as_many_turns():
    cases = [c for c in eval_cases.load_cases(eval_cases.DEFAULT_DIR, load_content()) if "/" not in c.id]
    reworded = load_paraphrases(DEFAULT_DIR, cases)
    per_case = Counter(of for _, of in reworded)
    originals = {c.id: c for c in cases}
    main = [c for c in cases if not c.id.startswith("inj-")]
    assert all(per_case[c.id] >= 2 for c in main), [c.id for c in main if per_case[c.id] < 2]
    for case, of in reworded:
        assert len(case.turns) == len(originals[of].turns), case.id
        assert case.turns != originals[of].turns and case.expect == originals[of].expect


def test_stability_counts_paraphrases_ending_as_the_original():
    results = [ParaphraseResult(id="a-p1", of="a", outcome="delegated", original_outcome="delegated",
                                expected=["delegated"]),
               ParaphraseResult(id="a-p2", of="a", outcome="open", original_outcome="delegated", expected=["delegated"])]
    assert stability(results) == {"paraphrase_outcome_stability": 0.5, "paraphrase_expected_outcome": 0.5}
    assert stability([]) == {"paraphrase_outcome_stability": None, "paraphrase_expected_outcome": None}
