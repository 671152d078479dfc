"""Whether a hidden fact comes out: a small logistic model over how the rep's question measures
against each secret and against what the buyer would still say openly.

Why: a fixed margin ("the secret must be this much closer than any open statement") kept secrets
hidden when a rep asked about them in their own words, because closeness in meaning is noisy on
short questions. Eight measurements weighed together, fitted on the dev responsiveness splits
(`scripts/fit_reveal.py`, never the held-out sets), decide better. The numbers live in
`coach/data/reveal.yaml`; this module is pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

# what each number of a fact's measurement means, in order
FEATURES = (
    "margin_over_open",        # weighed closeness to the secret minus the best open statement (topic pull in both)
    "raw_margin_over_open",    # the same without the topic pull
    "margin_over_other_facts",  # weighed closeness to this secret minus the next-closest secret
    "weighed",                 # closeness to the secret plus the pull of the question's topic
    "closeness",               # closeness in meaning alone
    "nothing_of_theirs",       # how surely the question reads as outside their world
    "read_as_asked",           # 1 when the turn's analysis read the secret as asked (closeness past `hidden_fact`)
    "closest_secret",          # 1 when no other secret is closer in meaning
)


class RevealModel(BaseModel):
    """A standardised logistic model: p = sigmoid(intercept + sum(coef * (x - mean) / scale))."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = Field(ge=0, le=1)  # a secret this likely to be what was asked comes out
    fitted_on: dict[str, object] = Field(default_factory=dict)  # where the numbers came from

    @model_validator(mode="after")
    def _shapes_agree(self) -> RevealModel:
        if self.features != FEATURES:
            raise ValueError(f"reveal model features must be {list(FEATURES)}; refit with scripts/fit_reveal.py")
        if not len(self.mean) == len(self.scale) == len(self.coef) == len(FEATURES):
            raise ValueError("reveal model: mean, scale and coef need one number per feature")
        if any(s <= 0 for s in self.scale):
            raise ValueError("reveal model: every scale must be positive")
        return self


def load_reveal_model() -> RevealModel:
    """The shipped model (`coach/data/reveal.yaml`)."""
    text = resources.files("coach.data").joinpath("reveal.yaml").read_text(encoding="utf-8")
    return RevealModel.model_validate(yaml.safe_load(text))


def measurements(weighed: Sequence[float], closeness: Sequence[float], best_open: float, best_open_raw: float,
                 nothing_of_theirs: float, read_as_asked: Sequence[int]) -> list[tuple[float, ...]]:
    """Per hidden fact, the numbers the model reads (`FEATURES`), from its weighed and plain closeness
    to the question, the best the buyer could say openly instead, and the analysis's own reading."""
    out = []
    for i, (w, c) in enumerate(zip(weighed, closeness, strict=True)):
        others = [x for j, x in enumerate(weighed) if j != i]
        closest = all(c >= x for j, x in enumerate(closeness) if j != i)
        out.append((w - best_open, c - best_open_raw, w - max(others, default=0.0), w, c, nothing_of_theirs,
                    float(i in read_as_asked), float(closest)))
    return out


def likelihood(model: RevealModel, measured: Sequence[float]) -> float:
    """How likely the question asks for this secret."""
    z = model.intercept + sum(k * (x - m) / s for k, x, m, s in zip(model.coef, measured, model.mean, model.scale,
                                                                      strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def chosen(model: RevealModel, measured: Sequence[Sequence[float]]) -> list[int]:
    """The one secret most likely asked for, when it is likely enough; otherwise none."""
    scored = [(likelihood(model, m), i) for i, m in enumerate(measured)]
    best = max(scored, default=None)
    return [best[1]] if best and best[0] >= model.threshold else []
