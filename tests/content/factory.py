"""Valid content files for tests, written to a temp folder; tests then break one thing."""

from __future__ import annotations

from pathlib import Path

EXECUTIVE = """\
id: cfo_test
name: Pat Lindqvist
title: Chief Financial Officer
title_key: cfo
level: executive
company: {name: Test Foods, industry: food distribution, size: "2,000 staff"}
time_budget_min: 30
patience: medium
delegates_to: fin_sys_test
goals: ["Cut the revolver draw by $10M this year"]
problems: ["The 13-week forecast misses by 12%"]
needs: ["A forecast the lenders trust"]
priorities: ["Refinancing closes in 60 days"]
hidden_facts:
  - {fact: "We paid $640K in late fees last year.", reveal_when: "asks about late payments or penalties"}
objections: ["We tried a tool in 2022 and it took 14 months."]
voice:
  style: clipped, numbers first
  lines:
    delegate: ["Sounds like one for {delegate_name}, our {delegate_title}."]
"""

DELEGATE = """\
id: fin_sys_test
name: Ravi Mehta
title: Finance Systems Lead
title_key: finance_systems
level: delegate
company: {name: Test Foods, industry: food distribution, size: "2,000 staff"}
time_budget_min: 45
patience: high
goals: ["Fewer manual ERP uploads"]
problems: ["Three tools for one AP process"]
needs: ["A clean ERP connector"]
priorities: ["ERP upgrade in Q3"]
voice: {style: eager, lines: {answer: ["Does it have an API?"]}}
"""

VALUE_PROP = """\
---
id: vp-test-cfo
kind: value_proposition
offering: Test Offering
titles: [cfo]
---
# Test Offering for the CFO

## Goals
- Trustworthy cash forecast.
## Problems
- Forecast misses.
## Needs
- Weekly accuracy measured against the bank.
## Outcomes
- Accuracy from 71% to 94% [cn-test-forecast]
## Capabilities
- ML forecasting model, REST API.
## Proof
- cn-test-forecast — accuracy 71% → 94%
"""

CASE_NOTE = """\
---
id: cn-test-forecast
kind: case_note
offering: Test Offering
titles: [cfo]
industry: manufacturing
---
# Forecast accuracy

## Situation
A pump maker could not trust its forecast.
## What changed
Collections logged promised dates.
## Measured result
- Accuracy 71% → 94% in two quarters.
"""


def write_content(root: Path) -> tuple[Path, Path]:
    """A small valid set: one executive, their delegate, one value proposition, one case note."""
    personas, knowledge = root / "personas", root / "knowledge"
    (knowledge / "value_props").mkdir(parents=True)
    (knowledge / "case_notes").mkdir(parents=True)
    personas.mkdir(parents=True)
    (personas / "cfo_test.yaml").write_text(EXECUTIVE)
    (personas / "fin_sys_test.yaml").write_text(DELEGATE)
    (knowledge / "value_props" / "vp-test-cfo.md").write_text(VALUE_PROP)
    (knowledge / "case_notes" / "cn-test-forecast.md").write_text(CASE_NOTE)
    return personas, knowledge
