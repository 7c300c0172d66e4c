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
# # Table 2, rerun: tanh, GRU and LSTM on polyphonic music
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/chung2014.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=chung2014`.
#
# {cite:t}`chung2014empirical` train three recurrent networks of about 20K parameters each, a
# tanh RNN, a GRU and an LSTM, to predict the next frame of a piano roll, and report the average
# negative log-likelihood per frame on four data sets. This notebook reruns that experiment with
# `rnnbook` and sets our numbers beside theirs. The chapter's page, {ref}`chung2014`, explains
# the setup and every place where ours differs from theirs.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.cells import GRUCell, LSTMCell
from rnnbook.experiments import chung2014
from rnnbook.profiles import check_profile
from rnnbook.results import plots
from rnnbook.results.verdicts import verdict_box

profile = check_profile(profile)

# %% [markdown]
# ## Verdicts, from every recorded run
#
# The paper's claims and what our recorded runs (every profile, the strongest first) say of them;
# the chapter page opens its findings with the same box. A claim is confirmed or refuted only
# when the seeds decide it: at least two a side, and a difference larger than twice its standard
# error.

# %%
display(Markdown(verdict_box(chung2014.chapter_claims())))

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
chung2014.TABLE2.strongest_table()

# %% [markdown]
# ## The units
#
# The GRU of the paper (Eqs. 5-8) resets the previous state *before* the recurrent product,
# $\tilde h_t = \tanh(W x_t + U (r_t \odot h_{t-1}))$, and interpolates
# $h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t$. This is the code that computes one step; every
# parameter carries a leading axis of stacked members (seeds), so the three seeds of a model train
# in one batched product:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(GRUCell.step)}```"))

# %% [markdown]
# The LSTM follows {cite:t}`graves2013generating`, with diagonal peephole weights $V$ from the
# cell to its gates (Eqs. 2-4): the input and forget gates see $c_{t-1}$, the output gate sees
# $c_t$. Our tests check the cells against PyTorch's `nn.GRU` and `nn.LSTM` where the equations
# coincide and against a float64 loop written from the equations where they do not.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(LSTMCell.step)}```"))

# %% [markdown]
# ## Model sizes (Table 1)
#
# One recurrent layer, 88 binary inputs and 88 sigmoid outputs (one per piano key). With the
# paper's unit counts our networks are larger than the paper's counts: the paper does not say how
# it counted, and no choice of input size, biases or readout reproduces all three of its numbers.

# %%
display(Markdown(chung2014.parameter_table()))

# %% [markdown]
# ## The configuration of this run
#
# Every number of the table below comes from one of these jobs, one per data set and model
# (`lrs` lists the learning-rate candidates; `patience` counts epochs without a better
# validation NLL before a seed stops).

# %%
display(Markdown(chung2014.config_table(profile)))

# %% [markdown]
# ## Train (or load) and tabulate
#
# Runs recorded with the current configuration are loaded from `results/`; missing or stale ones
# are trained now.

# %%
records = chung2014.TABLE2.run(profile, rerun=rerun)
print(records.summary())
title = f"Table 2, average NLL per frame (nats), profile {profile}"
grid = chung2014.table2_grid(records, configured=chung2014.TABLE2.placeholders())
display(Markdown(f"**{title}**\n\n{grid}"))

# %% [markdown]
# The same rows in long form, train and test (also `python -m rnnbook results chung2014 --json`):

# %% tags=["hide-output"]
chung2014.table(records, title=f"{title}, long form")

# %% [markdown]
# ## Learning curves (Figure 2)
#
# The paper's Figure 2 shows Nottingham and MuseData against updates and against wall-clock
# time. Training curves are each epoch's mean minibatch loss, weight noise included; validation
# curves are measured without noise. The line is the mean over seeds, the band their range.
# Wall-clock time is that of the process that trained a model's three seeds together, while
# another process trained another model on the second core.

# %%
fig = chung2014.plot_learning_curves(records, ("nottingham", "musedata"))
plots.save(fig, "chung2014", f"figure2-{profile}")

# %%
fig = chung2014.plot_learning_curves(records, ("jsb", "piano"))
plots.save(fig, "chung2014", f"curves-jsb-piano-{profile}")

# %% [markdown]
# ## The paper's claims, checked on this run

# %%
display(Markdown(chung2014.findings(records)))

# %% [markdown]
# ## Runs at the paper's scale
#
# The `full` profile follows the paper's protocol (learning-rate search on validation NLL, early
# stopping, three seeds). Its records are shown when they exist, with the device, time and commit
# that produced them; a record whose configuration no longer matches the code is marked stale.

# %%
full = chung2014.TABLE2.recorded("full")
if full:
    display(chung2014.table(full, title="Table 2, average NLL per frame (nats), profile full"))
    display(Markdown(chung2014.findings(full)))
else:
    display(Markdown("No `full`-profile runs are recorded yet."))

# %% [markdown]
# ## Where the gap comes from
#
# Four candidate causes of a gap between our numbers and the paper's, each checked here.
#
# **How the NLL is averaged.** The tables weigh every frame the same, as
# {cite:t}`boulangerlewandowski2012modeling` prescribe for these data sets. A paper that averaged
# each piece first and then the pieces would report the right-hand column:

# %%
best = chung2014.prefer_full(records, full)  # full-profile runs where they exist
display(Markdown(chung2014.averaging_table(best)))

# %% [markdown]
# **The input size.** The paper's inputs have 93, 96, 105 and 108 dimensions because its code
# indexes notes by MIDI number from 1; the extra dimensions are never on. An input that is always
# zero contributes nothing to the network, and an output that is always off costs almost nothing
# once its bias is learnt (our 88 outputs include the keys a data set never uses: Nottingham uses
# 63 of them). This cannot explain a gap of tenths of a nat.
#
# **The training budget and weight noise.** The paper's code release trains on one piece per
# update, with momentum 0.9 and a learning rate that decays linearly to 1% of its start: about 700
# updates per Nottingham epoch where our minibatches of 32 make 22. The variants below retrain the
# Nottingham GRU with the noise off, with minibatches of 8, and with the code release's settings,
# and plot the validation NLL against updates and against epochs (no early stopping):

# %%
budget = chung2014.BUDGET_VARIANTS_EXPERIMENT.run(profile, rerun=rerun)
print(budget.summary())
chung2014.budget_table(budget, title=f"Nottingham GRU, profile {profile}: what training changes")

# %%
fig = chung2014.plot_budget(budget)
plots.save(fig, "chung2014", f"budget-{profile}")

# %% [markdown]
# ## Against the RNN baselines of Boulanger-Lewandowski et al. (2012)
#
# {cite:t}`boulangerlewandowski2012modeling` report, on the same splits and with the same
# frame-averaged metric, RNNs trained with SGD and with Hessian-free optimisation, and the
# RNN-NADE that models the notes of a frame jointly. Our best model per data set (from `full`
# runs where they exist):

# %%
display(Markdown(chung2014.baseline_table(best)))
