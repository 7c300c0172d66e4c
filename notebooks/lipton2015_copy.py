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
# # The copy task: a Neural Turing Machine against an LSTM
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/lipton2015_copy.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=lipton2015_copy`.
#
# {cite:t}`lipton2015critical` (Sec. 4.4) close their survey of architectures with the Neural
# Turing Machine of {cite:t}`graves2014neural`: a recurrent controller coupled to an external
# memory that it reads and writes through soft attention. Their evidence is Graves et al.'s copy
# task: trained to copy sequences of up to 20 random 8-bit vectors, the NTM copies much longer
# ones, while an LSTM fails beyond the lengths it was trained on. This notebook reruns that
# experiment.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.cells import ntm
from rnnbook.experiments import lipton2015
from rnnbook.experiments.lipton2015 import report, report_figures
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
lipton2015.COPY_EXPERIMENT.strongest_table()

# %% [markdown]
# ## Addressing, one equation per function
#
# Each head turns the controller's output into a weighting $w^{(t)}$ over the $N$ memory rows in
# four steps (Sec. 3.3 of Graves et al.; the chapter's page gives the equations). The code is one
# small function per step; the tests check each against cases computed by hand.

# %% tags=["remove-input"]
for fn in (ntm.content_weights, ntm.interpolate, ntm.shift_weights, ntm.sharpen):
    display(Markdown(f"```python\n{inspect.getsource(fn)}```"))

# %% [markdown]
# The four steps on a memory of six rows: content addressing finds the rows like the key, the
# gate mixes in the previous focus, the shift moves the mixture one row on, and sharpening
# concentrates it.

# %%
display(Markdown(lipton2015.addressing_example()))

# %% [markdown]
# Reading returns $r^{(t)} = \sum_i w^{(t)}(i) M^{(t)}(i)$; writing erases, then adds. One step of
# the machine ({class}`rnnbook.cells.ntm.NTMCell`): the controller reads the input and the previous
# read vectors, the write head addresses and changes the memory, the read head addresses the new
# memory and reads it. The cell's output, the controller state and the read vector, goes to a
# linear readout of 8 bit logits.

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(ntm.NTMCell.step)}```"))

# %% [markdown]
# ## The setup
#
# Three models: the NTM with a feed-forward controller and with an LSTM controller (Tables 1 and
# 2 of Graves et al.), and an LSTM (Table 3). They train on lengths drawn uniformly from the
# training range and are tested on fresh sequences of every test length. The weights kept are
# those with the fewest bit errors on a validation set of the training lengths. The `cpu` profile
# trains on shorter sequences and for fewer updates than the paper (see the chapter's page).

# %%
display(Markdown(report.config_table(profile, "copy")))

# %% [markdown]
# Our parameter counts at the paper's sizes (the `full` profile) beside the paper's; the paper
# does not say how it counted (a bias per gate, peepholes, the readout).

# %%
display(Markdown(lipton2015.copy_parameter_table("full")))

# %%
records = lipton2015.COPY_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
report.copy_table(records, title=f"Copy task: bit errors per sequence, profile {profile}")

# %%
report.copy_table(
    records,
    title=f"Copy task: share of sequences copied perfectly, profile {profile}",
    metric="perfect",
)

# %% [markdown]
# ## Errors against length
#
# Left: bit errors per sequence (plus one, on a log scale) against the length of the test
# sequence, with the chance level dashed: a copy that ignores its input gets half of the
# $8L$ bits of a length-$L$ sequence wrong. Middle: the share of test sequences copied without a
# single wrong bit; mean bit errors mix a few failed copies with many perfect ones, and this panel
# separates them. The grey band marks the training lengths. Right: validation bit errors on the
# training lengths during training. Lines are means over seeds, bands their range.

# %%
fig = report_figures.plot_copy(records)
plots.save(fig, "lipton2015", f"copy-{profile}")

# %% [markdown]
# ## What the NTM learnt
#
# Graves et al. (Fig. 6) show that their NTM writes the vectors to consecutive rows and reads
# them back in the same order. The row in focus of our NTMs' write and read heads (first seed of
# each), while they copy one sequence of length 20 (in the `cpu` profile twice the longest
# training length); marker size is the weight of that row:

# %%
fig = report_figures.plot_head_trace(records)
plots.save(fig, "lipton2015", f"copy-heads-{profile}")

# %% [markdown]
# ## The generalisation claim, checked on this run

# %%
display(Markdown(report.copy_findings(records)))


# %% [markdown]
# ## Runs at the paper's scale
#
# The `full` profile follows Graves et al.: lengths 1-20, memory 128 × 20, controllers of 100
# units, RMSProp with momentum. Its records are shown when they exist.

# %%
full = lipton2015.COPY_EXPERIMENT.recorded("full")
if full:
    display(report.copy_table(full, title="Copy task: bit errors per sequence, profile full"))
    display(Markdown(report.copy_findings(full)))
else:
    display(Markdown("No `full`-profile runs of the copy task are recorded yet."))


# %% [markdown]
# The chapter's page sets these numbers beside the review's claim and says where our setup may
# explain a difference: {ref}`lipton2015-found`.
