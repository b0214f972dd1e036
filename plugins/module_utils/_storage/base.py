# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interface every store backend implements, and the plain data it exchanges."""

from __future__ import annotations

import abc
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import SourceDigest, SourceFile
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location


@dataclass(frozen=True)
class StoredObject:
    """What a store knows about one object. ``sha256`` is the digest recorded with it (None when nothing
    was recorded); ``modified`` is seconds since the epoch, used only to order versions."""

    location: Location
    size: int
    sha256: str | None
    modified: float

    @property
    def uri(self) -> str:
        return self.location.uri


@dataclass(frozen=True)
class PutResult:
    sha256: str
    size: int
    transferred_bytes: int


class StorageBackend(abc.ABC):
    """One store, reached through one scheme. All calls retry transient errors within ``deadline``."""

    name: str = ""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        # Problems that did not fail the task but that its user should see (cleanup that did not work).
        self.warnings: list[str] = []

    @abc.abstractmethod
    def prepare(self, location: Location, check_mode: bool) -> bool:
        """Before a write: check the store is reachable and the destination's container (bucket, directory)
        usable, creating it where the backend's settings allow. Returns changed."""

    @abc.abstractmethod
    def stat(self, location: Location) -> StoredObject | None:
        """The object at ``location`` with its recorded sha256, or None when there is none."""

    @abc.abstractmethod
    def put(self, source: SourceFile, location: Location, digest: SourceDigest) -> PutResult:
        """Store ``source`` at ``location`` atomically: readers see the old object or the whole new one.

        The sha256 to record comes from ``digest``: ``digest.result()`` where the store needs it before the
        data, ``digest.stream()`` to finish it on the chunks being sent where it is recorded after them.
        ``source.check_unchanged()`` before the object becomes visible refuses a src rewritten meanwhile.
        """

    @abc.abstractmethod
    def download(self, location: Location, destination: str) -> StoredObject:
        """Copy the object at ``location`` to the local path ``destination`` and return it, with the sha256 and
        size of what was read.

        The data streams in chunks to a temporary file in ``destination``'s directory (hashing.VerifiedDownload),
        which replaces ``destination`` only once it is complete and its sha256 is the one recorded with the object;
        on any failure the temporary file is removed and ``destination`` left as it was. A missing object raises
        ObjectMissing, a sha256 that differs from the recorded one (or no recorded sha256) DigestMismatch, a
        missing directory of ``destination`` StorageError. Transient failures restart the transfer within the
        deadline.
        """

    @abc.abstractmethod
    def delete(self, location: Location) -> bool:
        """Remove the object (and whatever the backend recorded beside it). Returns whether it existed."""

    @abc.abstractmethod
    def list_matching(self, location: Location, pattern: re.Pattern,
                      leftovers_older_than: float | None = None) -> list[StoredObject]:
        """Objects in ``location``'s directory whose name matches ``pattern`` (sha256 left None). With
        ``leftovers_older_than``, also remove_leftovers for the same names, from the same listing where the store
        lists temporary files with the objects (file, HDFS)."""

    @abc.abstractmethod
    def remove_leftovers(self, location: Location, names: re.Pattern, older_than: float) -> None:
        """Remove what interrupted uploads left in ``location``'s directory for names matching ``names``
        (temporary files, incomplete multipart uploads) once they are more than ``older_than`` seconds old
        by the store's clock; what cannot be removed becomes a warning."""

    def ensure_attributes(self, location: Location, check_mode: bool) -> bool:
        """Give an existing object the requested owner, group and mode. Returns changed."""
        return False

    def public_url(self, location: Location) -> str | None:
        """An http(s) URL for the object where the store has one, for readers that fetch with curl."""
        return None

    def close(self) -> None:
        """Release connections. A no-op here: a backend that holds connections overrides it."""
        return None


def store_clock(date_header: str | None) -> float:
    """The store's time, from the Date header of one of its answers (this host's clock when it sent none),
    so that ages are measured on the clock that stamped the objects."""
    try:
        return parsedate_to_datetime(date_header).timestamp() if date_header else time.time()
    except (TypeError, ValueError):
        return time.time()


def octal_mode(mode: Any) -> int | None:
    """The permission bits of an octal mode: 0o644 (an int), '0644', '644' or '0o644'; None when ``mode`` is not
    written in octal (a symbolic mode, or no mode at all). The range is the caller's to check."""
    if isinstance(mode, int) and not isinstance(mode, bool):
        return mode
    text = str(mode).strip().lower()
    digits = text[2:] if text.startswith("0o") else text
    return int(digits, 8) if re.fullmatch(r"[0-7]+", digits) else None
