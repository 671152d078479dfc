"""Settings: the one place that reads the environment and `.env`.

Why one place: every module takes a `Settings` object instead of reading `os.environ`,
so tests build settings explicitly and a bad value fails once, with a message naming
the variable and the fix.
"""

from __future__ import annotations

import io
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coach.errors import ConfigError, UserInputError
from coach.log import register_secret

Backend = Literal["local", "openai", "replay", "record", "none"]

LOCAL_MODEL_NAME = "smollm2-135m-instruct"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")  # a host name (compose service names may use _) or IPv4

# Variables that switch off telemetry and hub downloads in the libraries we use.
OFFLINE_ENVIRONMENT = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "CHROMA_TELEMETRY": "False",
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime (Windows only, harmless elsewhere)
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}

# The folder that holds the package: the source checkout when run from one (`make setup` installs
# it in place). Only checkout-only material is read from here (evals/: cases, calibration labels,
# recordings, baseline, reports); in an installed wheel it is site-packages, which has none of it.
# Shipped content travels inside the package (coach/shipped, coach/data, coach/prompts).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def in_checkout() -> bool:
    """True when the package runs from the source checkout, False for an installed wheel."""
    return (PROJECT_ROOT / "pyproject.toml").is_file()


def checkout_path(path: Path, what: str, instead: str) -> Path:
    """`path`, a file or folder only the source checkout has, or one line naming the fix.

    Why: an installed wheel carries the product, not its eval material; a command that needs
    that material says so up front instead of failing on a missing file deep inside.
    """
    if path.exists():
        return path
    raise UserInputError(f"No {what} at {path}: that comes with the source checkout, not with the installed package",
                         f"run this from a checkout of the repository (after `make setup`), or {instead}")


def default_data_dir() -> Path:
    """`data/` beside the source checkout, else the user's data folder."""
    if in_checkout():
        return PROJECT_ROOT / "data"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "exec-call-coach"


class ContentSettings(BaseSettings):
    """Where the shipped personas and knowledge are read from: `COACH_CONTENT_DIR`, else the package.

    Why a class of its own: content is loaded by code that has no `Settings` at hand (the catalog,
    the app's cached loader), and an unrelated bad variable must not stop it. `Settings` inherits
    this field, so `load_settings` checks it with every other setting.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    content_dir: Path | None = Field(
        None, validation_alias=AliasChoices("COACH_CONTENT_DIR", "content_dir")
    )

    @field_validator("content_dir", mode="before")
    @classmethod
    def _content_blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("content_dir")
    @classmethod
    def _content_dir_shape(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser()
        if not value.is_dir():
            raise ValueError("is not a folder (it must hold personas/ and knowledge/; unset it for the shipped ones)")
        missing = [name + "/" for name in ("personas", "knowledge") if not (value / name).is_dir()]
        if missing:
            raise ValueError(f"has no {' or '.join(missing)} folder (it must hold personas/ and knowledge/; "
                             "unset it for the shipped ones)")
        return value


def content_root() -> Path | None:
    """The folder holding the personas/ and knowledge/ to use instead of the shipped ones, if set.

    Read on every call (cheap: one variable and `.env`), so a changed environment takes effect
    without restarting anything that cached settings.
    """
    try:
        return ContentSettings().content_dir
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"Bad setting: {problems}",
                          "correct it in your environment or in .env (see the configuration table in README.md)") from None


class Settings(ContentSettings):
    """Everything configurable, from environment variables or an optional `.env`."""

    llm: Backend = Field("local", validation_alias=AliasChoices("COACH_LLM", "llm"))
    model: str | None = Field(None, validation_alias=AliasChoices("COACH_MODEL", "model"))
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias=AliasChoices("COACH_DATA_DIR", "data_dir"),
    )
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    chroma_host: str | None = Field(
        None, validation_alias=AliasChoices("CHROMA_HOST", "chroma_host")
    )
    recordings: Path | None = Field(
        None, validation_alias=AliasChoices("COACH_RECORDINGS", "recordings")
    )
    timeout_s: float = Field(
        60.0, gt=0, le=3600, validation_alias=AliasChoices("COACH_TIMEOUT_S", "timeout_s")
    )
    max_retries: int = Field(
        2, ge=0, le=10, validation_alias=AliasChoices("COACH_MAX_RETRIES", "max_retries")
    )
    local_threads: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 2)),
        ge=1,
        le=64,
        validation_alias=AliasChoices("COACH_LOCAL_THREADS", "local_threads"),
    )
    local_ctx: int = Field(
        2048, ge=512, le=32768, validation_alias=AliasChoices("COACH_LOCAL_CTX", "local_ctx")
    )
    judge: Literal["auto", "off"] = Field("auto", validation_alias=AliasChoices("COACH_JUDGE", "judge"))
    # let the embedded small model rephrase the buyer's lines: off by default, because reviewers judged
    # 34 of the 40 rephrasings the guard let through worse than the composed line (evals/voice-pairs/)
    local_voice: bool = Field(False, validation_alias=AliasChoices("COACH_LOCAL_VOICE", "local_voice"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", validation_alias=AliasChoices("COACH_LOG_LEVEL", "log_level")
    )

    @field_validator("llm", "log_level", "judge", mode="before")
    @classmethod
    def _normalise_case(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if value.lower() in {"debug", "info", "warning", "error"} else value.lower()
        return value

    @field_validator("openai_base_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8000/v1")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        except ValueError:
            raise ValueError("is not a URL; write it like http://127.0.0.1:8000/v1") from None
        if not parts.hostname or any(ch.isspace() for ch in value):
            raise ValueError("names no server; write it like http://127.0.0.1:8000/v1") from None
        return value.rstrip("/")

    @field_validator("chroma_host")
    @classmethod
    def _host_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.strip().removeprefix("http://").partition(":")
        if not _HOST.match(host) or (port and not (port.isdigit() and 0 < int(port) < 65536)):
            raise ValueError("must be host or host:port, e.g. 127.0.0.1:8000")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from sqlalchemy.engine import make_url  # only when a URL is set
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value.strip()).get_backend_name()
        except (ArgumentError, ValueError):
            raise ValueError("is not a database URL; write it like postgresql://user:pass@host:5432/coach") from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"names a {backend!r} database; use postgresql://... (or unset it for SQLite)")
        return value.strip()

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_given(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is blank; set it to a folder you can write to, or remove it to use the default")
        return value

    @field_validator("model", "chroma_host", "database_url", "recordings", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @cached_property
    def model_name(self) -> str:
        """The model name requests carry: COACH_MODEL, else the backend's default."""
        if self.model:
            return self.model
        return OPENAI_DEFAULT_MODEL if self.llm == "openai" else LOCAL_MODEL_NAME

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'coach.db'}"

    @property
    def recordings_path(self) -> Path:
        return self.recordings or (self.data_dir / "recordings")

    @property
    def tiktoken_cache_dir(self) -> Path:
        return self.data_dir / "cache" / "tiktoken"

    def api_key(self) -> str | None:
        """The key in plain text, for the HTTP client only. Never log the result."""
        return self.openai_api_key.get_secret_value() if self.openai_api_key else None


