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
# # Training speed: tanh RNN against the LRU (Table 4)
#
# *Run it:* [on Binder](https://mybinder.org/v2/gh/rnnbook/rnnbook/main?urlpath=tree/notebooks/orvieto2023_speed.py)
# (Jupytext opens this source as a notebook) or here with `make book NB=orvieto2023_speed`.
#
# A linear recurrence can be computed by a parallel scan, a nonlinear one cannot. Table 4 of
# {cite:t}`orvieto2023resurrecting` reports training steps per second on an A100: the LRU is 8
# times faster than a tanh RNN on sCIFAR (1,024 steps) and 17 times on PathX (16,384). Here the
# same deep network is timed with three recurrences -- tanh RNN (a loop), LRU with the loop, LRU
# with the parallel scan -- over sequence lengths, one after the other in one process, so that the
# ratios compare like with like on whatever device runs this notebook.

# %% tags=["parameters"]
profile = "cpu"  # smoke | cpu | full
rerun = None  # None: follow the RERUN environment variable

# %%
from dataclasses import asdict

from IPython.display import Markdown, display

from rnnbook.experiments import orvieto2023
from rnnbook.experiments.orvieto2023 import report, report_figures
from rnnbook.models import scan as scans
from rnnbook.profiles import check_profile
from rnnbook.results import plots

profile = check_profile(profile)

# %% [markdown]
# ## The strongest recorded runs
#
# Before anything is trained here: the table of the strongest profile recorded for this
# experiment (`full`, then `long`, then `cpu`). The sections below run the build's profile.

# %%
orvieto2023.SPEED_RUN.strongest_table()

# %% [markdown]
# ## The probe
#
# Each model trains `steps` AdamW steps on random sequences (after `warmup` untimed ones); the
# rate is one over the median step time. `benchmarks/lru_speed.py` runs the same code from the
# command line and writes JSON.

# %%
config = orvieto2023.speed_config(profile)
display(Markdown("\n".join(f"- `{k}` = `{v}`" for k, v in asdict(config).items())))

# %%
records = orvieto2023.SPEED_RUN.run(profile, rerun=rerun)
print(records.summary())
orvieto2023.speed_table(records, title=f"Table 4, training steps per second, profile {profile}")

# %%
fig = report_figures.plot_speed(records)
plots.save(fig, "orvieto2023", f"speed-{profile}")

# %% [markdown]
# ## What this run shows
#
# The scans' effective bandwidth divides the least memory traffic any scan needs (read the
# inputs, write the states) by the time taken; on a GPU it is the number to set against the
# device's peak bandwidth.

# %%
display(Markdown(report.speed_findings(records)))
display(
    Markdown(
        "The model picks its scan with `scan(method='auto')`: "
        + ", ".join(
            f"{device}: parallel from {n} steps" if n else f"{device}: always the loop"
            for device, n in scans.AUTO_PARALLEL_FROM.items()
        )
        + "."
    )
)

# %% [markdown]
# ## At the paper's scale

# %%
full = orvieto2023.SPEED_RUN.recorded("full")
if full:
    display(orvieto2023.speed_table(full, title="Table 4, profile full"))
    display(Markdown(report.speed_findings(full)))
else:
    display(Markdown("No `full`-profile speed runs are recorded yet."))
