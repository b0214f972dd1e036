"""When the lifecycle considers a topology up, and what a wait that times out reports."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import TopologyNodes
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import TopologyNotReady
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.observed import Observed
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.readiness import (
    readiness_gaps,
    wait_until_ready,
)


def observed(stmgrs: int = 2, instances: int = 3, tmanager: bool = True, state: int = 1) -> Observed:
    nodes = TopologyNodes("wc")
    nodes.found["topologies"] = messages.Topology(id="wc-1", name="wc", state=1)
    packing = messages.PackingPlan(id="p")
    for container_id, count in ((1, 2), (2, 1)):
        container = packing.container_plans.add(id=container_id)
        container.requiredResource.cpu, container.requiredResource.ram, container.requiredResource.disk = 1, 1, 1
        for index in range(count):
            plan = container.instance_plans.add(component_name="count", task_id=index, component_index=index)
            plan.resource.cpu, plan.resource.ram, plan.resource.disk = 1, 1, 1
    nodes.found["packingplans"] = packing
    physical_plan = messages.PhysicalPlan()
    physical_plan.topology.CopyFrom(messages.Topology(id="wc-1", name="wc", state=state))
    for container_id in range(1, stmgrs + 1):
        physical_plan.stmgrs.add(id=f"stmgr-{container_id}", host_name="h", data_port=1, local_endpoint="/x")
    for index in range(instances):
        instance = physical_plan.instances.add(instance_id=f"i{index}", stmgr_id="stmgr-1")
        instance.info.task_id, instance.info.component_index, instance.info.component_name = index, index, "count"
    nodes.found["pplans"] = physical_plan
    if tmanager:
        nodes.found["tmanagers"] = messages.TManagerLocation(topology_name="wc", topology_id="wc-1", host="h",
                                                             controller_port=1, server_port=2)
    return Observed(nodes)


def test_up():
    assert readiness_gaps(observed(), "RUNNING") == []


def test_gaps_are_named():
    gaps = readiness_gaps(observed(stmgrs=1, instances=2, tmanager=False, state=2), "RUNNING")
    assert gaps == ["no TManager location (container 0 has not registered its TManager)",
                    "containers without a stream manager in the physical plan: [2]",
                    "the physical plan lists 2 of the 3 instances of the packing plan",
                    "the topology is PAUSED, not RUNNING"]


def test_a_wait_that_times_out_reports_the_gaps_and_the_aurora_tasks():
    now = [0.0]
    with pytest.raises(TopologyNotReady) as raised:
        wait_until_ready(lambda: observed(tmanager=False), "RUNNING", 5, lambda: {0: "PENDING", 1: "RUNNING"},
                         sleep=lambda seconds: now.__setitem__(0, now[0] + seconds), clock=lambda: now[0])
    assert "within 5 seconds" in str(raised.value) and "Aurora tasks: 0: PENDING, 1: RUNNING" in str(raised.value)
    assert raised.value.details["aurora_tasks"] == {0: "PENDING", 1: "RUNNING"}


def test_a_wait_returns_once_up():
    answers = iter([observed(tmanager=False), observed()])
    assert readiness_gaps(wait_until_ready(lambda: next(answers), "RUNNING", 60, dict, sleep=lambda _: None),
                          "RUNNING") == []
