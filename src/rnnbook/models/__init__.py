"""Sequence models built from the cells of :mod:`rnnbook.cells`.

- ``rnnbook.models.recurrent`` -- the sequential loop (:func:`unroll`), stacked linear layers
  and the one-layer networks of Chung et al. 2014 and Pascanu et al. 2013.
- ``rnnbook.models.jozefowicz2015`` -- stacked networks over tokens or frames, with dropout
  (Jozefowicz et al. 2015).
- ``rnnbook.models.scan`` -- the linear recurrence by a loop or a parallel associative scan, and
  ``rnnbook.models.lru`` -- the deep LRU network and its ablation ladder (Orvieto et al. 2023).
- ``rnnbook.models.bidirectional`` -- bidirectional and stacked networks of any cell, and time
  reversal of padded sequences (Lipton et al. 2015).
- ``rnnbook.models.comparison`` -- one model shape for every cell of the book, sized to a
  parameter budget (the cross-paper chapter).

Layout: inputs are time-major, (T, B, I), shared by every member, or (E, T, B, I); outputs carry
the member axis first, (E, T, B, O). Masks are (T, B).
"""

from rnnbook.models.jozefowicz2015 import StackedNetwork
from rnnbook.models.lru import DeepRecurrentClassifier
from rnnbook.models.recurrent import EnsembleLinear, RecurrentNetwork, count_parameters, unroll
from rnnbook.models.scan import parallel_scan, sequential_scan

__all__ = [
    "DeepRecurrentClassifier",
    "EnsembleLinear",
    "RecurrentNetwork",
    "StackedNetwork",
    "count_parameters",
    "parallel_scan",
    "sequential_scan",
    "unroll",
]
