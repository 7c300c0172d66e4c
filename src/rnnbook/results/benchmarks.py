"""Recorded benchmark runs: the JSON files that the scripts in ``benchmarks/`` write.

Each file holds one run on one device (its name, date, torch version and commit) and numbers that
are ratios to a reference timed in the same run. This module reads them and states, for every
target of the performance page (the book's performance page), whether a recorded run meets it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnbook.results.records import repo_root

#: The script that writes each kind of record, by file-name prefix.
KINDS = {
    "copy": "bandwidth.py",
    "scan": "scan.py",
    "cells": "cells.py",
    "batched_training": "batched_training.py",
}

#: The issue's targets: scan forward+backward at >= 60% of the copy bandwidth at the long sizes
#: and >= 20x the Python loop at length 16K; LSTM-family cells within 1.5x of cuDNN; 16 runs
#: batched in at most 2x the time of one.
SCAN_MIN_PCT_OF_COPY = 60.0
SCAN_MIN_SPEEDUP_16K = 20.0
CELLS_MAX_RATIO = 1.5
BATCHED_MAX_RATIO_16 = 2.0


def benchmark_dir() -> Path:
    """Where the benchmark scripts' JSON is committed: ``benchmarks/results/``."""
    return repo_root() / "benchmarks" / "results"


def kind_of(path: Path) -> str | None:
    """The benchmark a JSON file belongs to, from its name (``scan-h100.json`` -> ``scan``)."""
    for kind in sorted(KINDS, key=len, reverse=True):
        if path.stem.startswith(kind):
            return kind
    return None


