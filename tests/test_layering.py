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
    assert "train" in imported_rooms(ROOT / "experiments" / "chung2014" / "train.py")


#: Inside a chapter package: config -> data -> train -> report -> __init__ (``train_x`` ranks
#: with ``train``).
CHAPTER_RANKS = {"config": 0, "data": 1, "train": 2, "report": 3, "__init__": 4}


def chapter_rank(stem: str) -> int:
    return CHAPTER_RANKS[stem if stem == "__init__" else stem.split("_")[0]]


def chapter_imports(path: Path) -> set[str]:
    """The modules of its own chapter package that ``path`` imports (their stems)."""
    chapter = path.parent.name
    prefix = f"rnnbook.experiments.{chapter}."
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(prefix):
                found.add(node.module[len(prefix) :].split(".")[0])
            elif node.module == prefix[:-1]:
                found |= {a.name for a in node.names}
    return found


def chapter_packages() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "experiments").glob("*/__init__.py"))


def test_every_chapter_is_a_package_whose_modules_import_one_way():
    names = {p.name for p in chapter_packages()}
    assert {"chung2014", "pascanu2013", "jozefowicz2015", "lipton2015", "orvieto2023"} <= names
    violations = []
    for package in chapter_packages():
        for path in sorted(package.glob("*.py")):
            own = chapter_rank(path.stem)
            for other in chapter_imports(path):
                if chapter_rank(other) > own or (other == path.stem):
                    violations.append(f"{package.name}/{path.name} imports {other}")
    assert not violations, "\n".join(violations)


def test_no_module_or_function_is_too_long():
    """No module of the experiments room over about 450 lines, no function over about 80."""
    long_modules, long_functions = [], []
    for path in sorted((ROOT / "experiments").rglob("*.py")):
        text = path.read_text()
        if text.count("\n") > 460:
            long_modules.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 85:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.name} {length} lines")
    assert not long_modules and not long_functions, long_modules + long_functions
