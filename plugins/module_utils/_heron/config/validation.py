# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a conf dir before it is put in place: heron.aurora loaded with the collection's Aurora config loader
and every binding Heron passes, and the keys Heron needs in each YAML file."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraConfigError,
    AuroraError,
    AuroraMissingLibrary,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.config import fetch
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import (
    HeronConfigError,
    HeronConfigMissingLibrary,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.options import JOB_TEMPLATE
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.versions import HeronVersion

GB = 1024 ** 3
METADATA_BINDINGS = 16
# What Heron's Aurora launcher binds (--bind K=V), with values of a real submit, for a topology of two stream
# managers; the URIs are replaced by the ones to check.
HERON_BINDINGS = {
    "CLUSTER": "cluster",
    "ROLE": "heron",
    "ENVIRON": "devel",
    "TOPOLOGY_NAME": "ValidationTopology",
    "EXECUTOR_BINARY": "./heron-core/bin/heron-executor",
    "TOPOLOGY_ARGUMENTS": "--topology-name=ValidationTopology --topology-id=ValidationTopology0a1b2c "
                          "--topology-defn-file=ValidationTopology.defn",
    "CPUS_PER_CONTAINER": "1.0",
    "RAM_PER_CONTAINER": str(2 * GB),
    "DISK_PER_CONTAINER": str(5 * GB),
    "NUM_CONTAINERS": "3",
    "TIER": "preemptible",
    "CORE_PACKAGE_URI": "http://packages.invalid/heron-core.tar.gz",
    "TOPOLOGY_PACKAGE_URI": "http://packages.invalid/topology.tar.gz",
}
HERON_BINDINGS.update({f"AURORA_METADATA_{n}": f"metadata-{n}" for n in range(1, METADATA_BINDINGS + 1)})
SHARD_FLAG = "--shard={{mesos.instance}}"
_PORT_FLAG = re.compile(r"--([A-Za-z0-9-]+)=\{\{thermos\.ports\[([^\]]+)\]\}\}")
_FLAG = re.compile(r"(?<![\w-])--([A-Za-z0-9-]+)")


def heron_bindings(cluster: str) -> dict:
    return dict(HERON_BINDINGS, CLUSTER=cluster)


def _template_error(message: str, option: str | None) -> HeronConfigError:
    return HeronConfigError(f"{JOB_TEMPLATE}: {message}", option=option, file=JOB_TEMPLATE)


def load_template(path: str, bindings: Mapping[str, str], option: str | None = None) -> Any:
    """The one job of a heron.aurora, bound (an AuroraJobConfig of the _aurora loader)."""
    try:
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.job import AuroraJobConfig
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import (
            evaluate,
            require_pystachio,
            select_job,
        )

        require_pystachio()
    except AuroraMissingLibrary as exc:
        raise HeronConfigMissingLibrary(exc.library, exc.import_error, "to validate heron.aurora") from None
    try:
        jobs = evaluate(path=path)
        if len(jobs) != 1:
            raise _template_error(f"it defines {len(jobs)} jobs; Heron submits exactly one (jobs = [Job(...)])",
                                  option)
        return AuroraJobConfig(select_job(jobs, bindings=bindings))
    except AuroraConfigError as exc:
        raise _template_error(f"{exc} (fix the template, or leave heron_aurora_template unset to have it "
                              "generated)" if option else str(exc), option) from None


def _precedence(task: Any) -> set[tuple[str, str]]:
    """Every (before, after) pair of process names the task's order constraints imply, transitively."""
    pairs = set()
    for constraint in task.constraints().get() or []:
        names = list(constraint.get("order") or [])
        pairs.update((a, b) for i, a in enumerate(names) for b in names[i + 1:])
    closed = set(pairs)
    while True:
        more = {(a, d) for a, b in closed for c, d in closed if b == c} - closed
        if not more:
            return closed
        closed |= more


def _processes(task: Any) -> dict[str, Any]:
    return {str(process.name()): process for process in task.processes()}


def checked_fetch_commands(template: str, cluster: str, core_package_uri: str, topology_package_uri: str | None = None,
                           version: HeronVersion | None = None, option: str | None = None,
                           bindings: Mapping[str, str] | None = None) -> list[fetch.FetchCommand]:
    """The fetch commands of the heron.aurora at ``template``, the one way both modules use a template: loaded with
    every binding Heron passes (``bindings`` over them, the package URIs over both), checked as Heron needs its job
    when ``version`` is given, and its fetch processes with the URIs bound."""
    uris = fetch.package_uris(core_package_uri, topology_package_uri)
    job = load_template(template, {**heron_bindings(cluster), **(bindings or {}), **uris}, option)
    task = job.raw.interpolate()[0].task()  # interpolated once, for every check and the commands
    if version is not None:
        check_template(job, task, version, cluster, option)
    return fetch_commands(task, uris)


def check_template(job: Any, task: Any, version: HeronVersion, cluster: str, option: str | None = None) -> None:
    """What Heron needs of its job (``task``: the job's task, interpolated): one service job of the cluster, the
    fetches before the executor, and every port the executor of this release takes."""
    try:
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.api import load_api

        job.validate()
        job.job_configuration(load_api(), owner="heron")
        job_cluster = job.cluster
    except AuroraMissingLibrary as exc:
        raise HeronConfigMissingLibrary(exc.library, exc.import_error, "to validate heron.aurora") from None
    except AuroraError as exc:
        raise _template_error(str(exc), option) from None
    if job_cluster != cluster:
        raise _template_error(f"the job's cluster is {job_cluster!r}, not {cluster!r}: use cluster = '{{{{CLUSTER}}}}'",
                              option)
    if not job.raw.service().get():
        raise _template_error("the job must be a service (service = True): Heron's containers run until killed",
                              option)
    instances = str(job.raw.instances().get())
    if instances != HERON_BINDINGS["NUM_CONTAINERS"]:
        raise _template_error(f"the job runs {instances} instances, not one per Heron container: use instances = "
                              "'{{NUM_CONTAINERS}}', which Heron binds from the packing plan", option)
    processes = _processes(task)
    needed = [fetch.CORE_PROCESS, fetch.TOPOLOGY_PROCESS, fetch.EXECUTOR_PROCESS]
    missing = [name for name in needed if name not in processes]
    if missing:
        raise _template_error(f"the task has no process {', '.join(missing)}; Heron's task runs "
                              f"{', '.join(needed)} in that order", option)
    order = _precedence(task)
    for before, after in zip(needed, needed[1:]):
        if (before, after) not in order:
            raise _template_error(f"{before} must run before {after}: use SequentialTask(...) or "
                                  "order(...) in the task's constraints", option)
    _check_executor_flags(job, str(processes[fetch.EXECUTOR_PROCESS].cmdline()), version, option)


def _check_executor_flags(job: Any, cmdline: str, version: HeronVersion, option: str | None) -> None:
    if SHARD_FLAG not in cmdline:
        raise _template_error(f"{fetch.EXECUTOR_PROCESS} must pass {SHARD_FLAG}: the executor takes its container "
                              "index from it", option)
    if HERON_BINDINGS["TOPOLOGY_ARGUMENTS"] not in cmdline:
        raise _template_error(f"{fetch.EXECUTOR_PROCESS} must pass {{{{TOPOLOGY_ARGUMENTS}}}}: Heron binds the "
                              "topology's name, id, definition file and state manager into it", option)
    given = dict(_PORT_FLAG.findall(cmdline))
    named_ports = set(job.named_ports())
    passed = set(_FLAG.findall(cmdline))
    wrong = [flag for flag in version.other_generation_flags if flag in passed]
    if wrong:
        raise _template_error(
            f"{fetch.EXECUTOR_PROCESS} passes {', '.join('--' + flag for flag in wrong)}, which the executor of "
            f"Heron {version.text} does not take (tmanager names from 0.20.3, tmaster names before); it takes "
            f"{', '.join('--' + flag for flag, _port in version.executor_port_flags)}", option)
    for flag, _port in version.executor_port_flags:
        if flag not in given:
            raise _template_error(f"{fetch.EXECUTOR_PROCESS} must pass --{flag}={{{{thermos.ports[NAME]}}}} "
                                  f"(the executor of Heron {version.text} needs it)", option)
        if given[flag] not in named_ports:
            raise _template_error(f"--{flag} uses the port {given[flag]!r}, which the job does not allocate",
                                  option)


def fetch_commands(task: Any, uris: Mapping[str, str]) -> list[fetch.FetchCommand]:
    """The fetch processes of a job's interpolated ``task``, bound with ``uris`` ({binding name: URI}), as an
    agent runs them."""
    processes = _processes(task)
    commands = []
    for package in fetch.PACKAGES:
        uri = uris.get(package.binding)
        if uri is None or package.process not in processes:
            continue
        commands.append(fetch.FetchCommand(process=package.process, uri=uri,
                                           command=str(processes[package.process].cmdline()),
                                           archive=package.archive, expect=list(package.expect)))
    return commands


# --- the YAML files -------------------------------------------------------------------------------

REQUIRED_KEYS = {
    "scheduler.yaml": ("heron.class.scheduler", "heron.class.launcher", "heron.package.core.uri",
                       "heron.directory.sandbox.java.home"),
    "client.yaml": ("heron.package.core.uri",),
    "statemgr.yaml": ("heron.class.state.manager", "heron.statemgr.connection.string", "heron.statemgr.root.path"),
    "uploader.yaml": ("heron.class.uploader",),
    "packing.yaml": ("heron.class.packing.algorithm", "heron.class.repacking.algorithm"),
    "downloader.yaml": ("heron.downloader.registry",),
    "stateful.yaml": ("heron.statefulstorage.classname",),
}
UPLOADER_KEYS = {
    "HdfsUploader": ("heron.uploader.hdfs.config.directory", "heron.uploader.hdfs.topologies.directory.uri"),
    "S3Uploader": ("heron.uploader.s3.bucket",),
    "HttpUploader": ("heron.uploader.http.uri",),
    "LocalFileSystemUploader": ("heron.uploader.localfs.file.system.directory",),
}
AURORA_SCHEDULER_KEYS = ("heron.scheduler.job.template",)


def _require(files: Mapping[str, dict], name: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        value = files[name].get(key)
        if value is None or value == "":
            raise HeronConfigError(f"{name}: {key} is missing or empty; Heron needs it (set it through the "
                                   "module's options, or extra)", option="extra", file=name, key=key)


def _class_name(files: Mapping[str, dict], name: str, key: str) -> str:
    return str(files[name].get(key, "")).rsplit(".", 1)[-1]


def check_yaml_files(files: Mapping[str, Any], scheduler: str) -> None:
    """``files``: every YAML file of the conf dir, parsed. Raises HeronConfigError naming the file and the key."""
    for name, keys in files.items():
        if not isinstance(keys, dict):
            raise HeronConfigError(f"{name} must hold a mapping of keys, not {type(keys).__name__}", file=name)
    for name, keys in REQUIRED_KEYS.items():
        _require(files, name, keys)
    uploader = _class_name(files, "uploader.yaml", "heron.class.uploader")
    _require(files, "uploader.yaml", UPLOADER_KEYS.get(uploader, ()))
    s3_keys = [files["uploader.yaml"].get(f"heron.uploader.s3.{key}") for key in ("access_key", "secret_key")]
    if any(s3_keys) and not all(s3_keys):
        raise HeronConfigError("uploader.yaml: heron.uploader.s3.access_key and secret_key go together",
                               option="uploader.s3", file="uploader.yaml", key="heron.uploader.s3.secret_key")
    if scheduler == "aurora":
        _require(files, "scheduler.yaml", AURORA_SCHEDULER_KEYS)
        for key, aurora_class in (("heron.class.scheduler", "AuroraScheduler"),
                                  ("heron.class.launcher", "AuroraLauncher")):
            if _class_name(files, "scheduler.yaml", key) != aurora_class:
                raise HeronConfigError(f"scheduler.yaml: {key} must be the {aurora_class} for scheduler aurora",
                                       option="extra", file="scheduler.yaml", key=key)
        if files["scheduler.yaml"].get("heron.scheduler.is.service") is not False:
            raise HeronConfigError("scheduler.yaml: heron.scheduler.is.service must be False: the Aurora scheduler "
                                   "runs inside the heron CLI", option="extra", file="scheduler.yaml",
                                   key="heron.scheduler.is.service")
        if _class_name(files, "statemgr.yaml", "heron.class.state.manager") == "LocalFileSystemStateManager":
            raise HeronConfigError("statemgr.yaml: the local file system state manager cannot serve Aurora; use "
                                   "statemgr.zookeeper", option="statemgr", file="statemgr.yaml",
                                   key="heron.class.state.manager")
