"""Process start-up shared by the CLI and the app: offline environment, data dir, logging.

Why: both entry points must behave the same — telemetry off, tiktoken seeded from the
packaged encodings, the data folder created, secrets redacted in every log line.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from coach.runtime.assets import seed_tiktoken_cache
from coach.config import Settings, apply_offline_environment, load_settings
from coach.errors import ConfigError
from coach.log import LOGGER_NAME, RedactingFilter

if TYPE_CHECKING:
    from coach.content.catalog import Content
    from coach.retrieval.index import KnowledgeIndex


def configure_logging(level: str) -> None:
    """Send the `coach` logger to stderr at `level`, redacting secrets."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(getattr(h, "_coach", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._coach = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def prepare_with_knowledge(**overrides: object) -> tuple[Settings, Content, KnowledgeIndex]:
    """`prepare`, then the shipped content and a knowledge store filled from it: what the tuning and
    fitting scripts need before they can play a call."""
    from coach.content.catalog import load_content
    from coach.retrieval.index import open_store

    settings = prepare(**overrides)
    content = load_content()
    store = open_store(settings)
    store.ingest(content.knowledge.values())
    return settings, content, store


def prepare(**overrides: object) -> Settings:
    """Load settings and make the process ready to run offline."""
    apply_offline_environment()
    settings = load_settings(**overrides)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot create the data folder {settings.data_dir}: {exc.strerror}",
            "set COACH_DATA_DIR to a folder you can write to",
        ) from None
    try:
        seed_tiktoken_cache(settings.tiktoken_cache_dir)
    except OSError as exc:
        raise ConfigError(f"Cannot prepare the data folder {settings.data_dir}: {exc.strerror} ({exc.filename})",
                          "set COACH_DATA_DIR to a folder you can write to") from None
    configure_logging(settings.log_level)
    return settings
