"""The only code that talks to a model. Callers use `create_backend(settings)`."""

from __future__ import annotations

from coach.config import Settings
from coach.errors import ModelUnavailable
from coach.llm.base import LLM, ChatMessage, ChatRequest, ChatResult, GenerationParams, ReplyStream, Usage
from coach.llm.replay import RecordingBackend, RecordingStore, ReplayBackend
from coach.llm.scripted import ScriptedBackend, ScriptedReply

__all__ = [
    "LLM", "ChatMessage", "ChatRequest", "ChatResult", "GenerationParams", "ReplyStream", "Usage",
    "RecordingBackend", "RecordingStore", "ReplayBackend", "ScriptedBackend", "ScriptedReply",
    "create_backend",
]


def _live_backend(settings: Settings, kind: str) -> LLM:
    if kind == "openai":
        from coach.llm.openai_compat import OpenAICompatBackend

        if not settings.openai_base_url and not settings.api_key():
            raise ModelUnavailable(
                "COACH_LLM=openai needs OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for a local server)",
                "set them in your environment or .env, or use COACH_LLM=local for the embedded model",
            )
        return OpenAICompatBackend(settings.model_name, base_url=settings.openai_base_url,
                                   api_key=settings.api_key(), timeout_s=settings.timeout_s,
                                   max_retries=settings.max_retries)
    from coach.llm.local import LocalBackend

    log_file = settings.data_dir / "logs" / "local-model.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return LocalBackend(settings.model_name, threads=settings.local_threads, ctx=settings.local_ctx,
                        timeout_s=settings.timeout_s, max_retries=settings.max_retries,
                        log_file=log_file)


def create_backend(settings: Settings, *, caller: str | None = None, rerecord: str | None = None,
                   record_with: str | None = None) -> LLM | None:
    """The backend COACH_LLM names; `None` for `none` (persona lines only, no model).

    `record` wraps the live backend named by `record_with` (default: openai when
    OPENAI_BASE_URL or OPENAI_API_KEY is set, else the embedded local model). With
    COACH_JUDGE=off the backend never acts as the model judge.
    """
    backend = _backend(settings, caller=caller, rerecord=rerecord, record_with=record_with)
    if backend is not None:
        backend.may_judge = settings.judge != "off"
    return backend


def _backend(settings: Settings, *, caller: str | None, rerecord: str | None,
             record_with: str | None) -> LLM | None:
    kind = settings.llm
    if kind == "none":
        return None
    if kind == "replay":
        store = RecordingStore(settings.recordings_path)
        return ReplayBackend(store, settings.model, caller=caller, rerecord=rerecord)
    if kind == "record":
        live = record_with or ("openai" if settings.openai_base_url or settings.api_key() else "local")
        return RecordingBackend(_live_backend(settings, live), RecordingStore(settings.recordings_path),
                                caller=caller)
    return _live_backend(settings, kind)
