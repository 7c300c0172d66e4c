"""The code hash follows what a job trains with: the modules it imports, by what they compute."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rnnbook.experiments.code import (
    git_source,
    module_hash,
    rehashed,
    training_modules,
)

PACKAGE = {
    "__init__.py": b"",
    "models/__init__.py": b"from rnnbook.models.a import A\nfrom .b import B\n",
    "models/a.py": b"A = 1\n",
    "models/b.py": b"B = 2\n",
    "results.py": b"SAVED = True\n",
    "config.py": b"from rnnbook.models.b import B\n\nSEED = 1\n\n\n"
    b"class Run:\n    seed = SEED\n\n\n"
    b"PROFILES = {'cpu': Run(), 'b': B}\n",
    "job.py": b"from rnnbook.models import A\n"
    b"from rnnbook.results import SAVED\n"
    b"from .config import Run\n",
}


def source(files: dict[str, bytes]):
    return files.get


def test_a_name_from_a_package_counts_as_the_module_it_comes_from():
    new = training_modules("rnnbook.job", source(PACKAGE))
    assert new == ("rnnbook.config", "rnnbook.job", "rnnbook.models.a")
    old = training_modules("rnnbook.job", source(PACKAGE), old_rule=True)
    assert old == (
        "rnnbook.config",
        "rnnbook.job",
        "rnnbook.models",
        "rnnbook.models.a",
        "rnnbook.models.b",
    )


def test_the_hash_moves_with_the_code_a_job_runs_and_with_nothing_else():
    today = module_hash("rnnbook.job", source(PACKAGE))
    more = {
        **PACKAGE,
        "models/__init__.py": PACKAGE["models/__init__.py"] + b"from .c import C\n",
        "models/c.py": b"C = 3\n",
    }
    comment = {**PACKAGE, "models/a.py": b'"""The A."""\n\nA = 1  # one\n'}
    stored_only = {**PACKAGE, "results.py": b"SAVED = False\n"}
    for same in (more, comment, stored_only):
        assert module_hash("rnnbook.job", source(same)) == today
    changed = {**PACKAGE, "models/a.py": b"A = 10\n"}
    assert module_hash("rnnbook.job", source(changed)) != today


def test_a_config_module_counts_by_what_the_training_code_takes_from_it():
    """A new profile (or job) leaves the hash as it is; a constant the used class reads does not;
    a module imported only for the profiles (models/b.py) does not count."""
    today = module_hash("rnnbook.job", source(PACKAGE))
    config = PACKAGE["config.py"]
    profile = {
        **PACKAGE,
        "config.py": config.replace(b"'b': B}", b"'b': B, 'long': 2}"),
    }
    assert module_hash("rnnbook.job", source(profile)) == today
    seed = {**PACKAGE, "config.py": config.replace(b"SEED = 1", b"SEED = 2")}
    assert module_hash("rnnbook.job", source(seed)) != today


def test_the_chapters_train_with_their_own_models_only():
    modules = training_modules("rnnbook.experiments.orvieto2023.train")
    assert "rnnbook.models.lru" in modules and "rnnbook.train.loop" in modules
    assert "rnnbook.models.comparison" not in modules
    assert not any(m.startswith("rnnbook.results") for m in modules)


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@localhost"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def history(tmp_path):
    """A repository whose one commit holds :data:`PACKAGE` under ``src/rnnbook``."""
    for name, text in PACKAGE.items():
        path = tmp_path / "src" / "rnnbook" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "package")
    return tmp_path, _git(tmp_path, "rev-parse", "--short=12", "HEAD").strip()


def test_a_commit_reads_as_its_files(history):
    repo, commit = history
    read = git_source(commit, repo)
    assert read("models/a.py") == PACKAGE["models/a.py"] and read("models/zzz.py") is None


def test_only_a_hash_the_history_confirms_is_carried_over_to_todays_rule(history):
    repo, commit = history
    old = module_hash("rnnbook.job", source(PACKAGE), old_rule=True)
    new = rehashed(old, "rnnbook.job", commit, repo)
    assert new == module_hash("rnnbook.job", source(PACKAGE)) != old
    assert rehashed(new, "rnnbook.job", commit, repo) == new  # carried over once, then kept
    assert rehashed("0123456789abcdef", "rnnbook.job", commit, repo) is None
    assert rehashed(old, "rnnbook.job", f"{commit}+dirty", repo) is None


def test_every_jobs_config_class_counts_in_its_experiments_code_hash():
    """The training code calls methods of a job's config (``train_config()``): its class must
    count even where the train function does not import it (``Experiment.config_type``)."""
    import functools

    from rnnbook.experiments import all_experiments
    from rnnbook.experiments.code import _uses, config_names, train_module, tree_source
    from rnnbook.profiles import PROFILES

    missing = []
    for e in all_experiments():
        uses = _uses(
            train_module(e.train),
            functools.cache(tree_source()),
            True,
            config_names(e.config_type),
        )
        for profile in PROFILES:
            for job in e.jobs_of(profile):
                kind = type(job.config)
                names = uses.get(kind.__module__, set())
                if names is not None and kind.__qualname__ not in names:
                    missing.append(f"{e.id} ({profile}): {kind.__qualname__}")
    assert not missing, sorted(set(missing))
