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
# # Truncated backpropagation through time
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/lipton2015_tbptt.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=lipton2015_tbptt`.
#
# Backpropagation through time over long sequences is expensive, and its gradients can explode.
# {cite:t}`lipton2015critical` (Sec. 3.3) describe the common remedy, truncated BPTT
# {cite:p}`williams1990efficient`: the error is propagated back only a fixed number of steps. The
# price is that a dependency longer than the truncation window gets no gradient at all. This
# notebook measures that price on a task whose dependency has a known length.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.experiments import lipton2015
from rnnbook.experiments.lipton2015 import report, report_figures
from rnnbook.experiments.lipton2015 import train_measures as measures
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
lipton2015.TBPTT_EXPERIMENT.strongest_table()

# %% [markdown]
# ## The task
#
# Delayed recall: at every step a random symbol (one of $K$) arrives; at one random step a
# *remember* marker flags the symbol of that step, and exactly $\ell$ steps later a *recall*
# marker asks for it. Only the recall step is scored, so a network that has not learnt to keep
# the symbol is right with probability $1/K$. The dependency spans exactly $\ell$ steps.
#
# ## Truncation
#
# The forward pass is the ordinary one: the state is carried over the whole sequence. In the
# backward pass, member $e$'s state is cut from the graph at steps $k_e, 2k_e, \dots$: the error at
# a step reaches back at most to the start of its chunk of $k_e$ steps. All windows and seeds are
# members of one stacked LSTM and see the same data; each minibatch gives one update, the sum of
# the chunks' truncated gradients. (Online truncated BPTT would also update after every chunk; we
# keep the number of updates equal across windows.)

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(measures.truncated_unroll)}```"))

# %%
display(Markdown(report.config_table(profile, "tbptt")))

# %%
records = lipton2015.TBPTT_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
report.tbptt_table(records, title=f"Test accuracy at the recall step, profile {profile}")

# %% [markdown]
# ## Learning curves
#
# Validation accuracy during training, mean over seeds with their range.

# %%
fig = report_figures.plot_training_curves([r for r in records if r.experiment == "tbptt"])
plots.save(fig, "lipton2015", f"tbptt-curves-{profile}")

# %% [markdown]
# ## The claim, checked on this run
#
# A window longer than the lag lets some remember-recall pairs fall inside one chunk, so that
# the error at the recall step reaches the remembered symbol; a window no longer than the lag
# never puts both steps in one chunk, and no gradient links them. Whatever such a network still
# gets right above chance, its readout must decode from what its memory happens to keep.

# %%
display(Markdown(report.tbptt_findings(records)))


# %% [markdown]
# The chapter's page sets these numbers beside the review's claim and says where our setup may
# explain a difference: {ref}`lipton2015-found`.
