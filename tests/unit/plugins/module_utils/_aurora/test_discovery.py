"""clusters.json lookup and the scheduler leader read from ZooKeeper member nodes (the ZooKeeper side is a
scripted kazoo-like object here; tests/integration/test_aurora_client.py reads a real ZooKeeper)."""

from __future__ import annotations

import json

import pytest
from kazoo.exceptions import NoNodeError

from ansible_collections.heron.aurora.plugins.module_utils._aurora import discovery
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraDiscoveryError,
    AuroraNoLeader,
)


def write(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def homes(tmp_path, monkeypatch):
    root = tmp_path / "etc-aurora"
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AURORA_CONFIG_ROOT", str(root))
    return root, home


def test_default_files_are_config_root_then_home(homes, monkeypatch):
    root, home = homes
    assert discovery.default_cluster_files() == [str(root / "clusters.json"), str(home / ".aurora/clusters.json")]
    monkeypatch.delenv("AURORA_CONFIG_ROOT")
    assert discovery.default_cluster_files()[0] == "/etc/aurora/clusters.json"


def test_later_file_wins_and_both_layouts_are_read(homes):
    root, home = homes
    write(root / "clusters.json", [
        {"name": "devcluster", "scheduler_uri": "http://system:8081"},
        {"name": "west", "zk": "zk1,zk2:2182", "scheduler_zk_path": "/aurora/scheduler", "auth_mechanism": "kerberos"},
    ])
    write(home / ".aurora/clusters.json", {"dev": {"name": "devcluster", "scheduler_uri": "http://mine:8081"},
                                           "anonymous": {"scheduler_uri": "http://ignored"}})
    clusters = discovery.load_clusters()
    assert sorted(clusters) == ["devcluster", "west"]
    assert clusters["devcluster"].scheduler_uri == "http://mine:8081"
    west = clusters["west"]
    assert (west.zk_port, west.auth_mechanism, west.zk_hosts) == (2181, "KERBEROS", "zk1:2181,zk2:2182")


def test_clusters_file_option_replaces_the_search(homes, tmp_path):
    root, _home = homes
    write(root / "clusters.json", [{"name": "devcluster", "scheduler_uri": "http://system:8081"}])
    own = write(tmp_path / "own.json", [{"name": "other", "scheduler_uri": "http://o:1", "slave_root": "/var"}])
    clusters = discovery.load_clusters(str(own))
    assert list(clusters) == ["other"]
    assert clusters["other"].extra == {"slave_root": "/var"}
    with pytest.raises(AuroraDiscoveryError, match=r"unknown Aurora cluster 'devcluster' \(looked in .*own.json; "
                                                   r"known clusters: other\)"):
        discovery.find_cluster("devcluster", str(own))


def test_missing_files_mean_no_clusters(homes):
    with pytest.raises(AuroraDiscoveryError, match="known clusters: none"):
        discovery.find_cluster("devcluster")


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not valid JSON"),
    ('"a string"', "must hold a list"),
    ('[1]', "must be a JSON object"),
    ('[{"name": "c", "zk_port": "x", "zk": "h"}]', "zk_port 'x' is not a number"),
])
def test_bad_clusters_files(tmp_path, content, message):
    path = tmp_path / "clusters.json"
    path.write_text(content)
    with pytest.raises(AuroraDiscoveryError, match=message):
        discovery.load_clusters(str(path))


@pytest.mark.parametrize("entry, message", [
    ({"name": "c", "zk": "h"}, "sets zk but not scheduler_zk_path"),
    ({"name": "c"}, "sets neither zk nor scheduler_uri"),
])
def test_unusable_cluster_entries(tmp_path, entry, message):
    path = write(tmp_path / "clusters.json", [entry])
    with pytest.raises(AuroraDiscoveryError, match=message):
        discovery.find_cluster("c", str(path))


def announcement(host, port, scheme="http", status="ALIVE"):
    return json.dumps({"serviceEndpoint": {"host": host, "port": 8083},
                       "additionalEndpoints": {scheme: {"host": host, "port": port}},
                       "status": status}).encode()


class ScriptedZooKeeper:
    """kazoo's KazooClient surface that discovery uses, answering from a dict of path -> data."""

    def __init__(self, nodes, fail_start=False):
        self.nodes = nodes
        self.fail_start = fail_start
        self.stopped = False

    def __call__(self, hosts, timeout, read_only):
        self.hosts = hosts
        return self

    def start(self, timeout):
        if self.fail_start:
            raise RuntimeError("Connection time-out")

    def get_children(self, path):
        prefix = path + "/"
        children = [p[len(prefix):] for p in self.nodes if p.startswith(prefix)]
        if path not in self.nodes and not children:
            raise NoNodeError()
        return children

    def get(self, path):
        if self.nodes.get(path) is None:
            raise NoNodeError()
        return self.nodes[path], None

    def stop(self):
        self.stopped = True

    def close(self):
        pass


def test_leader_is_the_lowest_member():
    zk = ScriptedZooKeeper({
        "/aurora/scheduler": b"",
        "/aurora/scheduler/member_0000000012": announcement("b.example", 8081),
        "/aurora/scheduler/member_0000000003": announcement("a.example", 8081),
        "/aurora/scheduler/singleton_lock": b"x",
    })
    url = discovery.leader_from_zookeeper("zk:2181", "/aurora/scheduler", client_factory=zk)
    assert url == "http://a.example:8081"
    assert zk.stopped


def test_https_endpoint_is_preferred():
    zk = ScriptedZooKeeper({"/s/member_0000000001": announcement("a", 8443, scheme="https")})
    assert discovery.leader_from_zookeeper("zk", "/s", client_factory=zk) == "https://a:8443"


def test_members_that_vanished_or_are_not_alive_are_skipped():
    zk = ScriptedZooKeeper({
        "/s/member_0000000001": None,
        "/s/member_0000000002": announcement("dead", 1, status="DEAD"),
        "/s/member_0000000003": announcement("c", 8081),
    })
    assert discovery.leader_from_zookeeper("zk", "/s", client_factory=zk) == "http://c:8081"


def test_no_leader_is_reported_as_such():
    with pytest.raises(AuroraNoLeader, match="/s does not exist"):
        discovery.leader_from_zookeeper("zk", "/s", client_factory=ScriptedZooKeeper({}))
    with pytest.raises(AuroraNoLeader, match=r"no scheduler leader .*member_0000000001: .*no http endpoint"):
        discovery.leader_from_zookeeper("zk", "/s", client_factory=ScriptedZooKeeper(
            {"/s/member_0000000001": b'{"additionalEndpoints": {}}'}))


def test_unreachable_zookeeper_is_a_discovery_error():
    with pytest.raises(AuroraDiscoveryError, match="cannot reach ZooKeeper at zk:1: Connection time-out") as info:
        discovery.leader_from_zookeeper("zk:1", "/s", client_factory=ScriptedZooKeeper({}, fail_start=True))
    assert not isinstance(info.value, AuroraNoLeader)


def test_locator_caches_the_leader_until_refreshed(monkeypatch):
    answers = iter(["http://first:1", "http://second:2"])
    monkeypatch.setattr(discovery, "leader_from_zookeeper", lambda hosts, path, timeout: next(answers))
    cluster = discovery.Cluster(name="c", zk="zk", scheduler_zk_path="/s")
    locator = discovery.SchedulerLocator(cluster=cluster)
    assert locator.uses_zookeeper
    assert locator.url() == locator.url() == "http://first:1"
    locator.refresh()
    assert locator.url() == "http://second:2"
    assert discovery.SchedulerLocator("http://fixed:1/").url() == "http://fixed:1"
