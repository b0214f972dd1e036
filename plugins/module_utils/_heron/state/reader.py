# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and decode the znodes Heron keeps for a topology under its state root: ``<root>/<dir>/<topology name>``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import (
    Fingerprint,
    FingerprintInvalid,
    fingerprint_path,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.messages import DecodeError, decode
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import ZooKeeperSession

# Heron's directories and the message each node holds. tmasters is where Heron before 0.20.3 registered the
# TManager (then called TMaster); its TMasterLocation has the fields, and so the bytes, of TManagerLocation.
MESSAGES = {
    "topologies": "heron.proto.api.Topology",
    "packingplans": "heron.proto.system.PackingPlan",
    "pplans": "heron.proto.system.PhysicalPlan",
    "executionstate": "heron.proto.system.ExecutionState",
    "schedulers": "heron.proto.scheduler.SchedulerLocation",
    "tmanagers": "heron.proto.tmanager.TManagerLocation",
    "tmasters": "heron.proto.tmanager.TManagerLocation",
}


@dataclass
class TopologyNodes:
    """What ZooKeeper holds for one topology name; a node that is absent is None."""

    name: str
    found: dict = field(default_factory=dict)  # dir -> decoded message
    unreadable: dict = field(default_factory=dict)  # dir -> why its data does not decode
    fingerprint: Fingerprint | None = None
    fingerprint_error: str | None = None

    def get(self, directory: str) -> Any:
        return self.found.get(directory)

    @property
    def tmanager_dir(self) -> str | None:
        return next((directory for directory in ("tmanagers", "tmasters") if directory in self.found), None)


class HeronState:
    """Heron's state under ``root`` through one session."""

    def __init__(self, session: ZooKeeperSession, root: str) -> None:
        messages.require_protobuf()
        self.session = session
        self.root = root.rstrip("/")

    def path(self, directory: str, name: str = "") -> str:
        return f"{self.root}/{directory}/{name}" if name else f"{self.root}/{directory}"

    def topology_names(self) -> list[str]:
        """Every name that has a node in one of Heron's directories: leftovers of a partial kill are names too."""
        listed = self.session.children_many(self.path(directory) for directory in MESSAGES)
        return sorted({name for names in listed.values() for name in names})

    def read(self, name: str, location: tuple[str, str, str] | None = None) -> TopologyNodes:
        return self.read_many([name], location)[0]

    def read_many(self, names: Sequence[str], location: tuple[str, str, str] | None = None) -> list[TopologyNodes]:
        """The nodes of each topology of ``names``, in two round trips however many there are: every directory's
        node of every name at once, then the fingerprint records. A record is looked for under ``location``
        (cluster, role, environment) when given, else under the topology's execution state, when it has one."""
        data = self.session.get_many(self.path(directory, name) for name in names for directory in MESSAGES)
        topologies = [self._decode(name, data) for name in names]
        self._read_fingerprints(topologies, location)
        return topologies

    def _decode(self, name: str, data: Mapping[str, bytes | None]) -> TopologyNodes:
        nodes = TopologyNodes(name)
        for directory, full_name in MESSAGES.items():
            node_data = data[self.path(directory, name)]
            if node_data is None:
                continue
            try:
                nodes.found[directory] = decode(messages.message_class(full_name), node_data)
            except DecodeError as exc:
                nodes.unreadable[directory] = str(exc)
        return nodes

    def _read_fingerprints(self, topologies: list[TopologyNodes], location: tuple[str, str, str] | None) -> None:
        located = []
        for nodes in topologies:
            execution = nodes.get("executionstate")
            where = location or (execution and (execution.cluster, execution.role, execution.environ))
            if where:
                located.append((fingerprint_path(*where, nodes.name), nodes))
        records = self.session.get_many(path for path, _nodes in located)
        for path, nodes in located:
            if records[path] is None:
                continue
            try:
                nodes.fingerprint = Fingerprint.from_json(records[path], path)
            except FingerprintInvalid as exc:
                nodes.fingerprint_error = str(exc)
