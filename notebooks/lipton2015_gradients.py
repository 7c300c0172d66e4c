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
# # Vanishing and exploding gradients, measured
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/lipton2015_gradients.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=lipton2015_gradients`.
#
# {cite:t}`lipton2015critical` (Sec. 3.2) explain why recurrent networks are hard to train with a
# single unit: with a self-connection of weight $w$ and a linear activation, the influence of the
# state at time $\tau$ on the state at time $t$ is $w^{\,t-\tau}$, which vanishes for
# $\lvert w \rvert < 1$ and explodes for $\lvert w \rvert > 1$. The LSTM's memory cell, with its
# self-connection of weight one, is their answer (Sec. 4.1). This notebook measures both claims on
# real networks, at initialisation and after brief training. The chapter's page, {ref}`lipton2015`,
# sets out the notation and the setup.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.cells import LSTMCell, SimpleCell
from rnnbook.experiments import lipton2015
from rnnbook.experiments.lipton2015 import report, report_figures, report_gradients
from rnnbook.experiments.lipton2015 import train_measures as measures
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
display(Markdown(verdict_box(lipton2015.chapter_claims())))

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
lipton2015.GRADIENTS_EXPERIMENT.strongest_table()

# %% [markdown]
# ## The two cells in the review's notation
#
# The simple RNN, $h^{(t)} = \phi\big(W^{hx} x^{(t)} + W^{hh} h^{(t-1)} + b_h\big)$ with
# $\phi = \tanh$, is {class}`rnnbook.cells.SimpleCell`. Its weights are stored transposed (a row
# vector times a matrix), with a leading axis of stacked members: `xw` is $W^{hx} x^{(t)} + b_h$,
# computed for the whole sequence at once, and `weight_hh` is $W^{hh}$.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(SimpleCell.step)}```"))

# %% [markdown]
# The LSTM of the review (input node $g$, gates $i, f, o$, internal state $s$, no peepholes) is
# {class}`rnnbook.cells.LSTMCell` with `peephole=False`; its state tuple is $(h, s)$ and the
# update `c_new = i * g + f * c` is $s^{(t)} = g^{(t)} \odot i^{(t)} + s^{(t-1)} \odot f^{(t)}$.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(LSTMCell.step)}```"))

# %% [markdown]
# ## The measurement
#
# For the tanh RNN we measure the spectral norm $\lVert \partial h^{(t)} / \partial h^{(\tau)}
# \rVert_2$, the largest factor by which a perturbation of the state at $\tau$ can grow by time
# $t$; for the LSTM, the same norm along the memory cell, $\lVert \partial s^{(t)} /
# \partial s^{(\tau)} \rVert_2$. Both are total derivatives through the whole network, computed by
# automatic differentiation one output unit at a time (a test checks them against the product of
# per-step Jacobians written out by hand), at the last step $t = T$ of sequences of the
# delayed-recall task, for every lag $t - \tau$.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(measures.jacobian_norms)}```"))

# %% [markdown]
# The variants: tanh RNNs whose recurrent matrix is one random Gaussian matrix per seed, rescaled
# to spectral radius $\rho$; LSTMs with forget-gate bias $b_f$ added at initialisation. All
# variants and seeds of a family train together as members of one stacked network, briefly, with
# full backpropagation through time on the delayed-recall task.

# %%
display(Markdown(report.config_table(profile, "gradients")))

# %%
records = lipton2015.GRADIENTS_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
title = f"Per-step factor of the Jacobian norm, profile {profile}"
report_gradients.gradient_table(records, title=title)

# %% [markdown]
# ## The norm against the lag
#
# One line per variant (mean over seeds of the mean log-norm over sequences); the band spans the
# 10th to 90th percentile over the sequences of the first seed. A straight line on this scale is
# the exponential law $\lvert w \rvert^{\,t-\tau}$ of the review; the dashed lines draw that law
# with $\lvert w \rvert = \rho$ for the tanh RNNs and, for the LSTMs, with the rate of the
# carousel alone: the forget gates' product along the most open unit, every other path ignored.

# %%
fig = report_figures.plot_gradients(records, "init")
plots.save(fig, "lipton2015", f"jacobians-init-{profile}")

# %%
fig = report_figures.plot_gradients(records, "trained")
plots.save(fig, "lipton2015", f"jacobians-trained-{profile}")

# %% [markdown]
# ## The review's claims, checked on this run
#
# The per-step factor is fitted over the second half of the lags, past the first steps'
# transient.

# %%
display(Markdown(report_gradients.gradient_findings(records)))

# %% [markdown]
# ## The factor at initialisation, over many seeds
#
# The verdicts compare per-step factors at initialisation, and a handful of seeds cannot tell the
# LSTM's from the tanh RNN's: the factor's spread over seeds is as large as the difference.
# Without training the measurement costs about a second per seed, so the `init_factors`
# experiment repeats it for many seeds of every variant: 100 in the `cpu` profile, 500 in `long`
# (each configuration says why). Where 500 left the tanh RNN at ρ = 1.1 undecided,
# `init_factor_seeds` adds 2,500 seeds of that variant, and they are pooled. The verdicts above
# use the strongest profile recorded; it comes first here, then the build's profile.

# %%
factor_profiles = lipton2015.init_factor_profiles(profile, rerun=rerun)
for shown, factors in factor_profiles:
    display(Markdown(f"**Profile `{shown}`.**\n\n{report_gradients.init_factor_findings(factors)}"))

# %%
for shown, factors in factor_profiles:
    fig = report_figures.plot_init_factors(factors)
    plots.save(fig, "lipton2015", f"init-factors-{shown}")


# %% [markdown]
# The chapter's page sets these numbers beside the review's claim and says where our setup may
# explain a difference: {ref}`lipton2015-found`.
