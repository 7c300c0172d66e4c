"""Paper-vs-ours tables: the paper's number, ours (mean, spread, n), and where ours came from."""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from rnnbook.results.records import CONFIGURED, RunRecord


@dataclass
class TableRow:
    """One cell of a paper's table, reproduced. ``ours_std`` is the sample std over seeds."""

    chapter: str
    experiment: str
    dataset: str
    model: str
    metric: str
    split: str
    paper: float | None
    ours_mean: float | None
    ours_std: float | None
    n: int
    profile: str
    device: str
    commit: str
    stale: bool
    failed: int = 0
    wall_time_s: float | None = None
    code_changed: bool = False
    configured: bool = True  # False: the profile has no run for this cell ("–", not "not run")

    @property
    def diff(self) -> float | None:
        """``ours - paper``."""
        if self.paper is None or self.ours_mean is None:
            return None
        return self.ours_mean - self.paper

    @property
    def rel_diff(self) -> float | None:
        """``(ours - paper) / |paper|``."""
        d = self.diff
        return None if d is None or self.paper == 0 else d / abs(self.paper)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["diff"], out["rel_diff"] = self.diff, self.rel_diff
        return out


def _join(values: Iterable[str], wrap: str = "") -> str:
    """The distinct values, sorted, each in ``wrap``; a value that is itself a join (a row's
    devices) counts by its parts, so that no part is said twice."""
    parts = {part for v in values if v for part in v.split(", ")}
    return ", ".join(f"{wrap}{part}{wrap}" for part in sorted(parts))


