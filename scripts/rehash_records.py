"""Carry the records' code hashes over to the rule that counts a name imported from a package as
the module it comes from (``rnnbook.experiments.code``), checked against the git history.

    python scripts/rehash_records.py [--dry-run]

For each record with a code hash and a commit, the old rule's hash is recomputed from that
commit's files; only where it equals the stored hash is the record's hash replaced by the new
rule's hash at the same commit. Every other record is left as it is (and shows "code changed").
"""

from __future__ import annotations

import argparse
from collections import Counter

from rnnbook.experiments import all_experiments
from rnnbook.experiments.code import config_names, rehashed, train_module
from rnnbook.results import load_records, save_record


def main(dry_run: bool) -> Counter:
    counts: Counter = Counter()
    cache: dict[tuple, str | None] = {}
    for experiment in all_experiments():
        module = train_module(experiment.train)
        also = config_names(experiment.config_type)
        for record in load_records(experiment.chapter, experiment.name):
            if not (record.code_hash and record.commit):
                counts["no code hash"] += 1
                continue
            key = (record.code_hash, module, record.commit, also)
            if key not in cache:
                cache[key] = rehashed(*key[:3], also=also)
            new = cache[key]
            if new is None:
                counts["not confirmed by the history, left"] += 1
            elif new == record.code_hash:
                counts["unchanged"] += 1
            else:
                counts["carried over"] += 1
                if not dry_run:
                    record.code_hash = new
                    save_record(record)
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="count, write nothing")
    for what, n in sorted(main(parser.parse_args().dry_run).items()):
        print(f"{n:5d}  {what}")
