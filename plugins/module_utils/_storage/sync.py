# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a store to the requested state: the flow of heron_upload, independent of the store behind it.

Whether to upload is decided by content: the sha256 of src against the sha256 recorded with the stored
object (never timestamps). A size that differs settles it without waiting for the hash of src; stores that
record the digest after writing (HDFS, file) then finish hashing on the chunks they send.

Several runs may publish to the same destination at once, and nothing coordinates them but the store's own
clock. ``grace_period`` is the longest a run may take: a run never prunes a version that is not older than its
own by more than that (a version another run is still publishing cannot be), nor leftovers of an interrupted
upload that are younger than that (they may belong to a live run).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Callable

from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import StorageBackend, StoredObject
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import InvalidInput
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import (
    SourceDigest,
    SourceFile,
    sha256_file,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import (
    FULL_DIGEST_LENGTH,
    MIN_DIGEST_LENGTH,
    Location,
    version_name_pattern,
    versioned_location,
)

OVERWRITE_CHOICES = ("different", "always", "never")


@dataclass(frozen=True)
class SyncOptions:
    overwrite: str = "different"
    versioned: bool = False
    keep: int | None = None
    digest_length: int = 16
    grace_period: float = 3600

    def validate(self) -> None:
        if self.overwrite not in OVERWRITE_CHOICES:
            raise InvalidInput("overwrite", f"overwrite must be one of {', '.join(OVERWRITE_CHOICES)}")
        if self.keep is not None and not self.versioned:
            raise InvalidInput("keep", "keep prunes older versions and needs versioned: true")
        if self.keep is not None and self.keep < 1:
            raise InvalidInput("keep", "keep must be at least 1 (the version just uploaded is always kept)")
        if not MIN_DIGEST_LENGTH <= self.digest_length <= FULL_DIGEST_LENGTH:
            raise InvalidInput("version_digest_length", f"version_digest_length must be between "
                                                        f"{MIN_DIGEST_LENGTH} and {FULL_DIGEST_LENGTH}")
        problem = seconds_error("grace_period", self.grace_period, allow_zero=True)
        if problem:
            raise InvalidInput("grace_period", f"{problem} (the longest a run to this destination can take)")


def needs_upload(stored: StoredObject | None, size: int, overwrite: str, src_digest: Callable[[], str]) -> bool:
    """Whether to send src. ``src_digest`` is called only when nothing cheaper settles it: a missing object,
    another size, or no recorded digest mean an upload without waiting for the hash of src."""
    if stored is None or overwrite == "always":
        return True
    if overwrite == "never":
        return False
    if stored.size != size or stored.sha256 is None:
        return True
    return stored.sha256 != src_digest()


def ensure_present(backend: StorageBackend, source: SourceFile, dest: Location, options: SyncOptions,
                   check_mode: bool, digest: SourceDigest | None = None) -> dict:
    """``digest`` is the sha256 of ``source`` being computed since the module started (one is started here
    when not given)."""
    options.validate()
    digest = digest or SourceDigest(source.path)
    changed = backend.prepare(dest, check_mode)
    target = versioned_location(dest, digest.result(), options.digest_length) if options.versioned else dest
    stored = backend.stat(target)

    transferred = 0
    uploaded = False
    if needs_upload(stored, source.size, options.overwrite, digest.result):
        changed = True
        if check_mode:
            after = {"sha256": digest.result(), "size": source.size}
        else:
            put = backend.put(source, target, digest)
            uploaded = True
            after, transferred = {"sha256": put.sha256, "size": put.size}, put.transferred_bytes
            if not options.versioned:  # versioned: swept by the listing of the versions below
                backend.remove_leftovers(target, re.compile(rf"^{re.escape(dest.name)}$"), options.grace_period)
    else:
        changed = backend.ensure_attributes(target, check_mode) or changed
        after = {"sha256": stored.sha256, "size": stored.size}

    result = {
        "changed": changed,
        "uri": target.uri,
        "sha256": after["sha256"],
        "size": after["size"],
        "transferred_bytes": transferred,
        "previous_sha256": stored.sha256 if stored else None,
        "backend": backend.name,
        "diff": {"before": _describe(target, stored), "after": dict(after, uri=target.uri)},
    }
    url = backend.public_url(target)
    if url:
        result["url"] = url
    if options.versioned:
        current = StoredObject(target, after["size"], after["sha256"], _now())
        versions, pruned, before = _versions(backend, dest, current, options, check_mode, swept=uploaded)
        result.update(versions=versions, pruned=pruned, changed=changed or bool(pruned))
        result["diff"]["before"]["versions"] = before
        result["diff"]["after"]["versions"] = [version["uri"] for version in versions]
    return result


def ensure_absent(backend: StorageBackend, src: str | None, dest: Location, options: SyncOptions,
                  check_mode: bool) -> dict:
    options.validate()
    if options.versioned and src:
        targets = [versioned_location(dest, sha256_file(SourceFile.open_checked(src).path), options.digest_length)]
    elif options.versioned:
        targets = [found.location for found in backend.list_matching(dest, version_name_pattern(dest.name))]
    else:
        targets = [dest]
    removed, before = [], {}
    previous = None
    for target in targets:
        stored = backend.stat(target)
        if stored is None:
            continue
        previous = stored
        before[target.uri] = {"sha256": stored.sha256, "size": stored.size}
        if check_mode or backend.delete(target):
            removed.append(target.uri)
    result = {
        "changed": bool(removed),
        "uri": targets[0].uri if len(targets) == 1 else dest.uri,
        "sha256": None,
        "size": 0,
        "transferred_bytes": 0,
        "previous_sha256": previous.sha256 if previous and len(targets) == 1 else None,
        "backend": backend.name,
        "removed": removed,
        "diff": {"before": before, "after": {}},
    }
    return result


def _versions(backend: StorageBackend, dest: Location, current: StoredObject, options: SyncOptions,
              check_mode: bool, swept: bool) -> tuple[list[dict], list[str], list[str]]:
    """(versions retained, the one of src first; URIs pruned; URIs there before), pruning beyond ``keep``
    only what is older than the current version by more than the grace period, by the store's times. ``swept``:
    the same listing removes the leftovers of interrupted uploads of the versions (after an upload)."""
    found = backend.list_matching(dest, version_name_pattern(dest.name),
                                  leftovers_older_than=options.grace_period if swept else None)
    newest_first = sorted(found, key=lambda item: item.modified, reverse=True)
    others = [item for item in newest_first if item.uri != current.uri]
    for item in found:
        if item.uri == current.uri:
            current = StoredObject(current.location, item.size, current.sha256, item.modified)
    beyond_keep = [] if options.keep is None else others[options.keep - 1:]
    pruned = [item for item in beyond_keep if item.modified < current.modified - options.grace_period]
    retained = [item for item in others if item not in pruned]
    if not check_mode:
        for item in pruned:
            backend.delete(item.location)
    listed = [_version_entry(current, True)] + [_version_entry(item, False) for item in retained]
    return listed, [item.uri for item in pruned], [item.uri for item in newest_first]


def _version_entry(item: StoredObject, current: bool) -> dict:
    return {"uri": item.uri, "size": item.size, "modified": _iso(item.modified), "current": current}


def _describe(location: Location, stored: StoredObject | None) -> dict:
    if stored is None:
        return {}
    return {"uri": location.uri, "sha256": stored.sha256, "size": stored.size}


def _now() -> float:
    return datetime.datetime.now(datetime.timezone.utc).timestamp()


def _iso(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
