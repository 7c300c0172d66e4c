"""Convert the jupytext sources in ``notebooks/`` and execute them with papermill.

    python scripts/execute_notebooks.py --profile cpu [--jobs N] [NAME ...]

Each ``notebooks/<name>.py`` (py:percent) becomes ``notebooks/<name>.ipynb``, executed from the
repository root with those of the papermill parameters ``profile`` and ``rerun`` (true when
``RERUN=1``) that it declares. A failing notebook is kept, with its error, for the book to show;
the script exits non-zero.

``--jobs N`` executes up to N notebooks at once (each notebook runs its own experiments, so none
waits for another). The default is one at a time: a notebook that trains records its wall time,
and a run that shares the CPU with another notebook would record a slower one. The tests, which
load the committed `smoke` records, use two.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jupytext
import nbformat
import papermill

from rnnbook.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]


def execute(name: str, profile: str, rerun: bool, root: Path = ROOT) -> float:
    """Execute ``root/notebooks/<name>.py`` as ``<name>.ipynb`` beside it; its seconds."""
    source = root / "notebooks" / f"{name}.py"
    target = source.with_suffix(".ipynb")
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, target)
    declared = papermill.inspect_notebook(target)  # a notebook that trains nothing has no rerun
    parameters = {k: v for k, v in {"profile": profile, "rerun": rerun}.items() if k in declared}
    started = time.perf_counter()
    papermill.execute_notebook(
        target,
        target,
        parameters=parameters,
        cwd=str(root),
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(target, as_version=4)
    for key in ("input_path", "output_path"):  # paths of the build machine, never shown
        executed.metadata.get("papermill", {}).pop(key, None)
    for cell in executed.cells:  # papermill's injected parameters stay out of the page
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(executed, target)
    return time.perf_counter() - started


def execute_or_fail(
    name: str, profile: str, rerun: bool, root: Path = ROOT
) -> tuple[str, float, str]:
    """:func:`execute`, with a notebook's error returned as text instead of raised (papermill's
    error does not cross a process boundary intact): (name, seconds, error or "")."""
    started = time.perf_counter()
    try:
        return name, execute(name, profile, rerun, root), ""
    except papermill.PapermillExecutionError as err:
        return name, time.perf_counter() - started, f"{err.ename}: {err.evalue}"


def execute_all(
    names: list[str], profile: str, rerun: bool, jobs: int, root: Path = ROOT
) -> list[str]:
    """Execute ``names``, up to ``jobs`` at once, reporting each as it ends; the names failed."""
    if jobs == 1:
        outcomes = (execute_or_fail(n, profile, rerun, root) for n in names)
        return _report(outcomes, profile)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(execute_or_fail, n, profile, rerun, root) for n in names]
        return _report((f.result() for f in as_completed(futures)), profile)


def _report(outcomes, profile: str) -> list[str]:
    failed = []
    for name, seconds, error in outcomes:
        if error:
            failed.append(name)
            print(f"FAILED notebooks/{name}.ipynb [{profile}]: {error}", file=sys.stderr)
        else:
            print(f"executed notebooks/{name}.ipynb [{profile}] in {seconds:.0f} s", flush=True)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--profile", default="cpu", choices=PROFILES)
    parser.add_argument(
        "--jobs", type=int, default=1, help="notebooks executed at once (default: 1)"
    )
    args = parser.parse_args()
    if args.jobs < 1:
        print(f"error: --jobs {args.jobs}: give 1 or more notebooks at once", file=sys.stderr)
        return 2
    names = args.names or sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
    for name in names:
        if not (ROOT / "notebooks" / f"{name}.py").exists():
            print(f"error: no notebook notebooks/{name}.py", file=sys.stderr)
            return 2
    rerun = os.environ.get("RERUN", "0") not in ("0", "", "false", "no")
    failed = execute_all(names, args.profile, rerun, min(args.jobs, len(names)))
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
