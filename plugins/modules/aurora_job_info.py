#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aurora_job_info
short_description: List the Apache Aurora jobs of a role, or one job, with their tasks
description:
  - Reads from the Aurora scheduler API (from Python 3, without the C(aurora) client) the jobs of a role, or one
    job, with the active and the inactive tasks of each; statuses are given by name.
version_added: 0.1.0
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._attributes.INFO_MODULE
  - heron.aurora._aurora
attributes:
  action_group:
    support: full
    membership:
      - heron.aurora.aurora
    details: >-
      Its connection options (those of the other M(heron.aurora.aurora_job) and M(heron.aurora.aurora_job_info)) can
      be set for a whole play with C(module_defaults) under C(group/heron.aurora.aurora).
options:
  role:
    description: List every job of this role. Required unless O(job_key) is given.
    type: str
  job_key:
    description:
      - Only this job, C(cluster/role/environment/name). Its cluster must be O(cluster) when both are given.
    type: str
seealso:
  - module: heron.aurora.aurora_job
"""

EXAMPLES = r"""
- name: What runs for the heron role
  heron.aurora.aurora_job_info:
    cluster: devcluster
    role: heron
  register: heron_jobs

- name: One job
  heron.aurora.aurora_job_info:
    job_key: devcluster/heron/devel/WordCountTopology
    scheduler_url: http://aurora.example.org:8081
  register: wordcount
"""

RETURN = r"""
jobs:
  description: One entry per job, sorted by job key. A job key that matches nothing gives an empty list.
  returned: success
  type: list
  elements: dict
  contains:
    job: {description: "The job key.", type: str, returned: always, sample: devcluster/heron/devel/WordCountTopology}
    active:
      description: Tasks in an active state (PENDING, ASSIGNED, STARTING, RUNNING, KILLING, ...).
      type: list
      elements: dict
      returned: always
      contains:
        instance_id: {description: "Instance id.", type: int, returned: always}
        status: {description: "Status name.", type: str, returned: always}
        host: {description: "Agent host; null while pending.", type: str, returned: always}
        task_id: {description: "Task id.", type: str, returned: always}
        ports: {description: "Named ports assigned.", type: dict, returned: always}
        failure_count: {description: "Failures before this task.", type: int, returned: always}
        last_message: {description: "Last telling event message.", type: str, returned: always}
        events: {description: "Status changes with timestamp (ms) and message.", type: list, elements: dict,
                 returned: always}
    inactive:
      description: Tasks that ended (FINISHED, FAILED, KILLED, LOST), as long as the scheduler keeps them.
      type: list
      elements: dict
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora import (
    connection_argument_spec,
    connection_options,
    fail_from,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraError


def main() -> None:
    spec = connection_argument_spec()
    spec.update(role={"type": "str"}, job_key={"type": "str", "no_log": False})
    module = AnsibleModule(argument_spec=spec, required_one_of=[("role", "job_key")],
                           mutually_exclusive=[("role", "job_key")], supports_check_mode=True)
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import SchedulerClient
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import (
        AuroraJobs,
        check_identifier,
        job_key_option,
        jobs_info,
    )

    try:
        key = None
        cluster = module.params.get("cluster")
        role = module.params.get("role")
        if module.params.get("job_key") is not None:
            key = job_key_option(module.params["job_key"], cluster)
            cluster, role = key.cluster, key.role
        else:
            check_identifier("role", role)  # an empty role would list the jobs of every role
        client = SchedulerClient.from_options(connection_options(module.params, cluster=cluster))
        result = jobs_info(AuroraJobs(client), cluster, role, key)
    except AuroraError as error:
        fail_from(module, error)
    module.exit_json(changed=False, jobs=result)


if __name__ == "__main__":
    main()
