"""The chapter's experiments end to end: the smoke profile trains every run, records it and loads
it again; the command line prints the rows; tables, findings and figures render from the records;
bad names are refused."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import pytest
import torch

from rnnbook.experiments import get_experiments
from rnnbook.experiments import lipton2015 as L
from rnnbook.experiments.lipton2015 import report as R
from rnnbook.experiments.lipton2015 import report_figures as F
from rnnbook.experiments.lipton2015 import report_gradients as G
from rnnbook.experiments.runner import run_all


def chapter_jobs(profile):
    return [j for e in L.EXPERIMENTS for j in e.jobs_of(profile)]


def test_unknown_models_and_experiments_are_named():
    with pytest.raises(ValueError, match="'gru'"):
        L.build_copy_model(L.CopyConfig("gru", (0,)))
    with pytest.raises(ValueError, match="'ntm'"):
        L.build_copy_model(L.CopyConfig("ntm", (0,)))
    with pytest.raises(ValueError, match="'sideways'"):
        L.build_brnn_model(L.BRNNConfig("sideways", (0,)))
    with pytest.raises(ValueError, match="no job named nope"):
        run_all(L.EXPERIMENTS, "smoke", only=["nope"])


# --- the smoke profile end to end ---------------------------------------------------------------


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("lipton-results")
    env = {"RNNBOOK_RESULTS": str(root), "RNNBOOK_WORKERS": "1", "RNNBOOK_DEVICE": "cpu"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("RERUN", raising=False)
        records = run_all(L.EXPERIMENTS, "smoke", progress=False)
        yield root, records, env


def test_smoke_trains_every_run_and_records_it(smoke_results):
    root, records, _ = smoke_results
    expected = {rid for job in chapter_jobs("smoke") for rid in job.runs}
    assert {r.run_id for r in records} == expected
    assert all(r.status == "ok" and r.profile == "smoke" for r in records)
    assert not list(root.rglob("_checkpoints/*"))
    copy = [r for r in records if r.experiment == "copy"]
    assert all(math.isfinite(r.metrics["L8_bit_errors"]) for r in copy)
    ntm = next(r for r in copy if r.config["model"] == "ntm-lstm")
    assert len(ntm.extra["head_trace_length20"]["write_row"]) == 41
    grads = [r for r in records if r.experiment == "gradients"]
    assert all(len(r.curves["log10_norm_mean_init"]) == r.config["length"] - 1 for r in grads)


def test_smoke_records_are_loaded_not_retrained(smoke_results, monkeypatch):
    root, records, env = smoke_results
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    def refuse(*args, **kwargs):
        raise AssertionError("retrained a recorded job")

    refusing = [dataclasses.replace(e, train=refuse) for e in L.EXPERIMENTS]
    again = run_all(refusing, "smoke", progress=False)
    assert [r.metrics for r in again] == [r.metrics for r in records]
    recorded = [r for e in L.EXPERIMENTS for r in e.recorded("smoke")]
    assert recorded and not any(r.stale or r.code_changed for r in recorded)


def test_the_notebook_shows_the_strongest_init_factors_first(smoke_results, monkeypatch):
    """A stronger recorded profile (here `long`: the smoke records relabelled, with one seed
    that `init_factor_seeds` adds) comes before the build's; with none, the build's profile
    alone."""
    _, records, env = smoke_results
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    smoke = [r for r in records if r.experiment == "init_factors"]
    long = [dataclasses.replace(r, profile="long") for r in smoke]
    added = dataclasses.replace(long[0], experiment="init_factor_seeds", run_id="tanh-rho0.9-s9")

    def recorded_with(extra):
        def recorded(self, profile=None, root=None):
            every = smoke + extra
            return [r for r in every if r.experiment == self.name and profile in (None, r.profile)]

        return recorded

    monkeypatch.setattr(type(L.INIT_FACTORS_EXPERIMENT), "recorded", recorded_with([*long, added]))
    shown = L.init_factor_profiles("smoke")
    assert [(p, [r.run_id for r in runs]) for p, runs in shown] == [
        ("long", [r.run_id for r in long] + ["tanh-rho0.9-s9"]),
        ("smoke", [r.run_id for r in smoke]),
    ]
    monkeypatch.setattr(type(L.INIT_FACTORS_EXPERIMENT), "recorded", recorded_with([]))
    assert [p for p, _ in L.init_factor_profiles("smoke")] == ["smoke"]


def test_tables_and_findings_render_from_smoke_records(smoke_results):
    _, records, _ = smoke_results
    for name in L.EXPERIMENT_NAMES:
        rows = [r for r in records if r.experiment == name]
        table = R.TABLES[name](rows)
        assert table.rows and table.to_markdown().count("\n") >= 2
    assert "NTM (LSTM controller)" in R.copy_findings(
        records
    ) and "bidirectional" in R.brnn_findings(records)
    assert "lag 6" in R.tbptt_findings(records) and "tanh-rho" in G.gradient_findings(records)
    assert "below 1 for" in G.init_factor_findings(records)
    for fig in (
        F.plot_gradients(records),
        F.plot_init_factors(records),
        F.plot_copy(records),
        F.plot_head_trace(records),
        F.plot_training_curves(records),
    ):
        assert fig.axes
    assert "`seeds`" in R.config_table("smoke", "copy")


def test_cli_prints_the_copy_and_brnn_rows(smoke_results):
    _, _, env = smoke_results
    import os

    run = subprocess.run(
        [sys.executable, "-m", "rnnbook", "results", "lipton2015", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    experiments = {r["experiment"] for r in rows}
    assert {"copy", "brnn", "tbptt", "gradients"} <= experiments
    copy = [r for r in rows if r["experiment"] == "copy"]
    models = {r["model"] for r in copy}
    assert models == {"ntm-ff", "ntm-lstm", "lstm"} and {r["split"] for r in copy} == {
        "L4",
        "L8",
    }
    brnn = [r for r in rows if r["experiment"] == "brnn"]
    assert {r["model"] for r in brnn} == {"forward", "backward", "bidirectional"}
    assert all(r["ours_mean"] is not None and r["profile"] == "smoke" for r in copy + brnn)


def test_registry_lists_six_experiments():
    assert [e.id for e in get_experiments("lipton2015")] == [
        "lipton2015.gradients",
        "lipton2015.init_factors",
        "lipton2015.init_factor_seeds",
        "lipton2015.tbptt",
        "lipton2015.brnn",
        "lipton2015.copy",
    ]


def test_init_factors_are_the_gradients_measurement_at_initialisation(smoke_results):
    """The untrained runs give, for every variant and seed they share with the gradients
    experiment, that experiment's factor at initialisation, to the last digit."""
    _, records, _ = smoke_results
    grads = {r.run_id: r for r in records if r.experiment == "gradients"}
    init = [r for r in records if r.experiment == "init_factors"]
    shared = [r for r in init if r.run_id in grads]
    assert len(shared) >= 3 and len(init) > len(shared)
    for r in shared:
        assert r.metrics["init_rate"] == grads[r.run_id].metrics["init_rate"]
        if r.config["model"] == "lstm":
            assert r.metrics["init_carousel_rate"] == grads[r.run_id].metrics["init_carousel_rate"]
    assert all(r.config["updates"] == 0 for r in init)


