"""One practice call: what the rep's turn does, how the buyer decides, and what the buyer says.

This package owns the turn analysis (`analysis`, with its word lists in `lexicon` and thresholds
in `rules`), the buyer's explainable policy (`policy`: attention, clock, moves and their reasons),
the composed voice (`composed_voice`: persona lines filled with the content the policy chose), the
optional model voice and its guard (`model_voice`), and the call engine (`engine`) that runs
decide -> speak -> commit for each rep line; `simulate` and `practice` drive it from a script or a
terminal. Decisions never depend on a model.
"""
