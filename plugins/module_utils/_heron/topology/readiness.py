# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When is a topology up: its TManager registered its location, and the physical plan it wrote lists a stream
manager for every container and every instance of the packing plan, in the state asked for."""

from __future__ import annotations

import time
from typing import Callable

from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import TopologyNotReady
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.observed import Observed

POLL_SECONDS = 1.0


def readiness_gaps(observed: Observed, target_state: str | None) -> list[str]:
    """What is still missing, in words; empty when the topology is up."""
    view = observed.view
    if not observed.submitted:
        return ["the topology is not in ZooKeeper (no topologies node)"]
    gaps = []
    tmanager = view["tmanager"]
    if tmanager is None:
        gaps.append("no TManager location (container 0 has not registered its TManager)")
    elif tmanager["topology_id"] != view["id"]:
        gaps.append(f"the TManager location is of submission {tmanager['topology_id']}, not {view['id']}")
    plan = view["physical_plan"]
    packing = view["resources"]
    if plan is None:
        gaps.append("no physical plan yet")
    elif packing is not None:
        expected = {f"stmgr-{container['id']}": container["id"] for container in packing["containers"]}
        registered = {stmgr["id"] for stmgr in plan["stmgrs"]}
        absent = sorted(container for stmgr, container in expected.items() if stmgr not in registered)
        if absent:
            gaps.append(f"containers without a stream manager in the physical plan: {absent}")
        if plan["instances"] < view["instances"]:
            gaps.append(f"the physical plan lists {plan['instances']} of the {view['instances']} instances of the "
                        "packing plan")
    if target_state and plan is not None and observed.state != target_state:
        gaps.append(f"the topology is {observed.state}, not {target_state}")
    return gaps


def wait_until_ready(observe: Callable[[], Observed], target_state: str | None, timeout: float,
                     aurora_tasks: Callable[[], dict | None], sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> Observed:
    """Poll ``observe`` until readiness_gaps is empty; TopologyNotReady with the gaps and the Aurora task states
    after ``timeout`` seconds."""
    deadline = clock() + timeout
    while True:
        observed = observe()
        gaps = readiness_gaps(observed, target_state)
        if not gaps:
            return observed
        if clock() >= deadline:
            tasks = aurora_tasks()
            shown = ", ".join(f"{instance}: {status}" for instance, status in sorted((tasks or {}).items()))
            raise TopologyNotReady(
                f"topology {observed.nodes.name} was not up within {timeout:g} seconds (wait_timeout): "
                + "; ".join(gaps) + f". Aurora tasks: {shown or 'none active'}",
                option="wait_timeout", missing=gaps, aurora_tasks=tasks)
        sleep(POLL_SECONDS)
