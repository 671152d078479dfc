"""First page: talk to the configured model and watch the reply stream."""

from __future__ import annotations

import streamlit as st

from coach.chat import CHAT_PARAMS, MAX_INPUT_CHARS, build_messages
from coach.config import Settings
from coach.errors import CoachError
from coach.llm import LLM, ChatMessage, create_backend
from coach.runtime import prepare


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    return prepare()


@st.cache_resource(show_spinner="Starting the model…")
def _backend(llm: str, model: str) -> LLM | None:
    return create_backend(_settings(), caller="app: chat page")


def render() -> None:
    """The chat page."""
    st.set_page_config(page_title="Executive call coach", page_icon="🎯")
    st.title("Executive call coach")
    try:
        settings = _settings()
        backend = _backend(settings.llm, settings.model_name)
    except CoachError as exc:
        st.error(exc.message)
        st.stop()
    if backend is None:
        st.info("COACH_LLM=none: no model configured. Set COACH_LLM=local to chat with the embedded model.")
        st.stop()
    st.caption(f"Model: {backend.model} ({backend.backend_name}). Practice calls arrive in a later release; "
               "for now, check that the model answers.")

    history: list[ChatMessage] = st.session_state.setdefault("chat_history", [])
    for message in history:
        with st.chat_message("user" if message.role == "user" else "assistant"):
            st.text(message.content)

    text = st.chat_input("Say something to the model", max_chars=MAX_INPUT_CHARS)
    if not text or not text.strip():
        return
    with st.chat_message("user"):
        st.text(text)
    history.append(ChatMessage(role="user", content=text))
    with st.chat_message("assistant"):
        try:
            reply = backend.stream(build_messages(history[:-1], text, backend.model), CHAT_PARAMS)
            answer = st.write_stream(reply)
        except CoachError as exc:
            st.error(f"{exc.message} Your message is kept above; send it again when the model is back.")
            return
    history.append(ChatMessage(role="assistant", content=str(answer)))
