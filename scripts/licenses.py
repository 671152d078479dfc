"""Print the licence of every installed package; exit 1 if the default install has a GPL or AGPL one.

`make licenses` runs this in `.venv`. Each installed distribution is put in one group:

  product  the product's own dependencies, followed transitively (pyproject `dependencies`)
  assets   the offline model packages (requirements-assets.in) and what they pull in
  dev      only reached through the `dev` extra (test tools; never shipped)
  other    installed but required by none of the above (pip, setuptools, ...)

Where the licence comes from, in order: the `License-Expression` field (SPDX), the
`License :: ...` classifiers, the `License` field, and last the licence file's first lines.

Policy: GPL and AGPL (no linking exception) in `product` or `assets` fail the check. LGPL is
printed as a note only: the product loads such libraries dynamically as separate Python
packages, which LGPL allows. GPL/AGPL in `dev` or `other` is a note too (not shipped).
A package offered under a choice of licences (`MIT OR GPL-2.0`, several licence classifiers)
counts by its most permissive choice.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import sys
from pathlib import Path

PRODUCT = "exec-call-coach"
ROOT = Path(__file__).resolve().parent.parent
ASSETS_IN = ROOT / "requirements-assets.in"

# Severity of one licence choice: higher is more restrictive.
PERMISSIVE, UNKNOWN, LGPL, GPL, AGPL = range(5)
LABEL = {PERMISSIVE: "", UNKNOWN: "unknown", LGPL: "LGPL", GPL: "GPL", AGPL: "AGPL"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def classify(text: str) -> int:
    """How restrictive one licence choice (an SPDX id, a classifier or a licence name) is."""
    t = text.lower()
    if not t.strip() or t.strip() in ("unknown", "none"):
        return UNKNOWN
    if "affero" in t or re.search(r"\bagpl", t):
        return AGPL
    if "lesser general public" in t or "library general public" in t or re.search(r"\blgpl", t):
        return LGPL
    if "general public license" in t or re.search(r"\bgpl", t):
        # GPL with a linking exception (GCC runtime, Classpath) lets others link to it.
        return LGPL if re.search(r"\bwith\b.*exception|linking exception|runtime library exception", t) else GPL
    return PERMISSIVE


def severity_of_expression(expression: str) -> int:
    """An SPDX expression: `A OR B` counts as its most permissive side, `A AND B` as its most restrictive."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    pos = 0

    def peek() -> str:
        return tokens[pos].upper() if pos < len(tokens) else ""

    def either() -> int:
        nonlocal pos
        value = both()
        while peek() == "OR":
            pos += 1
            value = min(value, both())
        return value

    def both() -> int:
        nonlocal pos
        value = one()
        while peek() == "AND":
            pos += 1
            value = max(value, one())
        return value

    def one() -> int:
        nonlocal pos
        if peek() == "(":
            pos += 1
            value = either()
            pos += peek() == ")"
            return value
        text = tokens[pos] if pos < len(tokens) else ""
        pos += 1
        if peek() == "WITH" and pos + 1 < len(tokens):  # `GPL-2.0 WITH Classpath-exception-2.0`
            text = f"{text} with {tokens[pos + 1]}"
            pos += 2
        return classify(text)

    return either() if tokens else UNKNOWN


