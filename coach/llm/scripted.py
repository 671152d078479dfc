"""A queue of canned replies, for unit tests of everything above the model boundary.

Why: tests of the buyer, the grader and the app need a model that answers exactly what
the test says, including failures (timeouts, a server dying mid-reply), without a network.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from coach.errors import ModelError, ModelTimeout, ModelUnavailable
from coach.llm.base import LLM, ChatRequest
from coach.llm.replay import chunk_text


@dataclass(frozen=True)
class ScriptedReply:
    """One canned reply. `stall_s` delays the first chunk; `fail_after` chunks then `error`."""

    text: str = ""
    stall_s: float = 0.0
    fail_after: int | None = None
    error: ModelError | None = None


class ScriptedBackend(LLM):
    """Pops one reply per call; remembers every request it was sent."""

    backend_name = "scripted"

    def __init__(self, replies: Iterable[str | ScriptedReply | ModelError] = (), *,
                 model: str = "scripted", timeout_s: float = 60.0, max_retries: int = 2,
                 backoff_s: float = 0.0) -> None:
        super().__init__(model, max_retries=max_retries, backoff_s=backoff_s, timeout_s=timeout_s)
        self.replies: deque[str | ScriptedReply | ModelError] = deque(replies)
        self.requests: list[ChatRequest] = []

    def add(self, *replies: str | ScriptedReply | ModelError) -> None:
        """Queue more replies."""
        self.replies.extend(replies)

    def _open(self, request: ChatRequest) -> Iterator[str]:
        self.requests.append(request)
        if not self.replies:
            raise ModelUnavailable("The scripted model has no replies left",
                                   "queue more replies with ScriptedBackend.add()")
        reply = self.replies.popleft()
        if isinstance(reply, ModelError):
            raise reply
        if isinstance(reply, str):
            reply = ScriptedReply(reply)
        if reply.stall_s:
            time.sleep(min(reply.stall_s, self.timeout_s))
            if reply.stall_s > self.timeout_s:
                raise ModelTimeout(f"The scripted model stalled past {self.timeout_s:g}s",
                                   "raise COACH_TIMEOUT_S")
        chunks = list(chunk_text(reply.text))
        limit = len(chunks) if reply.fail_after is None else min(reply.fail_after, len(chunks))
        yield from chunks[:limit]
        if reply.fail_after is not None:
            raise reply.error or ModelUnavailable("The scripted model failed mid-reply", "try again",
                                                  transient=True)
