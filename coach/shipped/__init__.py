"""The personas and knowledge that ship with the product, as package data.

Why a package: an installed wheel has no source checkout around it, so the shipped buyers
and knowledge must travel inside the package. The files themselves stay where people edit
them, in the repository's top-level `personas/` and `knowledge/` folders: `personas` and
`knowledge` here are relative symlinks to those folders, so git holds each file once, the
editable install (`make setup`) reads the checkout directly, and a wheel build copies the
files in (package data in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def shipped_folder(name: str) -> Path:
    """The shipped `personas` or `knowledge` folder, with the symlink resolved.

    Resolved so messages name the file people edit (`personas/x.yaml` in the checkout). A
    checkout made without symlink support (git on Windows with `core.symlinks` off) has a small
    text file here instead of a link; the top-level folder beside the package is used then.
    """
    packaged = HERE / name
    if packaged.is_dir():
        return packaged.resolve()
    return HERE.parent.parent / name
