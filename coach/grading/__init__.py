"""Grading a call: quote-backed yes/no criteria from the rubric, metrics, an outcome-capped score,
coaching from this title's content (`criteria`), the optional model judge (`judge`) and the
agreement with manager labels (`calibration`). A criterion that cannot be judged is `unscored`,
never zero.
"""
