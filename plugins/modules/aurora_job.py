#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aurora_job
short_description: Create, update, kill or restart an Apache Aurora job through the scheduler API
description:
  - Brings one Aurora job to the wanted state by talking to the Aurora scheduler's Thrift API directly, from
    Python 3. The Python 2 only C(aurora) command line client is not used.
  - With O(state=present) the job's C(.aurora) config is evaluated where the module runs (the managed host, or
    the controller with C(delegate_to=localhost)) with the O(bindings), and converted to the job configuration
    the scheduler takes. The scheduler validates it (C(populateJobConfig)) and says which instances it would add,
    remove or change (C(getJobUpdateDiff)); nothing is sent that changes state when nothing differs, so a second
    run reports no change.
  - A config is Python code and is run as such, with the rights of the user running the module, also in check
    mode; see O(config). Only use configs you would run as a script.
  - When a wait runs out of time the task fails with the status of every instance that did not get there and
    the last event message of each, which is what the scheduler knows about why.
version_added: 0.1.0
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._aurora
attributes:
  action_group:
    support: full
    membership:
      - heron.aurora.aurora
    details: >-
      Its connection options (those of the other M(heron.aurora.aurora_job) and M(heron.aurora.aurora_job_info)) can
      be set for a whole play with C(module_defaults) under C(group/heron.aurora.aurora).
  check_mode:
    support: full
    details: The change is computed with the scheduler (validation and diff); nothing that changes state is sent.
  diff_mode:
    support: full
    details: Shows the job's task configuration and instance count, as the scheduler has it and as wanted.
  idempotent:
    support: partial
    details:
      - With O(state=present), a job whose configuration the scheduler finds unchanged is left alone and the task
        reports no change; O(state=absent) with nothing active to kill does nothing either.
      - Not O(state=restarted), which restarts the tasks on every run by design.
