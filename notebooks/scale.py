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
# # The size of each profile
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/scale.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=scale`.
#
# This notebook trains nothing: it reads the configurations of every experiment and counts, per
# profile, the jobs (training processes), the runs (one record each) and the largest budget of a
# job. The `full` profile is the paper's own protocol; `long` is what a two-core CPU affords in
# hours.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | long | full: the tables below do not depend on it
rerun = None  # nothing here trains

# %%
from IPython.display import Markdown, display

from rnnbook.experiments import all_experiments
from rnnbook.experiments.sizes import sizes_markdown
from rnnbook.profiles import check_profile

profile = check_profile(profile)

# %% [markdown]
# ## `full`: the paper's scale

# %%
display(Markdown(sizes_markdown(all_experiments(), "full")))

# %% [markdown]
# ## `long`: hours on a two-core CPU

# %%
display(Markdown(sizes_markdown(all_experiments(), "long")))
