"""Sequence models built from the cells of :mod:`rnnbook.cells`.

- ``rnnbook.models.recurrent`` -- the sequential loop (:func:`unroll`), stacked linear layers
  and the one-layer networks of Chung et al. 2014 and Pascanu et al. 2013.

Layout: inputs are time-major, (T, B, I), shared by every member, or (E, T, B, I); outputs carry
the member axis first, (E, T, B, O). Masks are (T, B).
"""

from rnnbook.models.recurrent import EnsembleLinear, RecurrentNetwork, count_parameters, unroll

__all__ = ["EnsembleLinear", "RecurrentNetwork", "count_parameters", "unroll"]
