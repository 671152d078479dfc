"""The product as an installed wheel: built, installed into a fresh environment, run away from the checkout.

Why: the library used to find its buyers and knowledge beside the source checkout, which an
installed wheel does not have. This builds the wheel from a copy of the working tree, installs
it (without dependencies: the new environment sees this one's installed packages through a
`.pth` line, so nothing is downloaded) and runs `coach setup` and `coach simulate` from a
temporary folder. It proves that `coach` is imported from the wheel, that the shipped content
comes from inside it, and that the checkout-only eval commands say what to do instead of failing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a build never needs; everything else in the working tree is copied (README, LICENSE, ...).
SKIP = {".git", ".venv", "data", "build", "dist", "evals", "tests", "bench", "deploy", "artifacts",
        "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
SCRIPT = ('turns:\n'
          '  - "Thanks for the time, Dana. What is the board pushing you on this year?"\n'
          '  - "What does that cost you today, in hours or in cash?"\n'
          '  - "Could we take 30 minutes next week, with your IT director, to size it?"\n')

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def _ok(result: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _ignore(folder: str, names: list[str]) -> set[str]:
    top = Path(folder).resolve() == ROOT
    return {n for n in names if n in SKIP and (top or n in ("__pycache__", "node_modules"))
            or n.endswith((".egg-info", ".whl", ".pyc"))}


def _environment(tmp: Path) -> dict[str, str]:
    """A clean environment: no COACH_*/virtualenv variables from the caller, data and caches in `tmp`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COACH_", "OPENAI_", "PYTHON", "VIRTUAL_ENV")) and k not in ("DATABASE_URL", "CHROMA_HOST")}
    env.update(COACH_DATA_DIR=str(tmp / "data"), XDG_CACHE_HOME=str(tmp / "cache"), XDG_DATA_HOME=str(tmp / "share"),
               COACH_LLM="none")
    return env


def _build_wheel(source: Path, dist: Path, env: dict[str, str]) -> Path:
    """`uv build --wheel` (setuptools comes from uv's cache or the package registry), else `pip wheel`."""
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        command: list[str | Path] = [uv, "build", "--wheel", "--quiet", "-o", dist, source]
    else:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source]
    _ok(_run(command, cwd=source, env=env), "building the wheel")
    wheels = sorted(dist.glob("exec_call_coach-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _fresh_environment(venv: Path, wheel: Path, env: dict[str, str]) -> Path:
    """A new virtual environment holding only the wheel, seeing this environment's packages read-only."""
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent, env=env), "creating the venv")
    python = venv / "bin" / "python"
    site = Path(_ok(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv.parent,
                         env=env), "locating site-packages").stdout.strip())
    # A plain path in a .pth is added to sys.path, but the .pth files inside it are not run, so the
    # editable install of this checkout (a .pth there) stays invisible to the new environment.
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_coach_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        install: list[str | Path] = [uv, "pip", "install", "--quiet", "--offline", "--no-deps", "--python", python, wheel]
    else:
        install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                   "--no-index", wheel]
    _ok(_run(install, cwd=venv.parent, env=env), "installing the wheel")
    return venv / "bin"


def test_the_installed_wheel_runs_a_call_away_from_the_checkout(tmp_path: Path) -> None:
    started = time.perf_counter()
    env = _environment(tmp_path)
    source, dist, run = tmp_path / "src", tmp_path / "dist", tmp_path / "elsewhere"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_ignore)
    dist.mkdir()
    run.mkdir()
    wheel = _build_wheel(source, dist, env)

    # The wheel carries every shipped persona and knowledge file, the rubric, prompts and migrations.
    names = set(zipfile.ZipFile(wheel).namelist())
    assert all(n.startswith(("coach/", "exec_call_coach-")) for n in names), sorted(names)[:20]
    personas = {p.name for p in (ROOT / "personas").glob("*.yaml")}
    knowledge = {p.relative_to(ROOT).as_posix() for p in (ROOT / "knowledge").rglob("*.md")}
    assert personas and {f"coach/shipped/personas/{p}" for p in personas} <= names
    assert knowledge and {f"coach/shipped/{k}" for k in knowledge} <= names
    versions = {p.name for p in (ROOT / "coach/db/migrations/versions").glob("0*.py")}
    assert {"coach/data/rubric.yaml", "coach/prompts/buyer.md", "coach/db/migrations/env.py",
            "coach/db/migrations/script.py.mako", *(f"coach/db/migrations/versions/{v}" for v in versions)} <= names

    bin_dir = _fresh_environment(tmp_path / "venv", wheel, env)
    venv = (tmp_path / "venv").resolve()

    # `coach` and its shipped content come from the wheel, not from this checkout.
    probe = _ok(_run([bin_dir / "python", "-c",
                      "import json, coach; from coach.content.catalog import shipped_personas_dir, shipped_knowledge_dir;"
                      "print(json.dumps([coach.__file__, str(shipped_personas_dir()), str(shipped_knowledge_dir())]))"],
                     cwd=run, env=env), "importing coach").stdout
    for path in json.loads(probe):
        assert Path(path).resolve().is_relative_to(venv), f"{path} is not inside the new environment {venv}"
        assert not Path(path).resolve().is_relative_to(ROOT)

    _ok(_run([bin_dir / "coach", "setup"], cwd=run, env=env), "coach setup")
    script = run / "script.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    result = _ok(_run([bin_dir / "coach", "simulate", "--persona", "cfo_meridian", "--script", script, "--llm", "none",
                       "--json"], cwd=run, env=env), "coach simulate")
    call = json.loads(result.stdout)
    assert call["persona"] == "cfo_meridian"
    assert [t["rep"] for t in call["turns"]][:1] == ["Thanks for the time, Dana. What is the board pushing you on "
                                                       "this year?"]
    assert 1 <= len(call["turns"]) <= 3
    assert call["grade"]["criteria"] and call["grade"]["outcome"] == call["outcome"]
    assert call["grade"]["overall"] is None or 0 <= call["grade"]["overall"] <= 100
    assert (tmp_path / "data").is_dir() and not (run / "data").exists()

    # The database schema is created by the migrations inside the wheel (alembic env and template).
    added = _ok(_run([bin_dir / "coach", "users", "add", "rep9", "--role", "rep", "--team", "east"], cwd=run,
                     env=env | {"COACH_NEW_PASSWORD": "wheel-test-password-1"}), "coach users add").stdout
    assert "rep9" in added and (tmp_path / "data" / "coach.db").is_file()

    # What only a checkout has is refused with one line naming the fix, never a traceback.
    for command in (["eval", "--calibration"], ["eval"], ["kb", "eval"]):
        refused = _run([bin_dir / "coach", *command], cwd=run, env=env)
        message = refused.stderr.strip()
        assert refused.returncode == 2, (command, refused.stdout, message)
        assert "source checkout" in message and "Fix:" in message and "Traceback" not in message, message
        assert len(message.splitlines()) == 1, message
    print(f"\nwheel built, installed and run in {time.perf_counter() - started:.1f} s")
