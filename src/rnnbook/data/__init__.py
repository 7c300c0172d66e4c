"""Data sets with checksums, and the batching every chapter uses.

- :mod:`~rnnbook.data.paths` -- the data directory (``$RNNBOOK_DATA``) and the two errors;
- :mod:`~rnnbook.data.download` -- checksummed, atomic downloads;
- :mod:`~rnnbook.data.polyphonic` -- the four polyphonic music data sets (JSB Chorales,
  Nottingham, MuseData, Piano-midi.de) as piano rolls;
- :mod:`~rnnbook.data.batches` -- padded, masked minibatches of variable-length sequences.

Note: ``rnnbook.data.download`` is the function :func:`~rnnbook.data.download.download`; the
module of the same name is reached with ``from rnnbook.data.download import ...``.
"""

from .batches import SequenceBatch, length_bucketed_order, pad_next_step, sorted_batches
from .download import DownloadError, download, sha256_file
from .paths import (
    DATA_ENV,
    DEFAULT_DATA_DIR,
    ChecksumError,
    DataNotFoundError,
    data_dir,
    downloads_allowed,
)
from .polyphonic import (
    DATASETS,
    HIGHEST_PITCH,
    LOWEST_PITCH,
    N_PITCHES,
    ORIGINAL_BASE_URL,
    SPLITS,
    TCN_BASE_URL,
    PianoRolls,
    PolyphonicSpec,
    Source,
    content_digest,
    load_polyphonic,
    read_mat,
    read_pickle,
    write_pickle,
)

__all__ = [
    "DATASETS",
    "DATA_ENV",
    "DEFAULT_DATA_DIR",
    "HIGHEST_PITCH",
    "LOWEST_PITCH",
    "N_PITCHES",
    "ORIGINAL_BASE_URL",
    "SPLITS",
    "TCN_BASE_URL",
    "ChecksumError",
    "DataNotFoundError",
    "DownloadError",
    "PianoRolls",
    "PolyphonicSpec",
    "SequenceBatch",
    "Source",
    "content_digest",
    "data_dir",
    "download",
    "downloads_allowed",
    "length_bucketed_order",
    "load_polyphonic",
    "pad_next_step",
    "read_mat",
    "read_pickle",
    "sha256_file",
    "sorted_batches",
    "write_pickle",
]
