"""Recurrent cells, one per paper's equations.

- ``rnnbook.cells.core`` -- the simple (tanh) RNN, the GRU and the LSTM (Chung et al. 2014;
  the LSTM's switchable gates serve Jozefowicz et al. 2015).
- ``rnnbook.cells.mut`` -- MUT1-3 and the ten cells of Jozefowicz et al. 2015, Table 1.
- ``rnnbook.cells.graph`` -- a cell as a computation graph, and its mutations (Jozefowicz et al.
  2015, Sec. 3).
- ``rnnbook.cells.lru`` -- the Linear Recurrent Unit and the rungs of its ablation ladder
  (Orvieto et al. 2023).
- ``rnnbook.cells.ntm`` -- the Neural Turing Machine of Graves et al. 2014, its addressing as
  small pure functions (Lipton et al. 2015 chapter).

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
from rnnbook.cells.graph import Graph, GraphCell, mutate
from rnnbook.cells.lru import LADDER, DenseCell, LRUCell
from rnnbook.cells.mut import ARCHITECTURES, MUTCell, make_architecture

__all__ = [
    "ARCHITECTURES",
    "CELLS",
    "DenseCell",
    "LADDER",
    "LRUCell",
    "Graph",
    "GraphCell",
    "MUTCell",
    "GRUCell",
    "Initializer",
    "LSTMCell",
    "RecurrentCell",
    "SimpleCell",
    "State",
    "gaussian_init",
    "make_architecture",
    "make_cell",
    "mutate",
    "uniform_init",
]
