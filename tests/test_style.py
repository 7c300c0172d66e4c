"""The code is `ruff` clean (lint and format), as the contributing guide asks: checked here so
that CI, which runs only the tests, catches what a commit forgot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).parent / "ruff"


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "src", "tests", "scripts", "notebooks"]]
)
def test_ruff_passes(args):
    if not RUFF.exists():
        pytest.skip("ruff is not installed beside this Python (pip install -e '.[test]')")
    run = subprocess.run([str(RUFF), *args], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
