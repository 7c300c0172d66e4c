"""The three initialisations of Pascanu, Mikolov & Bengio (2013), Sec. 4.1.

- ``sigmoid``: every weight from N(0, 0.01^2), sigmoid units;
- ``basic_tanh``: every weight from N(0, 0.1^2), tanh units;
- ``smart_tanh``: input weights from N(0, 0.01^2); the recurrent matrix sparse, 15 non-zero
  incoming weights per unit (the "sparse initialisation" of Martens, 2010), drawn from
  N(0, 0.01^2) and rescaled to spectral radius 0.95; tanh units.

Biases start at zero. The output layer is drawn like the input weights (:data:`READOUT_STD`).
Each function is an ``Initializer`` (a function of a parameter's name, shape and generator)
for the ``init=`` hook of a cell.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnbook.cells.core import Initializer, gaussian_init

#: Per initialisation: (nonlinearity, std of the dense weights).
INITS: dict[str, tuple[str, float]] = {
    "sigmoid": ("sigmoid", 0.01),
    "basic_tanh": ("tanh", 0.1),
    "smart_tanh": ("tanh", 0.01),
}
#: Std of the output layer's weights per initialisation (the authors' code draws it like W_in).
READOUT_STD = {name: std for name, (_, std) in INITS.items()}


def spectral_radius(w: Tensor) -> float:
    """Largest absolute eigenvalue of a square matrix (computed in float64)."""
    return torch.linalg.eigvals(w.double()).abs().max().item()


def sparse_spectral(
    hidden: int, g: torch.Generator, incoming: int = 15, radius: float = 0.95, std: float = 0.01
) -> Tensor:
    """A recurrent matrix (H, H), used as ``h_t = f(h_{t-1} @ W + ...)``: column ``j`` holds the
    weights *into* unit ``j``; each column keeps ``incoming`` entries of N(0, std^2) at random rows,
    and the matrix is then rescaled to spectral radius ``radius``.

    The authors' code keeps 15 entries per *row* of the same orientation (outgoing weights); the
    paper says incoming. The spectrum of a matrix and of its transpose are equal, so both give
    radius 0.95; we follow the paper's text. With ``incoming >= hidden`` the matrix is dense.
    """
    w = torch.randn(hidden, hidden, generator=g) * std
    keep = min(incoming, hidden)
    mask = torch.zeros(hidden, hidden)
    for j in range(hidden):
        rows = torch.randperm(hidden, generator=g)[:keep]
        mask[rows, j] = 1.0
    w = w * mask
    return (w.double() * (radius / spectral_radius(w))).to(torch.float32)


def pascanu_init(name: str, incoming: int = 15, radius: float = 0.95) -> Initializer:
    """The initialiser of a :class:`~rnnbook.cells.SimpleCell` for one of :data:`INITS`."""
    if name not in INITS:
        raise ValueError(f"unknown initialisation {name!r}: choose one of {', '.join(INITS)}")
    _, std = INITS[name]
    dense = gaussian_init(std)
    if name != "smart_tanh":
        return dense

    def init(param: str, shape: tuple[int, ...], g: torch.Generator) -> Tensor:
        if param == "weight_hh":
            return sparse_spectral(shape[0], g, incoming, radius, std)
        return dense(param, shape, g)

    return init


def nonlinearity_of(name: str) -> str:
    """The hidden units' nonlinearity that goes with an initialisation."""
    if name not in INITS:
        raise ValueError(f"unknown initialisation {name!r}: choose one of {', '.join(INITS)}")
    return INITS[name][0]
