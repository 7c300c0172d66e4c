"""Lipton et al. (2015): what the experiments measure -- Jacobian norms and their decay, the
truncated unroll, masked losses and accuracies, copy-task scores, the NTM's head positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnbook.cells import RecurrentCell
from rnnbook.cells.ntm import NTMCell
from rnnbook.data.batches import SequenceBatch
from rnnbook.data.copy import bit_errors, copy_batch
from rnnbook.models import RecurrentNetwork

__all__ = [
    "add_forget_bias",
    "carousel_log10_rate",
    "copy_loss",
    "copy_scores",
    "decay_rate",
    "head_trace",
    "jacobian_norms",
    "set_spectral_radius",
    "state_trajectory",
    "truncated_unroll",
]


@torch.no_grad()
def set_spectral_radius(cell: RecurrentCell, radii: Sequence[float], seeds: Sequence[int]) -> None:
    """Member e's recurrent matrix becomes ``radii[e] * G / max|eig(G)|``, G ~ N(0, 1/H) drawn
    from ``seeds[e]``: members of the same seed share G and differ only in its scale."""
    h = cell.hidden_size
    for e, (rho, seed) in enumerate(zip(radii, seeds)):
        g = torch.Generator().manual_seed(int(seed) + 7_368_787)
        u = torch.randn(h, h, generator=g, dtype=torch.float64) / math.sqrt(h)
        u = u * (rho / torch.linalg.eigvals(u).abs().max())
        cell.weight_hh[e].copy_(u.to(cell.weight_hh.dtype))


@torch.no_grad()
def add_forget_bias(cell: RecurrentCell, biases: Sequence[float]) -> None:
    """Add ``biases[e]`` to member e's forget-gate bias (the LSTM-b of Jozefowicz et al. 2015)."""
    k, h = cell._slot["f"], cell.hidden_size
    for e, b in enumerate(biases):
        cell.bias[e, :, k * h : (k + 1) * h] += b


def state_trajectory(cell: RecurrentCell, x: Tensor, which: int = 0) -> list[Tensor]:
    """Run ``cell`` over ``x`` and return component ``which`` of the state at every step
    (h for a tanh RNN, 0; the memory cell s of an LSTM, 1), each (E, B, H), in the graph."""
    xw = cell.project(x)
    state = cell.initial_state(xw.shape[2])
    out = []
    for xw_t in xw.unbind(0):
        state = cell.step(xw_t, state)
        out.append(state[which])
    return out


def jacobian_norms(cell: RecurrentCell, x: Tensor, which: int = 0) -> Tensor:
    """Spectral norms ``|| d state_T / d state_tau ||_2`` for tau = T-1, ..., 1 (lags 1 .. T-1).

    The derivative is the total one, through every path of the network (for the LSTM's memory
    cell that includes the paths through h and the gates), computed with autograd one output
    unit at a time. Returns (E, B, T - 1), column j the lag j + 1.
    """
    states = state_trajectory(cell, x, which)
    final, earlier = states[-1], states[:-1]
    h = final.shape[-1]
    rows = []
    for i in range(h):
        grads = torch.autograd.grad(final[..., i].sum(), earlier, retain_graph=i < h - 1)
        rows.append(torch.stack(grads, dim=0))  # (T-1, E, B, H): row i of every Jacobian
    jac = torch.stack(rows, dim=-2)  # (T-1, E, B, H_out, H_in)
    norms = torch.linalg.matrix_norm(jac, ord=2)  # (T-1, E, B)
    return norms.flip(0).permute(1, 2, 0)  # lag 1 first


def decay_rate(log10_norms: Sequence[float], start: int | None = None) -> float:
    """The per-step factor ``r`` of the least-squares line ``log10 norm = a + lag log10 r``,
    fitted over lags ``start`` .. end (default: the second half, past the transient of the first
    steps, where the norm of a product of T matrices grows like the T-th power of its rate)."""
    y = np.asarray(log10_norms, dtype=float)
    lags = np.arange(1, len(y) + 1)
    first = len(y) // 2 + 1 if start is None else start
    ok = np.isfinite(y) & (lags >= first)
    slope = np.polyfit(lags[ok], y[ok], 1)[0]
    return float(10**slope)


