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
        # two at a time: they load the committed smoke records, so no wall time is recorded
        [sys.executable, "scripts/execute_notebooks.py", "--profile", "smoke", "--jobs", "2"],
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


def test_notebooks_run_two_at_a_time_and_a_failure_is_named(tmp_path, monkeypatch, capsys):
    """`--jobs 2` runs notebooks in processes of their own: each ends executed or, with its
    error, named; the other is not held back by it."""
    import nbformat

    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import execute_notebooks

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "ok.py").write_text("# %%\nprint(6 * 7)\n")
    (tmp_path / "notebooks" / "bad.py").write_text("# %%\nraise ValueError('bad on purpose')\n")
    failed = execute_notebooks.execute_all(["bad", "ok"], "smoke", False, jobs=2, root=tmp_path)
    assert failed == ["bad"]
    output = capsys.readouterr()
    assert "FAILED notebooks/bad.ipynb [smoke]: ValueError: bad on purpose" in output.err
    assert "executed notebooks/ok.ipynb [smoke]" in output.out
    ok = nbformat.read(tmp_path / "notebooks" / "ok.ipynb", as_version=4)
    assert ok.cells[0].outputs[0]["text"] == "42\n"


def test_the_notebook_script_refuses_bad_arguments_before_running_anything():
    for args, said in ((["--jobs", "0"], "--jobs 0: give 1 or more"), (["nope"], "notebooks/nope")):
        run = subprocess.run(
            [sys.executable, "scripts/execute_notebooks.py", "--profile", "smoke", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 2 and said in run.stderr
