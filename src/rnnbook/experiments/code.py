"""Which source a job trains with, and its hash.

A record's config hash says *what* was trained; its code hash says *with which code*: the
SHA-256 of the source of the module that holds the experiment's train function and of every
``rnnbook`` module it imports, directly or not, read statically from the files. The modules that
only store, tabulate or schedule (``results``, the runner, the command line) are left out: they
do not change a number. A record whose code hash differs from today's is shown "code changed".
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

#: Modules that never change what a job computes.
NOT_TRAINING = (
    "rnnbook.results",
    "rnnbook.experiments.runner",
    "rnnbook.experiments.ray_engine",
    "rnnbook.experiments.jobs",
    "rnnbook.experiments.code",
    "rnnbook.files",
    "rnnbook.cli",
)


def _file(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _skipped(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in NOT_TRAINING)


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            for alias in node.names:  # a submodule, or a name defined in the module itself
                sub = f"{name}.{alias.name}"
                found.add(sub if _file(sub) is not None else name)
    return {m for m in found if m.startswith("rnnbook") and not _skipped(m)}


@functools.cache
def training_modules(module: str) -> tuple[str, ...]:
    """``module`` and every ``rnnbook`` module it imports, transitively, sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        m = todo.pop()
        path = _file(m)
        if m in seen or path is None:
            continue
        seen.add(m)
        todo += sorted(_imports(m, path) - seen)
    return tuple(sorted(seen))


def code_hash(function: Callable) -> str:
    """Short SHA-256 over the source of the modules ``function`` trains with."""
    while isinstance(function, functools.partial):
        function = function.func
    module = function.__module__
    digest = hashlib.sha256()
    for m in training_modules(module):
        path = _file(m)
        digest.update(m.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
