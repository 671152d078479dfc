"""Where shipped content is read from: inside the package by default, `COACH_CONTENT_DIR` when set.

Why: an installed wheel has no checkout around it, so the shipped personas and knowledge travel in
the package (`coach/shipped`, symlinks to the top-level folders in the checkout); a team may point
the product at its own content root instead; and checkout-only eval material is refused with a fix.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT, checkout_path, content_root, load_settings
from coach.content.catalog import load_content, shipped_knowledge_dir, shipped_personas_dir
from coach.errors import ConfigError, UserInputError
from coach.shipped import HERE as SHIPPED


def test_shipped_content_is_the_top_level_folders_through_the_package() -> None:
    assert (SHIPPED / "personas").resolve() == (PROJECT_ROOT / "personas").resolve()
    assert (SHIPPED / "knowledge").resolve() == (PROJECT_ROOT / "knowledge").resolve()
    assert shipped_personas_dir() == (PROJECT_ROOT / "personas").resolve()  # messages name the file people edit
    assert shipped_knowledge_dir() == (PROJECT_ROOT / "knowledge").resolve()
    assert content_root() is None


def test_content_dir_replaces_the_shipped_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "content"
    (root / "personas").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "knowledge", root / "knowledge")
    for name in ("cfo_meridian", "it_director_meridian"):
        shutil.copy(PROJECT_ROOT / "personas" / f"{name}.yaml", root / "personas")
    monkeypatch.setenv("COACH_CONTENT_DIR", str(root))
    assert shipped_personas_dir() == root / "personas"
    assert set(load_content().personas) == {"cfo_meridian", "it_director_meridian"}
    assert load_settings().content_dir == root


@pytest.mark.parametrize("make", ["missing", "file", "no_knowledge"])
def test_a_bad_content_dir_is_one_line_naming_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           make: str) -> None:
    target = tmp_path / "content"
    if make == "file":
        target.write_text("not a folder")
    elif make == "no_knowledge":
        (target / "personas").mkdir(parents=True)
    monkeypatch.setenv("COACH_CONTENT_DIR", str(target))
    for attempt in (load_content, load_settings):
        with pytest.raises(ConfigError) as caught:
            attempt()
        message = str(caught.value)
        assert message.startswith("Bad setting: COACH_CONTENT_DIR=") and "Fix:" in message and "\n" not in message
    if make == "no_knowledge":
        assert "has no knowledge/ folder" in message


def test_a_blank_content_dir_means_the_shipped_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CONTENT_DIR", "  ")
    assert content_root() is None
    assert shipped_personas_dir() == (PROJECT_ROOT / "personas").resolve()


def test_checkout_only_material_is_refused_with_the_fix(tmp_path: Path) -> None:
    assert checkout_path(PROJECT_ROOT / "evals" / "cases", "eval cases", "pass --cases FOLDER").is_dir()
    with pytest.raises(UserInputError) as caught:
        checkout_path(tmp_path / "evals" / "cases", "eval cases (evals/cases)", "pass --cases FOLDER")
    message = str(caught.value)
    assert "source checkout" in message and message.endswith("or pass --cases FOLDER") and "\n" not in message
    assert caught.value.exit_code == 2
