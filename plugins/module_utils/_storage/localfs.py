# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""file:// store: a path on the managed host, typically a shared mount every Aurora agent sees."""

from __future__ import annotations

import os
import re
import stat
import time
from typing import Any, Callable

from ansible_collections.heron.aurora.plugins.module_utils._common import atomic_file
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import (
    PutResult,
    StorageBackend,
    StoredObject,
    octal_mode,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    InvalidInput,
    ObjectMissing,
    StorageError,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import (
    SourceDigest,
    SourceFile,
    VerifiedDownload,
    iter_chunks,
    sha256_file,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location

# Called with a path; applies the requested owner/group/mode and returns whether anything changed (or, in
# check mode, would change). The module builds it from AnsibleModule.set_fs_attributes_if_different.
AttributeSetter = Callable[[str], bool]

# What atomic_file.replacing leaves behind when killed: .NAME., eight random characters, .tmp.
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
MAX_MODE = 0o7777
# Ansible's symbolic modes: comma-separated clauses such as u=rw, g+r-x, a=X, o=u.
SYMBOLIC_MODE = re.compile(r"^[ugoa]*(?:[-+=][rwxXstugo]*)+(?:,[ugoa]*(?:[-+=][rwxXstugo]*)+)*$")


def check_file_mode(mode: Any) -> None:
    """Refuse a mode that chmod would not take as given: octal beyond 7777, or neither octal nor symbolic."""
    if mode is None or mode == "" or SYMBOLIC_MODE.match(str(mode).strip()):
        return
    value = octal_mode(mode)
    if value is None:
        raise InvalidInput("mode", f"mode {mode!r} is neither octal (quote it in YAML: '0644') nor "
                                   "symbolic (u=rw,g=r,o=r)")
    if not 0 <= value <= MAX_MODE:
        raise InvalidInput("mode", f"mode {mode!r} is out of range: file modes go from 0000 to 7777 (octal)")


class LocalFileBackend(StorageBackend):
    name = "file"

    def __init__(self, deadline: Deadline, set_attributes: AttributeSetter | None = None) -> None:
        super().__init__(deadline)
        self._set_attributes = set_attributes

    def prepare(self, location: Location, check_mode: bool) -> bool:
        directory = location.directory or "/"
        if os.path.isdir(directory):
            if not os.access(directory, os.W_OK | os.X_OK) and not check_mode:
                raise InvalidInput("dest", f"directory '{directory}' of dest is not writable by the module's user")
            return False
        if os.path.lexists(directory):
            raise InvalidInput("dest", f"'{directory}' (the directory of dest) exists and is not a directory")
        if not check_mode:
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create directory '{directory}' for dest: {exc.strerror}",
                                   option="dest") from exc
        return True

    def stat(self, location: Location) -> StoredObject | None:
        try:
            info = os.stat(location.path)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise InvalidInput("dest", f"a parent of '{location.path}' is not a directory") from None
        except OSError as exc:
            raise InvalidInput("dest", f"dest '{location.path}' cannot be examined: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            raise InvalidInput("dest", f"dest '{location.uri}' is a directory; give the full path of the file")
        if not stat.S_ISREG(info.st_mode):
            # Reading a FIFO or a device to hash it would block or never end.
            raise InvalidInput("dest", f"dest '{location.path}' exists and is not a regular file (a FIFO, socket "
                                       "or device): remove it or choose another dest")
        return StoredObject(location, info.st_size, sha256_file(location.path), info.st_mtime)

    def put(self, source: SourceFile, location: Location, digest: SourceDigest) -> PutResult:
        chunks = digest.stream()
        try:
            # A replaced file keeps its mode (and, for root, its owner); a new one gets what open() would give it.
            with atomic_file.replacing(location.path) as (out, temp_path):
                for chunk in chunks:
                    out.write(chunk)
                source.check_unchanged(chunks.bytes_read)
                if self._set_attributes is not None:
                    self._set_attributes(temp_path)
        except OSError as exc:
            raise StorageError(f"writing {location.uri} failed, the previous file (if any) is untouched: "
                               f"{exc.strerror or exc}") from exc
        return PutResult(chunks.hexdigest, chunks.bytes_read, chunks.bytes_read)

    def download(self, location: Location, destination: str) -> StoredObject:
        with VerifiedDownload(location.uri, destination) as target:
            try:
                info = os.stat(location.path)
            except (FileNotFoundError, NotADirectoryError):
                raise ObjectMissing(location.uri) from None
            except OSError as exc:
                raise StorageError(f"{location.uri} cannot be examined: {exc.strerror}") from None
            if not stat.S_ISREG(info.st_mode):
                # Reading a FIFO or a device would block or never end.
                raise StorageError(f"{location.uri} is not a regular file: only files can be downloaded")
            try:
                with open(location.path, "rb") as stored:
                    for chunk in iter_chunks(stored):
                        target.write(chunk)
            except FileNotFoundError:
                raise ObjectMissing(location.uri) from None
            except OSError as exc:
                raise StorageError(f"reading {location.uri} failed: {exc.strerror or exc}") from None
            # No digest is recorded beside a local file: the one just computed is what the file holds.
            sha256 = target.commit(None)
        return StoredObject(location, target.size, sha256, info.st_mtime)

    def delete(self, location: Location) -> bool:
        try:
            os.unlink(location.path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            # Linux answers EISDIR; other systems EPERM for a directory.
            if isinstance(exc, IsADirectoryError) or os.path.isdir(location.path):
                raise InvalidInput("dest", f"dest '{location.uri}' is a directory; "
                                           "heron_upload removes files only") from None
            raise StorageError(f"cannot remove '{location.path}': {exc.strerror}") from exc
        atomic_file.fsync_directory(location.directory or "/")
        return True

    def list_matching(self, location: Location, pattern: re.Pattern,
                      leftovers_older_than: float | None = None) -> list[StoredObject]:
        try:
            entries = list(os.scandir(location.directory or "/"))
        except FileNotFoundError:
            return []
        if leftovers_older_than is not None:
            self._remove_listed_leftovers(entries, pattern, time.time() - leftovers_older_than)
        found = []
        for entry in entries:
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                found.append(StoredObject(location.with_name(entry.name), info.st_size, None, info.st_mtime))
        return found

    def remove_leftovers(self, location: Location, names: re.Pattern, older_than: float) -> None:
        try:
            entries = list(os.scandir(location.directory or "/"))
        except OSError as exc:
            self.warnings.append(f"could not look for leftovers of interrupted uploads: {exc.strerror}")
            return
        self._remove_listed_leftovers(entries, names, time.time() - older_than)

    def _remove_listed_leftovers(self, entries: list[os.DirEntry], names: re.Pattern, cutoff: float) -> None:
        for entry in entries:
            match = TEMP_NAME.match(entry.name)
            if not (match and names.match(match.group("name")) and entry.is_file(follow_symlinks=False)):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue  # another run removed it first
            except OSError as exc:
                self.warnings.append(f"could not remove '{entry.path}', left by an interrupted upload: "
                                     f"{exc.strerror}")

    def ensure_attributes(self, location: Location, check_mode: bool) -> bool:
        if self._set_attributes is None:
            return False
        return self._set_attributes(location.path)
