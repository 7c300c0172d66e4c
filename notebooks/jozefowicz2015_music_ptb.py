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
# # Music, and Penn Treebank with dropout
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/jozefowicz2015_music_ptb.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=jozefowicz2015_music_ptb`.
#
# Beyond Table 1, {cite:t}`jozefowicz2015empirical` report the negative log-likelihood of the
# cells on two polyphonic music data sets, and the perplexity of large regularised language
# models on the Penn Treebank, where dropout changes which cell wins. This notebook reruns both at
# the size of the profile.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
from IPython.display import Markdown, display

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
jz.MUSIC_EXPERIMENT.strongest_table()

# %% [markdown]
# ## Music
#
# The next frame of a piano roll, 88 independent notes; the number is the negative
# log-likelihood per frame in nats, summed over the notes and averaged over every frame of the
# split (the metric of the {ref}`chung2014` chapter). An affine input layer brings the 88 notes to
# the hidden size, which MUT1 needs. The hyperparameter settings (shared by every cell) train
# side by side:

# %%
display(Markdown(report.config_table(profile, "music")))

# %%
music = jz.MUSIC_EXPERIMENT.run(profile, rerun=rerun)
print(music.summary())
jz.music_table(music, title=f"Music, test NLL per frame (nats), profile {profile}")

# %%
display(Markdown(report_more.music_findings(music)))

# %% [markdown]
# The paper's values here come from a summary of the paper for three cells only (LSTM, LSTM-b,
# MUT1); with dropout on Nottingham it reports LSTM 3.403, MUT1 3.376 and LSTM-b 3.345.
#
# ## Penn Treebank with dropout (Table 3)
#
# Dropout on the non-recurrent connections as in {cite:t}`zaremba2014recurrent`; the `full`
# profile uses their "medium" network (two layers of 650 units, about 20M parameters, the size of
# the paper's Table 3), the `cpu` profile a much smaller one trained on a fraction of an epoch.

# %%
display(Markdown(report.config_table(profile, "ptb_dropout")))

# %%
ptb = jz.PTB_DROPOUT_EXPERIMENT.run(profile, rerun=rerun)
print(ptb.summary())
jz.ptb_dropout_table(ptb, title=f"PTB with dropout, test perplexity, profile {profile}")

# %%
fig = report_more.plot_perplexity_curves(ptb)
plots.save(fig, "jozefowicz2015", f"ptb-dropout-{profile}")

# %% [markdown]
# ## The ranking, checked on this run

# %%
display(Markdown(report_more.dropout_findings(ptb)))  # with the unigram on the same words
