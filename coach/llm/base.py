"""The model boundary: request types, the backend protocol, retries and streaming.

Why: the rest of the product speaks to one small interface (messages in, streamed text
out, or a validated pydantic object out) and never to a vendor SDK. Backends implement
one method, `_open`, that yields text chunks; retries, timeouts-as-typed-errors, token
accounting and JSON-schema parsing live here once.
"""

from __future__ import annotations

import hashlib
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import ModelError, ModelOutputInvalid
from coach.log import get_logger

log = get_logger("llm")

T = TypeVar("T", bound=BaseModel)


class ChatMessage(BaseModel):
    """One message of a conversation sent to a model."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["system", "user", "assistant"]
    content: str


class GenerationParams(BaseModel):
    """Sampling parameters; part of the request key, so recordings replay exactly."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(256, ge=1, le=32768)
    top_p: float = Field(1.0, gt=0, le=1)
    seed: int | None = None
    stop: tuple[str, ...] = ()


class ChatRequest(BaseModel):
    """A canonical request: what a model is asked, independent of where it runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str
    messages: tuple[ChatMessage, ...]
    params: GenerationParams = GenerationParams()
    schema_name: str | None = None
    json_schema: dict[str, Any] | None = None

    def canonical(self) -> dict[str, Any]:
        """The fields that define the answer: no timeouts, keys or URLs."""
        return self.model_dump(mode="json")

    def key(self) -> str:
        """sha256 of the canonical request; the recording key."""
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Usage(BaseModel):
    """Token counts for one call, counted with tiktoken."""

    model_config = ConfigDict(extra="forbid")
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ChatResult(BaseModel):
    """A finished call: the text plus what it cost and how long it took."""

    model_config = ConfigDict(extra="forbid")
    text: str
    model: str
    backend: str
    usage: Usage
    seconds: float
    first_token_seconds: float | None = None
    attempts: int = 1


def json_schema_for(model: type[BaseModel]) -> dict[str, Any]:
    """A strict JSON schema for a pydantic model (no extra keys allowed)."""
    schema = model.model_json_schema()

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


@dataclass
class _CallState:
    attempts: int = 0


class ReplyStream:
    """Iterate to receive text chunks; afterwards `.result` holds the finished call."""

    def __init__(self, chunks: Iterator[str], finish: Callable[[str, float | None], ChatResult]):
        self._chunks = chunks
        self._finish = finish
        self.result: ChatResult | None = None

    def __iter__(self) -> Iterator[str]:
        started = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        for chunk in self._chunks:
            if first is None:
                first = time.perf_counter() - started
            parts.append(chunk)
            yield chunk
        self.result = self._finish("".join(parts), first)

    def text(self) -> str:
        """Consume the stream and return the whole reply."""
        return "".join(self)


class LLM(ABC):
    """A model backend. Subclasses implement `_open`; callers use `stream`/`complete`/`structured`."""

    backend_name: str = "abstract"
    may_judge: bool = True  # False when COACH_JUDGE=off: the model answers the buyer but never grades

    def __init__(self, model: str, *, max_retries: int = 2, backoff_s: float = 0.5,
                 timeout_s: float = 60.0) -> None:
        self.model = model
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s

    @abstractmethod
    def _open(self, request: ChatRequest) -> Iterator[str]:
        """Yield the reply's text chunks; raise `ModelError` subclasses on failure."""

    def request(self, messages: Sequence[ChatMessage | dict[str, str]],
                params: GenerationParams | None = None,
                schema: type[BaseModel] | None = None) -> ChatRequest:
        """Build the canonical request this backend would send."""
        msgs = tuple(m if isinstance(m, ChatMessage) else ChatMessage(**m) for m in messages)
        return ChatRequest(
            model=self.model,
            messages=msgs,
            params=params or GenerationParams(),
            schema_name=schema.__name__ if schema else None,
            json_schema=json_schema_for(schema) if schema else None,
        )

    def stream(self, messages: Sequence[ChatMessage | dict[str, str]],
               params: GenerationParams | None = None) -> ReplyStream:
        """Stream a reply. Transient failures before the first chunk are retried."""
        return self.stream_request(self.request(messages, params))

    def stream_request(self, request: ChatRequest) -> ReplyStream:
        """Stream the reply to an already-built request."""
        started = time.perf_counter()
        state = _CallState()

        def finish(text: str, first: float | None) -> ChatResult:
            attempts = state.attempts
            from coach.llm.tokens import count_messages, count_text

            usage = Usage(
                prompt_tokens=count_messages(request.messages, request.model),
                completion_tokens=count_text(text, request.model),
            )
            result = ChatResult(text=text, model=request.model, backend=self.backend_name,
                                usage=usage, seconds=time.perf_counter() - started,
                                first_token_seconds=first, attempts=attempts)
            log.info("%s call: %d prompt + %d completion tokens in %.2fs (%d attempt(s))",
                     self.backend_name, usage.prompt_tokens, usage.completion_tokens,
                     result.seconds, attempts)
            return result

        return ReplyStream(self._with_retries(request, state), finish)

    def complete(self, messages: Sequence[ChatMessage | dict[str, str]],
                 params: GenerationParams | None = None) -> ChatResult:
        """The whole reply at once."""
        reply = self.stream(messages, params)
        reply.text()
        assert reply.result is not None
        return reply.result

    def structured(self, messages: Sequence[ChatMessage | dict[str, str]], schema: type[T],
                   params: GenerationParams | None = None) -> T:
        """A reply constrained to `schema`'s JSON schema, validated into the pydantic model."""
        request = self.request(messages, params, schema)
        reply = self.stream_request(request)
        text = reply.text()
        try:
            return schema.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "(top level)"
            raise ModelOutputInvalid(
                f"The model's answer did not match {schema.__name__}: {where}: {first.get('msg')} "
                f"(got {text[:120]!r})",
                "try again, or configure a more capable model with COACH_LLM=openai and COACH_MODEL",
            ) from None

    def _with_retries(self, request: ChatRequest, state: _CallState) -> Iterator[str]:
        attempt = 0
        while True:
            attempt += 1
            state.attempts = attempt
            try:
                chunks = self._open(request)
                first = next(chunks, None)
            except ModelError as exc:
                if exc.transient and attempt <= self.max_retries:
                    delay = self.backoff_s * (2 ** (attempt - 1))
                    log.warning("%s: %s; retry %d/%d in %.1fs", self.backend_name, exc.problem,
                                attempt, self.max_retries, delay)
                    time.sleep(delay)
                    continue
                raise
            if first is not None:
                yield first
            yield from chunks  # after the first chunk a failure is not retried
            return

    def close(self) -> None:
        """Release resources (servers, files). Safe to call twice."""
