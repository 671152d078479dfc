"""The embedding model file actually run: a dynamically quantized copy of the packaged one.

Why: the packaged MiniLM stores int8 weights but computes in fp32 (every weight is cast
back before its MatMul), which made ingest embedder-bound at ~90 chunks/s on 2 cores.
Re-quantizing it per channel for integer MatMuls doubles throughput while keeping each
vector within ~0.99 cosine of the packaged model's. The copy is derived, never
downloaded: built once from the installed package (by `coach setup`, or on first use)
and cached beside the environment, keyed by the source file's hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

from coach.runtime.assets import Asset, embedder_model_file
from coach.log import get_logger

logger = get_logger("embedder")

RECIPE = "dyn-int8-pc-rr1"  # bump when the build steps below change
_build_lock = threading.Lock()


def cache_dirs() -> list[Path]:
    """Where a built model may live, in order: COACH_ASSET_CACHE, the environment, the user cache."""
    dirs = []
    if os.environ.get("COACH_ASSET_CACHE"):
        dirs.append(Path(os.environ["COACH_ASSET_CACHE"]))
    dirs.append(Path(sys.prefix) / "share" / "exec-call-coach")
    dirs.append(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exec-call-coach")
    return dirs


def _source_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _build(source: Path, target: Path) -> None:
    """Fold the packaged weights to fp32 with onnxruntime, then quantize MatMuls per channel."""
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        folded = Path(work) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        partial = Path(work) / "model.onnx"
        quiet = logging.getLogger()
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the quantizer logs advice about pre-processing
        try:
            # reduce_range keeps weights to 7 bits: CPUs without VNNI would otherwise saturate
            # and give different vectors than CPUs with it; with it, the integer maths is exact everywhere
            quantize_dynamic(folded, partial, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                             op_types_to_quantize=["MatMul"])
        finally:
            quiet.setLevel(level)
        partial.replace(target)  # atomic: concurrent builders each write a whole file
    for old in target.parent.glob("minilm-l6-*.onnx"):
        if old != target:
            old.unlink(missing_ok=True)  # an earlier recipe or source model


def runtime_model_file() -> Asset:
    """The model to load: the built copy when it exists or can be built, else the packaged file."""
    source = embedder_model_file()
    name = f"minilm-l6-{RECIPE}-{_source_digest(source.path)}.onnx"
    for folder in cache_dirs():
        if (folder / name).is_file():
            return Asset("embedding model (ONNX, integer MatMul)", folder / name)
    with _build_lock:
        for folder in cache_dirs():
            try:
                _build(source.path, folder / name)
            except OSError as exc:
                logger.debug("cannot build the embedding model in %s: %s", folder, exc)
                continue
            except ImportError as exc:  # onnx missing: a broken install, still usable
                logger.warning("running the packaged embedding model unmodified (slower): %s", exc)
                return source
            logger.info("built the fast embedding model in %s", folder)
            return Asset("embedding model (ONNX, integer MatMul)", folder / name)
    logger.warning("no writable cache folder for the fast embedding model; set COACH_ASSET_CACHE")
    return source
