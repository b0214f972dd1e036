"""heron_topology_info end to end: the real definition that Heron's HeronSubmitter writes for our sample WordCount
(compiled against Maven Central's heron-api), Heron's znodes written in Heron's order into the harness's real
ZooKeeper (with Heron's own descriptors from heronpy, and with ours), and the module run as Ansible runs it."""

from __future__ import annotations

import os
import time

import pytest
from kazoo.client import KazooClient

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import (
    compute_fingerprint,
    fingerprint_inputs,
    fingerprint_path,
    write_fingerprint,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import (
    ZooKeeperOptions,
    zookeeper_session,
)
from harness.collection import COLLECTIONS_ROOT
from harness.service import free_port, wait_for
from harness.zookeeper import server_mode
from standins.heron import znodes
from standins.heron.topology import build

WRITERS = {"heron-descriptors": znodes.heron_classes, "our-descriptors": lambda: znodes.our_classes}


@pytest.fixture(params=sorted(WRITERS))
def classes(request):
    return WRITERS[request.param]()


def _info(run_module, writer, check_mode=False, **args):
    result = run_module("heron_topology_info", {"zk_hosts": writer.hosts, "zk_root": writer.root,
                                                "zk_timeout": 10, **args}, check_mode=check_mode)
    assert not result.get("failed"), result
    assert result["changed"] is False
    return result["topologies"]


# --- the definition HeronSubmitter writes ------------------------------------------------------------------

@pytest.mark.parametrize("initial_state", ["RUNNING", "PAUSED"])
def test_our_decoder_and_herons_read_the_real_definition(heron_definition, initial_state):
    defn = heron_definition(initial_state=initial_state)
    ours = messages.Topology.FromString(defn)
    theirs = znodes.heron_classes()("heron.proto.api.Topology").FromString(defn)
    assert ours.IsInitialized() and theirs.IsInitialized()
    assert str(ours) == str(theirs)
    assert ours.SerializeToString() == defn == theirs.SerializeToString()
    assert ours.name == "WordCount" and ours.id.startswith("WordCount")
    assert messages.state_name(ours.state) == initial_state
    assert [spout.comp.name for spout in ours.spouts] == ["word"]
    assert [bolt.comp.name for bolt in ours.bolts] == ["count"]
    parallelism = {component.name: {pair.key: pair.value for pair in component.config.kvs}
                   ["topology.component.parallelism"]
                   for component in [ours.spouts[0].comp, ours.bolts[0].comp]}
    assert parallelism == {"word": "1", "count": "2"}
    assert ours.spouts[0].comp.serialized_object  # the CLI clears it before storing; HeronSubmitter writes it
    config = {pair.key: pair.value for pair in ours.topology_config.kvs}
    assert config["topology.stmgrs"] == "2" and config["topology.team.name"] == "heron"


def test_the_two_variants_differ(heron_sample_jars, heron_definition):
    assert heron_sample_jars["v1"].read_bytes() != heron_sample_jars["v2"].read_bytes()
    v2 = messages.Topology.FromString(heron_definition(variant="v2", name="WordCount2"))
    assert {bolt.comp.name: bolt.comp.config.kvs[0].value for bolt in v2.bolts} == {"count": "3"}
    assert build.sample_jar("v1").read_bytes() == heron_sample_jars["v1"].read_bytes()  # reproducible


# --- the module against Heron's znodes -----------------------------------------------------------------------

def test_running_topology(run_module, heron_znodes, heron_definition, classes):
    sub = znodes.submission(classes, heron_definition(), submission_time=1764581400)
    heron_znodes.submit(sub)
    heron_znodes.start_tmanager(sub, znodes.physical_plan(classes, sub),
                                znodes.tmanager_location(classes, sub, base_port=45000))

    [view] = _info(run_module, heron_znodes)
    assert view["name"] == "WordCount" and view["id"] == sub.topology.id
    assert (view["state"], view["state_source"]) == ("RUNNING", "pplans")
    assert (view["cluster"], view["role"], view["environment"]) == ("devcluster", "heron", "devel")
    assert (view["submission_user"], view["submission_time"]) == ("heron", 1764581400)
    assert view["release"] == {"username": "heron", "tag": "", "version": "0.20.5-incubating"}
    assert (view["spouts"], view["bolts"]) == (["word"], ["count"])
    assert view["component_parallelism"] == {"word": 1, "count": 2}
    assert (view["containers"], view["instances"]) == (2, 3)
    containers = view["resources"]["containers"]
    assert [container["id"] for container in containers] == [1, 2]
    assert [len(container["instances"]) for container in containers] == [2, 1]
    assert containers[0]["required"] == {"cpu": 3.0, "ram": 4 * 1024 ** 3, "disk": 14 * 1024 ** 3}
    assert containers[1]["required"] == {"cpu": 2.0, "ram": 3 * 1024 ** 3, "disk": 14 * 1024 ** 3}
    assert [instance["task_id"] for instance in containers[0]["instances"]] == [1, 3]
    assert view["resources"]["packing_plan_id"] == sub.topology.id
    assert view["physical_plan"]["instances"] == 3 and len(view["physical_plan"]["stmgrs"]) == 2
    assert view["tmanager"] == {"host": "127.0.0.1", "controller_port": 45000, "server_port": 45001,
                                "stats_port": 45002, "topology_id": sub.topology.id, "znode": "tmanagers"}
    assert view["scheduler"] == {"http_endpoint": "scheduler_as_lib_no_endpoint", "job_page_links": []}
    assert (view["stale"], view["missing"], view["stale_reasons"]) == (False, [], [])
    assert view["fingerprint"] is None and view["fingerprint_error"] is None
    assert _info(run_module, heron_znodes, check_mode=True) == [view]  # read-only: the same in check mode


def test_paused_comes_from_the_physical_plan(run_module, heron_znodes, heron_definition, classes):
    sub = znodes.submission(classes, heron_definition())
    heron_znodes.submit(sub)
    # heron deactivate: the TManager rewrites pplans/<name>; topologies/<name> keeps RUNNING.
    heron_znodes.start_tmanager(sub, znodes.physical_plan(classes, sub, state="PAUSED"),
                                znodes.tmanager_location(classes, sub))
    [view] = _info(run_module, heron_znodes, name="WordCount")
    assert (view["state"], view["state_source"]) == ("PAUSED", "pplans")
    stored = messages.Topology.FromString(heron_znodes.client.get(heron_znodes.path("topologies", "WordCount"))[0])
    assert messages.state_name(stored.state) == "RUNNING"


def test_deploy_deactivated_before_the_tmanager_runs(run_module, heron_znodes, heron_definition, classes):
    sub = znodes.submission(classes, heron_definition(initial_state="PAUSED"))
    heron_znodes.submit(sub)
    [view] = _info(run_module, heron_znodes)
    assert (view["state"], view["state_source"]) == ("PAUSED", "topologies")
    assert view["tmanager"] is None and view["physical_plan"] is None
    assert view["stale"] is False
    assert not sub.topology.spouts[0].comp.HasField("serialized_object")  # cleared as the CLI stores it


def test_missing_execution_state_is_stale(run_module, heron_znodes, heron_definition, classes):
    sub = znodes.submission(classes, heron_definition())
    heron_znodes.submit(sub)
    heron_znodes.delete("executionstate", sub.name)
    [view] = _info(run_module, heron_znodes)
    assert view["stale"] is True
    assert view["missing"] == ["executionstate"]
    assert view["stale_reasons"] == ["executionstate/WordCount is missing"]
    assert view["state"] == "RUNNING" and view["cluster"] is None


def test_leftovers_without_a_topology_node_are_listed(run_module, heron_znodes, heron_definition, classes):
    sub = znodes.submission(classes, heron_definition())
    heron_znodes.write("executionstate", sub.name, sub.execution_state)
    heron_znodes.client.create(heron_znodes.path("topologies", "Other"), b"\xff\xff not a topology", makepath=True)
    views = {view["name"]: view for view in _info(run_module, heron_znodes)}
    assert sorted(views) == ["Other", "WordCount"]
    assert views["WordCount"]["missing"] == ["topologies", "packingplans", "schedulers"]
    assert views["WordCount"]["state"] is None and views["WordCount"]["id"] == sub.topology.id
    assert views["Other"]["stale"] is True
    assert any(reason.startswith("topologies/Other cannot be decoded") for reason in views["Other"]["stale_reasons"])


def test_nothing_for_an_unknown_name(run_module, heron_znodes):
    assert _info(run_module, heron_znodes, name="Absent") == []


def test_tmaster_location_of_heron_before_0_20_3(run_module, heron_znodes, heron_definition):
    classes = znodes.our_classes  # heronpy 0.20.5 no longer has TMasterLocation; it has the same fields
    sub = znodes.submission(classes, heron_definition())
    heron_znodes.submit(sub)
    heron_znodes.start_tmanager(sub, znodes.physical_plan(classes, sub), znodes.tmanager_location(classes, sub),
                                directory="tmasters")
    [view] = _info(run_module, heron_znodes)
    assert view["tmanager"]["znode"] == "tmasters"
    assert view["tmanager"]["controller_port"] == 45000


def test_fingerprint_is_reported(run_module, heron_znodes, heron_definition, zookeeper):
    classes = znodes.our_classes
    sub = znodes.submission(classes, heron_definition())
    heron_znodes.submit(sub)
    inputs = fingerprint_inputs("ab" * 32, build.MAIN_CLASS, ["WordCount"], {"heron.x": "1"})
    record = compute_fingerprint(inputs, topology_id=sub.topology.id, package_uri="hdfs:///heron/wc.jar")
    with zookeeper_session(ZooKeeperOptions(hosts=zookeeper.hosts)) as session:
        path = write_fingerprint(session, "devcluster", "heron", "devel", "WordCount", record)
    try:
        assert path == "/heron-aurora/devcluster/heron/devel/WordCount"
        [view] = _info(run_module, heron_znodes)
        assert view["fingerprint"]["sha256"] == record.sha256
        assert view["fingerprint"]["inputs"] == inputs
        assert view["fingerprint"]["current"] is True
        assert view["fingerprint"]["package_uri"] == "hdfs:///heron/wc.jar"
    finally:
        heron_znodes.client.delete(fingerprint_path("devcluster", "heron", "devel", "WordCount"))


class RecordingClient:
    """A started KazooClient whose read requests and the waits for their answers are logged in order."""

    def __init__(self, client: KazooClient) -> None:
        self.client = client
        self.log: list[tuple[str, str]] = []

    def get_async(self, path):
        return self._recorded(self.client.get_async, path)

    def get_children_async(self, path):
        return self._recorded(self.client.get_children_async, path)

    def _recorded(self, request, path):
        self.log.append(("send", path))
        result = request(path)
        answer = result.get

        def get(*args, **kwargs):
            self.log.append(("wait", path))
            return answer(*args, **kwargs)

        result.get = get
        return result

    def round_trips(self) -> list[list[str]]:
        """The paths asked for in each batch: requests sent before the first wait for any of them."""
        batches: list[list[str]] = []
        previous = "wait"
        for event, path in self.log:
            if event == "send":
                if previous == "wait":
                    batches.append([])
                batches[-1].append(path)
            previous = event
        return batches


def test_a_topologys_znodes_are_read_in_two_round_trips(heron_znodes, heron_definition, zookeeper):
    from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import MESSAGES, HeronState
    from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import ZooKeeperSession

    classes = znodes.our_classes
    for name in ("WordCount", "WordCount2"):
        heron_znodes.submit(znodes.submission(classes, heron_definition(name=name)))
    client = KazooClient(hosts=zookeeper.hosts, timeout=10)
    client.start(timeout=30)
    try:
        recording = RecordingClient(client)
        state = HeronState(ZooKeeperSession(recording, ZooKeeperOptions(hosts=zookeeper.hosts)), heron_znodes.root)
        assert state.topology_names() == ["WordCount", "WordCount2"]
        assert recording.round_trips() == [[state.path(directory) for directory in MESSAGES]]
        recording.log.clear()
        topologies = state.read_many(["WordCount", "WordCount2"])
        directories, fingerprints = recording.round_trips()
        assert directories == [state.path(directory, name) for name in ("WordCount", "WordCount2")
                               for directory in MESSAGES]
        assert fingerprints == [fingerprint_path("devcluster", "heron", "devel", name)
                                for name in ("WordCount", "WordCount2")]
        assert [sorted(nodes.found) for nodes in topologies] == [
            ["executionstate", "packingplans", "schedulers", "topologies"]] * 2
        assert [nodes.fingerprint for nodes in topologies] == [None, None]
        assert state.read("WordCount2").found.keys() == topologies[1].found.keys()
    finally:
        client.stop()
        client.close()


def test_connection_from_the_clusters_statemgr_yaml(run_module, heron_znodes, heron_definition, tmp_path, zookeeper):
    sub = znodes.submission(znodes.our_classes, heron_definition())
    heron_znodes.submit(sub)
    conf = tmp_path / "conf" / "devcluster"
    conf.mkdir(parents=True)
    (conf / "statemgr.yaml").write_text(
        "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n"
        f'heron.statemgr.connection.string: "{zookeeper.hosts}"\n'
        f'heron.statemgr.root.path: "{heron_znodes.root}"\n'
        "heron.statemgr.zookeeper.is.initialize.tree: True\n")
    result = run_module("heron_topology_info", {"cluster": "devcluster", "config_path": str(tmp_path / "conf")})
    assert not result.get("failed"), result
    assert [view["name"] for view in result["topologies"]] == ["WordCount"]

    missing = run_module("heron_topology_info", {"cluster": "nocluster", "config_path": str(tmp_path / "conf")})
    assert missing["failed"] and missing["option"] == "config_path"
    assert f"Cluster config directory '{tmp_path / 'conf' / 'nocluster'}' does not exist" in missing["msg"]


# --- ZooKeeper's availability --------------------------------------------------------------------------------

def _write_sample(hosts: str, root: str, defn: bytes) -> None:
    client = KazooClient(hosts=hosts, timeout=10)
    client.start(timeout=30)
    try:
        znodes.HeronZnodes(client, root).submit(znodes.submission(znodes.our_classes, defn))
    finally:
        client.stop()
        client.close()


def test_an_ensemble_with_one_node_down_still_serves(run_module, make_zookeeper_ensemble, heron_definition):
    ensemble = make_zookeeper_ensemble()
    _write_sample(ensemble.hosts, "/heron", heron_definition())
    ensemble.nodes[0].kill()
    result = run_module("heron_topology_info", {"zk_hosts": ensemble.hosts, "zk_timeout": 15})
    assert not result.get("failed"), result
    assert [view["name"] for view in result["topologies"]] == ["WordCount"]


def test_quorum_lost_fails_within_the_timeout_naming_the_hosts(run_module, make_zookeeper_ensemble):
    ensemble = make_zookeeper_ensemble()
    ensemble.nodes[0].kill()
    ensemble.nodes[1].kill()
    started = time.monotonic()
    result = run_module("heron_topology_info", {"zk_hosts": ensemble.hosts, "zk_timeout": 3}, timeout=120)
    elapsed = time.monotonic() - started
    assert result["failed"] and result["error_type"] == "ZooKeeperUnavailable" and result["option"] == "zk_hosts"
    assert ensemble.hosts in result["msg"] and "within 3 seconds" in result["msg"]
    assert elapsed < 60, f"the module took {elapsed:.0f} s to give up"  # it gives up rather than hang


def test_unreachable_zookeeper_fails_within_the_timeout(run_module):
    hosts = f"127.0.0.1:{free_port()}"
    result = run_module("heron_topology_info", {"zk_hosts": hosts, "zk_timeout": 2}, timeout=120)
    assert result["failed"] and result["option"] == "zk_hosts"
    assert f"no ZooKeeper session with {hosts} (zk_hosts) within 2 seconds" in result["msg"]


def test_digest_auth_reads_state_protected_by_an_acl(run_module, zookeeper, heron_definition):
    from kazoo.security import make_digest_acl

    root = f"/heron-acl-{free_port()}"
    client = KazooClient(hosts=zookeeper.hosts, timeout=10, auth_data=[("digest", "heron:s3cret")])
    client.start(timeout=30)
    try:
        writer = znodes.HeronZnodes(client, root)
        writer.submit(znodes.submission(znodes.our_classes, heron_definition()))
        only_heron = [make_digest_acl("heron", "s3cret", all=True)]
        for directory in ("topologies", "packingplans", "executionstate", "schedulers"):
            client.set_acls(writer.path(directory, "WordCount"), only_heron)

        denied = run_module("heron_topology_info", {"zk_hosts": zookeeper.hosts, "zk_root": root})
        assert denied["failed"] and denied["option"] == "zk_auth"
        assert "refused to read" in denied["msg"] and "zk_auth" in denied["msg"]

        allowed = run_module("heron_topology_info", {"zk_hosts": zookeeper.hosts, "zk_root": root,
                                                     "zk_auth": "heron:s3cret"})
        assert not allowed.get("failed"), allowed
        assert [view["stale"] for view in allowed["topologies"]] == [False]
        assert "s3cret" not in repr(allowed)
    finally:
        client.stop()
        client.close()


def test_a_name_that_is_not_one_path_segment_is_refused(run_module, zookeeper):
    result = run_module("heron_topology_info", {"zk_hosts": zookeeper.hosts, "name": "a/b"})
    assert result["failed"] and result["option"] == "name"


@pytest.mark.parametrize("package, library", [("google", "protobuf"), ("kazoo", "kazoo")])
def test_a_missing_library_is_reported_by_name(run_module, zookeeper, tmp_path, package, library):
    # A package of that name earlier on the path hides the installed one, as if it were not installed.
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("raise ImportError('hidden by the test')\n"
                                                    if package == "kazoo" else "")
    python_path = os.pathsep.join([str(tmp_path), str(COLLECTIONS_ROOT)])
    result = run_module("heron_topology_info", {"zk_hosts": zookeeper.hosts}, env={"PYTHONPATH": python_path})
    assert result["failed"]
    assert f"Failed to import the required Python library ({library})" in result["msg"]


def _not_serving(node) -> bool:
    try:
        return server_mode(node.host, node.client_port) not in ("leader", "follower")
    except OSError:
        return False


def test_quorum_lost_during_the_session_fails_the_next_read_within_the_timeout(make_zookeeper_ensemble):
    from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import ZooKeeperUnavailable

    ensemble = make_zookeeper_ensemble()
    options = ZooKeeperOptions(hosts=ensemble.hosts, timeout=3)
    with zookeeper_session(options) as session:
        assert session.children("/") == ["zookeeper"]
        ensemble.nodes[0].kill()
        ensemble.nodes[1].kill()
        # The third node, alone, stops serving once it notices it lost the quorum (reads before that are local).
        third = ensemble.nodes[2]
        assert wait_for(lambda: _not_serving(third), timeout=60)
        started = time.monotonic()
        with pytest.raises(ZooKeeperUnavailable) as caught:
            session.get("/heron/topologies/WordCount")
        assert time.monotonic() - started < 30  # gives up rather than hang
    assert caught.value.option == "zk_hosts"
    assert ensemble.hosts in str(caught.value)
