"""The content-addressed blob store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.blobstore import BlobNotFound, BlobStore, BlobStoreUnavailable

RAW_EMAIL = b"From: cswo@fife.example\r\nMessage-ID: <a@fife.example>\r\n\r\nReturn attached.\r\n"
RAW_SHA = hashlib.sha256(RAW_EMAIL).hexdigest()


def test_put_returns_sha_and_lays_out_two_levels(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    assert store.put(RAW_EMAIL) == RAW_SHA
    assert store.path(RAW_SHA) == tmp_path / RAW_SHA[:2] / RAW_SHA[2:4] / RAW_SHA
    assert store.relpath(RAW_SHA) == f"{RAW_SHA[:2]}/{RAW_SHA[2:4]}/{RAW_SHA}"
    assert store.get(RAW_SHA) == RAW_EMAIL
    assert store.exists(RAW_SHA) is True
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [store.relpath(RAW_SHA)]  # no temporary file left behind


def test_put_is_idempotent_and_does_not_rewrite(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    store.put(RAW_EMAIL)
    path = store.path(RAW_SHA)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert store.put(RAW_EMAIL) == RAW_SHA
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_empty_bytes_are_a_blob_too(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert store.put(b"") == empty
    assert store.get(empty) == b""


def test_missing_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    assert store.exists("0" * 64) is False
    with pytest.raises(BlobNotFound, match=f"no blob {'0' * 64}"):
        store.get("0" * 64)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "fife-return.docx", "A" * 64, "0" * 63, "/" + "0" * 63]
)
def test_names_that_are_not_sha256_are_refused(tmp_path: Path, name: str) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
        store.path(name)
    with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
        store.get(name)


def test_unwritable_root_is_transient(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    store = BlobStore(blocker / "store")  # a folder under a regular file cannot exist
    with pytest.raises(BlobStoreUnavailable, match=f"cannot write blob {RAW_SHA}"):
        store.put(RAW_EMAIL)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=4096))
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    store = BlobStore(tmp_path_factory.mktemp("blobs"))
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.get(sha) == data
    assert store.put(data) == sha
