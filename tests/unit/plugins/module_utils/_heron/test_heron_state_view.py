"""The topology view made from decoded znodes (no network; the end-to-end cases are in
tests/integration/test_heron_topology_info.py)."""

from __future__ import annotations

import pytest
from google.protobuf.message import DecodeError

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.messages import decode
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import TopologyNodes
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.view import topology_view


def _topology(topology_id: str, state: int = 1):
    topology = messages.Topology(id=topology_id, name="wc", state=state)
    spout = topology.spouts.add()
    spout.comp.name = "word"
    spout.comp.config.kvs.add(key="topology.component.parallelism", value="3")
    topology.topology_config.kvs.add(key="topology.stmgrs", value="2")
    return topology


def test_nodes_of_different_submissions_are_stale():
    nodes = TopologyNodes("wc")
    nodes.found["topologies"] = _topology("wc-new")
    nodes.found["executionstate"] = messages.ExecutionState(topology_name="wc", topology_id="wc-old", cluster="c",
                                                            environ="e", role="r")
    view = topology_view(nodes)
    assert view["stale"] is True
    assert view["missing"] == ["packingplans", "schedulers"]
    assert "the nodes belong to different submissions: executionstate has wc-old, topologies has wc-new" \
        in view["stale_reasons"]
    assert view["id"] == "wc-new"


def test_without_a_packing_plan_counts_come_from_the_definition():
    nodes = TopologyNodes("wc")
    nodes.found["topologies"] = _topology("wc-1", state=2)
    view = topology_view(nodes)
    assert (view["state"], view["containers"], view["instances"], view["resources"]) == ("PAUSED", 2, 3, None)
    assert view["component_parallelism"] == {"word": 3}


def test_the_physical_plan_state_is_the_live_one():
    nodes = TopologyNodes("wc")
    nodes.found["topologies"] = _topology("wc-1", state=1)
    physical_plan = messages.PhysicalPlan()
    physical_plan.topology.CopyFrom(_topology("wc-1", state=2))
    nodes.found["pplans"] = physical_plan
    assert (topology_view(nodes)["state"], topology_view(nodes)["state_source"]) == ("PAUSED", "pplans")


def test_an_undecodable_physical_plan_leaves_the_live_state_unknown():
    nodes = TopologyNodes("wc")
    nodes.found["topologies"] = _topology("wc-1", state=1)
    nodes.unreadable["pplans"] = "heron.proto.system.PhysicalPlan without its required fields topology.id"
    view = topology_view(nodes)
    assert (view["state"], view["state_source"]) == (None, None)
    assert view["stale"] is True


def test_decode_refuses_a_message_without_its_required_fields():
    partial = messages.ExecutionState(topology_name="wc").SerializePartialToString()
    with pytest.raises(DecodeError) as caught:
        decode(messages.ExecutionState, partial)
    assert "topology_id" in str(caught.value)


def test_parallelism_is_the_packing_plans_after_an_update():
    """heron update rewrites the packing plan only; the definition keeps the parallelism it was submitted with."""
    nodes = TopologyNodes("wc")
    nodes.found["topologies"] = _topology("wc-1")  # word: 3 in its config
    packing = messages.PackingPlan(id="p")
    container = packing.container_plans.add(id=1)
    container.requiredResource.cpu, container.requiredResource.ram, container.requiredResource.disk = 1, 1, 1
    for index in range(5):
        instance = container.instance_plans.add(component_name="word", task_id=index, component_index=index)
        instance.resource.cpu, instance.resource.ram, instance.resource.disk = 1, 1, 1
    nodes.found["packingplans"] = packing
    assert topology_view(nodes)["component_parallelism"] == {"word": 5}