def test_a_member_factor_does_not_depend_on_the_stack(monkeypatch):
    """Seed 1 alone and seed 1 beside seed 0 measure the same factor, and so do stacks of one
    seed each: the 100 seeds of `cpu` are 100 independent draws, however they are stacked."""
    from rnnbook.experiments.lipton2015 import train_init

    (tanh, lstm) = L.init_factor_configs("smoke")
    for config in (tanh, lstm):
        both = L.measure_init_factors(config)
        alone = L.measure_init_factors(dataclasses.replace(config, seeds=(1,)))
        k = len(config.seeds)
        assert [m["init_rate"] for m in both[1::k]] == [m["init_rate"] for m in alone]
        assert len({m["init_rate"] for m in both}) == len(both)  # seeds differ
        monkeypatch.setattr(train_init, "SEEDS_PER_STACK", 1)
        assert L.measure_init_factors(config) == both
        monkeypatch.undo()


def test_cpu_measures_a_hundred_seeds_at_the_gradients_sizes():
    """`cpu`'s init factors use the gradients measurement's sizes, without training."""
    for init, grad in zip(L.init_factor_configs("cpu"), L.gradient_configs("cpu"), strict=True):
        assert len(init.seeds) == 100 and init.updates == 0
        assert init.variants == grad.variants
        sizes = ("hidden", "symbols", "lag", "length", "measure_batch", "data_seed")
        assert [getattr(init, k) for k in sizes] == [getattr(grad, k) for k in sizes]


def test_long_measures_cpus_factors_with_more_seeds():
    """`long` is `cpu`'s measurement with 500 seeds per variant and every other setting equal,
    so (a member's factor not depending on its stack, tested above) the seeds both profiles
    measure give the same factor."""
    for long, cpu in zip(L.init_factor_configs("long"), L.init_factor_configs("cpu"), strict=True):
        assert long.seeds == tuple(range(500))
        assert dataclasses.replace(long, seeds=cpu.seeds) == cpu


