"""Which source a job trains with, and its hash.

A record's config hash says *what* was trained; its code hash says *with which code*: the
SHA-256 of the code (the syntax tree: comments, docstrings and layout do not count) of the module
that holds the experiment's train function and of every ``rnnbook`` module it imports, directly
or not, read statically from the files. A name imported from a package
(``from rnnbook.models import GRU``) counts as the module the package takes it from, not the
package's whole ``__init__``, so adding a model does not mark every chapter's records "code
changed". A config module counts only by the definitions the training code imports from it (and
those they refer to), and by the class of the job's config: a new profile or job changes no other
job's hash. The modules that only
store, tabulate or schedule (``results``, the runner, the command line) are left out: they do
not change a number. A record whose code hash differs from today's is shown "code changed".

The source is read through a :data:`Source`, the working tree's files by default or a git commit's
(:func:`git_source`), so that the hash of a past commit can be recomputed from the history.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import rnnbook

#: Modules that never change what a job computes.
NOT_TRAINING = (
    "rnnbook.results",
    "rnnbook.experiments.runner",
    "rnnbook.experiments.ray_engine",
    "rnnbook.experiments.jobs",
    "rnnbook.experiments.code",
    "rnnbook.experiments.equivalence",
    "rnnbook.files",
    "rnnbook.cli",
)

#: A file of the package, named by its path inside ``src/rnnbook`` ("models/gru.py") -> its
#: bytes, or None where there is no such file.
Source = Callable[[str], "bytes | None"]

PACKAGE_ROOT = Path(rnnbook.__file__).parent


def _read_tree(relative: str) -> bytes | None:
    path = PACKAGE_ROOT / relative
    return path.read_bytes() if path.is_file() else None


def tree_source() -> Source:
    """The package's files as they are now."""
    return _read_tree


def git_source(commit: str, repo: Path | None = None) -> Source:
    """The package's files at ``commit`` of the git repository ``repo`` (default: this one)."""
    repo = repo or PACKAGE_ROOT.parents[1]

    @functools.cache
    def read(relative: str) -> bytes | None:
        shown = subprocess.run(
            ["git", "-C", str(repo), "show", f"{commit}:src/rnnbook/{relative}"],
            capture_output=True,
        )
        return shown.stdout if shown.returncode == 0 else None

    return read


def _locate(module: str, source: Source) -> tuple[str, bytes] | None:
    """The file of ``module`` (a module's ``.py`` or a package's ``__init__.py``) and its bytes."""
    parts = module.split(".")
    if parts[0] != "rnnbook":
        return None
    inner = "/".join(parts[1:])
    for relative in (f"{inner}.py", f"{inner}/__init__.py" if inner else "__init__.py"):
        text = source(relative.lstrip("/"))
        if text is not None:
            return relative.lstrip("/"), text
    return None


@functools.lru_cache(maxsize=1024)
def _parse(text: bytes) -> ast.Module:
    return ast.parse(text)


@functools.lru_cache(maxsize=1024)
def _import_statements(text: bytes) -> tuple[ast.Import | ast.ImportFrom, ...]:
    """Every import statement of a module, at any depth (walked once per module text)."""
    return tuple(n for n in ast.walk(_parse(text)) if isinstance(n, ast.Import | ast.ImportFrom))


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


@functools.lru_cache(maxsize=1024)
def _code_of(text: bytes) -> bytes:
    """What a module computes: its syntax tree without comments, docstrings or layout."""
    return ast.dump(_without_docstrings(ast.parse(text))).encode()


def _skipped(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in NOT_TRAINING)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _origin(
    module: str, name: str, source: Source, follow: bool, depth: int = 0
) -> tuple[str, str | None]:
    """What ``from module import name`` reads: the submodule ``module.name`` (as a whole: name
    None) if there is one; with ``follow``, what a package's ``__init__`` imports ``name`` from;
    else ``name`` in ``module`` itself."""
    if _locate(f"{module}.{name}", source) is not None:
        return f"{module}.{name}", None
    found = _locate(module, source)
    if not follow or found is None or not found[0].endswith("__init__.py") or depth > 8:
        return module, name
    for node in _parse(found[1]).body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    origin = _absolute(node, module)
                    return _origin(origin, alias.name, source, follow, depth + 1)
    return module, name  # defined in the package's ``__init__`` itself


#: What a module takes from another: the names it imports, or None for the module as a whole.
Uses = dict[str, "set[str] | None"]


def _merge(uses: Uses, module: str, names: set[str] | None) -> None:
    if not module.startswith("rnnbook") or _skipped(module):
        return
    if names is None or uses.get(module, set()) is None:
        uses[module] = None
    else:
        uses.setdefault(module, set()).update(names)


