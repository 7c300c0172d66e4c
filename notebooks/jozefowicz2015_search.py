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
# # The architecture search, in small
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/jozefowicz2015_search.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=jozefowicz2015_search`.
#
# {cite:t}`jozefowicz2015empirical` looked for a better recurrent cell by mutating the computation
# graphs of the LSTM and the GRU, about ten thousand candidates in all. This notebook runs the same
# procedure at a size that fits the profile: cells as graphs, the paper's six mutation operators,
# a cheap memorisation filter, and the score that compares a candidate's worst task with the GRU.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

import numpy as np
from IPython.display import Markdown, display

from rnnbook.cells.graph import describe, gru_graph, mutate
from rnnbook.experiments import arch_search
from rnnbook.experiments import jozefowicz2015 as jz
from rnnbook.experiments.jozefowicz2015 import report, report_more
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
jz.SEARCH_EXPERIMENT.strongest_table()

# %% [markdown]
# ## A cell as a graph
#
# Nodes are the inputs ($x_t$, $h_{t-1}$ and, for LSTM-like cells, $c_{t-1}$), affine maps
# `linear:b` ($W u + b$ with its own weight, the bias starting at $b$), activations (`tanh`,
# `sigmoid`, `relu`) and element-wise `add`, `mul`, `sub`. The GRU, node by node
# ($h' = h + z (\tilde h - h)$):

# %%
print(describe(gru_graph()))

# %% [markdown]
# ## Mutations
#
# Each node is, with a small probability, transformed by one of the paper's six operators: swap
# its activation, swap its element-wise operation, insert an activation before it, remove it
# (if it has one input and one reader), replace it by one of its ancestors, or combine it with
# another node that does not depend on it. The result is pruned and checked; an equivalent graph
# seen before is drawn again.

# %%
child, applied = mutate(gru_graph(), np.random.default_rng(3))
print("operators applied:", ", ".join(applied))
print(describe(child))

# %% [markdown]
# The score of a candidate $A$ is
# $\min_{\text{task}} \mathrm{acc}_A(\text{task}) / \mathrm{acc}_{\text{GRU}}(\text{task})$:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(arch_search.score)}```"))

# %% [markdown]
# ## The configuration of this run
#
# The memorisation filter trains each new candidate briefly to repeat a short random sequence; a
# candidate below `filter_fraction` of the GRU's accuracy is dropped. The others train on the
# scoring tasks with `settings` hyperparameter settings each, side by side as stacked members;
# the candidates of a generation train in parallel processes.

# %%
display(Markdown(report.config_table(profile, "search")))

# %% [markdown]
# ## Run (or load) the search

# %%
search = jz.SEARCH_EXPERIMENT.run(profile, rerun=rerun)
print(search.summary())
(record,) = search
jz.search_table([record], title=f"The best cells found, profile {profile}")

# %% [markdown]
# `paper` holds the paper's own scores where it has one (from its Table 1: GRU 1 by definition,
# LSTM 0.95). Per task, the accuracies behind the scores:

# %%
display(Markdown(report_more.search_accuracies(record)))
board = arch_search.leaderboard(jz.search_candidates(record), top=6)

# %% [markdown]
# The best candidate found, node by node:

# %%
best = next(c for c in board if c.generation > 0) if any(c.generation for c in board) else None
if best is not None:
    print(f"{best.name} (mutated from {best.parent} by: {', '.join(best.mutations)})")
    print(describe(best.to_graph()))

# %%
fig = report_more.plot_search(record)
plots.save(fig, "jozefowicz2015", f"search-{profile}")

# %% [markdown]
# ## What the search found, in numbers

# %%
display(Markdown(report_more.search_findings(record)))
