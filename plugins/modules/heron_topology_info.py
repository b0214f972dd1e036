#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: heron_topology_info
short_description: Read the state of Apache Heron topologies from ZooKeeper
version_added: 0.1.0
description:
  - Reads what Heron keeps in ZooKeeper for one topology or for every topology of a cluster, decodes it (Heron's
    protobuf messages) and reports, for each, its live state, who submitted it and when, its components and their
    parallelism, its packing plan, its physical plan, where its TManager listens, and the deployment fingerprint the
    collection recorded.
  - The live state is the physical plan's (C(pplans/<name>)), which the TManager rewrites on activate and
    deactivate, and the submitted one (C(topologies/<name>)) while there is no physical plan.
  - A topology whose nodes are incomplete (for example a C(topologies) node without C(executionstate), which makes
    the next C(heron submit) fail with "already exists") is listed with RV(topologies[].stale=true) and what is
    missing, not skipped.
  - Reads only, in a single ZooKeeper session; runs no heron or aurora command.
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._attributes.INFO_MODULE
  - heron.aurora._zookeeper
attributes:
  action_group:
    support: full
    membership:
      - heron.aurora.heron
    details: >-
      Its ZooKeeper options, O(cluster) and O(config_path) can be set for a whole play with C(module_defaults) under
      C(group/heron.aurora.heron).
options:
  name:
    description:
      - Only this topology. Without it, every topology with a node in one of Heron's directories is listed.
    type: str
seealso:
  - name: Where the state comes from
    description: The znodes read, the fingerprint record and how the protobuf definitions are checked.
    link: https://github.com/heron-aurora/heron.aurora/blob/main/docs/heron-topology.md
"""

EXAMPLES = r"""
- name: Every topology of the cluster, with ZooKeeper found through ~/.heron/conf/devcluster/statemgr.yaml
  heron.aurora.heron_topology_info:
    cluster: devcluster
  register: heron_state

- name: One topology, ZooKeeper given directly
  heron.aurora.heron_topology_info:
    name: WordCountTopology
    zk_hosts: zk1:2181,zk2:2181,zk3:2181
    zk_root: /heron
  register: wordcount

- name: Fail when a topology is left half-submitted
  ansible.builtin.assert:
    that: heron_state.topologies | selectattr('stale') | list | length == 0
    fail_msg: "stale topologies: {{ heron_state.topologies | selectattr('stale') | map(attribute='name') | list }}"
"""

RETURN = r"""
topologies:
  description: One entry per topology, sorted by name; empty when O(name) has no node at all.
  returned: success
  type: list
  elements: dict
  contains:
    name: {description: "The topology name.", type: str, returned: always, sample: WordCountTopology}
    id:
      description: The id Heron gave this submission (from C(topologies), else C(executionstate), else C(pplans)).
      type: str
      returned: always
      sample: WordCountTopology1c1bc4ad-94a3-4e29-b6d3-46a2e0e7cbd3
    state:
      description:
        - V(RUNNING), V(PAUSED) or V(KILLED); null when neither C(pplans) nor C(topologies) has a node, or when
          C(pplans) has one that does not decode (the live state is then unknown).
      type: str
      returned: always
      sample: RUNNING
    state_source:
      {description: "Where RV(topologies[].state) was read: V(pplans) or V(topologies).", type: str, returned: always}
    cluster: {description: "From the execution state.", type: str, returned: always}
    role: {description: "From the execution state.", type: str, returned: always}
    environment: {description: "From the execution state.", type: str, returned: always}
    submission_user: {description: "Who submitted it.", type: str, returned: always}
    submission_time: {description: "When it was submitted, seconds since the epoch.", type: int, returned: always}
    release:
      description: The Heron release that submitted it (C(username), C(tag), C(version)).
      type: dict
      returned: always
    spouts: {description: "Names of the spouts.", type: list, elements: str, returned: always}
    bolts: {description: "Names of the bolts.", type: list, elements: str, returned: always}
    component_parallelism:
      description:
        - Parallelism of each spout and bolt, its instances in the packing plan (which C(heron update) rewrites),
          else its config key C(topology.component.parallelism) in the definition.
      type: dict
      returned: always
      sample: {word: 1, count: 2}
    containers:
      description:
        - Heron containers (stream managers) in the packing plan, else C(topology.stmgrs) of the topology config.
        - The Aurora job has one more instance, container 0, which runs the TManager.
      type: int
      returned: always
    instances: {description: "Spout and bolt instances in the packing plan.", type: int, returned: always}
    resources:
      description:
        - The packing plan, per container its C(id), C(required) and C(scheduled) resources (C(cpu), C(ram) and
          C(disk), in bytes) and its C(instances); C(total_required) over all containers; C(packing_plan_id).
        - Null without a C(packingplans) node.
      type: dict
      returned: always
    physical_plan:
      description: The stream managers (C(id), C(host), C(data_port), C(shell_port)) and the number of instances
        registered; null until the TManager wrote the physical plan.
      type: dict
      returned: always
    tmanager:
      description:
        - Where the TManager listens (C(host), C(controller_port), C(server_port), C(stats_port), C(topology_id)),
          and C(znode), V(tmanagers), or V(tmasters) for Heron before 0.20.3. Null when not registered.
      type: dict
      returned: always
    scheduler:
      description: The scheduler location (C(http_endpoint), C(job_page_links)); null when not written.
      type: dict
      returned: always
    fingerprint:
      description:
        - The deployment record heron.aurora.heron_topology keeps at
          C(/heron-aurora/<cluster>/<role>/<environment>/<name>) (C(sha256), C(inputs), C(topology_id),
          C(package_uri), C(recorded_at)), with C(current) telling whether it describes this submission.
        - Null when there is none.
      type: dict
      returned: always
    fingerprint_error:
      {description: "Why the fingerprint node could not be read, else null.", type: str, returned: always}
    stale: {description: "Whether the nodes are incomplete or inconsistent.", type: bool, returned: always}
    missing:
      description: Which of C(topologies), C(packingplans), C(executionstate) and C(schedulers), the nodes a
        completed submit leaves, are absent.
      type: list
      elements: str
      returned: always
      sample: [executionstate]
    stale_reasons: {description: "Each problem found, in words.", type: list, elements: str, returned: always}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.heron_state import (
    fail_from,
    zookeeper_argument_spec,
    zookeeper_options,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.info import topologies_info


def main() -> None:
    spec = zookeeper_argument_spec()
    spec.update(name={"type": "str"})
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    try:
        topologies = topologies_info(zookeeper_options(module.params), module.params.get("name"))
    except HeronError as error:
        fail_from(module, error)
    module.exit_json(changed=False, topologies=topologies)


if __name__ == "__main__":
    main()
