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
# # Bidirectional RNNs use the future
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/lipton2015_brnn.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=lipton2015_brnn`.
#
# When a whole sequence is given before any output is needed, the output at step $t$ may depend
# on inputs after $t$. {cite:t}`lipton2015critical` (Sec. 4.3) present the bidirectional RNN of
# {cite:t}`schuster1997bidirectional` for this case: a forward chain $h$, a backward chain $z$, and
# an output that reads both. This notebook compares it with one-directional RNNs on a labelling
# task that needs context from both sides.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.data.synthetic_lipton import one_sided_accuracy_bound
from rnnbook.experiments import lipton2015
from rnnbook.experiments.lipton2015 import report, report_figures
from rnnbook.models.bidirectional import BidirectionalNetwork, reverse_padded
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
lipton2015.BRNN_EXPERIMENT.strongest_table()

# %% [markdown]
# ## The model
#
# $h^{(t)} = \phi(W^{hx} x^{(t)} + W^{hh} h^{(t-1)} + b_h)$ runs forward,
# $z^{(t)} = \phi(W^{zx} x^{(t)} + W^{zz} z^{(t+1)} + b_z)$ backward, and
# $\hat y^{(t)} = \operatorname{softmax}(W^{yh} h^{(t)} + W^{yz} z^{(t)} + b_y)$, with
# $\phi = \tanh$ ({class}`rnnbook.cells.SimpleCell`, the review writes $\sigma$). The backward
# chain is the same cell run over each sequence reversed *within its own length*, so that the
# padding of a shorter sequence never reaches its real steps:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(reverse_padded)}```"))

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(BidirectionalNetwork.forward)}```"))

# %% [markdown]
# The one-directional baselines are the same class with one chain left out: `forward` (the
# ordinary RNN) and `backward` (an RNN that reads the sequence from the end).
#
# ## The task
#
# Random symbols $x^{(t)} \in \{0, \dots, K-1\}$; the label at step $t$ is
# $\max(x^{(t-d)}, x^{(t+d)})$, scored where both neighbours exist. A network that sees only one
# side of $t$ knows one of the two symbols; its best guess is the one it knows, which is right with
# probability $(K + 1) / 2K$ (a test checks this by enumeration). Seeing both sides, it can be
# exact; the readout, linear in $h$ and $z$, can represent the maximum.

# %%
config = lipton2015.brnn_configs(profile)[0]
bound = one_sided_accuracy_bound(config.symbols)
display(Markdown(f"With K = {config.symbols}: one-sided bound **{bound:.3f}**."))
display(Markdown(report.config_table(profile, "brnn")))

# %%
records = lipton2015.BRNN_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
report.brnn_table(records, title=f"Test accuracy per labelled step, profile {profile}")

# %%
fig = report_figures.plot_training_curves(records)
plots.save(fig, "lipton2015", f"brnn-curves-{profile}")

# %% [markdown]
# ## The claim, checked on this run

# %%
display(Markdown(report.brnn_findings(records)))


# %% [markdown]
# The chapter's page sets these numbers beside the review's claim and says where our setup may
# explain a difference: {ref}`lipton2015-found`.
