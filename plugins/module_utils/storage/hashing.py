# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming sha256: files are read in fixed-size chunks, so memory stays flat whatever their size."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from ansible_collections.heron.aurora.plugins.module_utils.storage.errors import InvalidInput

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
            raise InvalidInput(option, f"{option} '{path}' is a directory; heron_upload uploads one file "
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


class HashingChunks:
    """Iterates over a file's chunks while hashing and counting them: upload and hash in one read."""

    def __init__(self, path: str, chunk_size: int = CHUNK_SIZE) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self.digest = hashlib.sha256()
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            for chunk in iter_chunks(handle, self.chunk_size):
                self.digest.update(chunk)
                self.bytes_read += len(chunk)
                yield chunk

    @property
    def hexdigest(self) -> str:
        return self.digest.hexdigest()


class BackgroundDigest:
    """sha256 of a file computed in a thread, started before the store is contacted: hashlib and file reads
    release the GIL, so hashing overlaps with importing the store's library, connecting and HEAD requests."""

    def __init__(self, path: str, chunk_size: int = CHUNK_SIZE) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self._cancelled = threading.Event()
        self._digest: str | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        digest = hashlib.sha256()
        try:
            with open(self.path, "rb") as handle:
                for chunk in iter_chunks(handle, self.chunk_size):
                    if self._cancelled.is_set():
                        return
                    digest.update(chunk)
        except OSError as exc:
            self._error = exc
            return
        self._digest = digest.hexdigest()

    def cancel(self) -> None:
        """Stop hashing: the backend will hash while it streams the file instead."""
        self._cancelled.set()

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._digest is None:
            return sha256_file(self.path, self.chunk_size)
        return self._digest
