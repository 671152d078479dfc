"""Process-wide resources for the app, created once per server process and shared by sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from coach.config import Settings
from coach.content.catalog import Content, load_content
from coach.llm import LLM, create_backend
from coach.log import get_logger
from coach.runtime.startup import prepare
from coach.db import Database, ensure_demo, open_database

if TYPE_CHECKING:  # the store (chromadb) is imported when a call first needs it, not for the sign-in page
    from coach.retrieval.index import KnowledgeIndex

log = get_logger("app")


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return prepare()


@st.cache_resource(show_spinner="Opening the database…")
def database() -> Database:
    db = open_database(settings())
    created = ensure_demo(db)
    if created:  # the console of whoever started the app, once (a warning, so it shows at the default level)
        log.warning("Demo accounts created; sign in with any of them: %s",
                    "; ".join(f"{name} ({role}) password {password}" for name, role, password in created))
    return db


@st.cache_resource(show_spinner="Loading buyers and knowledge…")
def content() -> Content:
    return load_content()


@st.cache_resource(show_spinner="Preparing the knowledge store…")
def knowledge() -> KnowledgeIndex:
    from coach.retrieval.index import current_store

    return current_store(settings())


@st.cache_resource(show_spinner="Starting the model…")
def model() -> LLM | None:
    return create_backend(settings(), caller="app")
