"""heron_state_tree against the harness's real ZooKeeper: the tree created (check mode first), a second run that
changes nothing, and a digest ACL that ZooKeeper enforces: anonymous sessions read but cannot create a topology's
node, Heron's credentials can, and a run without them cannot change the ACL back."""

from __future__ import annotations

import uuid

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError

DIRECTORIES = ["tmanagers", "metricscaches", "topologies", "packingplans", "pplans", "executionstate", "schedulers",
               "statefulcheckpoints", "locks"]
PASSWORD = "heron-secret-7"


@pytest.fixture
def client(zookeeper):
    def connect(auth: str | None = None) -> KazooClient:
        session = KazooClient(hosts=zookeeper.hosts, timeout=10,
                              auth_data=[("digest", auth)] if auth else None)
        session.start(timeout=30)
        opened.append(session)
        return session

    opened: list[KazooClient] = []
    yield connect
    for session in opened:
        session.stop()
        session.close()


def test_the_tree_is_created_once(run_module, zookeeper, client):
    root = f"/tree-{uuid.uuid4().hex[:8]}/heron"
    args = {"zk_hosts": zookeeper.hosts, "zk_root": root, "heron_version": "0.20.5-incubating"}

    checked = run_module("heron_state_tree", args, check_mode=True, diff=True)
    assert checked["changed"] and not checked.get("failed"), checked
    assert checked["created"] == [root.rsplit("/", 1)[0], root] + [f"{root}/{name}" for name in DIRECTORIES]
    assert checked["diff"]["after"][f"{root}/pplans"] == {"exists": True, "acl": ["world:anyone:cdrwa"]}
    assert client().exists(root) is None

    created = run_module("heron_state_tree", args)
    assert created["changed"] and created["created"] == checked["created"], created
    assert sorted(client().get_children(root)) == sorted(DIRECTORIES)

    again = run_module("heron_state_tree", args, diff=True)
    assert not again["changed"] and again["created"] == [] and again["acl_changed"] == [], again
    assert again["diff"]["before"] == again["diff"]["after"]


def test_a_digest_acl_is_set_enforced_and_kept(run_module, zookeeper, client):
    root = f"/tree-{uuid.uuid4().hex[:8]}"
    acl = [{"scheme": "digest", "username": "heron", "password": PASSWORD},
           {"scheme": "world", "id": "anyone", "permissions": ["read"]}]
    args = {"zk_hosts": zookeeper.hosts, "zk_root": root, "heron_version": "0.20.2-incubating", "acl": acl,
            "zk_auth": f"heron:{PASSWORD}"}
    first = run_module("heron_state_tree", args)
    assert first["changed"] and f"{root}/tmasters" in first["created"], first
    assert PASSWORD not in str(first)

    anonymous = client()
    assert "topologies" in anonymous.get_children(root)
    with pytest.raises(NoAuthError):
        anonymous.create(f"{root}/topologies/WordCount", b"x")
    heron = client(f"heron:{PASSWORD}")
    heron.create(f"{root}/topologies/WordCount", b"x")  # what Heron's state manager does at submit

    assert not run_module("heron_state_tree", args)["changed"]

    opened = dict(args, acl=[{"scheme": "world", "id": "anyone"}])
    opened.pop("zk_auth")
    refused = run_module("heron_state_tree", opened)
    assert refused.get("failed") and refused["option"] == "zk_auth", refused
    assert "not allowed by the node's ACL" in refused["msg"]

    reopened = run_module("heron_state_tree", dict(opened, zk_auth=f"heron:{PASSWORD}"))
    assert reopened["changed"] and reopened["acl_changed"][0] == root and reopened["created"] == [], reopened
    anonymous.create(f"{root}/topologies/Other", b"x")


def test_bad_input_fails_before_zookeeper_is_reached(run_module):
    failed = run_module("heron_state_tree", {"zk_hosts": "127.0.0.1:1", "zk_root": "/heron",
                                             "acl": [{"scheme": "world", "id": "everybody"}]})
    assert failed.get("failed") and failed["option"] == "acl", failed
    assert "the world scheme's only id is anyone" in failed["msg"]
    relative = run_module("heron_state_tree", {"zk_hosts": "127.0.0.1:1", "zk_root": "heron"})
    assert relative.get("failed") and relative["option"] == "zk_root", relative
