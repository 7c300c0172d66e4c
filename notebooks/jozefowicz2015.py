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
# # Table 1, rerun: ten recurrent cells on arithmetic, XML and Penn Treebank
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/jozefowicz2015.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=jozefowicz2015`.
#
# {cite:t}`jozefowicz2015empirical` compare the LSTM, four ablations of it, the GRU, three
# mutants found by their architecture search (MUT1-3) and a tanh RNN on three next-step
# prediction tasks, each cell with its best hyperparameters out of a random search. This notebook
# reruns that comparison with `rnnbook` and checks the paper's claims about the LSTM's gates on
# our numbers. The chapter's page, {ref}`jozefowicz2015`, explains the setup and where ours
# differs.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

import numpy as np
from IPython.display import Markdown, display

from rnnbook.cells import MUTCell
from rnnbook.data.arithmetic import arithmetic_example
from rnnbook.data.xml_task import stack_predictor_accuracy, xml_document, xml_stream
from rnnbook.experiments import jozefowicz2015 as jz
from rnnbook.experiments.jozefowicz2015 import report, report_more
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
display(Markdown(verdict_box(jz.chapter_claims())))

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
jz.TABLE1_EXPERIMENT.strongest_table()

# %% [markdown]
# The verdicts read a spread over seeds: each cell's best setting, trained again with three seeds,
# and with 26 where three did not decide a claim (`jozefowicz2015.table1_more_seeds`).

# %%
jz.strongest_seeds_table()

# %% [markdown]
# ## The mutants
#
# MUT1-3 are GRU-like: a gate $z_t$ interpolates between the old state and a tanh candidate
# computed from the reset state $r_t \odot h_{t-1}$. They differ in what feeds the gates: MUT1's
# update gate sees only the input, and its candidate adds $\tanh(x_t)$ without a weight; MUT2's
# reset gate adds $x_t$ itself; MUT3's update gate reads $\tanh(h_{t-1})$. One class computes all
# three; this is one step:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(MUTCell.step)}```"))

# %% [markdown]
# The tests check each variant against a float64 loop written from the printed equations, and
# the LSTM and its ablations (a gate switched off is the constant 1; LSTM-b adds 1 to the
# forget-gate bias) against loops of their own.
#
# ## The tasks
#
# **Arithmetic**: the sum or difference of two numbers, with random letters between the
# characters; the network reads the question and predicts the answer one character at a time.
# Only the answer is scored. Three examples:

# %%
rng = np.random.default_rng(0)
display(Markdown("\n".join(f"- `{arithmetic_example(rng)}`" for _ in range(3))))

# %% [markdown]
# **XML**: random nested tags. Opening names are random, so no model predicts them; a closing tag
# is determined by the stack of open tags. A hand-written predictor that keeps the stack reaches
# the accuracy below, a near-ceiling for any model (the paper's best is 0.475):

# %%
display(Markdown(f"`{xml_document(np.random.default_rng(1))[:120]}...`"))
print(f"stack predictor accuracy: {stack_predictor_accuracy(xml_stream(50_000, seed=0)[0]):.3f}")

# %% [markdown]
# **PTB**: the next word of the Penn Treebank language-modelling splits (10,000 words). A model
# that ignores the context sets the floor: always predicting the most frequent word, or the
# unigram distribution, scores

# %%
baseline = report.ptb_unigram_baseline()
print(f"accuracy {baseline['accuracy']:.4f}, perplexity {baseline['perplexity']:.0f}")

# %% [markdown]
# The paper's PTB accuracies (0.087-0.092) lie only a little above that floor; the chapter's page
# discusses what they may measure.
#
# ## The configuration of this run
#
# Every (task, cell) pair is one job. Its hyperparameter settings (initialisation scale, learning
# rate, clipping threshold, drawn from the paper's ranges) train side by side as stacked members
# of one model; the best on validation accuracy is reported. All cells of a task get the same
# settings.

# %%
display(Markdown(report.table1_settings(profile)))

# %% [markdown]
# ## Train (or load) and tabulate

# %%
records = jz.TABLE1_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
jz.table1(records, title=f"Table 1, test next-step accuracy, profile {profile}")

# %% [markdown]
# ## Ours against the paper's
#
# Each point is one cell: the paper's accuracy on the horizontal axis, ours on the vertical.
# Points on a rising line mean the ranking is reproduced, whatever the scale.

# %%
fig = report_more.plot_table1(records, profile)
plots.save(fig, "jozefowicz2015", f"table1-{profile}")

# %% [markdown]
# ## The paper's claims about the LSTM, checked on this run
#
# The paper finds that the forget gate matters most (except on language modelling), the output
# gate least, and that a forget-gate bias of 1 closes most of the gap to the GRU.

# %%
display(Markdown(report.ablation_findings(records)))

# %% [markdown]
# ## Rankings
#
# Next to each task, the accuracy of a predictor with no memory beyond the last characters: a
# cell below it has not yet used its recurrence.

# %%
display(Markdown(report.baseline_findings(profile)))
display(Markdown(report.ranking_findings(records)))

# %% [markdown]
# ## Runs at the paper's scale
#
# The `full` profile (wider two-layer networks, 20 settings per pair, the 8-digit task) is meant
# for a GPU. Its records are shown when they exist.

# %%
full = jz.TABLE1_EXPERIMENT.recorded("full")
if full:
    display(jz.table1(full, title="Table 1, test next-step accuracy, profile full"))
    display(Markdown(report.ablation_findings(full)))
else:
    display(Markdown("No `full`-profile runs are recorded yet."))
