"""Carry the records of experiments over a refactor that computes the same numbers
(``rnnbook.experiments.equivalence``): train the checks at the base commit and with the working
tree, and only if every record agrees give the base commit's records today's code hash.

    python scripts/carry_code_hash.py BASE --check EXPERIMENT:PROFILE:JOB[:JSON] ... [--dry-run]

Every experiment named by a check is carried (or none is); an experiment whose code hash moved
since BASE but has no check is listed and left "code changed". Example, the learning-rate search
folded into one function (its jobs shrunk to seconds by the overrides):

    python scripts/carry_code_hash.py 27e2066 \\
      --check 'chung2014.table2:long:nottingham-gru:{"search_epochs": 1, "max_epochs": 1,
               "max_sequences": 4, "max_length": 20}'
"""

from __future__ import annotations

import argparse
import sys

from rnnbook.experiments import all_experiments, get_experiments
from rnnbook.experiments.equivalence import Check, carry_over, equivalent, hashes_at


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit whose records to carry over")
    parser.add_argument("--check", nargs="+", required=True, metavar="SPEC", help="jobs to train")
    parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    args = parser.parse_args(argv)
    checks = [Check.parse(s) for s in args.check]
    moved = hashes_at(args.base, [e.id for e in all_experiments()])
    moved = {name: pair for name, pair in moved.items() if pair[0] != pair[1]}
    named = {c.experiment for c in checks}
    for name in sorted(moved.keys() - named):
        (experiment,) = get_experiments(name)
        at_base = sum(r.code_hash == moved[name][0] for r in experiment.recorded())
        print(f"code changed since {args.base}, no check: {name} ({at_base} records left)")
    found = equivalent(args.base, checks)
    if found:
        print("the versions differ; nothing carried over:", *found[:20], sep="\n  ")
        return 1
    print(f"same records at {args.base} and now: {', '.join(sorted(named))}")
    counts = carry_over({n: p for n, p in moved.items() if n in named}, args.dry_run)
    for what, n in sorted(counts.items()):
        print(f"{n:5d}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
