"""The data of the LRU chapter: ListOps and Pathfinder generators against their stated rules and
statistics; the MNIST and Fashion-MNIST loaders (checksums, install hints, a loopback download)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from loopback import files_handler, serve
from scipy import ndimage, stats

from rnnbook.data import ChecksumError, DataNotFoundError
from rnnbook.data import listops as lo
from rnnbook.data import mnist as mn
from rnnbook.data import pathfinder as pf

# --- ListOps ------------------------------------------------------------------------------------


def test_operators_on_hand_computed_cases():
    assert lo.apply_operator("[MIN", [4, 2, 7]) == 2
    assert lo.apply_operator("[MAX", [4, 2, 7]) == 7
    assert lo.apply_operator("[MED", [1, 2, 3, 4]) == 2  # int(np.median) = int(2.5)
    assert lo.apply_operator("[MED", [9, 1, 5]) == 5
    assert lo.apply_operator("[SM", [9, 8, 7]) == 4  # 24 mod 10
    words = ["[MAX", "2", "9", "[MIN", "4", "7", "]", "0", "]"]
    tokens = [lo.TOKEN_ID[w] for w in words]
    assert lo.evaluate(tokens) == 9 and lo.render(tokens) == "[MAX 2 9 [MIN 4 7 ] 0 ]"
    with pytest.raises(ValueError, match="'\\[FOO'"):
        lo.apply_operator("[FOO", [1])


def test_generated_expressions_follow_the_lra_rules():
    spec = lo.ListOpsSpec(min_length=20, max_length=80, n_train=300, n_valid=50, n_test=50)
    data = lo.generate_listops(spec)
    seqs = [s for split in ("train", "valid", "test") for s in data.tokens[split]]
    labels = np.concatenate([data.labels[k] for k in ("train", "valid", "test")])
    assert len(seqs) == 400 and len({tuple(s) for s in seqs}) == 400  # no expression twice
    assert all(20 < len(s) < 80 for s in seqs)  # strictly inside the bounds
    assert all(lo.evaluate(s) == y for s, y in zip(seqs, labels))  # labels by a separate parser
    assert all(lo.VOCAB[s[0]] in lo.OPERATORS and s[-1] == lo.END_ID for s in seqs)
    again = lo.generate_listops(spec)
    assert all(np.array_equal(a, b) for a, b in zip(data.tokens["test"], again.tokens["test"]))


def test_unbounded_trees_have_the_stated_statistics():
    """Operators with probability 0.25 below max_depth; U{2..max_args} arguments; uniform
    operators and digits; only digits at max_depth."""
    rng = random.Random(0)
    n_args, ops, digits, kinds = Counter(), Counter(), Counter(), Counter()
    for _ in range(6000):
        tokens, _ = lo.random_tree(rng, max_depth=3, max_args=5)
        depth, stack = 0, []
        for t in tokens:
            word = lo.VOCAB[t]
            if word in lo.OPERATORS:
                depth += 1
                if depth > 1:
                    kinds[(depth, "op")] += 1
                    stack[-1] += 1
                ops[word] += 1
                stack.append(0)
            elif word == lo.END:
                n_args[stack.pop()] += 1
                depth -= 1
            else:
                digits[word] += 1
                kinds[(depth + 1, "digit")] += 1
                if stack:
                    stack[-1] += 1
    p_op = kinds[(2, "op")] / (kinds[(2, "op")] + kinds[(2, "digit")])
    assert abs(p_op - 0.25) < 0.03
    assert kinds[(3, "op")] == 0 and kinds[(3, "digit")] > 0  # max_depth 3: digits only
    assert set(n_args) == {2, 3, 4, 5} and len(digits) == 10 and len(ops) == 4
    for counts in (n_args, ops, digits):  # uniform: a chi-square test at the 0.1% level
        assert stats.chisquare(list(counts.values())).pvalue > 1e-3


def test_listops_spec_errors():
    with pytest.raises(ValueError, match="strictly between"):
        lo.generate_listops(lo.ListOpsSpec(min_length=10, max_length=11))


# --- Pathfinder ---------------------------------------------------------------------------------


def test_segment_distance_on_hand_computed_cases():
    p = lambda *x: np.asarray(x, dtype=float)  # noqa: E731
    assert pf.segment_distance(p(0, 0), p(0, 2), p(1, 0), p(1, 2)) == pytest.approx(1.0)
    assert pf.segment_distance(p(0, 0), p(2, 2), p(0, 2), p(2, 0)) == 0.0  # crossing
    assert pf.segment_distance(p(0, 0), p(0, 1), p(0, 3), p(0, 5)) == pytest.approx(2.0)
    assert pf.point_segment_distance(p(1, 1), p(0, 0), p(0, 0)) == pytest.approx(math_sqrt2())


def math_sqrt2() -> float:
    return float(np.sqrt(2.0))


SMALL = pf.PathfinderSpec(contour_length=6, distractor_length=2, distractors=10)


def connected(spec: pf.PathfinderSpec, paddles, markers) -> bool:
    """Are the two markers joined by ink once the gaps inside a snake are bridged?

    Dilating the fine drawing by a radius between half the dash gap and half the clearance
    between different snakes joins the dashes of one snake but never two snakes.
    """
    k = 8
    ink = pf.render(spec, paddles, markers, supersample=k)
    radius = 0.5 * ((spec.gap - spec.thickness) + (spec.clearance - spec.thickness)) / 2
    disk = np.hypot(*np.mgrid[-4:5, -4:5]) <= radius * k
    labels, _ = ndimage.label(ndimage.binary_dilation(ink, disk))
    a, b = (labels[int(m[0] * k), int(m[1] * k)] for m in markers)
    return a == b != 0


def test_label_one_exactly_when_a_path_joins_the_markers():
    rng = np.random.default_rng(0)
    for label in (0, 1) * 15:
        paddles, markers = pf.draw_layout(SMALL, label, rng)
        assert connected(SMALL, paddles, markers) == bool(label)


def test_images_have_balanced_labels_and_no_trivial_cue():
    spec = pf.PathfinderSpec(
        contour_length=6, distractor_length=2, distractors=15, n_train=100, n_valid=10, n_test=10
    )
    data = pf.generate_pathfinder(spec)
    x = np.concatenate([data.images[k] for k in ("train", "valid", "test")])
    y = np.concatenate([data.labels[k] for k in ("train", "valid", "test")])
    assert x.shape == (120, 32, 32) and x.min() >= 0 and x.max() <= 1
    assert stats.binomtest(int(y.sum()), len(y)).pvalue > 1e-3
    ink = x.reshape(len(x), -1).mean(1)
    assert abs(ink[y == 1].mean() - ink[y == 0].mean()) < 0.25 * ink.std() + 0.005
    assert 0.03 < ink.mean() < 0.3


def test_generation_does_not_depend_on_the_chunking():
    spec = pf.PathfinderSpec(contour_length=4, n_train=6, n_valid=2, n_test=2).scaled(12)
    whole = pf.generate_pathfinder(spec)
    part, labels = pf._draw_chunk(spec, 0, 10)
    np.testing.assert_array_equal(whole.images["train"], part[:6])
    np.testing.assert_array_equal(whole.labels["test"], labels[8:])


def test_scaled_spec_draws_the_same_picture_smaller():
    big = pf.PathfinderSpec()
    small = big.scaled(16)
    assert small.size == 16 and small.paddle_length == big.paddle_length / 2
    img = pf.draw_image(small, 1, np.random.default_rng(1))
    assert img.shape == (16, 16)


# --- MNIST and Fashion-MNIST --------------------------------------------------------------------


def fake_digits(folder: Path, per_digit: int = 5) -> list[str]:
    """Ten JSON files in the npm package's format; returns their SHA-256 digests."""
    folder.mkdir(parents=True, exist_ok=True)
    digests = []
    for k in range(10):
        values = [round((k * 7 + i) % 13 / 12, 3) for i in range(784 * per_digit)]
        blob = json.dumps({"data": values}).encode()
        (folder / f"{k}.json").write_bytes(blob)
        digests.append(hashlib.sha256(blob).hexdigest())
    return digests


