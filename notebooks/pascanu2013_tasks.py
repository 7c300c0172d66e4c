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
# # Exploding and vanishing gradients on long-term-dependency tasks
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/pascanu2013_tasks.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=pascanu2013_tasks`.
#
# {cite:t}`pascanu2013difficulty` show that the gradient reaching a distant hidden state of a
# recurrent network is a product of one Jacobian per step, so that it explodes or vanishes
# exponentially with the distance. They propose to clip the gradient norm (SGD-C) and to add a
# regulariser that keeps the backpropagated error from shrinking (SGD-CR), and show on the
# temporal order problem of {cite:t}`hochreiter1997long` that only SGD-CR learns dependencies
# of 50 to 200 steps (their Figure 7). This notebook reruns that sweep, the length
# generalisation of Sec. 4.1, and the one-unit "wall" of Sec. 3.2. The chapter's page,
# {ref}`pascanu2013`, explains the setup and every difference from the paper.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

import numpy as np
import torch
from IPython.display import Markdown, display

from rnnbook.cells.init import sparse_spectral, spectral_radius
from rnnbook.data.synthetic import generate
from rnnbook.experiments import pascanu2013
from rnnbook.experiments.pascanu2013 import report, report_claims, report_figures, report_wall
from rnnbook.profiles import check_profile
from rnnbook.results import plots
from rnnbook.results.verdicts import verdict_box
from rnnbook.train.optim import clip_member_grads
from rnnbook.train.regularizers import omega

profile = check_profile(profile)

# %% [markdown]
# ## Verdicts, from every recorded run
#
# The paper's claims and what our recorded runs (every profile, the strongest first) say of them;
# the chapter page opens its findings with the same box. A claim is confirmed or refuted only
# when the seeds decide it: at least two a side, and a difference larger than twice its standard
# error.

# %%
display(Markdown(verdict_box(pascanu2013.chapter_claims())))

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
pascanu2013.SUCCESS_EXPERIMENT.strongest_table()

# %% [markdown]
# Figure 7 redrawn from the same profile. The point that five seeds left undecided (length 50,
# smart tanh, SGD-C against SGD-CR) has more seeds from `pascanu2013.success_seeds`, pooled in;
# the axis label gives the seeds per point.

# %%
strongest_runs = pascanu2013.strongest_figure7()
if strongest_runs:
    fig = report_figures.plot_success(strongest_runs)
    plots.save(fig, "pascanu2013", "figure7-strongest")
else:
    display(Markdown("No Figure 7 runs are recorded beyond `smoke` yet."))

# %% [markdown]
# ## The wall: a one-unit network
#
# Sec. 3.2 of the paper pictures the error surface of a network with a single unit,
# $x_t = w\,\sigma(x_{t-1}) + b$. For $w > 4$ the map has two attractors; the final state
# $x_T$ jumps from one to the other across a line in $(w, b)$, and the error
# $E = (x_T - 0.7)^2$ (our start $x_0 = 0.5$ and target) has a narrow valley flanked by a wall.
# On the wall the gradient is huge, and it grows exponentially with $T$: one SGD step there moves
# the parameters by the learning rate times that slope.

# %%
fig = report_wall.plot_error_surface()
plots.save(fig, "pascanu2013", "wall")

# %%
cut = report_wall.one_unit_slice()
display(
    Markdown(
        "| length T | largest abs(dE/db) on the cut | median abs(dE/db) |\n|---|---|---|\n"
        + "\n".join(
            f"| {t} | {d['grad'].max():.3g} | {np.median(d['grad']):.3g} |" for t, d in cut.items()
        )
        + "\n\nFor T = 50 the wall is narrower than the spacing of the cut's points "
        f"({(cut[50]['b'][1] - cut[50]['b'][0]):.0e}): the jump looks like a discontinuity."
    )
)

# %% [markdown]
# ## Clipping (Algorithm 1)
#
# If the gradient norm exceeds a threshold $\tau$, rescale the gradient to norm $\tau$: the
# direction is kept, the step is bounded. In `rnnbook` every member of a stacked model is
# clipped by its own norm and its own threshold; a threshold of `inf` leaves SGD members
# unclipped next to SGD-C and SGD-CR members in the same batched run.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(clip_member_grads)}```"))

# %% [markdown]
# Stacking is what makes the sweep affordable: every seed, length and method of these tiny
# networks trains in one model, one batched matrix product per step. The tests check that a
# stacked member ends with the same weights as the same run done alone; the benchmark
# `benchmarks/batched_training.py` times both ways (recorded runs, see {ref}`performance`):

# %%
display(Markdown(report.benchmark_table()))

# %% [markdown]
# ## The regulariser Omega (Eq. 9)
#
# $$\Omega = \sum_k \left(\frac{\lVert \tfrac{\partial E}{\partial x_{k+1}}
# \tfrac{\partial x_{k+1}}{\partial x_k}\rVert}{\lVert \tfrac{\partial E}{\partial x_{k+1}}
# \rVert} - 1\right)^2$$
#
# asks each step to preserve the norm of the error signal in the direction it travels. Its
# gradient is taken with the error signal and the states held constant (Eq. 10), so only the
# recurrent matrix feels it. As in the authors' code, the terms are averaged over steps and
# examples. The error signals come from the same backward pass as the gradient
# (`add_omega`), and the tests check Omega and its gradient against explicit Jacobians.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(omega)}```"))

