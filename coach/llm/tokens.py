"""Token accounting with tiktoken, offline.

Why: prompt size must not grow with the length of a call. `fit_to_budget` keeps the
system messages, the most recent turns that fit, and one summary line for the rest.
Counts for non-OpenAI models use cl100k_base as a close, stable approximation.
"""

from __future__ import annotations

from collections.abc import Sequence
import os
from functools import lru_cache
from pathlib import Path

import tiktoken

from coach.runtime.assets import TIKTOKEN_FILES, seed_tiktoken_cache
from coach.config import default_data_dir
from coach.llm.base import ChatMessage

PER_MESSAGE_OVERHEAD = 3  # role and separators, as in OpenAI's counting recipe
REPLY_PRIMER = 3
FALLBACK_ENCODING = "cl100k_base"


@lru_cache(maxsize=8)
def encoding_for(model: str) -> tiktoken.Encoding:
    """tiktoken's encoding for an OpenAI model name, else cl100k_base.

    Seeds tiktoken's cache from the packaged encodings first if no entry point did,
    so counting never tries the network.
    """
    _ensure_cache()
    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        return tiktoken.get_encoding(FALLBACK_ENCODING)


def _ensure_cache() -> None:
    cache = os.environ.get("TIKTOKEN_CACHE_DIR")
    if cache and all((Path(cache) / name).is_file() for name in TIKTOKEN_FILES.values()):
        return
    seed_tiktoken_cache(Path(cache) if cache else default_data_dir() / "cache" / "tiktoken")


def count_text(text: str, model: str) -> int:
    """Tokens in a piece of text."""
    return len(encoding_for(model).encode(text, disallowed_special=()))


def count_messages(messages: Sequence[ChatMessage], model: str) -> int:
    """Tokens a chat request's messages take, including per-message overhead."""
    return REPLY_PRIMER + sum(PER_MESSAGE_OVERHEAD + count_text(m.content, model) for m in messages)


def truncate_to_tokens(text: str, max_tokens: int, model: str) -> str:
    """Cut text to at most `max_tokens` tokens, marking the cut with an ellipsis."""
    enc = encoding_for(model)
    tokens = enc.encode(text, disallowed_special=())
    if len(tokens) <= max_tokens:
        return text
    return enc.decode(tokens[: max(0, max_tokens - 1)]).rstrip() + "…"


def summarise_older(messages: Sequence[ChatMessage]) -> str:
    """One line standing in for turns that no longer fit: who said what, first clause of each."""
    parts = []
    for m in messages:
        who = {"user": "Rep", "assistant": "Buyer"}.get(m.role, m.role)
        first = m.content.strip().split("\n", 1)[0]
        first = first.split(". ", 1)[0].rstrip(".")
        parts.append(f"{who}: {first[:80]}")
    return f"Earlier in the call ({len(messages)} turns): " + " | ".join(parts)


def fit_to_budget(messages: Sequence[ChatMessage], budget: int, model: str) -> list[ChatMessage]:
    """Keep system messages + the newest turns that fit + a summary line of older turns.

    The result always fits `budget` tokens when the system messages alone do; the newest
    turn is truncated rather than dropped if it alone is too long.
    """
    system = [m for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    if count_messages(messages, model) <= budget:
        return list(messages)
    used = count_messages(system, model)
    kept: list[ChatMessage] = []
    summary_reserve = 60
    for message in reversed(turns):
        cost = PER_MESSAGE_OVERHEAD + count_text(message.content, model)
        if used + cost + summary_reserve > budget:
            break
        kept.insert(0, message)
        used += cost
    if not kept and turns:
        newest = turns[-1]
        room = max(1, budget - used - PER_MESSAGE_OVERHEAD - summary_reserve)
        kept = [ChatMessage(role=newest.role, content=truncate_to_tokens(newest.content, room, model))]
        used += PER_MESSAGE_OVERHEAD + count_text(kept[0].content, model)
    older = turns[: len(turns) - len(kept)]
    if older:
        room = budget - used - PER_MESSAGE_OVERHEAD
        if room > 8:
            line = truncate_to_tokens(summarise_older(older), room, model)
            system = system + [ChatMessage(role="system", content=line)]
    return system + kept
