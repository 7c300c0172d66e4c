"""The deep LRU network of Orvieto et al. (2023) and the deep networks of its ablation ladder.

Fig. 1 and Appendix D of the paper: a linear encoder (or a token embedding) maps the input to
width H; a stack of residual blocks follows,

    x <- x + Dropout(GLU(Dropout(GELU(Recurrence(Norm(x)))))),

with ``GLU(z) = W_1 z * sigmoid(W_2 z)``; the outputs are averaged over time and a linear layer
gives the class logits. The recurrence is the LRU or, for the ablation ladder of Sec. 3, one of
the rungs of ``rnnbook.cells.lru.LADDER`` (tanh RNN, linear dense, complex diagonal with one
of three parameterisations, with or without the ring initialisation and the normalisation).

Layout: inputs (T, B, I) (or token ids (T, B)), shared by the E stacked members; the blocks work on
(E, T, B, H); the classifier returns logits (E, B, classes). Every parameter has the member axis
first, and member ``e`` equals a one-member network built with ``seeds[e]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnbook.cells.core import member_seeds
from rnnbook.cells.lru import DenseCell, LRUCell, get_rung
from rnnbook.models.recurrent import EnsembleLinear
from rnnbook.models.scan import scan


def _derived(seeds: Sequence[int], k: int) -> list[int]:
    """Per-member seeds of the ``k``-th sub-module, distinct from every other sub-module's."""
    return [int(s) * 1009 + 17 * k + 1 for s in seeds]


class EnsembleEmbedding(nn.Module):
    """Token embedding for E members: weight (E, vocab, H), ``N(0, 1)`` as ``nn.Embedding``."""

    def __init__(self, vocab: int, width: int, members: int = 1, seeds=None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(members, vocab, width))
        with torch.no_grad():
            for e, s in enumerate(seeds if seeds is not None else range(members)):
                g = torch.Generator().manual_seed(int(s))
                self.weight[e].copy_(torch.randn(vocab, width, generator=g))

    def forward(self, tokens: Tensor) -> Tensor:
        """Token ids (T, B) -> (E, T, B, H)."""
        return self.weight[:, tokens]


class EnsembleLayerNorm(nn.Module):
    """Layer normalisation over the last axis with a per-member gain and bias (E, 1, 1, H)."""

    def __init__(self, width: int, members: int = 1, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(members, 1, 1, width))
        self.bias = nn.Parameter(torch.zeros(members, 1, 1, width))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        """Normalise the last axis of ``x`` (..., H)."""
        return F.layer_norm(x, x.shape[-1:], eps=self.eps) * self.weight + self.bias


class RecurrentLayer(nn.Module):
    """One recurrence of width H -> H: the LRU (or a diagonal rung) run by a scan, or a dense rung
    run by a loop; optionally bidirectional (a second, independent recurrence reads the sequence
    backwards and its readout ``Re(C' h'_t)`` is added; one skip ``D`` is shared)."""

    def __init__(
        self,
        rung: str,
        width: int,
        state: int,
        members: int,
        seeds: Sequence[int],
        *,
        r_min: float = 0.0,
        r_max: float = 1.0,
        max_phase: float = 2 * math.pi,
        bidirectional: bool = False,
        scan_method: str = "auto",
        salt: int = 0,
    ) -> None:
        super().__init__()
        spec = get_rung(rung)
        self.rung, self.diagonal, self.scan_method = spec, spec.kind == "diagonal", scan_method
        cells = []
        for direction in range(2 if bidirectional else 1):
            k = 2 * salt + direction
            if self.diagonal:
                ring = (r_min, r_max, max_phase) if spec.ring else (0.0, 1.0, 2 * math.pi)
                cells.append(
                    LRUCell(
                        width,
                        state,
                        width,
                        members,
                        seeds,
                        param=spec.param,
                        normalise=spec.normalise,
                        r_min=ring[0],
                        r_max=ring[1],
                        max_phase=ring[2],
                        salt=k,
                    )
                )
            else:
                cells.append(
                    DenseCell(
                        width, state, width, members, seeds, nonlinearity=spec.nonlinearity, salt=k
                    )
                )
        self.cells = nn.ModuleList(cells)

    def _states(self, cell: nn.Module, u: Tensor) -> Tensor:
        if self.diagonal:
            lam = cell.eigenvalues().unsqueeze(0).unsqueeze(2)  # (1, E, 1, N)
            return scan(lam, cell.project(u), self.scan_method)
        x = cell.project(u)
        h = x.new_zeros(x.shape[1:])
        out = []
        for x_t in x.unbind(0):
            h = cell.step(x_t, h)
            out.append(h)
        return torch.stack(out)

    def forward(self, u: Tensor) -> Tensor:
        """(E, T, B, H) -> (E, T, B, H)."""
        y = self.cells[0].readout(self._states(self.cells[0], u), u)
        if len(self.cells) == 2:
            back = self.cells[1]
            h = self._states(back, u.flip(1)).flip(0)
            y = y + back.readout(h, None)  # the skip D u is added once
        return y

    def recurrent_parameters(self) -> list[nn.Parameter]:
        """The parameters inside the recurrences of every direction."""
        return [p for c in self.cells for p in c.recurrent_parameters()]


