#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: heron_topology
short_description: Deploy, pause, restart and kill Apache Heron topologies on Aurora, idempotently
version_added: 0.1.0
description:
  - Brings a Heron topology to the state asked for through the heron CLI (C(heron submit), C(kill), C(activate),
    C(deactivate), C(restart), C(update)), deciding from Heron's own state in ZooKeeper, so that a second run with
    the same inputs runs no heron command at all.
  - "Whether the topology changed is decided by content: the fingerprint, the sha256 of the topology file together
    with O(topology_class), O(topology_args) and O(config_properties), is recorded in ZooKeeper at
    C(/heron-aurora/<cluster>/<role>/<environment>/<name>), outside Heron's own directories. Every controller (a
    laptop, CI, an ephemeral AWX execution environment) reads the same record and takes the same decision."
  - A changed fingerprint redeploys (O(redeploy=on_change)). Everything is checked first (the topology file, the
    conf dir, ZooKeeper, the heron CLI, the file of the previous deployment for a rollback); then the topology is
    killed and submitted again. If that submit fails and O(rollback=true), the previous topology file, kept in
    O(package_store), is submitted again and the task fails with both stories. The result says whether the
    topology runs and which deployment it is; no path leaves it absent without saying so.
  - Stale state, Heron's nodes of a topology whose C(executionstate) is missing or whose Aurora job has no active
    task (what makes C(heron submit) fail with "already exists"), is reported; with O(recover_stale=true) it is
    cleaned first (C(heron kill) where Heron can, else the Aurora job and Heron's nodes of this topology only).
  - The live state is the physical plan's (C(pplans/<name>)), which the TManager rewrites on activate and
    deactivate, and the submitted one while there is no physical plan.
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._zookeeper
  - heron.aurora._aurora
  - heron.aurora._storage_s3
  - heron.aurora._storage_hdfs
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
    details: Reads ZooKeeper and Aurora and hashes the topology file; runs no heron command and writes nothing.
  diff_mode:
    support: full
    details: Before and after live state, topology id, fingerprint and component parallelism.
  idempotent:
    support: partial
    details:
      - A second run with the same inputs runs no heron command and reports no change.
      - Not with O(state=restarted) or O(redeploy=always), which act on every run by design.
options:
  name:
    description:
      - The topology name, which is also the Aurora job name. ASCII letters, digits, V(_) and V(-) (Heron refuses
        V(.) and V(/)).
      - It must be the name the topology's main class submits under (usually its first argument, see
        O(topology_args)).
    type: str
    required: true
  cluster:
    description:
      - The Heron cluster, which is the Aurora cluster; the name of its conf dir in O(config_path), and, without
        O(scheduler_url), its entry of clusters.json.
    type: str
    required: true
  role:
    description: The role the topology runs as (the Aurora role).
    type: str
    required: true
  environment:
    description: The environment (the Aurora environment), for example V(prod) or V(devel).
    type: str
    required: true
  state:
    description:
      - V(running) submits the topology when it is not deployed, redeploys it when its fingerprint changed, and
        activates it when it is paused.
      - V(paused) does the same but submits with C(--deploy-deactivated) and deactivates a running topology.
      - V(absent) kills it (and removes the fingerprint record); a topology that is not there is fine.
      - V(restarted) restarts the containers (O(container)) of a deployed topology; it changes on every run.
    type: str
    choices: [running, paused, absent, restarted]
    default: running
  topology_file:
    description:
      - The topology file on the managed host (C(.jar), C(.tar), C(.tar.gz), C(.pex), C(.so) or C(.dylib)).
      - Required with O(state=running) and O(state=paused).
    type: path
  topology_class:
    description: The main class (or Python module) that defines the topology. Required with O(topology_file).
    type: str
  topology_args:
    description: The arguments of the main class; for most topologies the first one is the topology name.
    type: list
    elements: str
    default: []
  config_properties:
    description: Heron config properties for the submit, each passed as C(--config-property KEY=VALUE).
    type: dict
    default: {}
  config_path:
    description:
      - The directory that holds the cluster conf dirs, given to every heron command as C(--config-path); the
        cluster's conf dir C(<config_path>/<cluster>/) must hold C(heron.aurora).
    type: path
    default: ~/.heron/conf
  heron_cli:
    description: The heron command to run. By default C(heron) from E(PATH).
    type: path
  cli_timeout:
    description:
      - Seconds one heron command may take (a submit runs the main class and C(aurora job create --wait-until
        RUNNING)); after that its whole process group is stopped and the task fails with what it printed.
    type: float
    default: 600
  deploy_deactivated:
    description:
      - With O(state=running), submit with C(--deploy-deactivated), wait until every instance is up, then
        activate, so that no spout emits before every bolt is there.
    type: bool
    default: false
  component_parallelism:
    description:
      - Parallelism per spout or bolt name. Applied with C(heron update --component-parallelism) when it differs
        from the running topology's, without a redeploy, and after a submit when the main class chose otherwise.
    type: dict
    default: {}
  container:
    description: With O(state=restarted), the container to restart (V(0) runs the TManager); all by default.
    type: int
  redeploy:
    description:
      - V(on_change) kills and submits again when the fingerprint differs from the recorded one (or none is
        recorded for the running topology); V(always) on every run; V(never) leaves a running topology as it is
        and only activates, deactivates or updates it.
    type: str
    choices: [on_change, always, never]
    default: on_change
  rollback:
    description:
      - When the submit of a redeploy fails, submit the previous topology file again, as it was deployed (its
        class, args and config properties from the fingerprint record).
      - Needs the previous file in O(package_store); when it cannot be had, the redeploy is refused before
        anything changes.
    type: bool
    default: true
  package_store:
    description:
      - A directory every controller can read, as a URI (V(s3://BUCKET/PREFIX), V(hdfs://NAMESERVICE/PATH),
        V(file:///SHARED/PATH)), where each deployed topology file is kept, at
        C(<package_store>/<cluster>/<role>/<environment>/<name>/<sha256>/<file name>), for rollbacks.
      - The S3 and HDFS options of this module say how to reach it. Nothing is pruned; expire old files with the
        store's own means (an S3 lifecycle rule, for example).
    type: str
  package_timeout:
    description: Seconds to keep or fetch one topology file in O(package_store), retries included.
    type: float
    default: 600
  recover_stale:
    description:
      - Clean a stale topology (see the description) before deploying it. Without it a stale topology fails the
        task with what is wrong, and nothing is changed.
    type: bool
    default: false
  wait:
    description:
      - After a submit, activate, update or restart, wait until the TManager has registered and the physical plan
        lists a stream manager for every container and every instance of the packing plan, in the state asked
        for.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true) or O(deploy_deactivated=true); a timeout fails the task with what is
        missing and the Aurora tasks' states.
    type: float
    default: 300
  validate_certs:
    description: Verify TLS certificates of the Aurora scheduler and of the package store.
    type: bool
    default: true
notes:
  - The heron CLI runs with the module's environment, so the C(aurora) command it calls (and C(hadoop) for the
    HDFS uploader) must be on E(PATH) of the managed host; the heron.aurora.heron_cli role installs both.
  - The Aurora scheduler is asked whether the job of a deployed topology has active tasks (a job that is gone
    makes the topology stale), through clusters.json or O(scheduler_url).
seealso:
  - module: heron.aurora.heron_topology_info
  - module: heron.aurora.heron_cluster_config
  - name: The lifecycle, the fingerprint record and rollbacks
    description: How decisions are made and what each failure leaves behind.
    link: https://github.com/heron-aurora/heron.aurora/blob/main/docs/heron-topology.md
"""

EXAMPLES = r"""
- name: Deploy WordCount, redeploying when the jar or its arguments change
  heron.aurora.heron_topology:
    name: WordCount
    cluster: devcluster
    role: heron
    environment: prod
    topology_file: /srv/topologies/wordcount-1.4.jar
    topology_class: com.example.WordCount
    topology_args: [WordCount]
    config_properties:
      heron.topology.message.timeout.secs: "60"
    package_store: s3://heron-packages/topologies
    wait: true

- name: Scale the counting bolt without a redeploy
  heron.aurora.heron_topology:
    name: WordCount
    cluster: devcluster
    role: heron
    environment: prod
    topology_file: /srv/topologies/wordcount-1.4.jar
    topology_class: com.example.WordCount
    topology_args: [WordCount]
    component_parallelism:
      count: 4

- name: Pause it
  heron.aurora.heron_topology:
    name: WordCount
    cluster: devcluster
    role: heron
    environment: prod
    state: paused
    topology_file: /srv/topologies/wordcount-1.4.jar
    topology_class: com.example.WordCount
    topology_args: [WordCount]

- name: Restart the TManager's container
  heron.aurora.heron_topology:
    name: WordCount
    cluster: devcluster
    role: heron
    environment: prod
    state: restarted
    container: 0

- name: Kill it
  heron.aurora.heron_topology:
    name: WordCount
    cluster: devcluster
    role: heron
    environment: prod
    state: absent
"""

RETURN = r"""
state:
  description: The live state after the run, V(RUNNING), V(PAUSED) or V(ABSENT); in check mode the one predicted.
  returned: always
  type: str
  sample: RUNNING
topology_id:
  description: The id Heron gave the submission that runs; null when absent.
  returned: always
  type: str
  sample: WordCount0d9f2b8e-5e0b-4d7c-9a37-1b0e8f4f1c2a
submission_time: {description: "Seconds since the epoch of the submit (execution state).", returned: always, type: int}
submission_user: {description: "Who submitted it (execution state).", returned: always, type: str}
release:
  description: The Heron release that submitted it (C(username), C(tag), C(version)).
  returned: always
  type: dict
fingerprint:
  description:
    - The fingerprint record of the deployment that runs (C(sha256), C(inputs), C(topology_id), C(package_uri),
      C(recorded_at)); null when none is recorded.
  returned: always
  type: dict
desired_fingerprint:
  description: The sha256 of the inputs of this run, with O(state=running) and O(state=paused).
  returned: when state is running or paused
  type: str
containers: {description: "Heron containers (the Aurora job has one more, container 0).", returned: always, type: int}
instances: {description: "Spout and bolt instances in the packing plan.", returned: always, type: int}
component_parallelism:
  description: Parallelism of each spout and bolt, as the packing plan has it (C(heron update) rewrites only that).
  returned: always
  type: dict
tmanager:
  description: Where the TManager listens (C(host), C(controller_port), ...); null when it has not registered.
  returned: always
  type: dict
actions:
  description:
    - What was done, in order, of V(clean), V(kill), V(submit), V(redeploy), V(rollback), V(update), V(activate),
      V(deactivate), V(restart) and V(forget) (the fingerprint record removed). In check mode, what would be.
  returned: always
  type: list
  elements: str
  sample: [redeploy]
reasons: {description: "Why each planned action, in words.", returned: always, type: list, elements: str}
commands:
  description: The argument lists of the heron commands that ran, in order; empty when none ran.
  returned: always
  type: list
  elements: list
stale:
  description: When stale state was found, what is wrong (C(reasons), C(missing) nodes, C(aurora_tasks)).
  returned: when stale state was found
  type: dict
rolled_back:
  description: On a failed redeploy, whether the previous deployment was submitted again.
  returned: failure of a redeploy
  type: bool
"""

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora import (
    connection_argument_spec,
    connection_options,
)
from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora import fail_from as fail_from_aurora
from ansible_collections.heron.aurora.plugins.module_utils._ansible.heron_state import (
    fail_from,
    zookeeper_argument_spec,
    zookeeper_options,
)
from ansible_collections.heron.aurora.plugins.module_utils._ansible.storage import (
    HDFS_ARGUMENT_SPEC,
    S3_ARGUMENT_SPEC,
    build_backend,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraError
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error
from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.heron import HeronCli
from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.runner import CommandError
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import zookeeper_session
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.aurora_jobs import TopologyJobs
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import TopologyError
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.lifecycle import (
    TopologyLifecycle,
    desired_fingerprint,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.packages import PackageStore
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.request import TopologyRequest


def argument_spec() -> dict:
    spec = dict(zookeeper_argument_spec())
    spec.update(connection_argument_spec())
    spec.update(S3_ARGUMENT_SPEC)
    spec.update(HDFS_ARGUMENT_SPEC)
    spec.update(
        name={"type": "str", "required": True},
        cluster={"type": "str", "required": True},
        role={"type": "str", "required": True},
        environment={"type": "str", "required": True},
        state={"type": "str", "default": "running", "choices": ["running", "paused", "absent", "restarted"]},
        topology_file={"type": "path"},
        topology_class={"type": "str"},
        topology_args={"type": "list", "elements": "str", "default": []},
        config_properties={"type": "dict", "default": {}},
        config_path={"type": "path", "default": "~/.heron/conf"},
        heron_cli={"type": "path"},
        cli_timeout={"type": "float", "default": 600},
        deploy_deactivated={"type": "bool", "default": False},
        component_parallelism={"type": "dict", "default": {}},
        container={"type": "int"},
        redeploy={"type": "str", "default": "on_change", "choices": ["on_change", "always", "never"]},
        rollback={"type": "bool", "default": True},
        package_store={"type": "str"},
        package_timeout={"type": "float", "default": 600},
        recover_stale={"type": "bool", "default": False},
        wait={"type": "bool", "default": False},
        wait_timeout={"type": "float", "default": 300},
        validate_certs={"type": "bool", "default": True},
    )
    return spec


def topology_request(params: dict) -> TopologyRequest:
    return TopologyRequest(
        name=params["name"], cluster=params["cluster"], role=params["role"], environment=params["environment"],
        state=params["state"], topology_file=params["topology_file"], topology_class=params["topology_class"],
        topology_args=tuple(params["topology_args"]),
        config_properties={str(key): str(value) for key, value in params["config_properties"].items()},
        deploy_deactivated=params["deploy_deactivated"],
        component_parallelism=dict(params["component_parallelism"]), container=params["container"],
        redeploy=params["redeploy"], rollback=params["rollback"], recover_stale=params["recover_stale"],
        wait=params["wait"], wait_timeout=params["wait_timeout"])


def check_timeouts(params: dict) -> None:
    for option in ("cli_timeout", "package_timeout"):
        problem = seconds_error(option, params[option])
        if problem:
            raise HeronError(problem, option=option)


def heron_cli_factory(module: AnsibleModule, request: TopologyRequest):
    params = module.params

    def make() -> HeronCli:
        executable = params["heron_cli"] or module.get_bin_path("heron")
        if not executable:
            raise HeronError("the heron command is not on PATH: install the Heron client (role heron.aurora.heron_cli) "
                             "or set heron_cli to its path", option="heron_cli")
        return HeronCli(executable, params["config_path"], request.cluster, request.role, request.environment,
                        timeout=params["cli_timeout"])

    return make


def topology_jobs(module: AnsibleModule, request: TopologyRequest) -> TopologyJobs:
    def connect():
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import SchedulerClient
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs

        return AuroraJobs(SchedulerClient.from_options(connection_options(module.params, cluster=request.cluster)))

    return TopologyJobs(connect)


def package_store(module: AnsibleModule) -> PackageStore | None:
    params = module.params
    if not params["package_store"]:
        return None
    store_params = dict(params, owner=None, group=None, mode=None)
    return PackageStore(params["package_store"],
                        lambda location: build_backend(location, store_params, Deadline(params["package_timeout"])))


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_together=[("topology_file", "topology_class")])
    result: dict = {"changed": False, "commands": []}
    lifecycle = packages = None
    try:
        request = topology_request(module.params)
        request.validate()
        check_timeouts(module.params)
        desired = desired_fingerprint(request)
        packages = package_store(module)
        options = zookeeper_options(module.params)
        with zookeeper_session(options) as session:
            lifecycle = TopologyLifecycle(request, desired, session, options.root, heron_cli_factory(module, request),
                                          topology_jobs(module, request), packages, check_mode=module.check_mode)
            result = lifecycle.run()
    except AuroraError as error:
        _warn(module, lifecycle)
        fail_from_aurora(module, error, **_so_far(lifecycle))
    except (HeronError, CommandError) as error:
        details = error.details if isinstance(error, TopologyError) else {}
        _warn(module, lifecycle)
        fail_from(module, error, **details, **_so_far(lifecycle))
    except Exception as exc:  # noqa: BLE001 - reported as a task failure with its traceback, not a crash
        _warn(module, lifecycle)
        module.fail_json(msg=f"heron_topology failed unexpectedly: {type(exc).__name__}: {exc}",
                         exception=traceback.format_exc(), **_so_far(lifecycle))
    finally:
        if packages is not None:
            packages.close()
    _warn(module, lifecycle)
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    module.exit_json(**result)


def _so_far(lifecycle: TopologyLifecycle | None) -> dict:
    """What a failure result carries of what already happened."""
    if lifecycle is None:
        return {"changed": False, "commands": []}
    return {"changed": bool(lifecycle.commands), "commands": lifecycle.commands, "actions": lifecycle.actions}


def _warn(module: AnsibleModule, lifecycle: TopologyLifecycle | None) -> None:
    for warning in lifecycle.warnings if lifecycle is not None else []:
        module.warn(warning)
    if lifecycle is not None:
        lifecycle.warnings.clear()


if __name__ == "__main__":
    main()