def test_long_adds_seeds_at_rho_1_1_to_init_factors_measurement():
    """`init_factor_seeds` at `long` is `init_factors`' tanh measurement at ρ = 1.1 alone, with
    seeds 500 to 2,999 (none of `init_factors`' own) in five jobs of 500, named as
    `init_factors`' runs are."""
    (tanh, _) = L.init_factor_configs("long")
    jobs = L.INIT_FACTOR_SEEDS_EXPERIMENT.jobs_of("long")
    assert [j.key for j in jobs] == [f"tanh-s{s}" for s in range(500, 3000, 500)]
    seeds = [s for j in jobs for s in j.config.seeds]
    assert seeds == list(range(500, 3000)) and not set(seeds) & set(tanh.seeds)
    for job in jobs:
        assert job.config == dataclasses.replace(tanh, variants=(1.1,), seeds=job.config.seeds)
        assert list(job.runs) == [f"tanh-rho1.1-s{s}" for s in job.config.seeds]
    assert L.INIT_FACTOR_SEEDS_EXPERIMENT.jobs_of("cpu") == []


def test_added_seeds_measure_what_init_factors_would(smoke_results, tmp_path, monkeypatch):
    """Run at smoke size over seeds 1 to 3, the added seeds give, for the seed both measure,
    `init_factors`' own factor to the last digit: the two samples are one."""
    from rnnbook.experiments.lipton2015 import config_seeds

    _, records, env = smoke_results
    for k, v in {**env, "RNNBOOK_RESULTS": str(tmp_path)}.items():
        monkeypatch.setenv(k, v)
    spec = dict(model="tanh", variant=1.0, seeds=range(1, 4), per_job=2)
    monkeypatch.setitem(config_seeds.MORE_SEEDS, "smoke", spec)
    jobs = L.INIT_FACTOR_SEEDS_EXPERIMENT.jobs_of("smoke")
    assert [len(j.runs) for j in jobs] == [2, 1]
    added = {r.run_id: r for r in L.INIT_FACTOR_SEEDS_EXPERIMENT.run("smoke", progress=False)}
    assert sorted(added) == ["tanh-rho1-s1", "tanh-rho1-s2", "tanh-rho1-s3"]
    (own,) = [r for r in records if r.experiment == "init_factors" and r.run_id == "tanh-rho1-s1"]
    assert added["tanh-rho1-s1"].metrics["init_rate"] == own.metrics["init_rate"]
    assert len({r.metrics["init_rate"] for r in added.values()}) == 3


def test_the_chapter_table_is_the_report_table(smoke_results):
    """Each experiment's table is the report's table of that experiment."""
    _, records, _ = smoke_results
    copy = [r for r in records if r.experiment == "copy"]
    (experiment,) = [e for e in L.EXPERIMENTS if e.name == "copy"]
    assert experiment.table(copy).to_dicts() == R.copy_table(copy).to_dicts()
    rows = [row for e in L.EXPERIMENTS for row in e.table(records).to_dicts()]
    assert len(rows) == len(R.table(records).to_dicts())


def test_long_copy_jobs_are_graves_sizes_and_train_a_few_steps():
    """The `long` profile trains only the copy task, at Graves et al.'s sizes; each of its jobs
    builds and trains (here for four updates). Besides it only `init_factors` and
    `init_factor_seeds`, which measure without training, have `long` jobs."""
    from rnnbook.experiments.jobs import RunContext

    jobs = L.COPY_EXPERIMENT.jobs_of("long")
    assert {j.key for j in jobs} == {"ntm-lstm", "ntm-ff", "lstm"}
    assert all(j.config.train_max == 20 and len(j.runs) == 3 for j in jobs)
    assert all(j.config.memory_rows == 128 and j.config.memory_width == 20 for j in jobs)
    assert max(jobs[0].config.test_lengths) == 120
    with_long = {e.name for e in L.EXPERIMENTS if e.jobs_of("long")}
    assert with_long == {"copy", "init_factors", "init_factor_seeds"}
    context = RunContext(device=torch.device("cpu"), commit="test")
    for job in jobs:
        tiny = dataclasses.replace(
            job.config, updates=4, updates_per_epoch=2, test_lengths=(30,), test_sequences=2
        )
        records = L.COPY_EXPERIMENT.train(dataclasses.replace(job, config=tiny), context)
        assert len(records) == 3 and all(r.metrics["updates"] == 4 for r in records)
        assert all(math.isfinite(r.metrics["L30_bit_errors"]) for r in records)