def fake_tarball(path: Path, source: Path) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for k in range(10):
            tar.add(source / f"{k}.json", arcname=f"package/src/digits/{k}.json")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def no_npm(monkeypatch, tmp_path):
    """No ``node_modules`` anywhere the loader looks (but those made by the test)."""
    monkeypatch.setattr(mn, "_node_module_dirs", lambda: [tmp_path / "npm" / "node_modules"])
    mn._CACHE.clear()
    yield
    mn._CACHE.clear()


def test_mnist_from_the_data_directory(tmp_path, no_npm):
    digests = fake_digits(tmp_path / "data" / "mnist")
    splits = mn.load_mnist(tmp_path / "data", digests=digests)
    sizes = {k: len(v) for k, v in splits.labels.items()}
    assert sizes == {"train": 40, "valid": 5, "test": 5}
    x, y = splits.split("train")
    assert x.shape == (40, 28, 28) and x.dtype == np.float32 and set(y) <= set(range(10))
    everything = np.concatenate([splits.labels[k] for k in ("train", "valid", "test")])
    assert sorted(Counter(everything).values()) == [5] * 10


def test_mnist_from_node_modules(tmp_path, no_npm, monkeypatch):
    digests = fake_digits(tmp_path / "npm" / "node_modules" / "mnist" / "src" / "digits")
    splits = mn.load_mnist(tmp_path / "empty", digests=digests)
    assert "node_modules" in splits.source


