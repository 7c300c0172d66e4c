"""The command line: the same functions the notebooks call.

    python -m rnnbook list
    python -m rnnbook run chung2014 --profile full [--only jsb-gru] [--time-budget 540]
    python -m rnnbook results chung2014 --json

A bad name, a missing data directory or a corrupt data file ends with one line ``error: ...``
and exit status 2 (``RNNBOOK_DEBUG=1`` shows the traceback instead).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from rnnbook.profiles import DEFAULT_PROFILE, PROFILES, check_profile

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
)


def _list(args: argparse.Namespace) -> int:
    from rnnbook.experiments import all_experiments

    for e in all_experiments():
        print(f"{e.id:32s} {e.title}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from rnnbook.experiments import get_experiments

    check_profile(args.profile)
    experiments = get_experiments(args.experiment)
    for e in experiments:
        records = e.run(
            args.profile,
            rerun=args.rerun or None,
            only=args.only,
            progress=False if args.no_progress else None,
            time_budget_s=args.time_budget,
        )
        print(f"{e.id} [{args.profile}]: {len(records)} runs recorded")
        print(e.table(records).to_markdown())
    return 0


def _results(args: argparse.Namespace) -> int:
    from rnnbook.experiments import all_experiments, get_experiments

    if args.profile:
        check_profile(args.profile)
    experiments = get_experiments(args.chapter) if args.chapter else all_experiments()
    rows = []
    for e in experiments:
        table = e.table(e.recorded(args.profile))
        if args.json:
            rows += [{k: d[k] for k in ROW_FIELDS} | {"diff": d["diff"]} for d in table.to_dicts()]
        else:
            print(f"## {e.id}: {e.title}\n\n{table.to_markdown()}\n")
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rnnbook",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the experiments").set_defaults(func=_list)
    run = sub.add_parser("run", help="run (or load) an experiment or a whole chapter")
    run.add_argument("experiment", help="a chapter (chung2014) or chapter.experiment")
    run.add_argument("--profile", default=DEFAULT_PROFILE, help=f"one of {', '.join(PROFILES)}")
    run.add_argument("--rerun", action="store_true", help="retrain even what is recorded")
    run.add_argument("--only", nargs="+", metavar="JOB", help="only these jobs (e.g. jsb-gru)")
    run.add_argument(
        "--time-budget",
        type=float,
        metavar="SECONDS",
        help="pause after the epoch that passes this time; run again to resume",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.set_defaults(func=_run)
    res = sub.add_parser("results", help="print the paper-vs-ours rows of recorded runs")
    res.add_argument("chapter", nargs="?", help="a chapter or chapter.experiment (default: all)")
    res.add_argument("--profile", help="only this profile")
    res.add_argument("--json", action="store_true", help="machine-readable rows")
    res.set_defaults(func=_results)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as err:  # unknown names, missing or corrupt data
        if os.environ.get("RNNBOOK_DEBUG"):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
