"""Same code, same numbers: a job's records do not depend on the process's random state, and a
refactor's records are compared field by field before they are carried over
(``rnnbook.experiments.equivalence``)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from made_records import made_record

from rnnbook.experiments import all_experiments
from rnnbook.experiments.equivalence import Check, carry_over, differences, equivalent
from rnnbook.experiments.jobs import RunContext
from rnnbook.results import load_records, save_record

CONTEXT = RunContext(device=torch.device("cpu"), commit="test", progress=False)
SMOKE = [e for e in all_experiments() if e.jobs_of("smoke")]


@pytest.mark.parametrize("experiment", SMOKE, ids=lambda e: e.id)
def test_a_job_does_not_depend_on_the_global_random_state(
    experiment, shared_data, tmp_path, monkeypatch
):
    """Torch seeds its global generator from the system in each new process: a job that draws
    from it without seeding it first (dropout masks, say) would not rerun to the same numbers."""
    monkeypatch.setenv("RNNBOOK_DATA", str(shared_data))
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    job = experiment.jobs_of("smoke")[0]
    runs = []
    for state in (1, 2):
        monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path / str(state)))
        torch.manual_seed(state)
        runs.append([json.loads(r.to_json()) for r in experiment.train(job, CONTEXT)])
    assert differences(*runs) == []


def test_differences_leave_out_clocks_and_versions_only():
    a = {"metrics": {"nll": 1.0, "eval_time_s": 0.1}, "wall_time_s": 5.0, "commit": "a"}
    b = {"metrics": {"nll": 1.0, "eval_time_s": 0.2}, "wall_time_s": 6.0, "commit": "b"}
    assert differences(a, b) == []
    b["metrics"]["nll"] = 1.0000001
    assert differences(a, b) == [".metrics.nll: 1.0 != 1.0000001"]
    nan = {"curves": {"loss": [math.nan, 2.0]}}
    assert differences(nan, {"curves": {"loss": [math.nan, 2.0]}}) == []  # diverged on both sides
    assert differences(nan, {"curves": {"loss": [math.nan]}}) == [
        ".curves.loss: [nan, 2.0] != [nan]"
    ]
    assert differences({"extra": {}}, {"extra": {"lr": 1}}) == [".extra.lr: only in one"]


def test_a_check_is_parsed_with_its_overrides_or_refused():
    check = Check.parse('chung2014.table2:long:jsb-gru:{"max_epochs": 1, "lrs": [0.1]}')
    assert check == Check("chung2014.table2", "long", "jsb-gru", {"max_epochs": 1, "lrs": [0.1]})
    assert Check.parse("comparison.grid:smoke:copy-gru").overrides == {}
    with pytest.raises(ValueError, match="experiment:profile:job"):
        Check.parse("comparison.grid:copy-gru")
    with pytest.raises(ValueError, match="JSON object"):
        Check.parse("comparison.grid:smoke:copy-gru:[1]")


def test_only_records_of_the_base_hash_are_carried_over(tmp_path):
    def record(run_id, code_hash):
        return made_record("comparison", "grid", run_id, {}, {}, code_hash=code_hash)

    made = [record("a-s0", "old"), record("a-s1", "older"), record("b-s0", "old")]
    for r in [*made, record("c-s0", "")]:
        save_record(r, tmp_path)
    counts = carry_over({"comparison.grid": ("old", "new")}, root=tmp_path)
    assert counts == {
        "carried over": 2,
        "of other code, left": 1,
        "without a code hash (never shown changed), left": 1,
    }
    stored = {r.run_id: r.code_hash for r in load_records("comparison", "grid", root=tmp_path)}
    assert stored == {"a-s0": "new", "a-s1": "older", "b-s0": "new", "c-s0": ""}


def test_the_same_code_at_a_commit_and_in_the_tree_trains_the_same_records(shared_data):
    """End to end: a searched job trained in two processes, from the committed package and from
    the working tree (equal in a clean clone), agrees in every field but the clocks'."""
    check = Check("comparison.grid", "smoke", "temporal_order-gru", {"updates": 4})
    assert equivalent("HEAD", [check]) == []
