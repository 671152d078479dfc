"""Token accounting: counts offline, and a long call's prompt stays within budget."""

from __future__ import annotations

import os
from pathlib import Path

from coach.runtime.assets import TIKTOKEN_FILES
from coach.llm import ChatMessage
from coach.llm.tokens import count_messages, count_text, fit_to_budget, truncate_to_tokens

MODEL = "smollm2-135m-instruct"


def long_call(turns: int) -> list[ChatMessage]:
    messages = [ChatMessage(role="system", content="You are Dana Okafor, CFO of Meridian Health Partners.")]
    for i in range(turns):
        messages.append(ChatMessage(role="user", content=f"Rep turn {i}. How is the cash forecast tracking against the plan this quarter?"))
        messages.append(ChatMessage(role="assistant", content=f"Buyer turn {i}. We missed by four percent, and the board noticed."))
    return messages


def test_counts_with_the_seeded_offline_cache():
    assert count_text("hello world", "gpt-4o") == 2
    assert count_text("hello world", MODEL) == 2  # unknown models use cl100k_base
    cache = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    assert all((cache / name).is_file() for name in TIKTOKEN_FILES.values())


def test_short_conversations_are_untouched():
    messages = long_call(2)
    assert fit_to_budget(messages, 1000, MODEL) == messages


def test_prompt_size_does_not_grow_with_call_length():
    sizes = [count_messages(fit_to_budget(long_call(n), 300, MODEL), MODEL) for n in (50, 500, 2000)]
    assert all(size <= 300 for size in sizes)
    assert max(sizes) - min(sizes) < 40


def test_keeps_system_newest_turns_and_a_summary_of_older_ones():
    messages = long_call(40)
    fitted = fit_to_budget(messages, 300, MODEL)
    assert fitted[0] == messages[0]
    assert fitted[-1] == messages[-1] and fitted[-2] == messages[-2]
    summary = [m for m in fitted if m.role == "system" and m.content.startswith("Earlier in the call")]
    assert len(summary) == 1 and "Rep turn 0" in summary[0].content


def test_a_single_huge_turn_is_truncated_not_dropped():
    messages = [ChatMessage(role="system", content="Be brief."),
                ChatMessage(role="user", content="word " * 5000)]
    fitted = fit_to_budget(messages, 200, MODEL)
    assert count_messages(fitted, MODEL) <= 200
    assert fitted[-1].role == "user" and fitted[-1].content.endswith("…")


def test_truncate_marks_the_cut():
    assert truncate_to_tokens("short", 10, MODEL) == "short"
    cut = truncate_to_tokens("one two three four five six seven", 3, MODEL)
    assert cut.endswith("…") and count_text(cut, MODEL) <= 4
