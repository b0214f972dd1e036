# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local files and their sha256: the file to upload, read, and a downloaded file, written, in fixed-size chunks so
that memory stays flat whatever their size."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

from ansible_collections.heron.aurora.plugins.module_utils._common import atomic_file
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    DigestMismatch,
    InvalidInput,
    StorageError,
)

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A regular, readable file on the managed host."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def open_checked(cls, path: str | None, option: str = "src") -> "SourceFile":
        if not path:
            raise InvalidInput(option, f"{option} is required when state is present")
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise InvalidInput(option, f"{option} '{path}' does not exist on the managed host") from None
        except OSError as exc:
            raise InvalidInput(option, f"{option} '{path}' cannot be read: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            raise InvalidInput(option, f"{option} '{path}' is a directory; give one file "
                                       "(pack the directory into a tarball first)")
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(option, f"{option} '{path}' is not a regular file")
        if not os.access(path, os.R_OK):
            raise InvalidInput(option, f"{option} '{path}' is not readable by the user the module runs as")
        return cls(path=path, size=info.st_size, mtime_ns=info.st_mtime_ns)

    def changed_on_disk(self) -> bool:
        """Whether the file was rewritten since it was checked: uploading it then would mix two contents."""
        try:
            info = os.stat(self.path)
        except OSError:
            return True
        return info.st_size != self.size or info.st_mtime_ns != self.mtime_ns

    def check_unchanged(self, bytes_read: int | None = None) -> None:
        """Raise when src was rewritten since it was checked (or ``bytes_read`` of it were sent, not its size)."""
        if self.changed_on_disk() or (bytes_read is not None and bytes_read != self.size):
            raise StorageError(f"src '{self.path}' changed while it was being uploaded; run the task again",
                               option="src")


def sha256_file(path: str, chunk_size: int = CHUNK_SIZE) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter_chunks(handle, chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def iter_chunks(handle: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    while True:
        chunk = handle.read(chunk_size)
        if not chunk:
            return
        yield chunk


def clean_digest(value: str | None) -> str | None:
    """A sha256 as read back from a store (metadata, xattr, sidecar), lower-cased; None unless it is one."""
    if value and re.fullmatch(r"[0-9a-fA-F]{64}", value.strip()):
        return value.strip().lower()
    return None


class HashingChunks:
    """A file's chunks, from its start, for an upload that finishes its sha256 on the way: the hash may
    already cover the first ``hashed`` bytes (``digest``), and only the rest is hashed. Iterating again
    (a retried upload) starts over from that same state."""

    def __init__(self, path: str, chunk_size: int = CHUNK_SIZE, digest: Any = None, hashed: int = 0) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self._start = (digest if digest is not None else hashlib.sha256(), hashed)
        self.digest = self._start[0].copy()
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        start_digest, hashed = self._start
        self.digest, self.bytes_read = start_digest.copy(), 0
        with open(self.path, "rb") as handle:
            for chunk in iter_chunks(handle, self.chunk_size):
                position, self.bytes_read = self.bytes_read, self.bytes_read + len(chunk)
                if self.bytes_read > hashed:
                    self.digest.update(memoryview(chunk)[max(0, hashed - position):])
                yield chunk

    @property
    def hexdigest(self) -> str:
        return self.digest.hexdigest()


class SourceDigest:
    """sha256 of src, hashed by a thread from the moment this is created: file reads and hashlib release the
    GIL, so hashing overlaps with loading the store's library, connecting and the first metadata calls.

    ``result()`` waits for the whole digest (S3 records it when an upload starts). ``stream()`` is for stores
    that record it after the data (HDFS, file): the thread stops where it got to, and the chunks being sent
    hash only the rest, so no byte is hashed twice. Call ``stream()`` after ``result()``, not before.
    """

    def __init__(self, path: str, chunk_size: int = CHUNK_SIZE) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self._digest = hashlib.sha256()
        self._hashed = 0
        self._complete = False
        self._error: OSError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                for chunk in iter_chunks(handle, self.chunk_size):
                    if self._stop.is_set():
                        return
                    self._digest.update(chunk)
                    self._hashed += len(chunk)
        except OSError as exc:
            self._error = exc
            return
        self._complete = True

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        if not self._complete:
            raise RuntimeError("SourceDigest.result() after stream(): take the digest from the chunks")
        return self._digest.hexdigest()

    def stream(self, chunk_size: int = CHUNK_SIZE) -> HashingChunks:
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return HashingChunks(self.path, chunk_size, self._digest, self._hashed)


class VerifiedDownload:
    """A download on its way to ``destination``: the chunks go to a temporary file beside it and are hashed as they
    are written; ``commit`` renames that file over ``destination`` only when its sha256 is the one recorded in the
    store. Leaving the ``with`` block without a commit (an exception) removes the temporary file, so ``destination``
    holds its previous content or the whole verified new one, never a part."""

    def __init__(self, uri: str, destination: str) -> None:
        self.uri = uri
        self.destination = destination
        self.directory = os.path.dirname(os.path.abspath(destination))
        self.size = 0
        self._digest = hashlib.sha256()
        self._file: BinaryIO | None = None
        self._replacing: Any = None

    def __enter__(self) -> "VerifiedDownload":
        if not os.path.isdir(self.directory):
            raise StorageError(f"cannot download {self.uri} to '{self.destination}': directory '{self.directory}' "
                               "does not exist")
        if os.path.isdir(self.destination):
            raise StorageError(f"cannot download {self.uri} to '{self.destination}': it is a directory; give the "
                               "path of the file to write")
        replacing = atomic_file.replacing(self.destination)
        try:
            self._file = replacing.__enter__()[0]  # (handle, temporary path)
        except OSError as exc:
            raise StorageError(f"cannot download {self.uri}: no temporary file can be created in "
                               f"'{self.directory}': {exc.strerror}") from None
        self._replacing = replacing
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self._replacing is not None:  # not committed: the temporary file goes, destination stays as it was
            abandon = exc if exc is not None else StorageError(f"the download of {self.uri} was not committed")
            with contextlib.suppress(BaseException):
                self._replacing.__exit__(type(abandon), abandon, None)
            self._replacing = None

    def restart(self) -> None:
        """Forget what was written: a retried transfer starts again from the first byte."""
        self._file.seek(0)
        self._file.truncate()
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise StorageError(f"writing {self.uri} to '{self.destination}' failed, nothing was written there: "
                               f"{exc.strerror or exc}") from None
        self._digest.update(chunk)
        self.size += len(chunk)

    def commit(self, recorded: str | None) -> str:
        """Put the file in place and return its sha256, once it is ``recorded`` (None: the store records none
        apart from the content itself, as for file://)."""
        actual = self._digest.hexdigest()
        if recorded is not None and actual != recorded:
            raise DigestMismatch(self.uri, recorded, actual)
        replacing, self._replacing = self._replacing, None
        try:
            replacing.__exit__(None, None, None)
        except OSError as exc:
            raise StorageError(f"writing {self.uri} to '{self.destination}' failed, nothing was written there: "
                               f"{exc.strerror or exc}") from None
        return actual
