"""OpenAI, or any OpenAI-compatible server (vLLM, Ollama, llama.cpp), through LangChain.

Why a thin adapter: `ChatOpenAI` already speaks the protocol; this module only maps
its exceptions to our typed errors (with the fix in the message) and turns off its own
retries so the shared retry policy in `base` applies to every backend alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
from langchain_openai import ChatOpenAI

from coach.errors import ModelError, ModelOutputInvalid, ModelTimeout, ModelUnavailable
from coach.llm.base import LLM, ChatRequest
from coach.log import register_secret


class OpenAICompatBackend(LLM):
    """Talks to an OpenAI-compatible chat-completions endpoint."""

    backend_name = "openai"
    connection_fix = "start the server or correct OPENAI_BASE_URL; for the embedded model set COACH_LLM=local"
    placeholder_key: str | None = None  # a key that is not a secret (the embedded server takes any)

    def __init__(self, model: str, *, base_url: str | None, api_key: str | None,
                 timeout_s: float = 60.0, max_retries: int = 2, backoff_s: float = 0.5) -> None:
        super().__init__(model, max_retries=max_retries, backoff_s=backoff_s, timeout_s=timeout_s)
        self.base_url = base_url
        self._api_key = api_key
        if api_key != self.placeholder_key:  # the embedded server's stand-in is no secret: masking it would hide "local"
            register_secret(api_key)  # masked in every log line and error from now on
        self._cached: tuple[tuple[str | None, str], ChatOpenAI] | None = None

    def _endpoint(self) -> str | None:
        """The base URL requests go to (overridden by the local backend)."""
        return self.base_url

    def _client(self, request: ChatRequest) -> ChatOpenAI:
        base_url = self._endpoint()
        key = (base_url, request.model + request.params.model_dump_json())
        if self._cached is None or self._cached[0] != key:
            p = request.params
            client = ChatOpenAI(
                model=request.model,
                base_url=base_url,
                api_key=self._api_key or "not-needed",
                temperature=p.temperature,
                max_tokens=p.max_tokens,
                top_p=p.top_p,
                seed=p.seed,
                stop=list(p.stop) or None,
                timeout=self.timeout_s,
                max_retries=0,
                streaming=True,
            )
            self._cached = (key, client)
        return self._cached[1]

    def _open(self, request: ChatRequest) -> Iterator[str]:
        client = self._client(request)
        messages = [(m.role, m.content) for m in request.messages]
        kwargs: dict[str, Any] = {}
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name or "Answer", "schema": request.json_schema,
                                "strict": True},
            }
        try:
            finished = False
            for chunk in client.stream(messages, **kwargs):
                finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
            if not finished:  # the connection closed before the server said the reply was complete
                raise ModelUnavailable(f"{self._where()} stopped in the middle of a reply",
                                       "try again; if it keeps happening, check the server's log and load",
                                       transient=True)
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - every SDK/transport failure becomes a typed error
            raise self._translate(exc) from None

    def _where(self) -> str:
        endpoint = self.base_url
        return f"The model server at {endpoint}" if endpoint else "The OpenAI API"

    def _translate(self, exc: Exception) -> ModelError:
        """Map SDK and transport exceptions to typed errors whose message names the fix."""
        where = self._where()
        if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
            return ModelTimeout(
                f"{where} did not answer within {self.timeout_s:g}s",
                "raise COACH_TIMEOUT_S, use a smaller model, or check the server's load",
            )
        if isinstance(exc, openai.LengthFinishReasonError):
            return ModelOutputInvalid(
                f"{where} stopped at the max_tokens limit before the structured answer was complete",
                "raise max_tokens for this call, or use a model that answers more briefly",
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ModelUnavailable(
                f"{where} refused the API key ({exc.status_code})",
                "set a valid OPENAI_API_KEY in your environment or .env",
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelUnavailable(
                f"{where} does not serve model {self.model!r}",
                "set COACH_MODEL to a model the server lists, or check OPENAI_BASE_URL",
            )
        if isinstance(exc, openai.RateLimitError):
            return ModelUnavailable(
                f"{where} is rate limiting us", "wait and try again",
                transient=True,
            )
        if isinstance(exc, openai.InternalServerError):
            return ModelUnavailable(
                f"{where} failed ({exc.status_code})",
                "try again; if it persists, check the server's logs",
                transient=True,
            )
        if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
            return ModelUnavailable(
                f"Cannot reach {where.lower()[0]}{where[1:]} ({type(exc).__name__})",
                self.connection_fix,
                transient=True,
            )
        if isinstance(exc, openai.APIStatusError):
            return ModelUnavailable(
                f"{where} rejected the request ({exc.status_code}): {exc.message[:200]}",
                "check COACH_MODEL and the server's limits (context length, max tokens)",
            )
        return ModelUnavailable(
            f"{where} sent an unusable response ({type(exc).__name__}: {str(exc)[:160]})",
            "try again; if it persists, check that OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint",
            transient=True,
        )
