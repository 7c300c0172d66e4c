"""The book's generated pages: each chapter's results section (verdicts, tables in the paper's
layout, computed findings), the verdict overview of the introduction and the table of recorded
runs, all written from ``results/`` and included by the hand-written pages of ``book/``.

``python -m rnnbook pages`` writes them (``make book`` does so before building); nothing here
trains or executes a notebook.
"""

from __future__ import annotations

from pathlib import Path

from rnnbook.experiments import CHAPTERS, all_experiments
from rnnbook.files import atomic_write_text
from rnnbook.results.verdicts import tally

#: Where the hand-written pages find the generated ones (``{include} generated/<name>.md``).
GENERATED = Path("book") / "generated"

PAPERS = {
    "pascanu2013": "Pascanu, Mikolov & Bengio 2013",
    "chung2014": "Chung, Gulcehre, Cho & Bengio 2014",
    "jozefowicz2015": "Jozefowicz, Zaremba & Sutskever 2015",
    "lipton2015": "Lipton, Berkowitz & Elkan 2015",
    "orvieto2023": "Orvieto et al. 2023",
}


def verdict_overview() -> str:
    """The introduction's table: per chapter, the tally of its computed verdicts, linked."""
    lines = ["| chapter | paper | verdicts of its claims |", "|---|---|---|"]
    for chapter in PAPERS:
        claims = CHAPTERS[chapter].chapter_claims()
        lines.append(
            f"| {{ref}}`{chapter}` | {PAPERS[chapter]} | "
            f"{{ref}}`{tally(claims)} <{chapter}-verdicts>` |"
        )
    return "\n".join(lines) + "\n"


def runs_overview() -> str:
    """Chapter x profile: runs recorded (failed, stale), core time, devices and commits."""
    lines = [
        "| chapter | profile | runs (failed, stale) | core-hours | devices | commits |",
        "|---|---|---|---|---|---|",
    ]
    by_key: dict[tuple[str, str], list] = {}
    for e in all_experiments():
        for r in e.recorded():
            by_key.setdefault((e.chapter, r.profile), []).append(r)
    for (chapter, profile), records in sorted(by_key.items()):
        if profile == "smoke":
            continue
        # members trained together share their job's wall time: count it once
        jobs = {(r.experiment, r.commit, r.wall_time_s) for r in records}
        failed = sum(r.status != "ok" for r in records)
        stale = sum(r.stale for r in records)
        devices = ", ".join(sorted({r.device for r in records if r.device}))
        commits = len({r.commit for r in records})
        lines.append(
            f"| {chapter} | `{profile}` | {len(records)} ({failed}, {stale}) | "
            f"{sum(t for _, _, t in jobs) / 3600:.1f} | {devices} | {commits} |"
        )
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """Every generated page, by file name."""
    out = {f"{c}.md": CHAPTERS[c].chapter_results() for c in PAPERS}
    out["verdicts.md"] = verdict_overview()
    out["runs.md"] = runs_overview()
    return out


def write_pages(root: Path) -> list[Path]:
    """Write every generated page under ``root / GENERATED``; return their paths."""
    folder = root / GENERATED
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in pages().items():
        paths.append(folder / name)
        atomic_write_text(paths[-1], text)
    return paths