class ResidualBlock(nn.Module):
    """``x + Dropout(GLU(Dropout(GELU(Recurrence(LayerNorm(x))))))`` (Fig. 1 of the paper)."""

    def __init__(self, recurrence: RecurrentLayer, width: int, members: int, seeds, dropout: float):
        super().__init__()
        self.norm = EnsembleLayerNorm(width, members)
        self.recurrence = recurrence
        self.glu_value = EnsembleLinear(width, width, members, _derived(seeds, 1))
        self.glu_gate = EnsembleLinear(width, width, members, _derived(seeds, 2))
        self.dropout = dropout

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """(E, T, B, H) -> (E, T, B, H); ``mask`` (T, B) zeroes padded steps' inputs."""
        u = self.norm(x)
        if mask is not None:  # padded steps feed nothing into the recurrence (either direction)
            u = u * mask.unsqueeze(-1).to(u.dtype)
        z = F.dropout(F.gelu(self.recurrence(u)), self.dropout, self.training)
        z = self.glu_value(z) * torch.sigmoid(self.glu_gate(z))
        return x + F.dropout(z, self.dropout, self.training)


class DeepRecurrentClassifier(nn.Module):
    """Encoder, ``depth`` residual blocks, mean over time, linear classifier (Orvieto et al. 2023).

    ``rung`` names the recurrence (``"lru"`` for the LRU, the others of
    ``rnnbook.cells.lru.LADDER`` for the ablation ladder). Give ``vocab`` for token inputs
    (an embedding), else ``input_size`` (a linear encoder). ``lr_factor`` is the learning-rate
    factor of the recurrent parameters (:meth:`optimizer_groups`).
    """

    def __init__(
        self,
        classes: int,
        width: int,
        state: int,
        depth: int = 6,
        *,
        rung: str = "lru",
        input_size: int | None = None,
        vocab: int | None = None,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        r_min: float = 0.0,
        r_max: float = 1.0,
        max_phase: float = 2 * math.pi,
        dropout: float = 0.0,
        bidirectional: bool = False,
        scan_method: str = "auto",
        lr_factor: float = 1.0,
    ) -> None:
        super().__init__()
        if (input_size is None) == (vocab is None):
            raise ValueError("give exactly one of input_size (real inputs) and vocab (token ids)")
        seeds = member_seeds(seeds, members)
        self.members, self.lr_factor, self.rung = members, lr_factor, rung
        if vocab is not None:
            self.encoder: nn.Module = EnsembleEmbedding(vocab, width, members, _derived(seeds, 3))
        else:
            self.encoder = EnsembleLinear(input_size, width, members, _derived(seeds, 3))
        self.blocks = nn.ModuleList(
            ResidualBlock(
                RecurrentLayer(
                    rung,
                    width,
                    state,
                    members,
                    seeds,
                    r_min=r_min,
                    r_max=r_max,
                    max_phase=max_phase,
                    bidirectional=bidirectional,
                    scan_method=scan_method,
                    salt=layer,
                ),
                width,
                members,
                _derived(seeds, 10 + layer),
                dropout,
            )
            for layer in range(depth)
        )
        self.decoder = EnsembleLinear(width, classes, members, _derived(seeds, 4))

    def encode(self, x: Tensor) -> Tensor:
        """Inputs (T, B, I) or token ids (T, B) -> (E, T, B, H)."""
        if isinstance(self.encoder, EnsembleEmbedding):
            return self.encoder(x)
        return self.encoder(x.unsqueeze(0).expand(self.members, *x.shape))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Logits (E, B, classes); ``mask`` (T, B) marks the real steps of padded sequences."""
        h = self.encode(x)
        for block in self.blocks:
            h = block(h, mask)
        if mask is None:
            pooled = h.mean(1)
        else:
            m = mask.to(h.dtype).unsqueeze(-1)  # (T, B, 1)
            pooled = (h * m).sum(1) / m.sum(0).clamp_min(1.0)
        return self.decoder(pooled)

    def recurrent_parameters(self) -> list[nn.Parameter]:
        """The parameters inside the recurrences (``lambda``, ``gamma``, ``B``; or ``A``, ``B``)."""
        return [p for b in self.blocks for p in b.recurrence.recurrent_parameters()]

    def optimizer_groups(self, weight_decay: float) -> list[dict]:
        """Appendix D: the recurrent parameters at ``lr * lr_factor`` without weight decay; every
        other parameter at ``lr`` with ``weight_decay`` (AdamW)."""
        recurrent = self.recurrent_parameters()
        ids = {id(p) for p in recurrent}
        rest = [p for p in self.parameters() if id(p) not in ids and p.requires_grad]
        return [
            {"params": recurrent, "lr_scale": self.lr_factor, "weight_decay": 0.0},
            {"params": rest, "lr_scale": 1.0, "weight_decay": weight_decay},
        ]
