"""The package's rooms have one-way doors: a module imports only rooms below its own."""

from __future__ import annotations

import ast
from pathlib import Path

import rnnbook

ROOT = Path(rnnbook.__file__).parent
#: Rank of each room; a module may import rooms of lower or equal rank only.
RANKS = {
    "profiles": 0,
    "device": 0,
    "files": 0,
    "cells": 1,
    "models": 2,
    "data": 3,
    "train": 4,
    "results": 5,
    "experiments": 6,
    "cli": 7,
    "__main__": 7,
    "__init__": 7,
}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_rooms(path: Path) -> set[str]:
    rooms = set()
    package = ".".join(("rnnbook", *path.relative_to(ROOT).with_suffix("").parts))
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = package.split(".")[: -node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("rnnbook."):
                rooms.add(room(name))
        elif isinstance(node, ast.Import):
            rooms |= {room(a.name) for a in node.names if a.name.startswith("rnnbook.")}
    return rooms


def test_every_import_goes_down_or_sideways():
    violations = []
    for path in sorted(ROOT.rglob("*.py")):
        own = room(".".join(("rnnbook", *path.relative_to(ROOT).with_suffix("").parts)))
        for other in imported_rooms(path):
            if RANKS[other] > RANKS[own]:
                violations.append(f"{path.relative_to(ROOT)} ({own}) imports {other}")
    assert not violations, "\n".join(violations)


def test_the_check_sees_imports():
    """Guard against a vacuous pass: the experiments room does import the training loop."""
    assert "train" in imported_rooms(ROOT / "experiments" / "chung2014.py")
