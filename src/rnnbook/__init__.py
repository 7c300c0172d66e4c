"""rnnbook: the shared package of *Recurrent networks, reproduced*.

One library grown with the text. Its rooms, each importing only the ones before it:

- :mod:`rnnbook.cells` -- recurrent cells, one per paper's equations;
- :mod:`rnnbook.models` -- sequence models built from the cells;
- :mod:`rnnbook.data` -- data sets with checksums, and synthetic task generators;
- :mod:`rnnbook.train` -- the one training loop every chapter uses;
- :mod:`rnnbook.results` -- recorded runs, paper-vs-ours tables and plots;
- :mod:`rnnbook.experiments` -- one module per paper: profiles, configs and run functions.

Every parameter tensor carries a leading *member* axis, so that several independent networks
(seeds, learning rates) train together in one process: see :doc:`/book/reproduce`.
"""

__version__ = "0.1.0"
