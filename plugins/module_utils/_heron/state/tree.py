# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heron's root znode tree: the state root and the directories under it that Heron's state manager keeps one node
per topology in, created when missing and, when asked, given one ACL.

Heron creates the tree itself on first use when ``heron.statemgr.zookeeper.is.initialize.tree`` is true, with
ZooKeeper's open ACL; creating it beforehand lets an operator protect it, and lets a cluster run with that key false.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.versions import HeronVersion
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import StateConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import ZooKeeperSession

# ZooKeeper's permission bits, in the order its CLI prints their letters (cdrwa).
PERMISSIONS = {"create": 4, "delete": 8, "read": 1, "write": 2, "admin": 16}
ALL_PERMISSIONS = sum(PERMISSIONS.values())
# Schemes whose ids ZooKeeper stores as given, so that the ACL read back compares with the one asked for. The `auth`
# scheme is left out: the server replaces it with the session's own ids.
SCHEMES = ("digest", "world", "ip", "sasl", "x509")

# The directories of Heron's state manager (upstream FileSystemStateManager.StateLocation); the TManager location
# directory was tmasters before Heron 0.20.3.
STATE_DIRECTORIES = ("metricscaches", "topologies", "packingplans", "pplans", "executionstate", "schedulers",
                     "statefulcheckpoints", "locks")


@dataclass(frozen=True, order=True)
class AclEntry:
    scheme: str
    id: str
    permissions: int

    def __str__(self) -> str:
        letters = "".join(name[0] for name, bit in PERMISSIONS.items() if self.permissions & bit)
        return f"{self.scheme}:{self.id}:{letters}"

    def as_tuple(self) -> tuple[str, str, int]:
        return self.scheme, self.id, self.permissions


OPEN_ACL = frozenset([AclEntry("world", "anyone", ALL_PERMISSIONS)])  # what ZooKeeper gives a node by default


@dataclass(frozen=True)
class NodePlan:
    path: str
    before: frozenset[AclEntry] | None  # the node's ACL now; None when it does not exist
    after: frozenset[AclEntry]

    @property
    def create(self) -> bool:
        return self.before is None

    @property
    def set_acl(self) -> bool:
        return self.before is not None and self.before != self.after

    def describe(self, acl: frozenset[AclEntry] | None) -> dict:
        return {"exists": acl is not None, "acl": sorted(str(entry) for entry in acl or ())}


@dataclass(frozen=True)
class TreePlan:
    root: str
    directories: tuple[str, ...]
    acl: frozenset[AclEntry] | None
    nodes: tuple[NodePlan, ...] = field(default=())

    @property
    def created(self) -> list[str]:
        return [node.path for node in self.nodes if node.create]

    @property
    def acl_changed(self) -> list[str]:
        return [node.path for node in self.nodes if node.set_acl]

    @property
    def changed(self) -> bool:
        return bool(self.created or self.acl_changed)

    def diff(self) -> dict:
        return {"before": {node.path: node.describe(node.before) for node in self.nodes},
                "after": {node.path: node.describe(node.after) for node in self.nodes}}


def state_directories(heron_version: str | None) -> tuple[str, ...]:
    """The directory names under the root for this Heron release (tmanagers, or tmasters before 0.20.3)."""
    has_tmanager = heron_version is None or HeronVersion.parse(heron_version).has_tmanager
    return ("tmanagers" if has_tmanager else "tmasters",) + STATE_DIRECTORIES


def digest_id(username: str, password: str) -> str:
    """The id of ZooKeeper's digest scheme: ``user:base64(sha1(user:password))``."""
    digest = hashlib.sha1(f"{username}:{password}".encode("utf-8")).digest()  # noqa: S324 - ZooKeeper's scheme
    return f"{username}:{base64.b64encode(digest).decode('ascii')}"


def acl_entries(specs: list[dict] | None, option: str = "acl") -> frozenset[AclEntry] | None:
    """The ACL of the option's entries (scheme, id or username and password, permissions); None when not given."""
    if specs is None:
        return None
    if not specs:
        raise StateConfigError(f"{option} is empty, which would lock everyone out of the tree: give at least one "
                               "entry, or leave it out to keep the nodes' ACLs as they are", option=option)
    return frozenset(_acl_entry(spec, f"{option}[{index}]") for index, spec in enumerate(specs))


def _acl_entry(spec: dict, where: str) -> AclEntry:
    scheme, identity = spec.get("scheme"), spec.get("id")
    username, password = spec.get("username"), spec.get("password")
    if scheme not in SCHEMES:
        raise StateConfigError(f"{where}: scheme {scheme!r} is not one of {', '.join(SCHEMES)}", option="acl")
    if scheme == "digest" and (username or password):
        if identity or not (username and password):
            raise StateConfigError(f"{where}: a digest entry takes username and password together, or id "
                                   "(user:base64 sha1 digest), not both", option="acl")
        identity = digest_id(username, password)
    elif username or password:
        raise StateConfigError(f"{where}: username and password are only for the digest scheme", option="acl")
    if not identity:
        raise StateConfigError(f"{where}: id is required (for example anyone with the world scheme)", option="acl")
    if scheme == "digest" and ":" not in identity:
        raise StateConfigError(f"{where}: a digest id is user:base64 sha1 digest; give username and password to "
                               "have it computed", option="acl")
    if scheme == "world" and identity != "anyone":
        raise StateConfigError(f"{where}: the world scheme's only id is anyone, not {identity!r}", option="acl")
    return AclEntry(scheme, identity, _permission_bits(spec.get("permissions") or ["all"], where))


def _permission_bits(names: list[str], where: str) -> int:
    unknown = sorted(set(names) - set(PERMISSIONS) - {"all"})
    if unknown:
        raise StateConfigError(f"{where}: unknown permissions {', '.join(unknown)}; use all or any of "
                               f"{', '.join(PERMISSIONS)}", option="acl")
    return ALL_PERMISSIONS if "all" in names else sum(PERMISSIONS[name] for name in set(names))


def plan_tree(session: ZooKeeperSession, root: str, directories: tuple[str, ...],
              acl: frozenset[AclEntry] | None) -> TreePlan:
    """What to create and which ACLs to set. Missing ancestors of the root are created with ZooKeeper's open ACL;
    the ACLs of those that exist are not the tree's and are left alone."""
    tree = [root] + [f"{root.rstrip('/')}/{name}" for name in directories]
    nodes = [_node_plan(session, path, None) for path in _ancestors(root)[:-1]]
    nodes += [_node_plan(session, path, acl) for path in tree if path != "/"]
    return TreePlan(root=root, directories=directories, acl=acl, nodes=tuple(nodes))


def _node_plan(session: ZooKeeperSession, path: str, acl: frozenset[AclEntry] | None) -> NodePlan:
    found = session.acl(path)
    before = None if found is None else frozenset(AclEntry(*entry) for entry in found)
    return NodePlan(path=path, before=before, after=acl or before or OPEN_ACL)


def _ancestors(root: str) -> list[str]:
    """``/a/b/heron`` -> ``['/a', '/a/b', '/a/b/heron']``; ``/`` itself is always there."""
    parts = [part for part in root.split("/") if part]
    return ["/" + "/".join(parts[:length]) for length in range(1, len(parts) + 1)]


def apply_tree(session: ZooKeeperSession, plan: TreePlan) -> None:
    """Create the missing nodes, parents first, and set the ACLs that differ."""
    for node in plan.nodes:
        acl = [entry.as_tuple() for entry in sorted(node.after)]
        if node.create:
            session.create(node.path, acl)
        elif node.set_acl:
            session.set_acl(node.path, acl)
