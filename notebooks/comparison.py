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
# # Every cell on every task
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/comparison.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=comparison`.
#
# The five papers each compared their cells on their own tasks with their own budget. This
# notebook trains every cell of the book on every task of the book under one rule per task: the
# same number of parameters, updates and minibatch size, the same learning-rate search and the
# same seeds. The chapter's page, {ref}`comparison`, states the rules and what they leave out.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | long
rerun = None  # None: follow the RERUN environment variable

# %% tags=["remove-input"]
import inspect

from IPython.display import Markdown, display

from rnnbook.experiments import comparison
from rnnbook.models.comparison import CellNetwork, width_for_budget
from rnnbook.profiles import check_profile
from rnnbook.results import plots
from rnnbook.results.verdicts import strongest, verdict_box

profile = check_profile(profile)

# %% [markdown]
# ## What holds across papers, from every recorded run
#
# Each paper's claim about cells, judged on every task of the book (or on its long-range tasks,
# where the paper claims no more) with the book's one rule: a claim holds only where every task's
# comparison is decided as claimed (two or more seeds a side, a difference beyond twice its
# standard error); one task decided against it refutes it.

# %%
display(Markdown(verdict_box(comparison.chapter_claims())))

# %% [markdown]
# ## The strongest recorded runs
#
# The table of the strongest profile recorded (`long`, then `cpu`): mean ± SD over seeds and, in
# brackets, the cell's rank on that task (1 is best, in bold).

# %%
recorded = comparison.GRID_EXPERIMENT.recorded()
display(Markdown(comparison.grid_markdown(recorded)))

# %% [markdown]
# The same runs as ranks (1 the best), and their validation curves: one panel per task, one line
# per cell, the mean over the seeds at the cell's chosen learning rate.

# %%
strongest_profile, _ = strongest(recorded)
if strongest_profile:
    fig = comparison.plot_ranks(recorded, strongest_profile)
    plots.save(fig, "comparison", f"ranks-{strongest_profile}")

# %%
if strongest_profile:
    fig = comparison.plot_curves(recorded, strongest_profile)
    plots.save(fig, "comparison", f"curves-{strongest_profile}")

# %% [markdown]
# ## One model shape
#
# Every network encodes its inputs linearly, runs one recurrence and reads out linearly at every
# step; a task reads the steps it scores. The LRU, linear in time, comes in its published block
# (norm, LRU, GELU, gated linear unit, residual), two of them by default:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(CellNetwork.forward)}```"))

# %% [markdown]
# Each cell's width is the one whose parameter count comes closest to the task's budget, so every
# cell gets the same budget (to a few percent):

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(width_for_budget)}```"))

# %%
display(Markdown(comparison.parameter_markdown(profile)))

# %% [markdown]
# ## Train (or load) and tabulate
#
# Runs recorded with the current configuration are loaded from `results/`; missing or stale ones
# are trained now. Each job searches the learning rate with the first seed, then trains every
# seed at the best candidate.

# %%
records = comparison.GRID_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
display(Markdown(comparison.grid_markdown(records, profile)))

# %% [markdown]
# ## Ranks
#
# The same table as ranks: a column per task, a row per cell, 1 the best.

# %%
fig = comparison.plot_ranks(records, profile)
plots.save(fig, "comparison", f"ranks-{profile}")

# %% [markdown]
# ## Learning curves
#
# Validation metric against updates, one panel per task, the mean over the seeds at each cell's
# chosen learning rate.

# %%
fig = comparison.plot_curves(records, profile)
plots.save(fig, "comparison", f"curves-{profile}")