# %% [markdown]
# ## The smart-tanh initialisation
#
# 15 non-zero incoming weights per unit, rescaled to spectral radius 0.95:

# %%
w = sparse_spectral(50, torch.Generator().manual_seed(0))
display(
    Markdown(
        f"non-zeros per column: {sorted(set((w != 0).sum(0).tolist()))}; "
        f"spectral radius {spectral_radius(w):.4f}; largest singular value "
        f"{torch.linalg.matrix_norm(w, 2).item():.3f}"
    )
)

# %% [markdown]
# ## The temporal order problem
#
# Two symbols, A or B, are hidden among random distractors, one early and one in the middle; at
# the end the network names the pair in order (4 classes). One sequence of length 20, symbols
# 0-5 (A = 0, B = 1):

# %%
b = generate("temporal_order", np.random.default_rng(0), 1, 20)
display(
    Markdown(
        f"inputs: `{b.inputs.argmax(-1)[:, 0].tolist()}`; class `{b.targets.item()}` "
        "(v1 + 2 v2: AA 0, BA 1, AB 2, BB 3)"
    )
)

# %% [markdown]
# ## Figure 7: success rate against length
#
# One job per (length, initialisation): SGD, SGD-C and SGD-CR times five seeds, stacked in one
# model and trained together. A run succeeds when fewer than 1% of 10,000 fresh test sequences
# are wrong. The jobs of this profile:

# %%
display(Markdown(report.config_table(profile, pascanu2013.SUCCESS)))

# %%
success = pascanu2013.SUCCESS_EXPERIMENT.run(profile, rerun=rerun)
print(success.summary())
display(Markdown(report_claims.figure7_grid(success)))

# %% tags=["hide-output"]
pascanu2013.success_table(success, title=f"Figure 7 in long form, profile {profile}")

# %%
fig = report_figures.plot_success(success)
plots.save(fig, "pascanu2013", f"figure7-{profile}")

# %% [markdown]
# ### The paper's claims, checked on this run

# %%
display(Markdown(report.success_findings(success)))

# %% [markdown]
# ## Gradient norms with and without clipping
#
# The norm of every update's gradient (before clipping) over the first updates of seed 0, at
# the longest length of the sweep: one row per initialisation, one column per method. SGD takes
# the full step whatever the norm; SGD-C and SGD-CR take at most the threshold (dashed).

# %%
fig = report_figures.plot_grad_norms(success)
plots.save(fig, "pascanu2013", f"grad-norms-{profile}")

# %% [markdown]
# ## Generalisation to longer sequences
#
# One SGD-CR model per task, trained on lengths drawn at random from a range, then tested on
# fresh sequences of fixed, longer lengths.

# %%
display(Markdown(report.config_table(profile, pascanu2013.GENERALISATION)))

# %%
general = pascanu2013.GENERALISATION_EXPERIMENT.run(profile, rerun=rerun)
print(general.summary())
pascanu2013.generalisation_table(general, title=f"Test error by length, profile {profile}")

# %%
fig = report_figures.plot_generalisation(general)
plots.save(fig, "pascanu2013", f"generalisation-{profile}")

# %%
display(Markdown(report.generalisation_findings(general)))

# %% [markdown]
# ## Runs at the paper's lengths on a CPU
#
# The `long` profile trains Figure 7 at the paper's lengths 50 and 100 for at most 50,000
# updates (or until a run makes no mistake on its validation set), and the generalisation models
# on the paper's random lengths 50-200, each job on one CPU core for up to about two hours. The
# appendix's settings learned none of those lengths in 50,000 updates, so `long` trains the
# generalisation models again at Figure 7's settings, on 50-200 and on 50-100. Its records are
# loaded, never trained, by this notebook: `python -m rnnbook run pascanu2013 --profile long`
# trains what is missing.

# %%
long_success = pascanu2013.SUCCESS_EXPERIMENT.recorded("long")
long_general = [
    *pascanu2013.GENERALISATION_EXPERIMENT.recorded("long"),
    *pascanu2013.GENERALISATION_FIGURE7_EXPERIMENT.recorded("long"),
]
if long_success:
    display(Markdown(report_claims.figure7_grid([*success, *long_success])))
    fig = report_figures.plot_success([*success, *long_success])
    plots.save(fig, "pascanu2013", "figure7-long")
    display(Markdown(report.success_findings(long_success)))
else:
    display(Markdown("No `long`-profile runs of Figure 7 are recorded yet."))
if long_general:
    display(pascanu2013.generalisation_table(long_general, title="Test error by length, long"))
    display(Markdown(report.generalisation_findings(long_general)))

# %% [markdown]
# What a rerun of a `long` job should see on its way: the mean validation error over seeds after
# 10% and 50% of the update budget, and the time per update on the recording device.

# %%
if long_success or long_general:
    display(Markdown(report.trajectory_table(long_success + long_general)))

# %% [markdown]
# ## Runs at the paper's scale
#
# The `full` profile runs Figure 7 at lengths 50-200 with up to 5M updates per run (a GPU's
# work). Its records are shown when they exist; a record whose configuration no longer matches
# the code is marked stale.

# %%
full = pascanu2013.SUCCESS_EXPERIMENT.recorded("full")
if full:
    display(pascanu2013.success_table(full, title="Figure 7 as rows, profile full"))
    display(Markdown(report.success_findings(full)))
else:
    display(Markdown("No `full`-profile runs of Figure 7 are recorded yet."))
