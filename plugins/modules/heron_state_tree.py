#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: heron_state_tree
short_description: Create Apache Heron's root znode tree in ZooKeeper, optionally with an ACL
version_added: 0.1.0
description:
  - Creates Heron's state root in ZooKeeper (O(zk_root), else C(heron.statemgr.root.path) of the cluster's
    C(statemgr.yaml)) and the directories under it in which Heron keeps one node per topology - C(tmanagers)
    (C(tmasters) before Heron 0.20.3), C(metricscaches), C(topologies), C(packingplans), C(pplans),
    C(executionstate), C(schedulers), C(statefulcheckpoints) and C(locks) - when they are missing.
  - Missing ancestors of the root are created too, with ZooKeeper's open ACL; existing ancestors are left as they
    are.
  - With O(acl), the root and every directory get exactly that ACL, set where it differs. Without it, new nodes get
    ZooKeeper's open ACL (V(world:anyone:cdrwa)) and existing ones keep theirs.
  - Never deletes a node. Heron can create the same tree itself on first use
    (C(heron.statemgr.zookeeper.is.initialize.tree)), always with the open ACL.
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._zookeeper
attributes:
  action_group:
    support: full
    membership:
      - heron.aurora.heron
    details: >-
      Its ZooKeeper options, O(cluster) and O(config_path) can be set for a whole play with C(module_defaults) under
      C(group/heron.aurora.heron).
  check_mode:
    support: full
    details: Reads the nodes and their ACLs and reports what it would create or set; writes nothing.
  diff_mode:
    support: full
    details: Per node, whether it exists and its ACL, before and after.
  idempotent:
    support: full
    details: A second run with the same options finds every node with its ACL and changes nothing.
options:
  heron_version:
    description:
      - The Heron release the tree is for; it decides the TManager location directory, V(tmanagers) from 0.20.3,
        V(tmasters) before. V(tmanagers) when not given.
    type: str
  acl:
    description:
      - The ACL of the root and of each directory. The nodes Heron creates under the directories (one per topology)
        get Heron's own ACL, not this one; this one decides who may create and delete them (C(create),
        C(delete)) and list them (C(read)).
      - Every process that runs Heron's state manager for this cluster (the heron CLI, the TManager and the
        schedulers in the Aurora containers) must be allowed to create and delete under the directories.
      - To keep managing the tree after restricting it, give this module the credentials of an entry with
        C(admin) in O(zk_auth).
    type: list
    elements: dict
    suboptions:
      scheme:
        description:
          - ZooKeeper's authentication scheme of the entry. (C(auth), which the server replaces with the session's
            ids, cannot be compared with what it stores and is not offered.)
        type: str
        required: true
        choices: [digest, world, ip, sasl, x509]
      id:
        description:
          - The id in that scheme, V(anyone) for V(world), an address or V(address/bits) for V(ip), a user for
            V(sasl), and for V(digest) V(user:base64 sha1 digest) as ZooKeeper stores it, unless O(acl[].username)
            and O(acl[].password) are given.
        type: str
      username:
        description: With V(digest), the user; the digest is computed from it and O(acl[].password).
        type: str
      password:
        description: With V(digest), the password of O(acl[].username).
        type: str
      permissions:
        description: What the entry may do; V(all) is every permission.
        type: list
        elements: str
        choices: [all, create, delete, read, write, admin]
        default: [all]
seealso:
  - module: heron.aurora.heron_topology_info
  - module: heron.aurora.heron_cluster_config
  - name: Heron's state in ZooKeeper
    description: The directories and the messages Heron keeps in them.
    link: https://github.com/heron-aurora/heron.aurora/blob/main/docs/heron-topology.md
"""

EXAMPLES = r"""
- name: Heron's tree under the root the cluster's statemgr.yaml names
  heron.aurora.heron_state_tree:
    cluster: devcluster

- name: A tree of its own per cluster, which only the heron user may change and everyone may read
  heron.aurora.heron_state_tree:
    zk_hosts: zk1:2181,zk2:2181,zk3:2181
    zk_root: /heron/prod
    zk_auth: "heron:{{ heron_zk_password }}"
    acl:
      - scheme: digest
        username: heron
        password: "{{ heron_zk_password }}"
      - scheme: world
        id: anyone
        permissions: [read]
"""

RETURN = r"""
root:
  description: Heron's state root.
  returned: success
  type: str
  sample: /heron
directories:
  description: The paths of Heron's directories under the root.
  returned: success
  type: list
  elements: str
  sample: [/heron/tmanagers, /heron/topologies]
created:
  description: The nodes created (in check mode, that would be), parents first.
  returned: success
  type: list
  elements: str
acl_changed:
  description: The existing nodes whose ACL was set (in check mode, would be).
  returned: success
  type: list
  elements: str
acl:
  description: The ACL asked for, as V(scheme:id:permissions) with ZooKeeper's letters (V(cdrwa)); null without O(acl).
  returned: success
  type: list
  elements: str
  sample: ["world:anyone:r", "digest:heron:Zl1yQ0n5n0Jd7rO2hRPp3HGHmX4=:cdrwa"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.heron_state import (
    fail_from,
    zookeeper_argument_spec,
    zookeeper_options,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import zookeeper_session
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.tree import (
    acl_entries,
    apply_tree,
    plan_tree,
    state_directories,
)

ACL_ENTRY_SPEC = {
    "scheme": {"type": "str", "required": True, "choices": ["digest", "world", "ip", "sasl", "x509"]},
    "id": {"type": "str"},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "permissions": {"type": "list", "elements": "str", "default": ["all"],
                    "choices": ["all", "create", "delete", "read", "write", "admin"]},
}


def main() -> None:
    spec = zookeeper_argument_spec()
    spec.update(heron_version={"type": "str"},
                acl={"type": "list", "elements": "dict", "options": ACL_ENTRY_SPEC})
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    try:
        directories = state_directories(module.params["heron_version"])
        acl = acl_entries(module.params["acl"])
        options = zookeeper_options(module.params)
        with zookeeper_session(options) as session:
            plan = plan_tree(session, options.root, directories, acl)
            if plan.changed and not module.check_mode:
                apply_tree(session, plan)
    except HeronError as error:
        fail_from(module, error)
    result = {
        "changed": plan.changed,
        "root": plan.root,
        "directories": [f"{plan.root.rstrip('/')}/{name}" for name in directories],
        "created": plan.created,
        "acl_changed": plan.acl_changed,
        "acl": None if acl is None else sorted(str(entry) for entry in acl),
    }
    if module._diff:
        result["diff"] = plan.diff()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
