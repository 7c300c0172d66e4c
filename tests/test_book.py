"""Every notebook executes with papermill in the smoke profile and the book builds with -W."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_notebooks_execute_and_the_book_builds(shared_data, tmp_path):
    env = dict(os.environ, RNNBOOK_DATA=str(shared_data), RNNBOOK_PROGRESS="0")
    env.pop("RNNBOOK_RESULTS", None)
    run = subprocess.run(
        [sys.executable, "scripts/execute_notebooks.py", "--profile", "smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
    assert notebooks and all((ROOT / "notebooks" / f"{n}.ipynb").exists() for n in notebooks)
    for n in notebooks:  # no path of the build machine, no stray Path return value
        text = (ROOT / "notebooks" / f"{n}.ipynb").read_text()
        assert str(ROOT) not in text and "PosixPath(" not in text, n
        for cell in json.loads(text)["cells"]:  # no papermill cell, no code that fetches source
            tags = cell["metadata"].get("tags", [])
            if "injected-parameters" in tags:
                assert "remove-cell" in tags, n
            if "getsource" in "".join(cell["source"]):
                assert "remove-input" in tags, n

    pages = subprocess.run(
        [sys.executable, "-m", "rnnbook", "pages"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert pages.returncode == 0, pages.stderr
    build = subprocess.run(
        [
            str(BIN / "jupyter-book"),
            "build",
            ".",
            "-W",
            "-n",
            "--keep-going",
            "--path-output",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert build.returncode == 0, build.stdout[-5000:] + build.stderr[-5000:]
    html = (tmp_path / "_build" / "html" / "notebooks" / "chung2014.html").read_text()
    assert "Table 2, average NLL per frame (nats), profile smoke" in html
    assert "rnnbook-table" in html and "Traceback" not in html
    assert "Loaded " in html and "trained " in html  # where the notebook's numbers came from
    chapter = (tmp_path / "_build" / "html" / "book" / "chung2014.html").read_text()
    assert "Verdicts:" in chapter and "paper / ours" in chapter  # the generated section
    intro = (tmp_path / "_build" / "html" / "book" / "intro.html").read_text()
    assert "chung2014-verdicts" in intro
