#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: heron_aurora_fetch_commands
short_description: The fetch commands of an existing heron.aurora, with package URIs bound
version_added: 0.1.0
description:
  - Loads a C(heron.aurora) job template on the managed host with the collection's Aurora config loader and every
    binding Heron passes, and returns the command lines of its fetch processes (C(fetch_heron_system),
    C(fetch_user_package)) with the given URIs bound, exactly as an Aurora agent runs them with C(bash -c).
  - Use it to fetch-check a site's own template, one that M(heron.aurora.heron_cluster_config) did not generate,
    with the role C(heron.aurora.heron_fetch_check).
  - A module rather than a lookup because the template lives on the host that runs C(heron), next to its conf dir,
    and loading it needs pystachio there, not on the controller.
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._attributes.INFO_MODULE
attributes:
  action_group:
    support: none
    membership: []
    details: >-
      It shares no option set with other modules, so it is in no action group; C(module_defaults) can still set its
      options under its own name, C(heron.aurora.heron_aurora_fetch_commands).
options:
  path:
    description:
      - The C(heron.aurora) file, or the conf dir that holds it.
    type: path
    required: true
  core_package_uri:
    description:
      - The URI bound to C({{CORE_PACKAGE_URI}}), as in C(heron.package.core.uri).
    type: str
    required: true
  topology_package_uri:
    description:
      - The URI bound to C({{TOPOLOGY_PACKAGE_URI}}), as the uploader would hand it to Heron. Without it, only the
        core package's command is returned.
    type: str
  cluster:
    description:
      - The value bound to C({{CLUSTER}}). Defaults to the name of the directory that holds the template.
    type: str
  bindings:
    description:
      - Further bindings, over the sample values of the others Heron passes (role, environment, resources, ...).
    type: dict
  heron_version:
    description:
      - When given, the template is also checked as M(heron.aurora.heron_cluster_config) checks its own, for one
        service job of the cluster, Heron's processes in order and every executor port of this release.
    type: str
seealso:
  - module: heron.aurora.heron_cluster_config
"""

EXAMPLES = r"""
- name: Read the fetch commands of the site's template
  heron.aurora.heron_aurora_fetch_commands:
    path: ~/.heron/conf/devcluster
    core_package_uri: hdfs:///heron/dist/heron-core.tar.gz
    topology_package_uri: hdfs:///heron/topologies/devcluster/fetchcheck-heron-tag-0.tar.gz
  register: site_fetch

- name: Run them on every Aurora agent
  ansible.builtin.include_role:
    name: heron.aurora.heron_fetch_check
  vars:
    heron_fetch_check_commands: "{{ site_fetch.fetch_commands }}"
"""

RETURN = r"""
path:
  description: The template read.
  returned: always
  type: str
  sample: /home/heron/.heron/conf/devcluster/heron.aurora
fetch_commands:
  description: The fetch processes with the URIs bound, in Heron's order.
  returned: always
  type: list
  elements: dict
  contains:
    process:
      description: The process name.
      type: str
    uri:
      description: The URI bound.
      type: str
    command:
      description: The command line an agent runs with C(bash -c).
      type: str
    archive:
      description: The archive the stock processes download and unpack.
      type: str
    expect:
      description: Paths the unpacked archive must hold.
      type: list
      elements: str
  sample:
    - process: fetch_heron_system
      uri: https://binaries.example.org/heron/heron-core.tar.gz
      command: >-
        curl https://binaries.example.org/heron/heron-core.tar.gz -o heron-core.tar.gz && tar zxf heron-core.tar.gz
      archive: heron-core.tar.gz
      expect: [heron-core/bin/heron-executor]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.heron_errors import fail_from
from ansible_collections.heron.aurora.plugins.module_utils._heron.config import conf_dir


def main() -> None:
    module = AnsibleModule(argument_spec={
        "path": {"type": "path", "required": True},
        "core_package_uri": {"type": "str", "required": True},
        "topology_package_uri": {"type": "str"},
        "cluster": {"type": "str"},
        "bindings": {"type": "dict"},
        "heron_version": {"type": "str"},
    }, supports_check_mode=True)
    params = module.params
    try:
        commands = conf_dir.template_fetch_commands(
            params["path"], params["core_package_uri"], params["topology_package_uri"], params["cluster"],
            params["bindings"], params["heron_version"])
    except Exception as exc:  # noqa: BLE001 - every failure becomes a task failure with its message
        fail_from(module, exc)
    module.exit_json(changed=False, path=conf_dir.template_path(params["path"]),
                     fetch_commands=[command.as_dict() for command in commands])


if __name__ == "__main__":
    main()
