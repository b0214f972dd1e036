"""The decision of a heron_topology run, from decoded znodes (no network; the whole chain is exercised in
tests/integration/test_heron_topology.py)."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import (
    compute_fingerprint,
    fingerprint_inputs,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import TopologyNodes
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.decide import decide
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import (
    TopologyConflict,
    TopologyInvalid,
    TopologyStale,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.observed import Observed
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.request import TopologyRequest

RUNNING, PAUSED = 1, 2
V1 = compute_fingerprint(fingerprint_inputs("a" * 64, "com.example.WordCount", ["wc"]))
V2 = compute_fingerprint(fingerprint_inputs("b" * 64, "com.example.WordCount", ["wc"]))


def request(state: str = "running", **options) -> TopologyRequest:
    values = {"name": "wc", "cluster": "c", "role": "r", "environment": "e", "state": state,
              "topology_file": "/srv/wc.jar", "topology_class": "com.example.WordCount", "topology_args": ("wc",)}
    values.update(options)
    return TopologyRequest(**values)


def deployed(state: int = RUNNING, record=V1, topology_id: str = "wc-1", tasks=None, drop: tuple = (),
             environment: str = "e", parallelism: int = 2) -> Observed:
    nodes = TopologyNodes("wc")
    topology = messages.Topology(id=topology_id, name="wc", state=state)
    bolt = topology.bolts.add()
    bolt.comp.name = "count"
    bolt.comp.config.kvs.add(key="topology.component.parallelism", value=str(parallelism))
    nodes.found["topologies"] = topology
    nodes.found["packingplans"] = messages.PackingPlan(id="p")
    nodes.found["executionstate"] = messages.ExecutionState(topology_name="wc", topology_id=topology_id, cluster="c",
                                                            environ=environment, role="r")
    nodes.found["schedulers"] = messages.SchedulerLocation(topology_name="wc", http_endpoint="x")
    for directory in drop:
        del nodes.found[directory]
    if record is not None:
        record = compute_fingerprint(record.inputs, topology_id=topology_id)
    return Observed(nodes, record, {0: "RUNNING", 1: "RUNNING"} if tasks is None else tasks)


def nothing() -> Observed:
    return Observed(TopologyNodes("wc"))


@pytest.mark.parametrize(("wanted", "observed", "desired", "actions"), [
    (request(), nothing(), V1, ["submit"]),
    (request("paused"), nothing(), V1, ["submit"]),
    (request(deploy_deactivated=True), nothing(), V1, ["submit", "activate"]),
    (request(), deployed(), V1, []),
    (request(), deployed(PAUSED), V1, ["activate"]),
    (request("paused"), deployed(), V1, ["deactivate"]),
    (request("paused"), deployed(PAUSED), V1, []),
    (request(), deployed(), V2, ["redeploy"]),
    (request(redeploy="never"), deployed(PAUSED), V2, ["activate"]),
    (request(redeploy="always"), deployed(), V1, ["redeploy"]),
    (request(), deployed(record=None), V1, ["redeploy"]),
    (request(component_parallelism={"count": 3}), deployed(PAUSED), V1, ["update", "activate"]),
    (request(component_parallelism={"count": 2}), deployed(), V1, []),
    (request("restarted"), deployed(), None, ["restart"]),
    (request("absent"), deployed(), None, ["kill", "forget"]),
    (request("absent"), deployed(record=None), None, ["kill"]),
    (request("absent"), nothing(), None, []),
    (request("absent"), deployed(drop=("executionstate",)), None, ["clean", "forget"]),
    (request(recover_stale=True), deployed(drop=("executionstate",)), V1, ["clean", "submit"]),
    (request(recover_stale=True), deployed(tasks={}), V1, ["clean", "submit"]),
])
def test_decisions(wanted, observed, desired, actions):
    assert decide(wanted, observed, desired).actions == actions


def test_a_record_of_another_submission_is_a_change():
    observed = deployed()
    observed.fingerprint = compute_fingerprint(V1.inputs, topology_id="wc-0")
    plan = decide(request(), observed, V1)
    assert plan.actions == ["redeploy"] and "wc-0" in plan.reasons[0]


def test_the_reason_names_the_inputs_that_changed():
    assert decide(request(), deployed(), V2).reasons == ["the fingerprint changed: topology_file_sha256"]


@pytest.mark.parametrize("observed", [deployed(drop=("executionstate",)), deployed(tasks={})])
def test_stale_state_without_recover_stale_is_refused(observed):
    with pytest.raises(TopologyStale) as raised:
        decide(request(), observed, V1)
    assert raised.value.option == "recover_stale" and raised.value.details["stale"]["reasons"]


@pytest.mark.parametrize("state", ["running", "absent", "restarted"])
def test_a_topology_of_another_environment_is_a_conflict(state):
    with pytest.raises(TopologyConflict, match="runs in c/r/other, not in c/r/e"):
        decide(request(state), deployed(environment="other"), V1)


def test_nothing_to_restart():
    with pytest.raises(TopologyConflict, match="nothing to restart"):
        decide(request("restarted"), nothing(), None)


def test_unknown_components_are_named():
    with pytest.raises(TopologyInvalid, match="names spout, which the topology does not have: its components are "
                                              "count"):
        decide(request(component_parallelism={"spout": 2}), deployed(), V1)
