# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a store to the requested state: the flow of heron_upload, independent of the store behind it.

Whether to upload is decided by content: the sha256 of src against the sha256 recorded with the stored
object (never timestamps). A size that differs settles it without hashing; stores that record the digest
after writing (HDFS, file) then hash while they stream, so the file is read once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ansible_collections.heron.aurora.plugins.module_utils.storage.base import StorageBackend, StoredObject
from ansible_collections.heron.aurora.plugins.module_utils.storage.errors import InvalidInput
from ansible_collections.heron.aurora.plugins.module_utils.storage.hashing import (
    BackgroundDigest, SourceFile, sha256_file,
)
from ansible_collections.heron.aurora.plugins.module_utils.storage.uri import (
    FULL_DIGEST_LENGTH, MIN_DIGEST_LENGTH, Location, version_name_pattern, versioned_location,
)

OVERWRITE_CHOICES = ("different", "always", "never")


@dataclass(frozen=True)
class SyncOptions:
    overwrite: str = "different"
    versioned: bool = False
    keep: int | None = None
    digest_length: int = 16

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


def needs_upload(stored: StoredObject | None, size: int, digest: str | None, overwrite: str) -> bool | None:
    """True or False when settled; None when only the src digest can tell (compute it and ask again)."""
    if stored is None or overwrite == "always":
        return True
    if overwrite == "never":
        return False
    if stored.size != size or stored.sha256 is None:
        return True
    if digest is None:
        return None
    return stored.sha256 != digest


def ensure_present(backend: StorageBackend, src: str | None, dest: Location, options: SyncOptions,
                   check_mode: bool, early_digest: BackgroundDigest | None = None) -> dict:
    """``early_digest``, when given, is the sha256 of ``src`` already being computed in the background."""
    options.validate()
    source = SourceFile.open_checked(src)

    def src_digest() -> str:
        return early_digest.result() if early_digest is not None else sha256_file(source.path)

    changed = backend.prepare(dest, check_mode)
    digest = None
    if options.versioned or backend.needs_digest_before_put or check_mode:
        digest = src_digest()
    target = versioned_location(dest, digest, options.digest_length) if options.versioned else dest
    stored = backend.stat(target)

    upload = needs_upload(stored, source.size, digest, options.overwrite)
    if upload is None:
        digest = src_digest()
        upload = needs_upload(stored, source.size, digest, options.overwrite)

    transferred = 0
    if upload:
        changed = True
        if not check_mode:
            if digest is None and early_digest is not None:
                early_digest.cancel()
            put = backend.put(source, target, digest)
            digest, transferred = put.sha256, put.transferred_bytes
        after = {"sha256": digest, "size": source.size}
    else:
        changed = backend.ensure_attributes(target, check_mode) or changed
        after = {"sha256": digest or stored.sha256, "size": stored.size}

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
        result.update(_versions(backend, dest, current, options.keep, check_mode))
        result["changed"] = result["changed"] or bool(result["pruned"])
        result["diff"]["before"]["versions"] = result.pop("_versions_before")
        result["diff"]["after"]["versions"] = [version["uri"] for version in result["versions"]]
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


def _versions(backend: StorageBackend, dest: Location, current: StoredObject, keep: int | None,
              check_mode: bool) -> dict:
    found = backend.list_matching(dest, version_name_pattern(dest.name))
    others = sorted((item for item in found if item.uri != current.uri), key=lambda item: item.modified,
                    reverse=True)
    for item in found:
        if item.uri == current.uri:
            current = StoredObject(current.location, item.size, current.sha256, item.modified)
    retained, pruned = (others, []) if keep is None else (others[: keep - 1], others[keep - 1:])
    if not check_mode:
        for item in pruned:
            backend.delete(item.location)
    listed = [_version_entry(current, True)] + [_version_entry(item, False) for item in retained]
    return {
        "versions": listed,
        "pruned": [item.uri for item in pruned],
        "_versions_before": [item.uri for item in sorted(found, key=lambda item: item.modified, reverse=True)],
    }


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