def _describe(error: dict) -> str:
    loc = error.get("loc") or ("?",)
    field = str(loc[0])
    env = {
        name: alias
        for name, alias in (
            (n, f.validation_alias.choices[0])  # type: ignore[union-attr]
            for n, f in Settings.model_fields.items()
            if f.validation_alias is not None
        )
    }.get(field, field.upper())
    msg = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    value = repr(error.get("input"))
    value = value if len(value) <= 80 else value[:60] + "…" + value[-10:]
    shown = "" if "KEY" in env or env == "DATABASE_URL" else f"={value}"  # never a key or a password
    return f"{env}{shown}: {msg}"


def check_env_file(path: Path = Path(".env")) -> None:
    """Refuse a `.env` that is not UTF-8 text or has lines that are not NAME=value, with the fix.

    Why: our settings and a library (Chroma, at import time) both read `.env` from the folder the
    command runs in; a file in another encoding would surface as a decoding crash, and a broken line
    as a stray warning while the value on it is silently ignored.
    """
    try:
        if not path.is_file():
            return
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"The .env file in {path.resolve().parent} is not UTF-8 text",
                          "save it as UTF-8, or remove it") from None
    except OSError:
        return  # unreadable: the libraries ignore it too
    try:
        from dotenv.parser import parse_stream  # the parser pydantic-settings reads .env with
    except ImportError:  # pragma: no cover - installed with pydantic-settings
        return
    bad = [binding.original.line for binding in parse_stream(io.StringIO(text)) if binding.error]
    if bad:
        shown = ", ".join(str(n) for n in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ConfigError(f"The .env file in {path.resolve().parent} has line(s) that are not NAME=value: {shown}",
                          "write one NAME=value per line (a # starts a comment), or remove the file")


def load_settings(**overrides: object) -> Settings:
    """Read settings once; a bad value becomes a `ConfigError` naming the variable."""
    check_env_file()
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ConfigError(
            f"Bad setting: {problems}",
            "correct it in your environment or in .env (see the configuration table in README.md)",
        ) from None
    register_secret(settings.api_key())
    return settings


def apply_offline_environment() -> None:
    """Switch off library telemetry and hub downloads for this process.

    Why: the product makes no network call the user did not configure. Values the
    user set explicitly are kept.
    """
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
