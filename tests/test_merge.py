"""Records trained elsewhere land in results/ only when they are current, and never silently
overwrite a different current record."""

from __future__ import annotations

from rnnbook.cli import main
from rnnbook.experiments import lipton2015
from rnnbook.experiments.merge import merge_records
from rnnbook.results import load_record, save_record

EXPERIMENT = lipton2015.COPY_EXPERIMENT


def _record(job, run_id, value, code_hash=None):
    today = EXPERIMENT.code_hash()
    return job.record(run_id, metrics={"x": value}, code_hash=code_hash or today, commit="c")


def test_merge_adds_replaces_and_reports_by_the_rules(results_root, tmp_path):
    source = tmp_path / "theirs"
    a, b, c = EXPERIMENT.jobs_of("smoke")
    ra, rb, rc = (next(iter(j.runs)) for j in (a, b, c))
    save_record(_record(a, ra, 1.0), source)  # new here: added
    save_record(_record(b, rb, 2.0), source)  # ours trained by other code: replaced
    save_record(_record(b, rb, 9.0, code_hash="0" * 16))
    save_record(_record(c, rc, 3.0), source)  # ours current and different: a conflict
    save_record(_record(c, rc, 4.0))
    stale = _record(a, ra, 5.0)
    stale.run_id = "a-run-no-longer-defined"
    save_record(stale, source)
    (source / "lipton2015" / "copy" / "smoke" / "broken.json").write_text("{")
    checkpoint = source / "lipton2015" / "copy" / "smoke" / "_checkpoints" / "x.json"
    checkpoint.parent.mkdir()
    checkpoint.write_text("{}")  # state files are not records: ignored

    assert merge_records(source, dry_run=True).added == [f"lipton2015/copy/smoke/{ra}"]
    assert not a.record_path(ra).exists()  # a dry run writes nothing
    report = merge_records(source)
    assert (len(report.added), len(report.replaced), len(report.conflicts)) == (1, 1, 1)
    assert len(report.skipped) == 2 and "stale" in " ".join(report.skipped)
    assert load_record(b.record_path(rb)).metrics == {"x": 2.0}
    assert load_record(c.record_path(rc)).metrics == {"x": 4.0}  # ours kept
    again = merge_records(source)
    assert len(again.same) == 2 and again.conflicts == report.conflicts
    assert merge_records(source, replace=True).replaced == report.conflicts
    assert load_record(c.record_path(rc)).metrics == {"x": 3.0}


def test_the_cli_merges_and_names_a_bad_folder(results_root, tmp_path, capsys):
    job = EXPERIMENT.jobs_of("smoke")[0]
    save_record(_record(job, next(iter(job.runs)), 1.0), tmp_path / "theirs")
    assert main(["merge", str(tmp_path / "theirs")]) == 0
    assert "1 added" in capsys.readouterr().out
    assert main(["merge", str(tmp_path / "nothing")]) == 2
    assert "is not a folder of records" in capsys.readouterr().err
