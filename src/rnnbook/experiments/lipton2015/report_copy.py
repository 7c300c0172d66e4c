"""Lipton et al. (2015), the copy task's model sizes and the NTM's addressing, worked on a small
memory: tables that need a model built, not a record."""

from __future__ import annotations

import torch
from torch import Tensor

from rnnbook.experiments.lipton2015.config import GRAVES2014_COPY
from rnnbook.experiments.lipton2015.config_profiles import copy_configs
from rnnbook.experiments.lipton2015.report import COPY_TITLES
from rnnbook.experiments.lipton2015.train import build_copy_model
from rnnbook.models import count_parameters

__all__ = ["addressing_example", "copy_parameter_table"]


def copy_parameter_table(profile: str = "full") -> str:
    """Parameters of each copy-task model in ``profile`` beside Graves et al.'s Tables 1-3."""
    paper = {
        "ntm-ff": GRAVES2014_COPY["ntm-ff"]["parameters"],
        "ntm-lstm": GRAVES2014_COPY["ntm-lstm"]["parameters"],
        "lstm": GRAVES2014_COPY["lstm"]["parameters"],
    }
    lines = ["| model | ours | Graves et al. (Tables 1-3) |", "|---|---|---|"]
    for c in copy_configs(profile):
        ours = count_parameters(build_copy_model(c, seeds=(0,)))
        size = (
            f"{c.lstm_layers} × {c.lstm_hidden}"
            if c.model == "lstm"
            else f"{c.controller_size} units, memory {c.memory_rows} × {c.memory_width}"
        )
        lines.append(f"| {COPY_TITLES[c.model]}, {size} | {ours:,} | {paper[c.model]:,} |")
    return "\n".join(lines)


@torch.no_grad()
def addressing_example() -> str:
    """The four addressing steps of Graves et al. (2014, Fig. 2) on a small memory (Markdown).

    Six rows; the key matches row 1 best; the previous weighting sits on row 4; the gate mixes
    the two, the shift moves everything one row on, sharpening concentrates the result.
    """
    from rnnbook.cells.ntm import content_weights, interpolate, sharpen, shift_weights

    def t(values) -> Tensor:
        return torch.tensor(values, dtype=torch.float64)

    memory = t([[1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 1, 0], [-1, 0, 0]])
    w_prev = t([[0, 0, 0, 0, 1, 0]])
    w_c = content_weights(t([[0.0, 1.0, 0.2]]), t([[5.0]]), memory)
    w_g = interpolate(w_c, w_prev, t([[0.7]]))
    w_s = shift_weights(w_g, t([[0.05, 0.1, 0.85]]))  # over the shifts -1, 0, +1
    w = sharpen(w_s, t([[3.0]]))
    steps = {
        "previous weighting": w_prev,
        "content, key (0, 1, 0.2), β = 5 (Eqs. 5-6)": w_c,
        "interpolation, η = 0.7 (Eq. 7)": w_g,
        "shift, s = (0.05, 0.1, 0.85) over (-1, 0, +1) (Eq. 8)": w_s,
        "sharpening, γ = 3 (Eq. 9)": w,
    }
    lines = ["| step | " + " | ".join(f"row {i}" for i in range(6)) + " |", "|" + "---|" * 7]
    for name, v in steps.items():
        lines.append(f"| {name} | " + " | ".join(f"{x:.2f}" for x in v[0].tolist()) + " |")
    return "\n".join(lines)