options:
  role:
    description: Role of the job (the second part of the job key). With a config, selects the job in it.
    type: str
  environment:
    description: Environment of the job (third part of the job key). With a config, selects the job in it.
    type: str
  name:
    description: Name of the job (last part of the job key). With a config, selects the job in it.
    type: str
  job_key:
    description:
      - The job key C(cluster/role/environment/name), instead of O(cluster), O(role), O(environment) and O(name).
      - When O(cluster) is given too (for example by C(module_defaults)), it must be the job key's cluster.
    type: str
  config:
    description:
      - Path of the C(.aurora) config on the host that runs the module, which reads and evaluates it there. This
        is not a controller path; unlike the C(src) of M(ansible.builtin.copy) it is not looked up in the C(files/)
        directory of the role or playbook. For a config kept beside the playbook, run the task with
        C(delegate_to=localhost) and give the path as C("{{ playbook_dir }}/files/job.aurora") or C(role_path), or
        copy the config (and what it includes) to the host first.
      - A relative path is relative to the working directory of the module on that host, which is seldom what you
        mean; give an absolute path. C(include()) in the config is relative to the config's directory.
      - Required with O(state=present) unless O(config_content) is given.
      - A C(.aurora) config is Python. It is run, with the rights of the user that runs the module, every time the
        module reads it, in check mode too and with O(state=absent) or O(state=restarted). Only the names of
        Aurora's config language are put in its scope, but it is not sandboxed; it can do whatever that user can.
        Only use configs you would run as a script.
      - The config runs in a child process, within O(config_timeout) seconds and (on Linux) 1 GiB more memory than
        the module uses; a config that ends that process (C(os._exit())) fails the task. What it prints goes to
        stderr.
    type: path
  config_content:
    description:
      - The text of a C(.aurora) config, instead of O(config), for example C("{{ lookup('file', 'job.aurora') }}"),
        which reads a controller file (from C(files/)) and sends its text to the host that runs the module.
      - C(include()) in it is relative to the working directory of the module on that host.
      - It is Python and runs as O(config) does.
    type: str
  config_timeout:
    description:
      - Seconds the evaluation of O(config) or O(config_content) may take. A config still running then (a loop
        that never ends, a huge computation) fails the task, naming the config and this limit.
    type: float
    default: 30
  bindings:
    description:
      - Values for the C({{name}}) references of the config, as C(aurora --bind name=value) gives them.
      - References to C(mesos.instance), C(mesos.hostname), C(thermos.task_id) and C(thermos.ports[name]) are left
        for the executor; any other reference left unbound is an error, as with the stock client.
      - C({{docker.image[NAME][TAG]}}) is bound, as by the stock client, to the image that tag names now in the
        Docker registry of the job's cluster (C(docker_registry) of its C(clusters.json) entry, Docker Hub by
        default), pinned by digest; that needs the cluster in C(clusters.json) (see O(clusters_file)).
    type: dict
    default: {}
  state:
    description:
      - V(present) creates the job, or changes it to match the config.
      - V(absent) kills the job's tasks (or the O(instances) given). A job that does not exist is not an error.
      - V(restarted) restarts the job's tasks (or the O(instances) given), every run.
    type: str
    choices: [present, absent, restarted]
    default: present
  update_strategy:
    description:
      - How O(state=present) changes a job that exists.
      - V(rolling) starts a job update with the settings of the config's C(update_config) and waits until it has
        rolled forward; an update that rolls back fails the task. Only services (C(service=True)) can be updated.
      - V(recreate) kills the job and creates it again.
    type: str
    choices: [rolling, recreate]
    default: rolling
  instances:
    description:
      - Instance ids or ranges (V(0), V(2-4)) to limit O(state=absent) and O(state=restarted) to, and the
        instances a rolling update may touch.
      - Ids go up to 9999; a range past that is refused before it is expanded.
    type: list
    elements: str
  wait_until:
    description:
      - What to wait for after a change. V(PENDING) returns once the tasks are scheduled, V(RUNNING) once every
        instance is running, V(FINISHED) once every instance has ended.
    type: str
    choices: [PENDING, RUNNING, FINISHED]
    default: RUNNING
  watch_secs:
    description:
      - With O(wait_until=RUNNING), how long each instance that this run started must keep one task RUNNING. An
        instance whose task fails or is lost first (read from the task history, so a crash between two polls
        counts) fails the task, with the last message of that task in RV(diagnosis).
      - A crash-looping task reaches RUNNING on every retry, so V(0) (report success as soon as every instance is
        RUNNING, as the stock client's C(--wait-until RUNNING) does) can hide a task that never stays up.
      - Rolling updates are watched by the scheduler itself, with C(watch_secs) of the job's C(update_config).
    type: int
    default: 0
  wait_timeout:
    description:
      - Seconds the whole run may wait for updates, kills and tasks. Each call to the scheduler has its own bound
        besides (O(request_timeout), O(retry_budget)), and so does the evaluation of the config (O(config_timeout)).
    type: int
    default: 600
seealso:
  - module: heron.aurora.aurora_job_info
"""

EXAMPLES = r"""
- name: Run the hello world service, with its config beside the playbook, evaluated on the controller
  heron.aurora.aurora_job:
    cluster: devcluster
    config: "{{ playbook_dir }}/files/hello_world.aurora"
    name: hello_world
    environment: devel
    bindings:
      version: "1.4"
  delegate_to: localhost

- name: The same config, read on the controller and evaluated on the managed host
  heron.aurora.aurora_job:
    cluster: devcluster
    config_content: "{{ lookup('ansible.builtin.file', 'hello_world.aurora') }}"
    name: hello_world
    environment: devel

- name: Submit a Heron topology's job as the heron CLI would, against a scheduler found in ZooKeeper
  heron.aurora.aurora_job:
    job_key: aurora/heron/devel/WordCountTopology
    clusters_file: /etc/aurora/clusters.json
    config: "{{ heron_conf_dir }}/heron.aurora"
    bindings:
      CLUSTER: aurora
      ROLE: heron
      ENVIRON: devel
      TOPOLOGY_NAME: WordCountTopology
      NUM_CONTAINERS: 3
      CPUS_PER_CONTAINER: 2
      RAM_PER_CONTAINER: 4294967296
      DISK_PER_CONTAINER: 10737418240
      EXECUTOR_BINARY: ./heron-core/bin/heron-executor
      TOPOLOGY_ARGUMENTS: "{{ heron_topology_arguments }}"
      CORE_PACKAGE_URI: "{{ heron_core_uri }}"
      TOPOLOGY_PACKAGE_URI: "{{ topology_uri }}"
    wait_until: RUNNING
    wait_timeout: 300

- name: Restart instances 1 and 2
  heron.aurora.aurora_job:
    job_key: devcluster/www-data/prod/hello
    scheduler_url: http://aurora.example.org:8081
    state: restarted
    instances: ["1-2"]

- name: Kill the job
  heron.aurora.aurora_job:
    job_key: devcluster/www-data/prod/hello
    scheduler_url: http://aurora.example.org:8081
    state: absent
"""

RETURN = r"""
job_key:
  description: The job key, C(cluster/role/environment/name).
  returned: always
  type: str
  sample: devcluster/www-data/prod/hello
instance_count:
  description: Instances the job has (or, in check mode, would have) after the run.
  returned: success
  type: int
  sample: 2
tasks:
  description: The newest task of each instance concerned by the run.
  returned: success, and with a failed wait
  type: list
  elements: dict
  contains:
    instance_id: {description: "Instance id.", type: int, returned: always}
    status: {description: "Scheduler status name, such as RUNNING or PENDING.", type: str, returned: always}
    host: {description: "Agent host the task runs on; null while pending.", type: str, returned: always}
    task_id: {description: "Task id.", type: str, returned: always}
    ports: {description: "Named ports the scheduler assigned.", type: dict, returned: always}
    failure_count: {description: "Failures before this task.", type: int, returned: always}
    last_message: {description: "The newest telling event message of the instance.", type: str, returned: always}
update:
  description: The job update started by a rolling change; null when none was started.
  returned: success
  type: dict
  contains:
    id: {description: "Update id.", type: str, returned: always}
    status: {description: "Final update status, ROLLED_FORWARD on success.", type: str, returned: always}
diff:
  description:
    - Instance ids by what the run does (or in check mode would do) to them. In diff mode also C(before) and
      C(after) with the task configuration and instance count.
  returned: success
  type: dict
  contains:
    add: {description: "Instances created.", type: list, elements: int, returned: always}
    remove: {description: "Instances killed.", type: list, elements: int, returned: always}
    update: {description: "Instances changed or restarted.", type: list, elements: int, returned: always}
    unchanged: {description: "Instances left as they are.", type: list, elements: int, returned: always}
diagnosis:
  description: With a wait that timed out, the instances that did not get there, with status and last message.
  returned: failure of a wait
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora import (
    connection_argument_spec,
    fail_from,
)
from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora_job_state import AuroraJobRunner
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraError


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(
        role={"type": "str"},
        environment={"type": "str"},
        name={"type": "str"},
        job_key={"type": "str", "no_log": False},
        config={"type": "path"},
        config_content={"type": "str"},
        config_timeout={"type": "float", "default": 30},
        bindings={"type": "dict", "default": {}},
        state={"type": "str", "choices": ["present", "absent", "restarted"], "default": "present"},
        update_strategy={"type": "str", "choices": ["rolling", "recreate"], "default": "rolling"},
        instances={"type": "list", "elements": "str"},
        wait_until={"type": "str", "choices": ["PENDING", "RUNNING", "FINISHED"], "default": "RUNNING"},
        watch_secs={"type": "int", "default": 0},
        wait_timeout={"type": "int", "default": 600},
    )
    return spec


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("config", "config_content"), ("job_key", "role"), ("job_key", "environment"),
                            ("job_key", "name")],
        required_if=[("state", "present", ("config", "config_content"), True)],
        supports_check_mode=True,
    )
    runner = AuroraJobRunner(module.params, check_mode=module.check_mode, diff_mode=module._diff)
    try:
        result = runner.run()
    except AuroraError as error:
        fail_from(module, error, **runner.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