@torch.no_grad()
def carousel_log10_rate(cell: RecurrentCell, x: Tensor) -> Tensor:
    """log10 of the per-step factor of the carousel alone, per member (E,).

    Holding the gates fixed and ignoring every path through h, ``ds_t/ds_{t-1} = diag(f_t)`` and
    ``|| prod_t diag(f_t) ||_2 = max_i prod_t f_{t,i}``: the unit whose forget gate stays most
    open sets the rate. We take, per sequence, the largest over units of the mean over steps of
    log10 f, and average it over sequences.
    """
    xw = cell.project(x)
    state = cell.initial_state(xw.shape[2])
    k, h = cell._slot["f"], cell.hidden_size
    total = torch.zeros(cell.members, xw.shape[2], h, dtype=x.dtype)
    for xw_t in xw.unbind(0):
        a = torch.baddbmm(xw_t, state[0], cell.weight_hh)[..., k * h : (k + 1) * h]
        total += torch.log10(torch.sigmoid(a))
        state = cell.step(xw_t, state)
    return (total / xw.shape[0]).amax(-1).mean(-1)


def truncated_unroll(cell: RecurrentCell, x: Tensor, windows: Sequence[int | None]) -> Tensor:
    """:func:`rnnbook.models.unroll` with member e's state detached from the graph every
    ``windows[e]`` steps (at steps k, 2k, ...; ``None``: never). The forward pass is unchanged; the
    backward pass of member e stops at its chunk boundaries. Returns (E, T, B, H)."""
    if len(windows) != cell.members:
        raise ValueError(f"{len(windows)} truncation windows for {cell.members} members")
    xw = cell.project(x)
    state = cell.initial_state(xw.shape[2])
    outputs = []
    for t, xw_t in enumerate(xw.unbind(0)):
        cut = [k is not None and t > 0 and t % k == 0 for k in windows]
        if any(cut):
            keep = torch.tensor(cut, device=xw.device).view(-1, 1, 1)
            state = tuple(torch.where(keep, s.detach(), s) for s in state)
        state = cell.step(xw_t, state)
        outputs.append(cell.output(state))
    return torch.stack(outputs, dim=1)


def copy_loss(model: nn.Module, batch: SequenceBatch) -> Tensor:
    """Binary cross-entropy of the copied bits, summed over a sequence's outputs (nats per
    sequence; Graves et al. plot it in bits), averaged over the batch: (E,)."""
    logits = model(batch.inputs)
    bce = F.binary_cross_entropy_with_logits(
        logits, batch.targets.expand_as(logits), reduction="none"
    ).sum(-1)
    return torch.where(batch.mask, bce, bce.new_zeros(())).sum((1, 2)) / batch.inputs.shape[1]


@torch.no_grad()
def copy_scores(model: nn.Module, batches: Sequence[SequenceBatch]) -> dict[str, Tensor]:
    """Mean bit errors per sequence, cost per sequence in bits and the share of sequences copied
    without a single wrong bit, per member (E,)."""
    errors, costs, n = [], [], 0
    for b in batches:
        logits = model(b.inputs)
        errors.append(bit_errors(logits, b).double())
        bce = F.binary_cross_entropy_with_logits(
            logits, b.targets.expand_as(logits), reduction="none"
        ).sum(-1)
        costs.append(torch.where(b.mask, bce, bce.new_zeros(())).sum(1).double() / math.log(2))
        n += b.inputs.shape[1]
    err, cost = torch.cat(errors, 1), torch.cat(costs, 1)
    return {
        "bit_errors": err.mean(1),
        "cost_bits": cost.mean(1),
        "perfect": (err == 0).double().mean(1),
    }


@torch.no_grad()
def head_trace(model: RecurrentNetwork, length: int = 20, seed: int = 0) -> dict[str, Tensor]:
    """Where each NTM head focuses while copying one sequence of ``length``: the row of largest
    weight and that weight, per step, per member (E, 2 length + 1) each (Graves et al., Fig. 6)."""
    cell: NTMCell = model.cell
    batch = copy_batch([length], np.random.default_rng(seed)).to(cell.weight_heads.device)
    xw = cell.project(batch.inputs)
    state = cell.initial_state(1)
    trace: dict[str, list[Tensor]] = {"write_row": [], "write_weight": [], "read_row": []}
    trace["read_weight"] = []
    for xw_t in xw.unbind(0):
        state = cell.step(xw_t, state)
        for name, w in (("read", state[4]), ("write", state[5])):
            top = w[:, 0, 0].max(-1)  # first head, first (only) sequence
            trace[f"{name}_row"].append(top.indices)
            trace[f"{name}_weight"].append(top.values)
    return {k: torch.stack(v, 1) for k, v in trace.items()}
