"""The command line: the same functions the notebooks call.

    python -m rnnbook list
    python -m rnnbook run chung2014 --profile full [--only jsb-gru] [--time-budget 540]
    python -m rnnbook run chung2014 --profile full --engine ray [--address host:6379]
    python -m rnnbook results chung2014 --json
    python -m rnnbook backlog long pascanu2013 jozefowicz2015 --cores 2 --until 21:50
    python -m rnnbook merge /path/to/other/results [--dry-run]
    python -m rnnbook probe comparison.grid temporal_order-lstm --profile long --set updates=10000

Exit status: 0 when everything asked for is recorded; 3 when a job paused at its time budget
(run the same command again to resume it); 2 on any error, in one line ``error: ...`` (a bad name
or value, missing or corrupt data, a failed job, listed by name after the others are recorded).
``RNNBOOK_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from rnnbook.profiles import DEFAULT_PROFILE, PROFILES, check_profile

#: Exit status of a run that paused at its time budget: run it again to resume.
EXIT_PAUSED = 3
#: Exit status of every error.
EXIT_ERROR = 2

ROW_FIELDS = (
    "chapter",
    "experiment",
    "dataset",
    "model",
    "metric",
    "split",
    "paper",
    "ours_mean",
    "ours_std",
    "n",
    "profile",
    "device",
    "commit",
    "stale",
    "code_changed",
)


def _list(args: argparse.Namespace) -> int:
    from rnnbook.experiments import all_experiments

    if args.to_run:
        return _to_run(args.to_run, args.name)
    for e in all_experiments():
        print(f"{e.id:32s} {e.title}")
    return 0


def _to_run(profile: str, name: str | None) -> int:
    from rnnbook.experiments.plan import jobs_to_run

    jobs = jobs_to_run(check_profile(profile), name)
    for j in jobs:
        minutes = f"~{j.minutes:.0f} min" if j.minutes is not None else "not yet timed"
        print(f"{j.experiment:32s} {j.key:36s} {j.why:14s} {minutes}")
    timed = [j.minutes for j in jobs if j.minutes is not None]
    untimed = f" and {len(jobs) - len(timed)} not yet timed" if len(timed) < len(jobs) else ""
    print(f"{len(jobs)} jobs to run at `{profile}`: ~{sum(timed) / 60:.1f} core-hours{untimed}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from rnnbook.experiments import chapter_of, get_experiments
    from rnnbook.experiments.runner import check_only, run_each

    check_profile(args.profile)
    if args.only:  # checked against every job of the chapter before anything trains
        check_only(chapter_of(args.experiment), args.profile, args.only)
    paused = []
    for e, records in run_each(
        get_experiments(args.experiment),
        args.profile,
        only=args.only,
        rerun=args.rerun or None,
        rerun_changed=args.rerun_changed,
        progress=False if args.no_progress else None,
        time_budget_s=args.time_budget,
        engine=args.engine,
        address=args.address,
    ):
        paused += records.paused
        print(f"{e.id} [{args.profile}]: {len(records)} runs recorded")
        print(e.table(records).to_markdown())
    if paused:
        print(f"paused: {', '.join(paused)}; run the same command again to resume", file=sys.stderr)
        return EXIT_PAUSED
    return 0


def _probe(args: argparse.Namespace) -> int:
    import tempfile

    from rnnbook.experiments.probe import describe, parse_settings, probe

    (experiment,) = _one_experiment(args.experiment)
    settings = parse_settings(args.set or ())
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="rnnbook-probe-"))
    records = probe(
        experiment,
        check_profile(args.profile),
        args.job,
        settings,
        out,
        progress=False if args.no_progress else None,
    )
    print(describe(records))
    print(f"records in {out}")
    return 0


def _backlog(args: argparse.Namespace) -> int:
    import time

    from rnnbook.experiments.backlog import backlog, simulate, trained_elsewhere, work_through

    profile = check_profile(args.profile)
    queue = backlog(profile, args.names)
    deadline = _deadline(args.until, args.hours)
    seconds = math.inf if deadline is None else deadline - time.time()
    busy = [j for j in queue if trained_elsewhere(j)]
    rest = [j for j in queue if j not in busy]
    plan = simulate(rest, args.cores, seconds, untimed=args.untimed, busy=busy)
    until = (
        "" if deadline is None else time.strftime(" until %Y-%m-%d %H:%M", time.localtime(deadline))
    )
    print(f"{len(queue)} jobs left at `{profile}`; by the estimates,{until}, {len(plan)} start:")
    for j in busy:
        print(f"  (now)      {j.experiment} {j.key} (trained by another process)")
    for s in plan:
        minutes = f"~{s.job.minutes:.0f} min" if s.job.minutes is not None else "untimed"
        print(f"  +{s.at / 60:5.0f} min  {s.job.experiment} {s.job.key} ({s.job.why}, {minutes})")
    if args.dry_run:
        return 0
    done = work_through(queue, profile, cores=args.cores, deadline=deadline, untimed=args.untimed)
    failed = [k for k, rc in done.items() if rc not in (0, EXIT_PAUSED)]
    if failed:
        raise RuntimeError(f"jobs failed: {', '.join(failed)} (their output is above)")
    return EXIT_PAUSED if EXIT_PAUSED in done.values() else 0


def _deadline(until: str | None, hours: float | None) -> float | None:
    """``--until HH:MM`` (its next occurrence: tomorrow once it has passed today) or ``--hours
    H`` as a time.time() value; ``None``: neither."""
    import time
    from datetime import datetime, timedelta

    if hours is not None:
        return time.time() + hours * 3600
    if until is None:
        return None
    try:
        hh, mm = (int(x) for x in until.split(":"))
        at = datetime.now().replace(hour=hh, minute=mm, second=0, microsecond=0)
    except ValueError:
        raise ValueError(f"--until {until!r} is not a time of day like 21:50") from None
    if at.timestamp() <= time.time():
        at += timedelta(days=1)
    return at.timestamp()


def _merge(args: argparse.Namespace) -> int:
    from rnnbook.experiments.merge import merge_records

    report = merge_records(Path(args.source), replace=args.replace, dry_run=args.dry_run)
    print(("would merge: " if args.dry_run else "") + report.summary())
    return 0


def _one_experiment(name: str):
    from rnnbook.experiments import get_experiments

    experiments = get_experiments(name)
    if len(experiments) != 1:
        ids = ", ".join(e.id for e in experiments)
        raise ValueError(f"probe {name!r}: name one experiment, e.g. one of {ids}")
    return experiments


def _results(args: argparse.Namespace) -> int:
    from rnnbook.experiments import all_experiments, get_experiments

    if args.profile:
        check_profile(args.profile)
    experiments = get_experiments(args.chapter) if args.chapter else all_experiments()
    rows = []
    for e in experiments:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            records = e.recorded(args.profile)
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
        table = e.table(records)
        if args.json:
            rows += [{k: d[k] for k in ROW_FIELDS} | {"diff": d["diff"]} for d in table.to_dicts()]
        else:
            print(f"## {e.id}: {e.title}\n\n{table.to_markdown()}\n")
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        print()
    return 0


def _pages(args: argparse.Namespace) -> int:
    from rnnbook.experiments.pages import write_pages
    from rnnbook.results import repo_root

    for path in write_pages(Path(args.root) if args.root else repo_root()):
        print(path)
    return 0


def _positive(unit: str) -> Callable[[str], float]:
    """An argparse type: a positive, finite number of ``unit``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of {unit}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rnnbook",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="list the experiments, or the jobs a profile has to run")
    ls.add_argument("name", nargs="?", help="with --to-run: a chapter or chapter.experiment")
    ls.add_argument(
        "--to-run",
        metavar="PROFILE",
        help="the jobs of PROFILE not recorded, stale or code changed, with estimated times",
    )
    ls.set_defaults(func=_list)
    run = sub.add_parser("run", help="run (or load) an experiment or a whole chapter")
    run.add_argument("experiment", help="a chapter (chung2014) or chapter.experiment")
    run.add_argument("--profile", default=DEFAULT_PROFILE, help=f"one of {', '.join(PROFILES)}")
    run.add_argument(
        "--rerun",
        action="store_true",
        help="retrain even what is recorded, from scratch (old checkpoints are removed)",
    )
    run.add_argument(
        "--rerun-changed",
        action="store_true",
        help="retrain the runs recorded by other code than today's (a paused retrain resumes)",
    )
    run.add_argument("--only", nargs="+", metavar="JOB", help="only these jobs (e.g. jsb-gru)")
    run.add_argument(
        "--time-budget",
        type=_positive("seconds"),
        metavar="SECONDS",
        help="pause after the epoch that passes this time; run again to resume",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="where jobs train: local processes (default) or a Ray cluster",
    )
    run.add_argument(
        "--address", help="the Ray cluster's address (default: $RAY_ADDRESS, else auto)"
    )
    run.set_defaults(func=_run)
    bl = sub.add_parser(
        "backlog", help="train what a profile has left, a few jobs at a time, until a deadline"
    )
    bl.add_argument("profile", help=f"one of {', '.join(PROFILES)}")
    bl.add_argument("names", nargs="*", help="chapters or chapter.experiments, in order")
    bl.add_argument("--cores", type=int, default=1, help="jobs at a time (default 1)")
    when = bl.add_mutually_exclusive_group()
    when.add_argument("--until", metavar="HH:MM", help="start no job that would end after")
    when.add_argument("--hours", type=_positive("hours"), help="the same, in hours from now")
    bl.add_argument("--untimed", action="store_true", help="start jobs with no estimate too")
    bl.add_argument("--dry-run", action="store_true", help="print the plan, train nothing")
    bl.set_defaults(func=_backlog)
    mg = sub.add_parser("merge", help="bring records trained elsewhere into results/, checked")
    mg.add_argument("source", help="a folder laid out as results/ (e.g. a GPU run's $OUT)")
    mg.add_argument("--replace", action="store_true", help="theirs wins where both are current")
    mg.add_argument("--dry-run", action="store_true", help="report, write nothing")
    mg.set_defaults(func=_merge)
    pro = sub.add_parser(
        "probe", help="train one job with settings changed, outside the records (what-if)"
    )
    pro.add_argument("experiment", help="chapter.experiment (e.g. comparison.grid)")
    pro.add_argument("job", help="the job's key (e.g. temporal_order-lstm)")
    pro.add_argument("--profile", default=DEFAULT_PROFILE, help=f"one of {', '.join(PROFILES)}")
    pro.add_argument(
        "--set",
        nargs="+",
        metavar="NAME=VALUE",
        help="settings of the job's config to change (updates=10000 lrs=0.002 seeds=0,1)",
    )
    pro.add_argument("--out", help="where its records and checkpoints go (default: a new temp dir)")
    pro.add_argument("--no-progress", action="store_true", help="no progress bars")
    pro.set_defaults(func=_probe)
    res = sub.add_parser("results", help="print the paper-vs-ours rows of recorded runs")
    res.add_argument("chapter", nargs="?", help="a chapter or chapter.experiment (default: all)")
    res.add_argument("--profile", help="only this profile")
    res.add_argument("--json", action="store_true", help="machine-readable rows")
    res.set_defaults(func=_results)
    pages = sub.add_parser(
        "pages", help="write the book's generated pages (verdicts, tables) from the records"
    )
    pages.add_argument("--root", help="the book's root folder (default: this repository)")
    pages.set_defaults(func=_pages)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as err:  # noqa: BLE001 - one line for every error, the traceback on request
        if os.environ.get("RNNBOOK_DEBUG"):
            raise
        text = " ".join(str(err).split()) or type(err).__name__
        print(f"error: {text}", file=sys.stderr)
        return EXIT_ERROR
