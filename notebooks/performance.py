# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Recorded benchmark runs
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/performance.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=performance`.
#
# This notebook trains nothing: it reads the JSON that the scripts in `benchmarks/` wrote
# (`benchmarks/results/`, one file per script and device) and checks each target of the
# {ref}`performance` page against it. Every number is a ratio to a reference timed in the same
# run on the same device.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full: the records shown do not depend on it

# %%
from IPython.display import Markdown, display

from rnnbook.profiles import check_profile
from rnnbook.results import benchmarks

profile = check_profile(profile)
runs = benchmarks.load_benchmarks()
display(Markdown("\n".join(f"- {benchmarks.provenance(r)}" for k in runs for r in runs[k])))

# %% [markdown]
# ## The targets

# %%
display(Markdown(benchmarks.targets_markdown(benchmarks.target_checks(runs))))

# %% [markdown]
# ## Diagonal scan

# %%
for run in runs["scan"]:
    copy = run["copy"]["gb_per_s"]
    display(Markdown(f"**{run['device']}**, copy bandwidth {copy:.1f} GB/s in the same run"))
    display(Markdown(benchmarks.scan_table(run)))

# %% [markdown]
# ## Recurrent cells

# %%
for run in runs["cells"]:
    size = f"batch {run['batch']}, length {run['length']}, hidden {run['hidden']}"
    display(Markdown(f"**{run['device']}**, {size}"))
    display(Markdown(benchmarks.cells_table(run)))

# %% [markdown]
# ## Many runs in one model

# %%
for run in runs["batched_training"]:
    display(Markdown(f"**{run['device']}**, {run['task']} of length {run['length']}"))
    display(Markdown(benchmarks.batched_table(run)))