def test_mnist_wrong_checksum_and_missing_files(tmp_path, no_npm):
    digests = fake_digits(tmp_path / "data" / "mnist")
    bad = ["0" * 64] + digests[1:]
    with pytest.raises(ChecksumError, match="digit 0.*npm"):
        mn.load_mnist(tmp_path / "data", digests=bad)
    with pytest.raises(DataNotFoundError, match="npm install --no-save mnist@1.1.0") as info:
        mn.load_mnist(tmp_path / "nowhere", download=False)
    assert str(tmp_path / "nowhere" / "mnist") in str(info.value)


def test_mnist_download_from_a_loopback_server(tmp_path, no_npm):
    served = tmp_path / "srv"
    served.mkdir()
    digests = fake_digits(tmp_path / "src")
    sha = fake_tarball(served / mn.MNIST_TARBALL, tmp_path / "src")
    with serve(files_handler(served)) as base:
        url = f"{base}/{mn.MNIST_TARBALL}"
        splits = mn.load_mnist(
            tmp_path / "data", download=True, url=url, tarball_sha256=sha, digests=digests
        )
        assert (tmp_path / "data" / "mnist" / mn.MNIST_TARBALL).is_file()
        assert len(splits.labels["train"]) == 40
        with pytest.raises(ChecksumError):
            mn.load_mnist(
                tmp_path / "other",
                download=True,
                url=url,
                tarball_sha256="1" * 64,
                digests=digests,
            )
        assert not (tmp_path / "other" / "mnist" / mn.MNIST_TARBALL).exists()


def test_the_real_mnist_package_if_installed():
    try:
        splits = mn.load_mnist(download=False)
    except DataNotFoundError:
        pytest.skip("the npm package mnist is not installed (see DataNotFoundError's advice)")
    everything = np.concatenate([splits.labels[k] for k in ("train", "valid", "test")])
    assert tuple(np.bincount(everything)) == mn.MNIST_COUNTS
    assert {k: len(v) for k, v in splits.labels.items()} == dict(zip(mn.SPLITS, mn.MNIST_SPLIT))


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def fake_fashion(folder: Path, n_train: int = 50, n_test: int = 10) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.arange(n_test) % 10,
    }
    digests = {}
    for name, a in arrays.items():
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
            f.write(idx_bytes(a))
        (folder / name).write_bytes(buf.getvalue())
        digests[name] = hashlib.sha256(buf.getvalue()).hexdigest()
    return digests


