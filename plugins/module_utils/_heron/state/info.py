# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The topologies Heron's state knows, as heron_topology_info reports them."""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import StateConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import HeronState
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import (
    ZooKeeperOptions,
    zookeeper_session,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.view import topology_view


def topologies_info(options: ZooKeeperOptions, name: str | None = None) -> list[dict]:
    """One view per topology name found in any of Heron's directories (or only ``name``), in one session.

    A name with no node at all gives an empty list; one with some nodes is listed, ``stale`` when incomplete.
    """
    if name is not None and (not name or "/" in name or name in (".", "..")):
        raise StateConfigError(f"name {name!r} cannot be a topology name: it must be one ZooKeeper path segment",
                               option="name")
    messages.require_protobuf()  # before any network: a missing library is the first thing to report
    with zookeeper_session(options) as session:
        state = HeronState(session, options.root)
        topologies = state.read_many([name] if name else state.topology_names())
        return [topology_view(nodes) for nodes in topologies if nodes.found or nodes.unreadable]