def summarize(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (``None`` when undefined) of the finite values."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None, None
    std = statistics.stdev(finite) if len(finite) > 1 else None
    return statistics.fmean(finite), std


def paper_vs_ours(
    records: Sequence[RunRecord],
    paper: dict[tuple[str, str, str], float],
    *,
    metric: str,
    splits: Sequence[str],
    dataset_of: Callable[[RunRecord], str] = lambda r: r.config["dataset"],
    model_of: Callable[[RunRecord], str] = lambda r: r.config["model"],
    chapter: str | None = None,
    experiment: str | None = None,
) -> list[TableRow]:
    """Rows for every (dataset, model, split) that the paper or our records have, per profile.

    ``paper`` maps (dataset, model, split) to the paper's value; each record's
    ``metrics[f"{split}_{metric}"]`` holds ours. Failed (diverged) runs are counted, not averaged.
    """
    groups: dict[tuple[str, str, str], list[RunRecord]] = {}
    for r in records:
        groups.setdefault((r.profile, dataset_of(r), model_of(r)), []).append(r)
    keys = {(ds, m) for ds, m, _ in paper} | {(ds, m) for _, ds, m in groups}
    profiles = sorted({p for p, _, _ in groups}) or ["-"]
    rows = []
    for profile in profiles:
        for ds, m in sorted(keys):
            group = groups.get((profile, ds, m), [])
            ok = [r for r in group if r.status == "ok"]
            failed = sum(r.status not in ("ok", CONFIGURED) for r in group)
            for split in splits:
                if (ds, m, split) not in paper and not group:
                    continue
                mean, std = summarize([r.metrics.get(f"{split}_{metric}") for r in ok])
                rows.append(
                    TableRow(
                        chapter=chapter or (group[0].chapter if group else ""),
                        experiment=experiment or (group[0].experiment if group else ""),
                        dataset=ds,
                        model=m,
                        metric=metric,
                        split=split,
                        paper=paper.get((ds, m, split)),
                        ours_mean=mean,
                        ours_std=std,
                        n=len(ok),
                        profile=profile if group else "-",
                        device=_join(r.device for r in group),
                        commit=_join(r.commit for r in group),
                        stale=any(r.stale for r in group),
                        code_changed=any(r.code_changed for r in group),
                        failed=failed,
                        wall_time_s=max((r.wall_time_s for r in group), default=None),
                    )
                )
    return rows


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ours(row: TableRow, digits: int) -> str:
    if row.ours_mean is None:
        if row.failed:
            return f"failed ({row.failed})"
        return "not run" if row.configured else "–"
    spread = f" ± {row.ours_std:.{digits}f}" if row.ours_std is not None else ""
    failed = f", {row.failed} diverged" if row.failed else ""
    return f"{row.ours_mean:.{digits}f}{spread} (n = {row.n}{failed})"


class Table:
    """A list of :class:`TableRow` that renders in a notebook (HTML) and as Markdown."""

    columns = (
        "dataset",
        "model",
        "split",
        "paper",
        "ours",
        "diff",
        "profile",
        "device",
        "time",
        "commit",
    )

    def __init__(self, rows: Sequence[TableRow], title: str = "", digits: int = 2) -> None:
        self.rows, self.title, self.digits = list(rows), title, digits

    def cells(self, row: TableRow) -> list[str]:
        rel = f" ({100 * row.rel_diff:+.0f}%)" if row.rel_diff is not None else ""
        diff = _fmt(row.diff, self.digits) + rel if row.diff is not None else "–"
        time = f"{row.wall_time_s / 60:.1f} min" if row.wall_time_s else "–"
        commit = row.commit
        marks = (" **stale**" if row.stale else "") + (
            " **code changed**" if row.code_changed else ""
        )
        return [
            row.dataset,
            row.model,
            row.split,
            _fmt(row.paper, self.digits),
            _ours(row, self.digits) + marks,
            diff,
            row.profile,
            row.device,
            time,
            commit,
        ]

    #: Columns said once under the table when every row has the same value.
    shared_columns = ("split", "profile", "device", "commit")

    def layout(self) -> tuple[list[str], list[list[str]], str]:
        """The columns shown, their cells and the provenance line: a column with no paper value
        in any row is dropped (paper and diff), one with the same value in every row (profile,
        device, commit) is said once in the provenance instead."""
        cells = [self.cells(r) for r in self.rows]
        ran = [c for c, r in zip(cells, self.rows) if r.n or r.failed]  # rows only the paper has
        keep, said = [], []  # say nothing of where ours came from
        for k, name in enumerate(self.columns):
            values = {c[k] for c in cells}
            if name in ("paper", "diff") and values <= {"–"}:
                continue
            ours = {c[k] for c in ran}
            if name in self.shared_columns and len(ours) == 1:
                said.append(f"{name} {next(iter(ours))}")
                continue
            keep.append(k)
        columns = [self.columns[k] for k in keep]
        return columns, [[c[k] for k in keep] for c in cells], "; ".join(said)

    def to_markdown(self) -> str:
        columns, cells, said = self.layout()
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(c) + " |" for c in cells]
        title = "**" + self.title + "**\n\n" if self.title else ""
        return title + "\n".join(lines) + (f"\n\nOurs: {said}." if said else "")

    def _repr_html_(self) -> str:
        columns, cells, said = self.layout()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = []
        for r, row in zip(self.rows, cells):
            style = ' style="background:#fff3cd"' if r.stale else ""
            tds = "".join(
                "<td>"
                + html.escape(c)
                .replace("**stale**", "<b>stale</b>")
                .replace("**code changed**", "<b>code changed</b>")
                + "</td>"
                for c in row
            )
            body.append(f"<tr{style}>{tds}</tr>")
        caption = " ".join(x for x in (self.title, f"Ours: {said}." if said else "") if x)
        caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        return (
            f'<table class="rnnbook-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def to_dicts(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rows]


def settings_markdown(rows: Sequence[dict[str, Any]], collapsed: bool = True) -> str:
    """The settings of a list of jobs as Markdown: those every job shares as a two-column table
    (setting, value), the ones that vary as a table with one row per job (a key missing from a
    job shows as an empty cell); ``collapsed`` folds both into a dropdown on the page."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    varying = [k for k in keys if len({str(r.get(k)) for r in rows}) > 1]
    shared = [f"| `{k}` | `{rows[0].get(k)}` |" for k in keys if k not in varying]
    parts = []
    if shared:
        parts.append("\n".join(["| setting | value |", "|---|---|", *shared]))
    if varying:
        head = "| " + " | ".join(varying) + " |\n|" + "---|" * len(varying)
        body = ["| " + " | ".join(str(r.get(k, "")) for k in varying) + " |" for r in rows]
        parts.append("\n".join([f"Varying across the {len(rows)} jobs:", "", head, *body]))
    text = "\n\n".join(parts)
    return dropdown(f"Settings ({len(rows)} jobs)", text) if collapsed else text


def dropdown(title: str, body: str) -> str:
    """A collapsed block on a page (a sphinx-book-theme dropdown admonition)."""
    return f"::::{{admonition}} {title}\n:class: dropdown\n\n{body}\n::::\n"


def grid_cell(row: TableRow | None, digits: int = 2) -> str:
    """``paper / ours ± SD (n)`` for one cell of a paper-layout grid (``–`` where one is absent)."""
    if row is None:
        return "–"
    ours = _ours(row, digits)
    ours += " **stale**" if row.stale else ""
    ours += " **code changed**" if row.code_changed else ""
    return ours if row.paper is None else f"{_fmt(row.paper, digits)} / {ours}"


def provenance(rows: Sequence[TableRow]) -> str:
    """Where the ``ours`` of a table came from, said once: profiles, devices, commits, wall time."""
    run = [r for r in rows if r.n or r.failed]
    if not run:
        return "Ours: not recorded yet."
    longest = max((r.wall_time_s or 0.0) for r in run)
    parts = [
        f"profile {_join((r.profile for r in run), '`')}",
        f"device {_join(r.device for r in run)}",
        f"commit {_join((r.commit for r in run), '`')}",
        f"longest job {longest / 60:.1f} min",
    ]
    return "Ours: " + "; ".join(parts) + "."


def grid_markdown(
    rows: Sequence[TableRow],
    *,
    row_of: Callable[[TableRow], str],
    col_of: Callable[[TableRow], str],
    row_order: Sequence[str] | None = None,
    col_order: Sequence[str] | None = None,
    corner: str = "",
    digits: int = 2,
    title: str = "",
) -> str:
    """A paper-layout table: one row per ``row_of``, one column per ``col_of``, each cell
    ``paper / ours ± SD (n)``; provenance once, under the table."""
    cells = {(row_of(r), col_of(r)): r for r in rows}
    row_names = list(row_order or dict.fromkeys(k for k, _ in cells))
    col_names = list(col_order or dict.fromkeys(c for _, c in cells))
    lines = [
        "| " + " | ".join([corner, *col_names]) + " |",
        "|" + "---|" * (len(col_names) + 1),
    ]
    for name in row_names:
        values = [grid_cell(cells.get((name, c)), digits) for c in col_names]
        lines.append("| " + " | ".join([name, *values]) + " |")
    head = f"**{title}**\n\n" if title else ""
    outside = " –: not part of this profile." if not all(r.configured for r in rows) else ""
    return head + "\n".join(lines) + "\n\n" + provenance(rows) + outside


#: A table cell: (profile, dataset, model).
Cell = tuple[str, str, str]


def configured_cells(rows: Iterable[TableRow]) -> set[Cell]:
    """The cells that ``rows`` have runs for, recorded or not: feed a table function the
    placeholders of every configured run (``Experiment.placeholders``) and pass the result to
    :func:`outside_profile`."""
    return {(r.profile, r.dataset, r.model) for r in rows if r.profile != "-"}


def configured_cells_of(
    rows_of: Callable[[Sequence[RunRecord]], Sequence[TableRow]],
    placeholders: Sequence[RunRecord] | None,
) -> set[Cell] | None:
    """:func:`configured_cells` of the rows that ``rows_of`` makes from ``placeholders``; ``None``
    (not known) without placeholders."""
    return None if placeholders is None else configured_cells(rows_of(placeholders))


def outside_profile(
    rows: Sequence[TableRow], profile: str, configured: Collection[Cell] | None
) -> list[TableRow]:
    """``rows`` with each cell that only the paper has, and that ``profile`` has no run for,
    marked as outside the profile (shown "–" rather than "not run"); unchanged when
    ``configured`` is ``None`` (not known)."""
    if configured is None:
        return list(rows)
    return [
        replace(r, configured=False)
        if r.profile == "-" and (profile, r.dataset, r.model) not in configured
        else r
        for r in rows
    ]


def profile_grids(
    rows: Sequence[TableRow],
    title: str,
    *,
    transpose: bool = False,
    digits: int = 2,
    corner: str = "paper / ours",
    configured: Collection[Cell] | None = None,
) -> str:
    """One paper-layout grid per recorded profile, strongest first (``smoke`` left out): models
    as rows and data sets as columns (``transpose`` swaps them). With ``configured``
    (:func:`configured_cells`), a cell that a profile has no run for shows "–", not "not run"."""
    from rnnbook.profiles import PROFILES

    row_of, col_of = (lambda r: r.model), (lambda r: r.dataset)
    if transpose:
        row_of, col_of = col_of, row_of
    out = []
    for profile in reversed(PROFILES[1:]):
        ours = [r for r in rows if r.profile == profile]
        if not ours:
            continue
        mine = {(r.dataset, r.model) for r in ours}
        paper_only = [r for r in rows if r.profile == "-" and (r.dataset, r.model) not in mine]
        grid = grid_markdown(
            [*ours, *outside_profile(paper_only, profile, configured)],
            row_of=row_of,
            col_of=col_of,
            row_order=list(dict.fromkeys(row_of(r) for r in rows)),
            col_order=list(dict.fromkeys(col_of(r) for r in rows)),
            corner=corner,
            digits=digits,
        )
        out.append(f"**{title}, profile `{profile}`**\n\n{grid}\n")
    return "\n".join(out) or f"**{title}**: not recorded yet.\n"


def core_hours(records: Sequence[RunRecord]) -> float:
    """Hours of one core that ``records`` cost: the members trained together in one job share
    its wall time (and a record shared by two experiments is the same run), so each job's time
    (one commit, one wall time) counts once."""
    return sum(t for _, t in {(r.commit, r.wall_time_s or 0.0) for r in records}) / 3600
