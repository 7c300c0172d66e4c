"""Experiments: the registry, cached execution (load, retrain stale, rerun, pause), Chung 2014."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from rnnbook.experiments import UnknownExperimentError, chung2014, get_experiments
from rnnbook.experiments.jobs import Job, RunContext, computed_once, log_uniform, select_jobs
from rnnbook.experiments.runner import Experiment, execute
from rnnbook.experiments.search_once import search_lr_once
from rnnbook.profiles import UnknownProfileError
from rnnbook.results import RunRecord
from rnnbook.train.config import FitResult

CONTEXT = RunContext(device=torch.device("cpu"), commit="test")


def test_unknown_experiment_names_the_bad_value_and_the_choices():
    with pytest.raises(UnknownExperimentError, match="'chung2015'.*chung2014"):
        get_experiments("chung2015")
    assert [e.id for e in get_experiments("chung2014")] == ["chung2014.table2", "chung2014.budget"]
    assert [e.id for e in get_experiments("chung2014.budget")] == ["chung2014.budget"]


def test_unknown_profile_data_set_and_model_are_refused():
    with pytest.raises(UnknownProfileError, match="'gpu'"):
        chung2014.configs("gpu")
    with pytest.raises(ValueError, match="'bach'"):
        chung2014.configs("cpu", datasets=["bach"])
    with pytest.raises(ValueError, match="'rnn'"):
        chung2014.configs("cpu", models=["rnn"])


def test_paper_table_is_read_column_by_column():
    """Table 2 lists train/test per model; Nottingham test is tanh 3.13, GRU 3.23, LSTM 3.20."""
    t = chung2014.PAPER_TABLE2
    assert (
        t["nottingham", "tanh", "test"],
        t["nottingham", "gru", "test"],
        t["nottingham", "lstm", "test"],
    ) == (3.13, 3.23, 3.20)
    assert (t["piano", "lstm", "train"], t["jsb", "gru", "test"]) == (6.49, 8.54)
    assert len(t) == 4 * 3 * 2


def test_log_uniform_samples_are_in_range_sorted_and_fixed():
    lrs = log_uniform(10, -12.0, -6.0, seed=3)
    assert lrs == log_uniform(10, -12.0, -6.0, seed=3) != log_uniform(10, -12.0, -6.0, seed=4)
    assert list(lrs) == sorted(lrs) and all(math.exp(-12) <= x <= math.exp(-6) for x in lrs)


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    value: float


def toy_jobs(value: float) -> list[Job]:
    return [Job("toy", "exp", "cpu", "a", ToyConfig(value), {"a-s0": 0, "a-s1": 1})]


def test_execute_trains_once_reuses_then_retrains_stale_and_on_rerun(results_root):
    calls = []

    def train(job, context):
        calls.append(job.config.value)
        return [job.record(rid, metrics={"x": job.config.value}) for rid in job.runs]

    first = execute(toy_jobs(1.0), train, CONTEXT)
    again = execute(toy_jobs(1.0), train, CONTEXT)
    assert calls == [1.0] and [r.metrics for r in again] == [r.metrics for r in first]
    execute(toy_jobs(2.0), train, CONTEXT)  # the code's config changed: the records are stale
    assert calls == [1.0, 2.0]
    execute(toy_jobs(2.0), train, CONTEXT, rerun=True)
    assert calls == [1.0, 2.0, 2.0]


def test_rerun_changed_retrains_what_other_code_recorded_and_resumes_its_checkpoint(results_root):
    old, new = (dataclasses.replace(CONTEXT, code_hash=h) for h in ("old", "new"))
    calls = []

    def train(job, context):
        calls.append((context.code_hash, job.checkpoint_path().exists()))
        return [context.record(job, rid, metrics={}) for rid in job.runs]

    execute(toy_jobs(1.0), train, old)
    execute(toy_jobs(1.0), train, new)  # recorded by other code, but not asked to retrain
    assert calls == [("old", False)]
    job = toy_jobs(1.0)[0]
    job.checkpoint_path().parent.mkdir(parents=True, exist_ok=True)
    job.checkpoint_path().write_bytes(b"a retrain that paused")
    records = execute(toy_jobs(1.0), train, new, rerun_changed=True)
    assert calls[1:] == [("new", True)]  # retrained, its checkpoint kept to resume from
    assert {r.code_hash for r in records} == {"new"}
    execute(toy_jobs(1.0), train, new, rerun_changed=True)  # today's code recorded it: loaded
    assert len(calls) == 2


def test_computed_once_saves_the_result_and_a_pause_saves_nothing(results_root):
    job = toy_jobs(1.0)[0]
    calls = []

    def search(result):
        calls.append(result)
        return result

    assert computed_once(job, ".search.json", lambda: search(None)) is None  # paused
    assert not job.state_path(".search.json").exists()
    assert computed_once(job, ".search.json", lambda: search({"lr": 0.5})) == {"lr": 0.5}
    # resumed: read back, not computed again
    assert computed_once(job, ".search.json", lambda: search({"lr": 9.0})) == {"lr": 0.5}
    assert calls == [None, {"lr": 0.5}]


def test_a_searched_rate_is_the_best_finished_candidate_chosen_once(results_root):
    """The search stage every searching chapter shares: a paused search saves nothing, a
    finished one keeps the lowest validation score (a diverged candidate is passed over) and a
    resumed job reads the choice back without fitting again."""
    job = toy_jobs(1.0)[0]
    fits = []

    def fit_candidates(finished: bool):
        fits.append(finished)
        best, status = [0.5, 0.1, 0.3], ["ok", "diverged", "ok"]
        return FitResult(best_metric=best, status=status, best_epoch=[1, 1, 1], finished=finished)

    lrs = (0.1, 1.0, 0.3)
    assert search_lr_once(job, ".s.json", lambda: fit_candidates(False), lrs, "nll") is None
    assert not job.state_path(".s.json").exists()
    chosen = search_lr_once(job, ".s.json", lambda: fit_candidates(True), lrs, "nll")
    assert chosen["lr"] == 0.3 and [r["nll"] for r in chosen["search"]] == [0.5, None, 0.3]
    assert search_lr_once(job, ".s.json", lambda: fit_candidates(True), lrs, "nll") == chosen
    assert fits == [False, True]


def test_rerun_environment_variable_and_words(results_root, monkeypatch):
    calls = []

    def train(job, context):
        calls.append(1)
        return [job.record(rid, metrics={}) for rid in job.runs]

    execute(toy_jobs(1.0), train, CONTEXT)
    execute(toy_jobs(1.0), train, CONTEXT, rerun="no")  # a papermill parameter is a string
    assert len(calls) == 1
    monkeypatch.setenv("RERUN", "1")
    execute(toy_jobs(1.0), train, CONTEXT)
    assert len(calls) == 2
    with pytest.raises(ValueError, match="'maybe'"):
        execute(toy_jobs(1.0), train, CONTEXT, rerun="maybe")


def _toy_train(job, context):
    return [job.record(rid, metrics={}) for rid in job.runs]


def _toy(name, values):
    def jobs(profile):
        if name not in values:
            return []
        return [Job("toy", name, profile, "a", ToyConfig(values[name]), {"a-s0": 0})]

    return Experiment("toy", name, name, jobs=jobs, train=_toy_train, table=list)


def test_staleness_is_judged_within_each_experiment_and_profile(results_root):
    """Two experiments of a chapter may name a run alike ("a-s0") with different configs: each
    record is judged against its own experiment's job, never the other's."""
    values = {"exp": 1.0, "other": 2.0}
    for name in values:
        _toy(name, values).run("cpu")
    fresh = [r for n in values for r in _toy(n, values).recorded()]
    assert [(r.experiment, r.stale) for r in fresh] == [("exp", False), ("other", False)]
    changed = {"exp": 1.0, "other": 3.0}
    assert [r.stale for n in values for r in _toy(n, changed).recorded("cpu")] == [False, True]
    gone = _toy("exp", {"other": 2.0}).recorded()
    assert [(r.experiment, r.stale) for r in gone] == [("exp", True)]  # no longer defined


def test_a_paused_job_records_nothing_and_is_named(results_root):
    out = execute(toy_jobs(1.0), lambda job, context: None, CONTEXT)
    assert out == [] and out.paused == ["a"]
    assert not list(results_root.rglob("*.json"))


@pytest.fixture
def smoke_env(results_root, shared_data, monkeypatch):
    monkeypatch.setenv("RNNBOOK_DATA", str(shared_data))
    monkeypatch.setenv("RNNBOOK_DEVICE", "cpu")
    return results_root


def test_chung_smoke_job_trains_records_and_reloads(smoke_env):
    records = chung2014.TABLE2.run("smoke", only=["jsb-gru"], progress=False)
    (r,) = records
    assert r.run_id == "jsb-gru-s0" and r.status == "ok" and r.profile == "smoke"
    assert all(math.isfinite(r.metrics[f"{s}_nll"]) for s in ("train", "valid", "test"))
    assert r.metrics["test_nll"] < 88 * math.log(2)  # better than a coin per note
    assert len(r.curves["valid_nll"]) == r.metrics["epochs"] == 2
    assert r.torch_version and r.device.startswith("CPU") and r.commit
    assert not list(smoke_env.rglob("_checkpoints/*"))  # cleaned up once recorded
    assert chung2014.TABLE2.run("smoke", only=["jsb-gru"]) == records  # loaded
    assert r.code_hash == chung2014.TABLE2.code_hash() and r.extra["members_trained_together"] == 1


def test_chung_smoke_is_deterministic_and_workers_do_not_change_numbers(smoke_env):
    kwargs = dict(only=["jsb-tanh", "jsb-lstm"], progress=False)
    one = chung2014.TABLE2.run("smoke", rerun=True, **kwargs)
    two = [r.metrics for r in chung2014.TABLE2.run("smoke", rerun=True, **kwargs)]
    assert [r.metrics for r in one] == two
    parallel = chung2014.TABLE2.run("smoke", rerun=True, workers=2, **kwargs)
    assert [r.metrics for r in parallel] == two


def test_chung_lr_search_picks_the_best_validation_candidate(smoke_env):
    config = dataclasses.replace(
        chung2014.configs("smoke", ["jsb"], ["gru"])[0], lrs=(1e-4, 1e-2), search_epochs=2
    )
    job = Job(chung2014.CHAPTER, "search-test", "smoke", "jsb-gru", config, {"jsb-gru-s0": 0})
    (record,) = chung2014.train_job(job, CONTEXT)
    search = record.extra["lr_search"]
    assert [s["lr"] for s in search] == [1e-4, 1e-2]
    best = min(search, key=lambda s: s["valid_nll"])
    assert record.metrics["lr"] == best["lr"]
    # the record's wall time is the job's: the search's and the seeds' training together
    assert record.wall_time_s > record.curves["wall_time_s"][-1] > 0


def test_findings_and_baselines_are_computed_from_records():
    def rec(ds, model, test, seed=0):
        return RunRecord(
            chapter="chung2014",
            experiment="table2",
            profile="cpu",
            run_id=f"{ds}-{model}-s{seed}",
            config={"dataset": ds, "model": model},
            config_hash="x",
            seed=seed,
            metrics={"test_nll": test},
        )

    records = [rec("jsb", "tanh", 9.0), rec("jsb", "gru", 8.5), rec("jsb", "lstm", 8.7)]
    text = chung2014.findings(records)
    assert "gru vs tanh not decided by the seeds" in text  # one seed decides nothing
    assert "(paper's best: gru)" in text and "3 of 3 test cells" in text
    assert "8.50 (gru)" in chung2014.baseline_table(records)
    # two seeds each: tanh 9.0 +- 0.14, GRU 8.5 +- 0.14 (2 SE = 0.28 < 0.5), LSTM = tanh
    two = [
        rec("jsb", m, v + d, s)
        for m, v in (("tanh", 9.0), ("gru", 8.5), ("lstm", 9.0))
        for s, d in ((0, -0.1), (1, 0.1))
    ]
    text = chung2014.findings(two)
    assert "gru vs tanh better (decided)" in text and "lstm vs tanh not decided" in text
    verdicts = chung2014.claims(two)
    assert [c.verdict for c in verdicts] == ["unresolved", "refuted"]


def test_parameter_counts_match_the_formulas():
    """tanh: 88*100 + 100*100 + 100 + 100*88 + 88; GRU: 3*(88*46 + 46*46 + 46) + 46*88 + 88;
    LSTM with peepholes: 4*(88*36 + 36*36 + 36) + 3*36 + 36*88 + 88."""
    assert chung2014.parameter_counts() == {
        "tanh": 88 * 100 + 100 * 100 + 100 + 100 * 88 + 88,
        "gru": 3 * (88 * 46 + 46 * 46 + 46) + 46 * 88 + 88,
        "lstm": 4 * (88 * 36 + 36 * 36 + 36) + 3 * 36 + 36 * 88 + 88,
    }


def test_select_jobs_keeps_the_named_ones_and_names_the_choices():
    two = toy_jobs(1.0) + [Job("toy", "exp", "cpu", "b", ToyConfig(1.0), {"b-s0": 0})]
    assert select_jobs(two, None) == two
    assert [j.key for j in select_jobs(two, ["b"])] == ["b"]
    with pytest.raises(ValueError, match=r"no job named c: the jobs are a, b"):
        select_jobs(two, ["b", "c"])


def test_training_in_process_uses_one_thread_on_the_cpu_only():
    from rnnbook.experiments.jobs import single_threaded_on_cpu

    before = torch.get_num_threads()
    with single_threaded_on_cpu("cpu"):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with single_threaded_on_cpu("cuda"):  # a GPU run leaves the CPU threads alone
        assert torch.get_num_threads() == before


def test_chung_budget_variants_record_under_their_own_run_ids(smoke_env):
    (r,) = chung2014.BUDGET_VARIANTS_EXPERIMENT.run("smoke", only=["batch-8"], progress=False)
    assert r.run_id == "nottingham-gru-batch-8-s0" and r.config["batch_size"] == 8


def test_profile_sizes_are_counted_from_the_configs():
    from rnnbook.experiments import pascanu2013
    from rnnbook.experiments.sizes import experiment_size, sizes_markdown

    size = experiment_size(pascanu2013.SUCCESS_EXPERIMENT, "long")
    assert size == {
        "experiment": "pascanu2013.success",
        "jobs": 10,  # lengths 50 and 100 for three initialisations, 150 and 200 for two
        "runs": 150,
        "budget": 50_000,
        "unit": "updates",
    }
    from rnnbook.experiments import jozefowicz2015

    music = jozefowicz2015.MUSIC_EXPERIMENT
    table = sizes_markdown([pascanu2013.SUCCESS_EXPERIMENT, music], "long")
    assert "pascanu2013.success" in table and "music" not in table  # no long jobs there


def test_chung_long_widens_the_search_where_the_gaps_are_and_trains(smoke_env):
    """`long`: Nottingham and MuseData, five rates spanning beyond the `full` search's largest
    (which every gated job picked), twice its search epochs; a job trains (here for 2 epochs)."""
    jobs = chung2014.TABLE2.jobs_of("long")
    assert {j.config.dataset for j in jobs} == {"nottingham", "musedata"} and len(jobs) == 6
    full = chung2014.configs("full")[0]
    long = jobs[0].config
    assert max(long.lrs) > 3 * max(full.lrs) and min(long.lrs) < max(full.lrs)
    assert long.search_epochs == 2 * full.search_epochs and len(long.seeds) == 3
    tiny = dataclasses.replace(
        long, lrs=long.lrs[:2], search_epochs=1, max_epochs=1, max_sequences=4, max_length=20
    )
    job = Job(chung2014.CHAPTER, "long-test", "long", jobs[0].key, tiny, dict(jobs[0].runs))
    records = chung2014.train_job(job, CONTEXT)
    assert len(records) == 3 and all(math.isfinite(r.metrics["test_nll"]) for r in records)
