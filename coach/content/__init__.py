"""The shipped and user-written content: buyer personas, value propositions and case notes.

This package owns their typed models (`personas`, `knowledge`), reading them from YAML and
Markdown files with every problem reported at once (`files`), and the loaded set a call or a
grading works from (`catalog`). Nothing here embeds, searches or stores.
"""
