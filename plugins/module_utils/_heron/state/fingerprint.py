# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's record of what was deployed, kept in ZooKeeper next to Heron's state so that every controller
(a laptop, CI, an ephemeral AWX execution environment) takes the same redeploy decision.

Path: ``/heron-aurora/<cluster>/<role>/<environment>/<topology name>``, outside Heron's root, so that Heron never
reads, writes or deletes it. Data: UTF-8 JSON, for example::

    {"format": 1,
     "sha256": "5d41...",                     # sha256 of the canonical JSON of "inputs"
     "inputs": {"topology_file_sha256": "9f86...", "topology_class": "heron.aurora.sample.WordCount",
                "topology_args": ["WordCount"], "config_properties": {"heron.x": "1"}},
     "topology_id": "WordCount0d9f...",       # the id Heron gave the topology that this record describes
     "package_uri": "hdfs:///heron/...",      # where the deployed topology file was kept (for rollbacks), or null
     "recorded_at": "2026-12-01T09:30:00Z"}

The canonical JSON of the inputs is ``json.dumps(inputs, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8; args are a list of strings and config properties a mapping of strings,
so the same deployment gives the same sha256 on any controller.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import StateError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import ZooKeeperSession

FINGERPRINT_ROOT = "/heron-aurora"
FORMAT = 1


class FingerprintInvalid(StateError):
    """A fingerprint node whose data is not a record of this format."""


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    inputs: dict
    topology_id: str | None = None
    package_uri: str | None = None
    recorded_at: str | None = None
    format: int = FORMAT

    def to_json(self) -> bytes:
        record = {"format": self.format, "sha256": self.sha256, "inputs": self.inputs,
                  "topology_id": self.topology_id, "package_uri": self.package_uri, "recorded_at": self.recorded_at}
        return json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes, path: str) -> "Fingerprint":
        try:
            record = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise FingerprintInvalid(f"{path} does not hold a JSON fingerprint record: {exc}") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise FingerprintInvalid(f"{path} holds no fingerprint record of format {FORMAT}")
        sha256, inputs = record.get("sha256"), record.get("inputs")
        if not isinstance(sha256, str) or not isinstance(inputs, dict):
            raise FingerprintInvalid(f"{path}: a fingerprint record needs 'sha256' (string) and 'inputs' (mapping)")
        return cls(sha256=sha256, inputs=inputs, topology_id=record.get("topology_id"),
                   package_uri=record.get("package_uri"), recorded_at=record.get("recorded_at"))

    def as_dict(self) -> dict:
        return json.loads(self.to_json())


def fingerprint_inputs(topology_file_sha256: str, topology_class: str, topology_args: Sequence[str] = (),
                       config_properties: Mapping[str, str] | None = None) -> dict:
    return {"topology_file_sha256": topology_file_sha256, "topology_class": topology_class,
            "topology_args": [str(arg) for arg in topology_args],
            "config_properties": {str(key): str(value) for key, value in (config_properties or {}).items()}}


def compute_fingerprint(inputs: dict, topology_id: str | None = None, package_uri: str | None = None) -> Fingerprint:
    """The record of ``inputs`` (see fingerprint_inputs), stamped with the current time."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Fingerprint(sha256=hashlib.sha256(canonical).hexdigest(), inputs=inputs, topology_id=topology_id,
                       package_uri=package_uri, recorded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def fingerprint_path(cluster: str, role: str, environment: str, name: str) -> str:
    for label, segment in (("cluster", cluster), ("role", role), ("environment", environment), ("name", name)):
        if not segment or "/" in segment or segment in (".", ".."):
            raise StateError(f"{label} {segment!r} cannot be part of a ZooKeeper path", option=label)
    return f"{FINGERPRINT_ROOT}/{cluster}/{role}/{environment}/{name}"


def write_fingerprint(session: ZooKeeperSession, cluster: str, role: str, environment: str, name: str,
                      fingerprint: Fingerprint) -> str:
    """Create or replace the record (one ZooKeeper write, so readers see the old or the new record); its path."""
    path = fingerprint_path(cluster, role, environment, name)
    session.create_or_set(path, fingerprint.to_json())
    return path


def delete_fingerprint(session: ZooKeeperSession, cluster: str, role: str, environment: str, name: str) -> bool:
    """Remove the record (the parent nodes stay, shared with other topologies); False when there was none."""
    return session.delete(fingerprint_path(cluster, role, environment, name))
