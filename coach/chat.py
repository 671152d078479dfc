"""A free chat with the configured model: the smallest end-to-end use of the model boundary.

Why: it lets a newcomer (and `coach chat`, and the app's first page) confirm that the
model answers, before any buyer simulation is involved.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.llm import ChatMessage, GenerationParams
from coach.llm.tokens import fit_to_budget
from coach.prompts import load_prompt

PROMPT_BUDGET_TOKENS = 1200  # leaves room for the reply in the local model's 2048 context
CHAT_PARAMS = GenerationParams(temperature=0.7, max_tokens=200, seed=7)
MAX_INPUT_CHARS = 4000


def build_messages(history: Sequence[ChatMessage], text: str, model: str) -> list[ChatMessage]:
    """System prompt + earlier exchanges + the new line, fitted to the prompt budget."""
    messages = [ChatMessage(role="system", content=load_prompt("chat")), *history,
                ChatMessage(role="user", content=text)]
    return fit_to_budget(messages, PROMPT_BUDGET_TOKENS, model)