def _imports(module: str, source: Source, follow: bool, names: set[str] | None = None) -> Uses:
    """The modules ``module`` imports, with the names it takes from each; of a config module
    that is used by ``names`` (today's rule), only the imports those names' code refers to."""
    relative, text = _locate(module, source)
    package = module if relative.endswith("__init__.py") else module.rpartition(".")[0]
    wanted = None
    if follow and names is not None and _is_config(module):
        wanted = _needed(text, frozenset(names))[1]
    found: Uses = {}
    for node in _import_statements(text):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if wanted is None or (alias.asname or alias.name.split(".")[0]) in wanted:
                    _merge(found, alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            name = _absolute(node, package)
            for alias in node.names:
                if wanted is None or (alias.asname or alias.name) in wanted:
                    origin, used = _origin(name, alias.name, source, follow)
                    _merge(found, origin, None if used is None else {used})
    return found


#: Definitions a job runs besides its train function's imports: (module, name) pairs, such as
#: the class of the job's config, whose methods the training code calls.
Also = tuple[tuple[str, str], ...]


def _uses(module: str, source: Source, follow: bool, also: Also = ()) -> Uses:
    """``module`` (as a whole) and every ``rnnbook`` module it imports, transitively, with the
    names taken from each (repeated until no module takes a new name); ``also`` adds names."""
    uses: Uses = {module: None}
    for other, name in also:
        _merge(uses, other, {name})
    while True:
        before = {m: None if n is None else set(n) for m, n in uses.items()}
        for m in list(uses):
            if _locate(m, source) is not None:
                for other, names in _imports(m, source, follow, uses[m]).items():
                    _merge(uses, other, names)
        if uses == before:
            return {m: n for m, n in uses.items() if _locate(m, source) is not None}


def training_modules(
    module: str, source: Source | None = None, *, old_rule: bool = False
) -> tuple[str, ...]:
    """``module`` and every ``rnnbook`` module it imports, transitively, sorted.

    ``old_rule``: a name imported from a package counts the whole package (how the records made
    before 2026-12-06 were hashed; kept to confirm those records' hashes).
    """
    return tuple(sorted(_uses(module, functools.cache(source or tree_source()), not old_rule)))


def _is_config(module: str) -> bool:
    return module.rpartition(".")[2].startswith("config")


def _bound(statement: ast.stmt) -> set[str]:
    """The top-level names ``statement`` defines."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


@functools.lru_cache(maxsize=1024)
def _needed(text: bytes, names: frozenset[str]) -> tuple[list[ast.stmt], frozenset[str]]:
    """The statements of a config module that ``names`` need (their definitions and, transitively,
    the definitions these refer to, with every statement that defines no name; imports apart) and
    every name they refer to."""
    statements = [
        s
        for s in _without_docstrings(ast.parse(text)).body
        if not isinstance(s, ast.Import | ast.ImportFrom)
    ]
    defining: dict[str, list[ast.stmt]] = {}
    for s in statements:
        for name in _bound(s):
            defining.setdefault(name, []).append(s)
    kept = [s for s in statements if not _bound(s) or _bound(s) & names]
    referenced, todo = set(names), list(kept)
    while todo:
        refs = {n.id for n in ast.walk(todo.pop()) if isinstance(n, ast.Name)} - referenced
        referenced |= refs
        new = [s for r in refs for s in defining.get(r, []) if s not in kept]
        kept += new
        todo += new
    return [s for s in statements if s in kept], frozenset(referenced)


def _sliced(text: bytes, names: frozenset[str]) -> bytes:
    """The code of a config module that ``names`` need."""
    return ast.dump(ast.Module(body=_needed(text, names)[0], type_ignores=[])).encode()


def module_hash(
    module: str, source: Source | None = None, *, old_rule: bool = False, also: Also = ()
) -> str:
    """Short SHA-256 over the code of ``module`` and the modules it trains with.

    A config module (``config*.py``: it describes jobs, whose configs the config hash covers)
    counts only by the definitions the training code imports from it, so that a new job or
    profile leaves the records of the others as they are. ``old_rule``: the rule of the records
    made before 2026-12-06 (a name imported from a package counts the whole package, and a
    module counts by its bytes).
    """
    source = functools.cache(source or tree_source())  # each file read once per hash
    digest = hashlib.sha256()
    for m, names in sorted(_uses(module, source, not old_rule, () if old_rule else also).items()):
        text = _locate(m, source)[1]
        if old_rule:
            code = text
        elif names is not None and _is_config(m):
            code = _sliced(text, frozenset(names))
        else:
            code = _code_of(text)
        digest.update(m.encode() + b"\0" + code + b"\0")
    return digest.hexdigest()[:16]


def train_module(function: Callable) -> str:
    """The module that defines ``function`` (through ``functools.partial``)."""
    while isinstance(function, functools.partial):
        function = function.func
    return function.__module__


def config_names(config_type: type | None) -> Also:
    """``config_type`` (a job's config class) as an ``also`` pair; none for ``None``."""
    return () if config_type is None else ((config_type.__module__, config_type.__qualname__),)


def code_hash(function: Callable, also: Also = ()) -> str:
    """Short SHA-256 over the source of the modules ``function`` trains with (and ``also``)."""
    return module_hash(train_module(function), also=also)


def rehashed(
    stored: str, module: str, commit: str, repo: Path | None = None, also: Also = ()
) -> str | None:
    """The hash, under today's rule, of ``module`` at ``commit``; None unless ``stored`` is what
    today's rule or the old rule (a package counted whole) gives at that commit, so that only a
    hash the history confirms is carried over."""
    source = git_source(commit, repo)
    if _locate(module, source) is None:
        return None
    new = module_hash(module, source, also=also)
    if stored in (new, module_hash(module, source, old_rule=True)):
        return new
    return None