def license_of(dist: md.Distribution) -> tuple[str, int]:
    """(what the package declares, its severity)."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression, severity_of_expression(expression)
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::") and c.strip() != "License :: OSI Approved"]
    if classifiers:
        return " | ".join(classifiers), min(classify(c) for c in classifiers)
    field = (meta.get("License") or "").strip()
    if field and field.upper() != "UNKNOWN":
        first = field.splitlines()[0].strip()
        shown = first if len(first) <= 60 else first[:57] + "..."
        if len(field) > 200:  # the whole licence text pasted into the field
            return f"{shown} (full text)", _severity_of_text(field)
        return shown, classify(field)
    text = _license_file_text(dist)
    if text:
        severity = _severity_of_text(text)
        return f"{_name_of_text(text)} (from the licence file)", severity
    return "UNKNOWN", UNKNOWN


def _license_file_text(dist: md.Distribution) -> str:
    names = [f for f in dist.files or [] if re.search(r"(licen[cs]e|copying)", f.name, re.I)]
    for name in names:
        try:
            return (dist.locate_file(name).read_text(encoding="utf-8", errors="replace"))[:4000]
        except OSError:
            continue
    return ""


def _severity_of_text(text: str) -> int:
    head = text[:1500].lower()
    if "gnu affero general public license" in head:
        return AGPL
    if "gnu lesser general public license" in head or "gnu library general public license" in head:
        return LGPL
    if "gnu general public license" in head and "permission is hereby granted" not in head:
        return GPL
    if re.search(r"mit license|permission is hereby granted|apache license|bsd|redistribution and use|"
                 r"mozilla public license|isc license|python software foundation|unlicense|public domain", head):
        return PERMISSIVE
    return UNKNOWN


def _name_of_text(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.lower().startswith("copyright"):
            return line[:60]
    return "?"


# ---------------------------------------------------------------- who needs what

def _requirements(dist: md.Distribution, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """(name, extras) that `dist` requires, evaluating markers for this interpreter and the given extras."""
    from packaging.requirements import Requirement

    found = []
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
            found.append((req.name, frozenset(req.extras)))
    return found


def closure(roots: list[tuple[str, frozenset[str]]], installed: dict[str, md.Distribution]) -> set[str]:
    """Every installed distribution reached from `roots` (name, extras), transitively, extras included."""
    reached: set[str] = set()
    done: set[tuple[str, frozenset[str]]] = set()
    todo = list(roots)
    while todo:
        name, extras = todo.pop()
        key = normalize(name)
        dist = installed.get(key)
        if dist is None or (key, extras) in done:
            continue
        done.add((key, extras))
        reached.add(key)
        todo += _requirements(dist, extras)
    return reached


def asset_names() -> list[str]:
    if not ASSETS_IN.is_file():
        return []
    lines = [re.split(r"[\s;<>=!~\[]", line.strip(), maxsplit=1)[0] for line in ASSETS_IN.read_text().splitlines()]
    return [n for n in lines if n and not n.startswith("#")]


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()

    installed = {normalize(d.metadata["Name"]): d for d in md.distributions() if d.metadata["Name"]}
    if normalize(PRODUCT) not in installed:
        print(f"{PRODUCT} is not installed here; run `make setup` first.", file=sys.stderr)
        return 2
    product = closure([(PRODUCT, frozenset())], installed) - {normalize(PRODUCT)}
    assets = closure([(n, frozenset()) for n in asset_names()], installed) - product
    dev = closure([(PRODUCT, frozenset({"dev"}))], installed) - product - assets - {normalize(PRODUCT)}
    group = {n: "product" for n in product} | {n: "assets" for n in assets} | {n: "dev" for n in dev}

    rows = []
    for key, dist in sorted(installed.items()):
        if key == normalize(PRODUCT):
            continue
        declared, severity = license_of(dist)
        rows.append((group.get(key, "other"), dist.metadata["Name"], dist.version, declared, severity))

    order = {"product": 0, "assets": 1, "dev": 2, "other": 3}
    rows.sort(key=lambda r: (order[r[0]], r[1].lower()))
    width = max(len(r[1]) for r in rows)
    print(f"{'group':8} {'package':{width}} {'version':14} licence")
    for grp, name, version, declared, severity in rows:
        flag = f"  [{LABEL[severity]}]" if LABEL[severity] else ""
        print(f"{grp:8} {name:{width}} {version:14} {declared}{flag}")

    shipped = [r for r in rows if r[0] in ("product", "assets")]
    failing = [r for r in shipped if r[4] in (GPL, AGPL)]
    lgpl = [r for r in rows if r[4] == LGPL]
    unknown = [r for r in shipped if r[4] == UNKNOWN]
    unshipped_gpl = [r for r in rows if r[0] in ("dev", "other") and r[4] in (GPL, AGPL)]
    print()
    print(f"{len(rows)} packages: {len(product)} product, {len(assets)} assets, {len(dev)} dev, "
          f"{len(rows) - len(product) - len(assets) - len(dev)} other.")
    for title, items in (("LGPL (allowed: loaded dynamically, not modified)", lgpl),
                         ("GPL/AGPL in dev tools or unrelated packages (not shipped)", unshipped_gpl),
                         ("No licence found in the metadata (check by hand)", unknown)):
        if items:
            print(f"{title}: " + ", ".join(f"{r[1]} ({r[3]})" for r in items))
    if failing:
        print("NOT ALLOWED in the default install (GPL/AGPL): "
              + ", ".join(f"{r[1]} {r[2]} ({r[3]}, {r[0]})" for r in failing))
        return 1
    print("OK: no GPL or AGPL package in the default install.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