def test_read_idx_round_trip_and_errors():
    a = np.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(mn.read_idx(idx_bytes(a)), a)
    with pytest.raises(ValueError, match="IDX"):
        mn.read_idx(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="holds"):
        mn.read_idx(idx_bytes(a)[:-1])


def test_fashion_from_the_data_directory_and_debian(tmp_path, monkeypatch):
    mn._CACHE.clear()
    monkeypatch.setattr(mn, "FASHION_DEBIAN_DIR", tmp_path / "debian")
    digests = fake_fashion(tmp_path / "debian")
    splits = mn.load_fashion_mnist(tmp_path / "data", digests=digests, download=False)
    assert {k: len(v) for k, v in splits.labels.items()} == {"train": 45, "valid": 5, "test": 10}
    assert splits.images["test"].max() <= 1.0 and "debian" in splits.source
    bad = dict(digests, **{"t10k-labels-idx1-ubyte.gz": "0" * 64})
    mn._CACHE.clear()
    with pytest.raises(ChecksumError, match="apt-get install dataset-fashion-mnist"):
        mn.load_fashion_mnist(tmp_path / "data", digests=bad, download=False)
    monkeypatch.setattr(mn, "FASHION_DEBIAN_DIR", tmp_path / "none")
    with pytest.raises(DataNotFoundError, match="apt-get install dataset-fashion-mnist"):
        mn.load_fashion_mnist(tmp_path / "data", download=False)
    mn._CACHE.clear()


def test_fashion_download_from_a_loopback_server(tmp_path, monkeypatch):
    mn._CACHE.clear()
    monkeypatch.setattr(mn, "FASHION_DEBIAN_DIR", tmp_path / "none")
    digests = fake_fashion(tmp_path / "srv")
    with serve(files_handler(tmp_path / "srv")) as base:
        dead = "http://127.0.0.1:9/"  # nothing listens on the discard port
        splits = mn.load_fashion_mnist(
            tmp_path / "data", download=True, base_urls=(dead, base + "/"), digests=digests
        )
    assert len(splits.labels["test"]) == 10
    assert sorted(p.name for p in (tmp_path / "data" / "fashion-mnist").iterdir()) == sorted(
        digests
    )
    mn._CACHE.clear()


def test_image_sequences_raster_order_pooling_and_permutation():
    img = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    seq = mn.image_sequences(img)
    assert seq.shape == (1, 16, 1) and seq[0, :5, 0].tolist() == [0, 1, 2, 3, 4]
    pooled = mn.image_sequences(img, pool=2)
    assert pooled[0, :, 0].tolist() == [2.5, 4.5, 10.5, 12.5]
    perm = mn.pixel_permutation(16, seed=1)
    assert sorted(perm.tolist()) == list(range(16))
    np.testing.assert_array_equal(mn.image_sequences(img, permutation=perm)[0, :, 0], perm)
    standard = mn.image_sequences(img, mean=7.5, std=2.0)
    assert standard[0, 0, 0] == pytest.approx(-3.75)
    with pytest.raises(ValueError, match="does not divide"):
        mn.pool_images(img, 3)


def test_the_pooling_for_a_side_and_the_steps_it_leaves_are_those_of_a_pooled_image():
    """28 x 28 MNIST: side 14 pools by 2 to 196 steps; a side that no whole factor gives rounds
    up (10 -> pool 2 -> side 14); no side outside 1-28 is accepted."""
    images = np.zeros((1, 28, 28), np.float32)
    for side, pool, steps in ((28, 1, 784), (14, 2, 196), (10, 2, 196), (7, 4, 49)):
        assert mn.pool_to_side(side) == pool and mn.pooled_steps(pool) == steps
        assert mn.image_sequences(images, pool=pool).shape[1] == steps
    for side in (0, 29):
        with pytest.raises(ValueError, match=f"image side {side} is not between 1 and 28"):
            mn.pool_to_side(side)
