"""Convert the jupytext sources in ``notebooks/`` and execute them with papermill.

    python scripts/execute_notebooks.py --profile cpu [NAME ...]

Each ``notebooks/<name>.py`` (py:percent) becomes ``notebooks/<name>.ipynb``, executed from the
repository root with those of the papermill parameters ``profile`` and ``rerun`` (true when
``RERUN=1``) that it declares. A failing notebook is kept, with its error, for the book to show;
the script exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import papermill

from rnnbook.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]


def execute(name: str, profile: str, rerun: bool) -> float:
    source = ROOT / "notebooks" / f"{name}.py"
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
        cwd=str(ROOT),
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--profile", default="cpu", choices=PROFILES)
    args = parser.parse_args()
    names = args.names or sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
    rerun = os.environ.get("RERUN", "0") not in ("0", "", "false", "no")
    failed = []
    for name in names:
        if not (ROOT / "notebooks" / f"{name}.py").exists():
            print(f"error: no notebook notebooks/{name}.py", file=sys.stderr)
            return 2
        try:
            seconds = execute(name, args.profile, rerun)
            print(f"executed notebooks/{name}.ipynb [{args.profile}] in {seconds:.0f} s")
        except papermill.PapermillExecutionError as err:
            failed.append(name)
            print(
                f"FAILED notebooks/{name}.ipynb [{args.profile}]: {err.ename}: {err.evalue}",
                file=sys.stderr,
            )
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
