# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ZooKeeper (and Aurora, when asked) say about one topology, at one moment."""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import Fingerprint
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import TopologyNodes
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.view import topology_view


@dataclass
class Observed:
    nodes: TopologyNodes
    fingerprint: Fingerprint | None = None  # the record at the requested cluster/role/environment
    aurora_tasks: dict | None = None  # active instance -> task status; None when Aurora was not asked
    view: dict = field(init=False)

    def __post_init__(self) -> None:
        self.view = topology_view(self.nodes)

    @property
    def exists(self) -> bool:
        return bool(self.nodes.found or self.nodes.unreadable)

    @property
    def submitted(self) -> bool:
        """Heron's own test: the `topologies` node exists."""
        return "topologies" in self.nodes.found

    @property
    def state(self) -> str | None:
        return self.view["state"]

    @property
    def topology_id(self) -> str | None:
        return self.view["id"]

    @property
    def parallelism(self) -> dict:
        return self.view["component_parallelism"]

    @property
    def submitted_to(self) -> tuple | None:
        """(cluster, role, environment) of the execution state, when there is one."""
        if self.view["cluster"] is None:
            return None
        return self.view["cluster"], self.view["role"], self.view["environment"]

    @property
    def killable(self) -> bool:
        """Whether it is a whole deployment to kill (its definition and execution state are there)."""
        return self.submitted and "executionstate" in self.nodes.found

    @property
    def stale_reasons(self) -> list[str]:
        if not self.exists:
            return []
        reasons = list(self.view["stale_reasons"])
        if self.submitted and self.aurora_tasks == {}:
            reasons.append("its Aurora job has no active task (the job is gone)")
        return reasons

    @property
    def stale(self) -> bool:
        return bool(self.stale_reasons)

    def stale_report(self) -> dict:
        return {"reasons": self.stale_reasons, "missing": self.view["missing"], "aurora_tasks": self.aurora_tasks}

    def summary(self) -> dict:
        """The part of the state a diff shows and a result returns."""
        record = self.fingerprint
        return {
            "state": self.state if self.exists else "ABSENT",
            "topology_id": self.topology_id,
            "fingerprint": record.sha256 if record is not None else None,
            "component_parallelism": self.parallelism,
        }
