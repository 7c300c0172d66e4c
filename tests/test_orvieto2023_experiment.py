"""The LRU chapter's experiment module: classification helpers on hand-computed cases, the configs
of every profile (Table 9 in ``full``), and the smoke jobs end to end, through the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from made_records import made_record

from rnnbook import cli
from rnnbook.data.batches import ClassBatch
from rnnbook.experiments import get_experiments
from rnnbook.experiments import orvieto2023 as lru
from rnnbook.experiments.orvieto2023 import data, report
from rnnbook.experiments.runner import run_all
from rnnbook.profiles import UnknownProfileError
from rnnbook.results import RunRecord
from rnnbook.train import classifiers


def test_cross_entropy_and_accuracy_on_a_hand_computed_case():
    logits = torch.tensor([[[2.0, 0.0], [0.0, 0.0]], [[0.0, 3.0], [1.0, 0.0]]])  # (E=2, B=2, C=2)
    labels = torch.tensor([0, 1])

    class Fixed(torch.nn.Module):
        def forward(self, x, mask=None):
            return logits

    batch = ClassBatch(torch.zeros(1, 2, 1), labels)
    expected = torch.tensor(
        [
            (math.log(1 + math.exp(-2)) + math.log(2)) / 2,
            (math.log(1 + math.exp(3)) + math.log(1 + math.exp(1))) / 2,
        ]
    )
    torch.testing.assert_close(classifiers.cross_entropy_loss(Fixed(), batch), expected)
    # argmax of a tie is the first class: member 0 gets sample 2 wrong
    torch.testing.assert_close(classifiers.accuracy(logits, labels), torch.tensor([0.5, 0.0]))
    out = classifiers.evaluate_classifier(Fixed(), [batch])
    torch.testing.assert_close(out["accuracy"], torch.tensor([0.5, 0.0], dtype=torch.float64))
    torch.testing.assert_close(out["error"], 1 - out["accuracy"])
    torch.testing.assert_close(out["nll"], expected.double())


def test_token_batches_are_padded_and_masked():
    seqs = [np.array([3, 4, 5]), np.array([6])]
    batch = data.make_batch(seqs, np.array([1, 2]), [0, 1])
    assert batch.inputs.tolist() == [[3, 6], [4, 0], [5, 0]]
    assert batch.mask.tolist() == [[True, True], [True, False], [True, False]]
    images = np.arange(12, dtype=np.float32).reshape(2, 6, 1)
    batch = data.make_batch(images, np.array([0, 1]), [1])
    assert batch.inputs.shape == (6, 1, 1) and batch.mask is None
    assert batch.inputs[:, 0, 0].tolist() == list(range(6, 12))


def test_paper_numbers_are_read_as_published():
    assert lru.PAPER_TABLE3["LRU"]["ListOps"] == 60.2 and lru.PAPER_TABLE3["S5"]["PathX"] == 96.0
    assert [lru.PAPER_LADDER[r]["sCIFAR"] for r in lru.LADDER_RUNGS] == [
        69.9,
        72.2,
        86.5,
        85.4,
        87.2,
        88.1,
        89.0,
    ]
    assert lru.PAPER_LADDER["exp"]["Pathfinder"] == 65.4
    assert lru.PAPER_SPEED[("PathX", 16384)] == {"tanh": 0.14, "lru": 2.4}


def test_full_profile_uses_table_9():
    (listops,) = lru.task_configs("full", ["listops"])
    assert (listops.width, listops.state, listops.updates, listops.batch_size) == (
        128,
        256,
        80_000,
        32,
    )
    assert (listops.lr_factor, listops.weight_decay, listops.dropout) == (0.5, 0.05, 0.0)
    assert (listops.r_min, listops.r_max, listops.depth) == (0.0, 0.99, 6)
    (path,) = lru.task_configs("full", ["pathfinder"])
    assert path.bidirectional and (path.r_min, path.r_max, path.width) == (0.9, 0.999, 192)
    (smnist,) = lru.task_configs("full", ["smnist"])
    assert smnist.updates == 180 * 8000 // 50 and smnist.dropout == 0.1
    assert smnist.data.pool == 1 and smnist.data.n_train is None


def test_cpu_ladder_covers_two_tasks_and_every_rung():
    configs = lru.ladder_configs("cpu")
    assert {c.task for c in configs} == {"psmnist", "listops"}
    assert [c.rung for c in configs if c.task == "listops"] == list(lru.LADDER_RUNGS)
    same = {(c.task, c.width, c.state, c.updates, c.lr) for c in configs}
    assert len(same) == 2  # only the recurrence changes along a ladder


def test_long_profile_has_the_papers_amounts_of_data_and_trains():
    """`long`: 96,000 generated ListOps expressions, MNIST at the full 784 steps, 20,000 updates
    (8,000 on MNIST, whose steps cost about nine times ListOps'), three seeds; the ladder on
    ListOps and psMNIST, and its first and last rungs on sMNIST (the last shared with the
    tasks' job); no speed probe. A job builds and trains, here on tiny data."""
    import dataclasses

    from rnnbook.experiments.jobs import RunContext

    tasks = {c.task: c for c in lru.task_configs("long")}
    assert tasks["listops"].data.listops.n_train == 96_000 and tasks["listops"].updates == 20_000
    assert tasks["psmnist"].data.pool == 1 and tasks["psmnist"].updates == 8_000
    assert all(c.seeds == (0, 1, 2) for c in tasks.values())
    ladder = lru.ladder_configs("long")
    assert {c.task for c in ladder} == {"listops", "psmnist", "smnist"}
    assert [c.rung for c in ladder if c.task == "smnist"] == ["tanh", "lru"]
    assert [c.rung for c in lru.ladder_configs("long", rungs=["dense", "lru"])] == [
        "dense",
        "lru",
        "dense",
        "lru",
        "lru",
    ]
    shared = next(c for c in ladder if (c.task, c.rung) == ("smnist", "lru"))
    assert shared == tasks["smnist"]
    assert not lru.SPEED_RUN.jobs_of("long")
    job = next(j for j in lru.TASKS_RUN.jobs_of("long") if j.config.task == "listops")
    small = dataclasses.replace(
        job.config.data.listops, n_train=64, n_valid=16, n_test=16, max_length=60
    )
    tiny = dataclasses.replace(
        job.config,
        data=dataclasses.replace(job.config.data, listops=small),
        updates=2,
        eval_every=2,
    )
    records = lru.TASKS_RUN.train(
        dataclasses.replace(job, config=tiny), RunContext(torch.device("cpu"), "test")
    )
    assert len(records) == 3 and all(r.metrics["updates"] == 2 for r in records)


def test_bad_names_are_refused_with_the_choices():
    with pytest.raises(UnknownProfileError):
        lru.task_configs("gpu")
    with pytest.raises(ValueError, match="'cifar'.*smnist"):
        lru.task_configs("cpu", ["cifar"])
    with pytest.raises(ValueError, match="'sfmnist' is not in the smoke profile"):
        lru.task_configs("smoke", ["sfmnist"])
    with pytest.raises(ValueError, match="'gru'"):
        lru.ladder_configs("cpu", rungs=["gru"])
    with pytest.raises(ValueError, match="no job named listops-gru"):
        run_all(lru.EXPERIMENTS, "smoke", only=["listops-gru"])


@pytest.fixture
def smoke_env(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("RNNBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    monkeypatch.setenv("RNNBOOK_DEVICE", "cpu")
    monkeypatch.delenv("RERUN", raising=False)
    return tmp_path / "results"


def test_smoke_jobs_train_record_reload_and_reach_the_command_line(smoke_env, capsys):
    only = ["listops-lru", "listops-tanh", "speed"]
    records = run_all(lru.EXPERIMENTS, "smoke", only=only, progress=False)
    tasks = [r for r in records if r.experiment == "tasks"]
    ladder = [r for r in records if r.experiment == "ladder"]
    speed = [r for r in records if r.experiment == "speed"]
    assert [r.run_id for r in tasks] == ["listops-lru-s0"]
    assert sorted(r.run_id for r in ladder) == ["listops-lru-s0", "listops-tanh-s0"]
    (r,) = tasks
    assert r.status == "ok" and 0 <= r.metrics["test_accuracy"] <= 100
    assert math.isfinite(r.metrics["test_nll"]) and r.device.startswith("CPU")
    assert len(r.extra["eigenvalues_final"]) == 2  # one list per block
    assert all(abs(complex(*z)) < 1 for z in r.extra["eigenvalues_final"][0])
    assert not list(smoke_env.rglob("_checkpoints/*.pt"))
    assert {x.run_id for x in speed} == {f"{m}-L{n}" for m in lru.SPEED_MODELS for n in (16, 64)}
    assert all(x.metrics["train_steps_per_s"] > 0 for x in speed)
    tanh = next(x for x in speed if x.run_id == "tanh-L16")
    assert tanh.metrics["train_speedup_vs_tanh"] == pytest.approx(1.0)
    # loaded, not retrained
    again = lru.TASKS_RUN.run("smoke", only=["listops-lru"])
    assert [x.metrics for x in again] == [r.metrics]
    # the command line prints the task, ladder and speed rows
    assert cli.main(["results", "orvieto2023", "--profile", "smoke", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["experiment"] for row in rows} == {"tasks", "ladder", "speed", "resolution"}
    listops = [row for row in rows if row["experiment"] == "ladder" and row["model"] == "tanh"]
    assert listops[0]["paper"] == 43.9 and listops[0]["n"] == 1
    assert [e.id for e in get_experiments("orvieto2023")] == [
        "orvieto2023.tasks",
        "orvieto2023.ladder",
        "orvieto2023.resolution",
        "orvieto2023.speed",
    ]


def test_pathfinder_at_the_lras_resolution_is_table_3s_job_on_larger_images(smoke_env):
    """`long`: one job per seed at 32 x 32 (1,024 steps), every other setting as Table 3's
    16 x 16 Pathfinder job; the smoke job trains and its row joins Table 3's grid."""
    import dataclasses

    (small,) = lru.task_configs("long", ["pathfinder"])
    jobs = lru.RESOLUTION_RUN.jobs_of("long")
    assert [j.key for j in jobs] == ["pathfinder32-s0", "pathfinder32-s1", "pathfinder32-s2"]
    for seed, job in enumerate(jobs):
        c = job.config
        assert c.data.pathfinder.size == 32 and small.data.pathfinder.size == 16
        assert c.data.pathfinder.contour_length == small.data.pathfinder.contour_length
        assert c.data.pathfinder.thickness == 2 * small.data.pathfinder.thickness
        same = dataclasses.replace(c, data=small.data, seeds=small.seeds)
        assert same == small and c.seeds == (seed,)
    assert not lru.RESOLUTION_RUN.jobs_of("cpu") and not lru.RESOLUTION_RUN.jobs_of("full")
    (record,) = lru.RESOLUTION_RUN.run("smoke", progress=False)
    assert record.status == "ok" and record.config["data"]["pathfinder"]["size"] == 24
    page = lru.report_claims.results_page([dataclasses.replace(record, profile="long")])
    row = "| Pathfinder (generated, 24 x 24) (for Pathfinder) | 95.1 / "
    assert row in page and "Pathfinder at 24 x 24, profile `long`" in page


def test_smoke_training_is_deterministic(smoke_env):
    one = lru.LADDER_RUN.run("smoke", only=["listops-exp"], rerun=True)
    two = lru.LADDER_RUN.run("smoke", only=["listops-exp"], rerun=True)
    assert [r.metrics for r in one] == [r.metrics for r in two]
    (path,) = lru.task_configs("smoke", ["pathfinder"])
    assert path.bidirectional  # Pathfinder: bidirectional, as in the paper


def test_the_ladder_reuses_the_lru_job_of_the_tasks_when_equal(smoke_env, monkeypatch):
    monkeypatch.setitem(lru.PROFILES["smoke"], "ladder_model", {})
    records = run_all([lru.LADDER_RUN, lru.TASKS_RUN], "smoke", only=["listops-lru"])
    tasks, ladder = (next(r for r in records if r.experiment == e) for e in ("tasks", "ladder"))
    assert ladder.metrics == tasks.metrics and ladder.extra["shared_with"] == "tasks"
    assert ladder.config_hash == tasks.config_hash
    assert (smoke_env / "orvieto2023" / "ladder" / "smoke" / "listops-lru-s0.json").exists()


def record(experiment, task, rung, acc, seed=0):
    return RunRecord(
        chapter="orvieto2023",
        experiment=experiment,
        profile="cpu",
        run_id=f"{task}-{rung}-s{seed}",
        config={"data": {"task": task}, "rung": rung},
        config_hash="x",
        seed=seed,
        metrics={"test_accuracy": acc},
    )


def test_ladder_findings_compare_directions():
    records = [
        record("ladder", "listops", rung, acc, seed)
        for rung, accs in {
            "tanh": (30.0, 31.0, 29.0),
            "dense": (40.0, 41.0, 39.0),  # up, as in the paper (+6.5)
            "real_im": (35.0, 36.0, 34.0),  # down: paper +8.4
            "exp": (35.5, 34.5, 35.0),  # flat: paper +1.7
        }.items()
        for seed, acc in enumerate(accs)
    ]
    steps = {(s["before"], s["after"]): s for s in report.ladder_steps(records)}
    assert steps[("tanh", "dense")]["verdict"] == "same direction"
    assert steps[("tanh", "dense")]["paper"] == pytest.approx(6.5)
    assert steps[("dense", "real_im")]["verdict"] == "opposite direction"
    assert steps[("real_im", "exp")]["verdict"] == "no clear change (paper: change)"
    text = report.ladder_findings(records)
    assert "1 of 3 steps agree" in text
    tasks = report.task_findings([record("tasks", "listops", "lru", 40.0)])
    assert "test accuracy (%) 40.0 (n = 1)" in tasks and "60.2% on ListOps" in tasks


def test_ladder_claims_follow_the_seeds():
    """LRU 60 ± 1 against tanh 40 ± 1 (3 seeds) is decided; dense against tanh within noise is
    not; a decided step against the claim refutes it (real_im below dense; the LRU below
    real_im)."""
    from rnnbook.experiments.orvieto2023 import report_claims

    accs = {"tanh": 40.0, "dense": 40.5, "real_im": 30.0, "lru": 60.0}
    records = [
        record("ladder", "listops", rung, acc + d, seed)
        for rung, acc in accs.items()
        for seed, d in enumerate((-1.0, 0.0, 1.0))
    ]
    verdicts = [c.verdict for c in report_claims.claims(records)]
    assert verdicts[:4] == ["confirmed", "unresolved", "refuted", "confirmed"]
    assert verdicts[4] == "unresolved"  # speed: not recorded here
    behind = [r for r in records if r.config["rung"] != "lru"] + [
        record("ladder", "listops", "lru", 25.0 + d, seed) for seed, d in enumerate((-1, 0, 1))
    ]
    assert report_claims.claims(behind)[3].verdict == "refuted"  # the LRU below real_im


def test_a_long_ladder_that_cannot_decide_leaves_the_claim_to_cpu():
    """`long` has the tanh RNN (3 seeds) and one dense seed (two diverged): it cannot decide
    "linear beats tanh", so the `cpu` runs, with three seeds a side, do; the LRU-vs-tanh
    comparison, complete in `long`, is judged there."""
    import dataclasses

    from rnnbook.experiments.orvieto2023 import report_claims

    def long(r):
        return dataclasses.replace(r, profile="long")

    cpu = [
        record("ladder", "listops", rung, acc + d, seed)
        for rung, acc in {"tanh": 40.0, "dense": 30.0, "lru": 45.0}.items()
        for seed, d in enumerate((-1.0, 0.0, 1.0))
    ]
    tall = [
        long(record("ladder", "listops", rung, acc + d, seed))
        for rung, acc in {"tanh": 40.0, "lru": 60.0}.items()
        for seed, d in enumerate((-1.0, 0.0, 1.0))
    ]
    diverged = dataclasses.replace(record("ladder", "listops", "dense", 34.0, 1), status="diverged")
    dense = [long(record("ladder", "listops", "dense", 35.0, 0)), long(diverged)]
    lru, linear, *_ = report_claims.claims([*cpu, *tall, *dense])
    assert (lru.profile, lru.verdict) == ("long", "confirmed")
    assert (linear.profile, linear.verdict) == ("cpu", "refuted")


def test_the_dense_rungs_initial_radii_are_those_training_starts_from_and_explain_divergence():
    (config,) = lru.ladder_configs("long", tasks=["psmnist"], rungs=["dense"])
    radii = report.initial_spectral_radii(config)
    stub = data.TaskData(config.task, {}, {}, classes=2, input_size=1)
    stacked = lru.build_model(config, stub, len(config.seeds), list(config.seeds))
    for e, seed in enumerate(config.seeds):  # member e of the stacked model that trains
        for block, radius in zip(stacked.blocks, radii[seed], strict=True):
            lam = torch.linalg.eigvals(block.recurrence.cells[0].A[e].detach().double())
            assert radius == pytest.approx(float(lam.abs().max()), rel=1e-12)
    failed = made_record(
        "orvieto2023",
        lru.LADDER_EXPERIMENT,
        "psmnist-dense-s0",
        {"data": {"task": "psmnist"}, "rung": "dense"},
        {"test_accuracy": 10.4},
        seed=config.seeds[0],
        status="diverged",
    )
    text = report.dense_findings([failed], [config])
    line = text.splitlines()[0]
    steps = (28 // config.data.pool) ** 2
    growth = max(radii[config.seeds[0]]) ** steps
    assert f"over the {steps} steps: {growth:.2g})" in line and line.endswith("(diverged).")
    assert "not run" in text.splitlines()[1]  # the other seeds have no record here
