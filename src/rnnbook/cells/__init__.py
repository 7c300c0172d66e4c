"""Recurrent cells, one per paper's equations.

- ``rnnbook.cells.core`` -- the simple (tanh) RNN, the GRU and the LSTM (Chung et al. 2014;
  the LSTM's switchable gates serve Jozefowicz et al. 2015).

Every cell stacks the weights of several independent networks ("members") on a leading axis.
"""

from rnnbook.cells.core import (
    CELLS,
    GRUCell,
    Initializer,
    LSTMCell,
    RecurrentCell,
    SimpleCell,
    State,
    gaussian_init,
    make_cell,
    uniform_init,
)

__all__ = [
    "CELLS",
    "GRUCell",
    "Initializer",
    "LSTMCell",
    "RecurrentCell",
    "SimpleCell",
    "State",
    "gaussian_init",
    "make_cell",
    "uniform_init",
]