def load_benchmarks(directory: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every recorded run per kind, each with its file name under ``"file"``."""
    directory = directory or benchmark_dir()
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        kind = kind_of(path)
        if kind is not None:
            out[kind].append({**json.loads(path.read_text()), "file": path.name})
    return out


def provenance(run: dict[str, Any]) -> str:
    """One line: device, date, torch version and commit of a recorded run."""
    return (
        f"{run.get('device', '?')}, {str(run.get('date', '?'))[:10]}, torch "
        f"{run.get('torch', '?')}, commit `{run.get('commit', '?')}` ({run['file']})"
    )


def _length(size: str) -> int:
    """The sequence length of a scan size written ``BxLxN`` plus ``c`` or ``r``."""
    return int(size.rstrip("cr").split("x")[1])


def _fmt(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def _ms(x: float | None) -> str:
    """Milliseconds: three significant digits, whole numbers from 100 on (1,532, not 1.53e+03)."""
    return "–" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def scan_table(run: dict[str, Any]) -> str:
    """The diagonal scan run as Markdown: per size and implementation, milliseconds, % of the
    copy bandwidth and speed-up over the loop, forward and forward+backward."""
    lines = [
        "| size | implementation | fwd ms | fwd+bwd ms | fwd+bwd % of copy | fwd+bwd × loop |",
        "|---|---|---|---|---|---|",
    ]
    for row in run["rows"]:
        if "skipped" in row:
            lines.append(f"| {row['size']} | {row['impl']} | skipped: {row['skipped']} | | | |")
            continue
        lines.append(
            f"| {row['size']} | {row['impl']} | {_ms(row['fwd_ms'])} | "
            f"{_ms(row['fwd_bwd_ms'])} | {_fmt(row['fwd_bwd_pct_of_copy'], '.1f')} | "
            f"{_fmt(row['fwd_bwd_speedup_vs_loop'], '.1f')} |"
        )
    return "\n".join(lines)


def cells_table(run: dict[str, Any]) -> str:
    """The cells run as Markdown: milliseconds per training step and ratio to nn.LSTM/nn.GRU."""
    lines = ["| cell | implementation | ms per step | × reference |", "|---|---|---|---|"]
    for row in run["rows"]:
        if "skipped" in row:
            lines.append(f"| {row['kind']} | {row['impl']} | skipped: {row['skipped']} | |")
            continue
        lines.append(
            f"| {row['kind']} | {row['impl']} | {_ms(row['ms'])} | "
            f"{row['ratio_to_reference']:.2f} |"
        )
    return "\n".join(lines)


def batched_table(run: dict[str, Any]) -> str:
    """The batched-training run as Markdown: seconds per update against the number of members
    stacked in one model, and the ratio to one member."""
    per = {int(k): v for k, v in run["seconds_per_update_by_members"].items()}
    one = per.get(1)
    lines = ["| members stacked | ms per update | × one member |", "|---|---|---|"]
    for m in sorted(per):
        ratio = per[m] / one if one else None
        lines.append(f"| {m} | {_ms(per[m] * 1e3)} | {_fmt(ratio, '.2f')} |")
    return "\n".join(lines)


def target_checks(runs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each target against the recorded GPU runs: ``{"target", "measured", "met", "run"}``, with
    ``met`` None where no GPU run measures it. The targets are GPU targets: CPU runs are shown in
    the tables but judged against none."""
    checks: list[dict[str, Any]] = []
    runs = {k: [r for r in v if r.get("device_type") == "cuda"] for k, v in runs.items()}

    def add(target: str, measured: str | None, met: bool | None, run: dict | None) -> None:
        checks.append(
            {"target": target, "measured": measured, "met": met, "run": run and run["file"]}
        )

    for run in runs.get("scan", []):
        best: dict[int, dict] = {}
        for row in run["rows"]:
            if "skipped" in row or row["impl"] == "loop":
                continue
            length = _length(row["size"])
            if length not in best or row["fwd_bwd_ms"] < best[length]["fwd_bwd_ms"]:
                best[length] = row
        for length, row in sorted(best.items()):
            if length >= 16384:
                pct = row["fwd_bwd_pct_of_copy"]
                add(
                    f"scan fwd+bwd ≥ {SCAN_MIN_PCT_OF_COPY:.0f}% of copy bandwidth, "
                    f"length {length}",
                    f"{pct:.1f}% ({row['impl']}, {row['size']})",
                    pct >= SCAN_MIN_PCT_OF_COPY,
                    run,
                )
            if length == 16384:
                x = row["fwd_bwd_speedup_vs_loop"]
                add(
                    f"scan fwd+bwd ≥ {SCAN_MIN_SPEEDUP_16K:.0f}× the loop, length 16384",
                    f"{x:.1f}× ({row['impl']})",
                    x >= SCAN_MIN_SPEEDUP_16K,
                    run,
                )
    for run in runs.get("cells", []):
        for row in run["rows"]:
            if "skipped" in row or not row["impl"].startswith("rnnbook"):
                continue
            r = row["ratio_to_reference"]
            add(
                f"{row['impl']} within {CELLS_MAX_RATIO}× of the reference, "
                f"batch {run['batch']}, length {run['length']}, hidden {run['hidden']}",
                f"{r:.2f}×",
                r <= CELLS_MAX_RATIO,
                run,
            )
    for run in runs.get("batched_training", []):
        per = {int(k): v for k, v in run["seconds_per_update_by_members"].items()}
        many = [m for m in per if m >= 15]
        if 1 in per and many:
            m = min(many)
            r = per[m] / per[1]
            add(
                f"{m} runs batched in ≤ {BATCHED_MAX_RATIO_16:.0f}× the time of one",
                f"{r:.2f}×",
                r <= BATCHED_MAX_RATIO_16,
                run,
            )
    if not any(c["target"].startswith("scan") for c in checks):
        add(
            "scan fwd+bwd at lengths of 16384 and more (% of copy bandwidth, × loop)",
            None,
            None,
            None,
        )
    if not any(c["target"].startswith("rnnbook") for c in checks):
        add("rnnbook's LSTM and GRU cells against nn.LSTM/nn.GRU", None, None, None)
    if not any(c["target"][0].isdigit() for c in checks):
        add("16 runs batched against one", None, None, None)
    return checks


def targets_markdown(checks: Sequence[dict[str, Any]]) -> str:
    """The target checks as a Markdown table."""
    mark = {True: "met", False: "not met", None: "not measured"}
    lines = ["| target | measured | verdict | run |", "|---|---|---|---|"]
    for c in checks:
        lines.append(
            f"| {c['target']} | {c['measured'] or '–'} | {mark[c['met']]} | {c['run'] or '–'} |"
        )
    return "\n".join(lines)
