"""The book's pages state no result by hand: every number of a chapter's results comes from the
generated section, and the hand-written text keeps only constants that the code also holds
(paper values, settings)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from made_records import made_record

from rnnbook.experiments import pages, plan

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = tuple(pages.PAPERS)
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


def prose(text: str) -> str:
    """``text`` without math, code, labels, directives' options and link targets."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\b(Lemma|Sec\.|Section|Table|Fig\.|Figure|Eqs?\.|Appendix) [\d.]+", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def code_text() -> str:
    """Every module of the package: where the book's constants (settings, paper values) live."""
    return "\n".join(p.read_text() for p in (ROOT / "src" / "rnnbook").rglob("*.py"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_page_includes_its_generated_results(chapter):
    text = (ROOT / "book" / f"{chapter}.md").read_text()
    assert f"{{include}} generated/{chapter}.md" in text


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_page_types_no_result_by_hand(chapter):
    """A decimal number in the page's prose must be a constant of the chapter's code (a paper
    value or a setting); a number only the records hold belongs in the generated section."""
    code = code_text()
    typed = [n for n in DECIMAL.findall(prose((ROOT / "book" / f"{chapter}.md").read_text()))]
    unknown = sorted({n for n in typed if n not in code and n.rstrip("0") not in code})
    assert not unknown, f"{chapter}.md states numbers the code does not hold: {unknown}"


def test_the_number_check_sees_typed_results():
    """Guard against a vacuous pass: a result typed into prose is caught, math is not."""
    page = "Our GRU scored 3.92 on Nottingham; the paper's $3.13$ is in math."
    assert DECIMAL.findall(prose(page)) == ["3.92"]


def test_generated_pages_hold_every_chapter_and_the_overviews(tmp_path):
    written = pages.write_pages(tmp_path)
    names = {p.name for p in written}
    assert names == {f"{c}.md" for c in CHAPTERS} | {"verdicts.md", "runs.md"}
    for chapter in CHAPTERS:
        text = (tmp_path / pages.GENERATED / f"{chapter}.md").read_text()
        assert f"({chapter}-verdicts)=" in text and "Verdicts:" in text
    overview = (tmp_path / pages.GENERATED / "verdicts.md").read_text()
    assert all(f"<{c}-verdicts>" in overview for c in CHAPTERS)


def test_the_pages_read_each_experiments_records_once(tmp_path, monkeypatch):
    """Each chapter's page, its verdicts and the runs table all read the records: from disk once
    per experiment, and the same records as a fresh read."""
    from rnnbook.experiments import all_experiments, runner

    reads = []
    real = runner.load_records

    def counted(chapter, name, *args):
        reads.append((chapter, name))
        return real(chapter, name, *args)

    monkeypatch.setattr(runner, "load_records", counted)
    pages.pages()
    assert sorted(reads) == sorted((e.chapter, e.name) for e in all_experiments())
    experiment = next(e for e in all_experiments() if e.recorded())
    fresh = experiment.recorded()
    with runner.records_read_once():
        first = experiment.recorded()
        first.clear()  # a caller's list is its own
        assert experiment.recorded() == fresh
    assert runner._READ is None


def test_the_runs_table_counts_a_job_of_stacked_members_once(tmp_path, monkeypatch):
    """Three seeds trained together share one wall time: the core-hours count it once."""
    from rnnbook.experiments import lipton2015, orvieto2023
    from rnnbook.results import RunRecord, save_record

    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    for seed in range(3):
        save_record(
            RunRecord(
                "lipton2015",
                "copy",
                "long",
                f"lstm-s{seed}",
                {"model": "lstm"},
                "h",
                seed,
                {"valid_bit_errors": 1.0},
                device="CPU",
                wall_time_s=1800.0,
                commit="abc",
            )
        )
    assert lipton2015.COPY_EXPERIMENT.recorded("long")
    table = pages.runs_overview()
    # stale: "h"; none current, so nothing to time the jobs to go by
    jobs = sum(len(e.jobs_of("long")) for e in lipton2015.EXPERIMENTS)
    row = f"| lipton2015 | `long` | 0 of {jobs} | 3 (0, 3, 0) | 0.5 | {jobs} jobs not yet timed |"
    assert f"{row} CPU | 1 |" in table
    # a profile configured but not run has its row: nothing is recorded in this results folder
    configured = sum(len(e.jobs_of("long")) for e in orvieto2023.EXPERIMENTS)
    row = f"| orvieto2023 | `long` | 0 of {configured} | 0 (0, 0, 0) | 0.0 | {configured} jobs not"
    assert row in table


def test_the_hours_to_go_are_the_median_recorded_job_of_each_experiment():
    def job(key, *runs):
        return SimpleNamespace(key=key, runs={r: 0 for r in runs})

    def run(experiment, run_id, hours):
        return made_record("c", experiment, run_id, {}, {}, wall_time_s=hours * 3600)

    jobs = [("a", job("x1", "a1")), ("a", job("x2", "a2", "a2b")), ("a", job("x3", "a3"))]
    jobs += [("a", job("y4", "a4")), ("a", job("z5", "a5")), ("b", job("b1", "b1"))]
    jobs.append(("b", job("b2", "b2")))
    # a: jobs of 1 h, 2 h (two runs of one job, counted once) and 4 h done: median 2 h, two to go
    records = [run("a", "a1", 1.0), run("a", "a2", 2.0), run("a", "a2b", 2.0), run("a", "a3", 4.0)]
    records.append(run("b", "b1x", 9.0))  # no job of b is complete: b's two are not timed
    assert plan.job_progress(jobs, records) == (3, 4.0, 2)
    assert plan.job_progress(jobs[:3], records) == (3, 0.0, 0)
    assert plan.job_progress(jobs, records).to_go() == "4.0 + 2 jobs not yet timed"
    assert plan.job_progress(jobs[:3], records).to_go() == "-"
    records[3].code_changed = True  # x3 (4 h) was trained by other code: retrained, at 4 h
    assert plan.job_progress(jobs, records) == (3, 8.0, 2)


def test_a_job_to_run_is_timed_by_its_closest_recorded_siblings():
    timed = {"ptb-s0": 100.0, "piano-s0": 10.0, "piano-s1": 12.0}
    assert plan.estimate_seconds("ptb-s1", timed) == 100.0  # shares "ptb"
    assert plan.estimate_seconds("piano-s2", timed) == 11.0
    assert plan.estimate_seconds("jsb-s0", timed) is None  # another task: not timed yet
    assert plan.estimate_seconds("s2", {"s0": 10.0, "s1": 12.0}) == 11.0  # one word: all
    timed = {"ptb-lstm": 50.0, "ptb-tanh": 20.0}
    assert plan.estimate_seconds("ptb-lstm-b", timed) == 50.0  # shares "ptb-lstm"
    assert plan.estimate_seconds("ptb-gru", timed) == 35.0  # "ptb" only: both
    assert plan.estimate_seconds("jsb-s0", {}) is None


def test_a_chapter_page_names_the_runs_of_other_code_than_todays():
    def run(experiment, run_id, profile, changed, stale=False):
        r = made_record("c", experiment, run_id, {}, {}, profile=profile)
        r.code_changed, r.stale = changed, stale
        return r

    assert pages.code_changed_note([run("grid", "a", "long", False)]) == ""
    note = pages.code_changed_note(
        [
            run("ptb", "a", "long", True),
            run("ptb", "b", "long", True),
            run("ptb", "c", "cpu", True),
            run("ptb", "d", "cpu", True, stale=True),  # retrained when asked for: not counted
            run("ptb", "e", "smoke", True),
            run("grid", "f", "long", False),
        ]
    )
    assert "`ptb` at `cpu` (1 run), `ptb` at `long` (2 runs)" in note
    assert note.startswith("\n:::{note}") and "grid" not in note


def test_the_jobs_to_run_are_the_missing_stale_and_code_changed_ones(tmp_path, monkeypatch, capsys):
    from rnnbook.cli import main
    from rnnbook.experiments import lipton2015
    from rnnbook.results import save_record

    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    experiment = lipton2015.COPY_EXPERIMENT
    ntm, ff, lstm = experiment.jobs_of("long")
    today = experiment.code_hash()
    for rid in ntm.runs:  # recorded with today's code: done, one hour
        save_record(ntm.record(rid, metrics={}, wall_time_s=3600.0, code_hash=today))
    for rid in ff.runs:  # recorded by other code: to retrain, two hours
        save_record(ff.record(rid, metrics={}, wall_time_s=7200.0, code_hash="0" * 16))
    stale = lstm.record("lstm-s0", metrics={}, wall_time_s=60.0)
    stale.config_hash = "h"  # another config than today's
    save_record(stale)
    planned = plan.jobs_to_run("long", "lipton2015.copy")
    # a job recorded by other code goes by its own time; one that shares no word of its key
    # with a recorded job, by the median of them all: 1.5 hours
    assert planned == [
        plan.PlannedJob("lipton2015.copy", "ntm-ff", "code changed", 120.0),
        plan.PlannedJob("lipton2015.copy", "lstm", "stale", 90.0),
    ]
    assert main(["list", "--to-run", "long", "lipton2015.copy"]) == 0
    out = capsys.readouterr().out
    assert "2 jobs to run at `long`: ~3.5 core-hours" in out and "ntm-ff" in out
