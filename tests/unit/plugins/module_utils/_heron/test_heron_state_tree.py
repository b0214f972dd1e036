"""Heron's root znode tree planned and applied on an in-memory ZooKeeper (the real server is in
tests/integration/test_heron_state_tree.py): what is created, which ACLs are set, the digest ids, bad ACL entries."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.tree import (
    OPEN_ACL,
    AclEntry,
    acl_entries,
    apply_tree,
    digest_id,
    plan_tree,
    state_directories,
)

OPEN = [("world", "anyone", 31)]


class MemorySession:
    """The session calls the tree makes, on a dict of path -> ACL; refuses a node whose parent is missing."""

    def __init__(self, nodes: dict | None = None) -> None:
        self.nodes = {"/": OPEN, **(nodes or {})}
        self.writes: list[tuple[str, str]] = []

    def acl(self, path):
        return self.nodes.get(path)

    def create(self, path, acl=None):
        parent = path.rsplit("/", 1)[0] or "/"
        assert parent in self.nodes, f"{path} created before its parent"
        self.nodes[path] = acl or OPEN
        self.writes.append(("create", path))
        return True

    def set_acl(self, path, acl):
        self.nodes[path] = acl
        self.writes.append(("set_acl", path))


def test_the_directories_follow_the_release():
    assert state_directories("0.20.5-incubating")[0] == "tmanagers"
    assert state_directories("0.20.2-incubating")[0] == "tmasters"
    assert state_directories(None) == ("tmanagers", "metricscaches", "topologies", "packingplans", "pplans",
                                       "executionstate", "schedulers", "statefulcheckpoints", "locks")
    with pytest.raises(HeronError, match="heron_version 'latest' is not a Heron release number"):
        state_directories("latest")


def test_a_missing_tree_is_created_parents_first_then_nothing_changes():
    session = MemorySession()
    directories = state_directories(None)
    plan = plan_tree(session, "/clusters/prod/heron", directories, None)
    assert plan.created[:3] == ["/clusters", "/clusters/prod", "/clusters/prod/heron"]
    assert len(plan.created) == 3 + len(directories) and plan.acl_changed == []
    apply_tree(session, plan)
    assert session.nodes["/clusters/prod/heron/pplans"] == OPEN
    again = plan_tree(session, "/clusters/prod/heron", directories, None)
    assert not again.changed and again.diff()["before"] == again.diff()["after"]


def test_without_an_acl_existing_acls_are_kept():
    session = MemorySession({"/heron": [("ip", "10.0.0.0/8", 31)]})
    plan = plan_tree(session, "/heron", ("topologies",), None)
    assert (plan.created, plan.acl_changed) == (["/heron/topologies"], [])


def test_an_acl_is_set_where_it_differs_and_not_on_existing_ancestors():
    session = MemorySession({"/clusters": [("ip", "10.0.0.1", 31)], "/clusters/heron": OPEN,
                             "/clusters/heron/topologies": [("world", "anyone", 1), ("digest", "heron:x", 31)]})
    acl = acl_entries([{"scheme": "digest", "id": "heron:x", "permissions": ["all"]},
                       {"scheme": "world", "id": "anyone", "permissions": ["read"]}])
    plan = plan_tree(session, "/clusters/heron", ("topologies", "pplans"), acl)
    assert plan.created == ["/clusters/heron/pplans"]
    assert plan.acl_changed == ["/clusters/heron"]  # topologies has the same entries in another order
    diff = plan.diff()
    assert diff["before"]["/clusters/heron"] == {"exists": True, "acl": ["world:anyone:cdrwa"]}
    assert diff["after"]["/clusters/heron"] == {"exists": True, "acl": ["digest:heron:x:cdrwa", "world:anyone:r"]}
    assert diff["before"]["/clusters/heron/pplans"] == {"exists": False, "acl": []}
    apply_tree(session, plan)
    assert session.nodes["/clusters"] == [("ip", "10.0.0.1", 31)]
    assert sorted(session.nodes["/clusters/heron/pplans"]) == [("digest", "heron:x", 31), ("world", "anyone", 1)]
    assert not plan_tree(session, "/clusters/heron", ("topologies", "pplans"), acl).changed


def test_the_root_slash_is_never_created_or_changed():
    session = MemorySession()
    plan = plan_tree(session, "/", ("topologies",), acl_entries([{"scheme": "world", "id": "anyone"}]))
    assert [node.path for node in plan.nodes] == ["/topologies"]


def test_digest_ids_are_zookeepers():
    # DigestAuthenticationProvider.generateDigest("super:secret"), as ZooKeeper 3.8 prints it.
    assert digest_id("super", "secret") == "super:lK75jTNcA+U9vtVEw5vB51mj/w4="
    entries = acl_entries([{"scheme": "digest", "username": "super", "password": "secret",
                            "permissions": ["read", "create"]}])
    assert entries == frozenset([AclEntry("digest", "super:lK75jTNcA+U9vtVEw5vB51mj/w4=", 5)])
    assert str(next(iter(entries))) == "digest:super:lK75jTNcA+U9vtVEw5vB51mj/w4=:cr"


@pytest.mark.parametrize("entries, message", [
    ([], "acl is empty, which would lock everyone out"),
    ([{"scheme": "auth", "id": "x"}], "scheme 'auth' is not one of"),
    ([{"scheme": "digest", "username": "heron"}], "takes username and password together"),
    ([{"scheme": "digest", "id": "heron:x", "username": "heron", "password": "p"}], "not both"),
    ([{"scheme": "digest", "id": "heron"}], "a digest id is user:base64 sha1 digest"),
    ([{"scheme": "world", "id": "everyone"}], "the world scheme's only id is anyone"),
    ([{"scheme": "ip", "username": "u", "password": "p"}], "only for the digest scheme"),
    ([{"scheme": "ip"}], r"acl\[0\]: id is required"),
    ([{"scheme": "world", "id": "anyone"}, {"scheme": "ip", "id": "10.0.0.1", "permissions": ["fly"]}],
     r"acl\[1\]: unknown permissions fly"),
])
def test_bad_acl_entries_name_the_entry(entries, message):
    with pytest.raises(HeronError, match=message) as raised:
        acl_entries(entries)
    assert raised.value.option == "acl"


def test_the_open_acl_is_zookeepers_default():
    assert [str(entry) for entry in OPEN_ACL] == ["world:anyone:cdrwa"]
