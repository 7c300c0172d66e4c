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
# # From a tanh RNN to the LRU, one change at a time (Tables 1-3)
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/orvieto2023_ladder.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=orvieto2023_ladder`.
#
# Sec. 3 of {cite:t}`orvieto2023resurrecting` turns a deep tanh RNN into the LRU in steps, keeping
# the rest of the network (normalisation, GLU, skip connections, six blocks) fixed, and measures
# each step on the LRA tasks. This notebook climbs the same ladder on two of the book's tasks.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.cells.lru import LADDER, DenseCell
from rnnbook.experiments import orvieto2023
from rnnbook.experiments.orvieto2023 import report, report_figures
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
orvieto2023.LADDER_RUN.strongest_table()

# %% [markdown]
# ## The rungs
#
# | rung | recurrence | eigenvalues at initialisation |
# |---|---|---|
# | `tanh` | $h_t = \tanh(A h_{t-1} + B u_t + b)$ | Glorot $A$: unit disk |
# | `dense` | $h_t = A h_{t-1} + B u_t$ (linear) | as above |
# | `real_im` | $h_t = \lambda \odot h_{t-1} + B u_t$, $\lambda = a + i b$ | unit disk |
# | `exp` | $\lambda = \exp(-\nu + i \theta)$ | as above |
# | `stable_exp` | $\lambda = \exp(-\exp(\nu^{\log}) + i \exp(\theta^{\log}))$ | as above |
# | `ring` | as above | the task's ring $[r_{\min}, r_{\max}]$ |
# | `lru` | $h_t = \lambda \odot h_{t-1} + \gamma \odot (B u_t)$ | as above |
#
# Every rung reads out $y_t = C h_t + D u_t$ (the real part for the complex ones).
#
# The diagonal rungs all start from the *same* eigenvalues, $B$, $C$ and $D$ for a given seed:
# only the way $\lambda$ is parameterised changes until the ring replaces the unit disk. The dense
# rungs run as a loop, one matrix product per step:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(DenseCell.step)}```"))
display(Markdown("\n".join(f"- `{r}`: {LADDER[r].title}" for r in orvieto2023.LADDER_RUNGS)))

# %% [markdown]
# ## The configuration of this run
#
# Only the recurrence changes along a ladder; the learning-rate factor applies to the recurrent
# parameters of every rung ($A$ and $B$ for the dense ones).

# %%
display(Markdown(report.config_table(orvieto2023.ladder_configs(profile))))

# %% [markdown]
# ## Train (or load) and tabulate

# %%
records = orvieto2023.LADDER_RUN.run(profile, rerun=rerun)
print(records.summary())
orvieto2023.ladder_table(records, title=f"Tables 1-3, test accuracy (%), profile {profile}")

# %%
fig = report_figures.plot_ladder(records)
plots.save(fig, "orvieto2023", f"ladder-{profile}")

# %% [markdown]
# ## Each step, paper vs ours
#
# A step is judged by its direction: the paper's change on the task ours stands in for against
# ours, where a change of less than two standard errors (over seeds) counts as no clear change.

# %%
display(Markdown(report.ladder_findings(records)))

# %% [markdown]
# The linear dense rung, seed by seed: a linear recurrence multiplies its state by $A$ at every
# step, so an eigenvalue of modulus above 1 at initialisation grows without bound. This comes from
# the initialisation, not from unlucky seeds: {cite:t}`bar2025revisiting` show that the largest
# eigenvalue modulus of a Glorot matrix of finite width lands slightly above 1 often enough that a
# linear recurrence started there explodes over long sequences, and they propose scaling the
# matrix so that its spectral radius starts just below 1.

# %%
display(Markdown(report.dense_findings(records, orvieto2023.ladder_configs(profile))))

# %% [markdown]
# ## Runs at the paper's scale

# %%
full = orvieto2023.LADDER_RUN.recorded("full")
if full:
    display(orvieto2023.ladder_table(full, title="Tables 1-3, test accuracy (%), profile full"))
    display(Markdown(report.ladder_findings(full)))
else:
    display(Markdown("No `full`-profile runs are recorded yet."))
