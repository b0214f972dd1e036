# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a local file so that a reader, or the file system after a crash, sees the old file or the new one,
never a part: written under a temporary name in the same directory, synced, renamed over the file, and the rename
synced with the directory. A failure removes the temporary file and leaves the old one in place."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import BinaryIO, Iterator

# tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX): what a crash can leave beside the file.
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def replacing(path: str, mode: int | None = None) -> Iterator[tuple[BinaryIO, str]]:
    """The handle and the path of the temporary file that replaces ``path`` when the block ends without an error.

    The new file gets ``mode``, or when None the mode of the file it replaces (a new file: what ``open()`` would
    give it under the umask). Run as root, it keeps the owner and group of the file it replaces. The block may
    change the temporary file's attributes further through its path.
    """
    directory, name = os.path.split(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _give_attributes(temporary, path, mode)
            yield handle, temporary
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)


def write_atomically(path: str, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (see replacing)."""
    with replacing(path, mode) as (handle, _temporary):
        handle.write(data)


def fsync_directory(directory: str) -> None:
    """Make the renames and removals in ``directory`` durable; some file systems refuse to open a directory for
    this, and then there is nothing more to do."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _give_attributes(temporary: str, path: str, mode: int | None) -> None:
    # mkstemp creates the file 0600 and owned by us.
    try:
        previous = os.stat(path)
    except FileNotFoundError:
        os.chmod(temporary, 0o666 & ~_current_umask() if mode is None else mode)
        return
    os.chmod(temporary, stat.S_IMODE(previous.st_mode) if mode is None else mode)
    if os.geteuid() == 0:
        os.chown(temporary, previous.st_uid, previous.st_gid)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
