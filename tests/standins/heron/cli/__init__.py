"""STAND-IN heron CLI (tests only, never shipped), run as ``heron`` through tests/standins/bin/heron.

It honours the real CLI's contract (facts sections 3 to 5): the same verbs, arguments and flags, exit code 1 on any
failure, Heron's error strings; it builds the topology definition by running the topology's main class with
HERON_OPTIONS (so HeronSubmitter writes the bytes), packs topology.tar.gz (the topology file, the .defn, the conf dir
as heron-conf/, release.yaml, override.yaml), uploads it with the conf dir's uploader (localfs, hdfs), writes the
znodes in Heron's order with undo, creates the Aurora job with the collection's ``aurora`` command on PATH and
Heron's bindings, and undoes a failed launch as Heron does. kill, activate, deactivate and restart as Heron does
them; update of component parallelism (RoundRobinPacking: the container count stays); version prints the
stand-in's release. Not done: update of the container number or runtime config, --dry-run, the S3 and HTTP
uploaders, tunnels (see docs/testing.md).
"""

from __future__ import annotations

import argparse
import getpass
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml
from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages

from .. import znodes
from ..executor import RELEASE_VERSION, RELEASE_YAML
from ..topology import build

MAX_BATCH = "2147483647"  # Integer.MAX_VALUE, as Heron passes it
KILL_ATTEMPTS, KILL_RETRY_SECONDS = 5, 2.0  # heron.scheduler.job.max.kill.attempts, ...kill.retry.interval.ms
ZNODE_DIRS = ("tmanagers", "tmasters", "metricscaches", "packingplans", "pplans", "schedulers", "executionstate",
              "topologies")
EXECUTOR_BINARY = "./heron-core/bin/heron-executor"


class HeronError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # the real CLI exits 1 on any failure, bad usage included
        self.print_usage(sys.stderr)
        sys.stderr.write(f"heron: error: {message}\n")
        sys.exit(1)


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="heron", allow_abbrev=False)
    verbs = top.add_subparsers(dest="verb", required=True, parser_class=Parser)
    submit = verbs.add_parser("submit", allow_abbrev=False)
    _common(submit)
    submit.add_argument("--config-property", action="append", default=[])
    submit.add_argument("--deploy-deactivated", action="store_true")
    submit.add_argument("--topology-main-jvm-property", action="append", default=[])
    submit.add_argument("topology_file")
    submit.add_argument("topology_class")
    submit.add_argument("topology_args", nargs=argparse.REMAINDER)
    update = verbs.add_parser("update", allow_abbrev=False)
    _common(update)
    update.add_argument("topology_name")
    update.add_argument("--component-parallelism", action="append", required=True)
    verbs.add_parser("version", allow_abbrev=False)
    for verb in ("kill", "activate", "deactivate", "restart"):
        command = verbs.add_parser(verb, allow_abbrev=False)
        _common(command)
        command.add_argument("topology_name")
        if verb == "restart":
            command.add_argument("container_id", nargs="?", type=int, default=-1)
    return top


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config-path", default=os.path.expanduser("~/.heron/conf"))
    command.add_argument("--verbose", action="store_true")
    command.add_argument("cluster_role_env")


class Context:
    """The cluster conf dir, its settings and a ZooKeeper session on its state root."""

    def __init__(self, options: argparse.Namespace) -> None:
        parts = options.cluster_role_env.split("/")
        if len(parts) != 3 or not all(parts):
            raise HeronError(f"Invalid topology location '{options.cluster_role_env}': use cluster/role/env")
        self.cluster, self.role, self.environment = parts
        self.verbose = options.verbose
        self.conf_dir = Path(options.config_path).expanduser() / self.cluster
        if not self.conf_dir.is_dir():
            raise HeronError(f"Cluster config directory '{self.conf_dir}' does not exist")
        self.settings: dict = {}
        for name in ("client", "scheduler", "statemgr", "uploader"):
            path = self.conf_dir / f"{name}.yaml"
            if path.exists():
                self.settings.update(yaml.safe_load(path.read_text()) or {})
        hosts = self.settings.get("heron.statemgr.connection.string")
        if not hosts or hosts == "LOCALMODE":
            raise HeronError(f"{self.conf_dir}/statemgr.yaml: this stand-in keeps state in ZooKeeper only")
        self.root = self.substitute(str(self.settings.get("heron.statemgr.root.path", "/heron"))).rstrip("/")
        self.zk = KazooClient(hosts=hosts, timeout=10)
        self.zk.start(timeout=30)

    def substitute(self, value: str, topology: str = "") -> str:
        tokens = {"${CLUSTER}": self.cluster, "${ROLE}": self.role, "${ENVIRON}": self.environment,
                  "${TOPOLOGY}": topology, "${HOME}": os.path.expanduser("~"), "~": os.path.expanduser("~")}
        return "/".join(tokens.get(segment, segment) for segment in value.split("/"))

    def path(self, directory: str, name: str) -> str:
        return f"{self.root}/{directory}/{name}"

    def job_key(self, name: str) -> str:
        return f"{self.cluster}/{self.role}/{self.environment}/{name}"

    def aurora(self, *args: str) -> subprocess.CompletedProcess:
        command = ["aurora", *args]
        log(f"Running {' '.join(command)}")
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
        sys.stderr.write(done.stdout + done.stderr)
        return done

    def verbose_flag(self) -> list[str]:
        return ["--verbose"] if self.verbose else []

    def killall(self, name: str) -> bool:
        """``aurora job killall`` as Heron's AuroraCLIController runs it: up to 5 attempts, 2 s apart."""
        for attempt in range(KILL_ATTEMPTS):
            if attempt:
                time.sleep(KILL_RETRY_SECONDS)
            if self.aurora("job", "killall", self.job_key(name), *self.verbose_flag(), "--batch-size",
                           MAX_BATCH).returncode == 0:
                return True
        return False

    def close(self) -> None:
        self.zk.stop()
        self.zk.close()


def log(message: str) -> None:
    sys.stderr.write(f"[heron stand-in] {message}\n")


# --- uploaders ---------------------------------------------------------------------------------------------
class Uploader:
    def __init__(self, context: Context, topology: str) -> None:
        self.context, self.topology = context, topology
        self.kind = str(context.settings.get("heron.class.uploader", "")).rsplit(".", 1)[-1]
        self.destination: str | None = None

    def upload(self, package: Path) -> str:
        settings = self.context.settings
        if self.kind == "LocalFileSystemUploader":
            directory = Path(self.context.substitute(settings["heron.uploader.localfs.file.system.directory"],
                                                     self.topology))
            directory.mkdir(parents=True, exist_ok=True)
            target = directory / package.name
            shutil.copyfile(package, target)
            self.destination = str(target)
            return target.as_uri()
        if self.kind == "HdfsUploader":
            directory = self.context.substitute(settings["heron.uploader.hdfs.topologies.directory.uri"],
                                                self.topology)
            self.destination = f"{directory}/{self.topology}-{self.context.role}-tag-0.tar.gz"
            if self.hadoop("-test", "-e", directory).returncode != 0:
                self.check(self.hadoop("-mkdir", "-p", directory))
            self.check(self.hadoop("-copyFromLocal", "-f", str(package), self.destination))
            return self.destination
        raise HeronError(f"the heron CLI stand-in has no uploader {settings.get('heron.class.uploader')!r}")

    def hadoop(self, *args: str) -> subprocess.CompletedProcess:
        config = self.context.settings["heron.uploader.hdfs.config.directory"]
        return subprocess.run(["hadoop", "--config", config, "fs", *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)

    @staticmethod
    def check(done: subprocess.CompletedProcess) -> None:
        if done.returncode != 0:
            raise HeronError(f"{' '.join(done.args)} failed: {done.stderr[-2000:]}")

    def undo(self) -> None:
        if self.destination is None:
            return
        if self.kind == "LocalFileSystemUploader":
            Path(self.destination).unlink(missing_ok=True)
        else:
            self.hadoop("-rm", self.destination)


# --- submit ------------------------------------------------------------------------------------------------
def pack(work: Path, context: Context, topology_file: Path, definition: Path, properties: list[str]) -> Path:
    overrides = {}
    for item in properties:
        key, separator, value = item.partition("=")
        if not separator:
            raise HeronError(f"Invalid --config-property '{item}': use key=value")
        overrides[key] = value
    package = work / "topology.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        tar.add(topology_file, arcname=topology_file.name)
        tar.add(definition, arcname=definition.name)
        tar.add(context.conf_dir, arcname="heron-conf")
        for name, text in (("release.yaml", RELEASE_YAML),
                           ("override.yaml", yaml.safe_dump(overrides))):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return package


def bindings(context: Context, sub: znodes.Submission, package_uri: str, definition: Path) -> list[str]:
    containers = sub.packing_plan.container_plans
    largest = max(containers, key=lambda c: (c.requiredResource.ram, c.requiredResource.cpu))
    topology_arguments = " ".join([
        f"--topology-name={sub.name}", f"--topology-id={sub.topology.id}", f"--topology-defn-file={definition.name}",
        f"--state-manager-connection={context.settings['heron.statemgr.connection.string']}",
        f"--state-manager-root={context.root}", "--state-manager-config-file=./heron-conf/statemgr.yaml",
        f"--cluster={context.cluster}", f"--role={context.role}", f"--environment={context.environment}"])
    values = {
        "CLUSTER": context.cluster, "ROLE": context.role, "ENVIRON": context.environment,
        "TOPOLOGY_NAME": sub.name, "EXECUTOR_BINARY": EXECUTOR_BINARY, "TOPOLOGY_ARGUMENTS": topology_arguments,
        "CPUS_PER_CONTAINER": str(largest.requiredResource.cpu),
        "RAM_PER_CONTAINER": str(largest.requiredResource.ram),
        "DISK_PER_CONTAINER": str(largest.requiredResource.disk),
        "NUM_CONTAINERS": str(len(containers) + 1),
        "TIER": "preferred" if context.environment == "prod" else "preemptible",
        "CORE_PACKAGE_URI": str(context.settings["heron.package.core.uri"]),
        "TOPOLOGY_PACKAGE_URI": package_uri,
    }
    return [item for key, value in values.items() for item in ("--bind", f"{key}={value}")]


def submit(options: argparse.Namespace, context: Context) -> None:
    topology_file = Path(options.topology_file)
    if not topology_file.is_file():
        raise HeronError(f"Topology file '{topology_file}' does not exist")
    initial_state = "PAUSED" if options.deploy_deactivated else "RUNNING"
    with tempfile.TemporaryDirectory(prefix="heron-submit-") as temp:
        work = Path(temp)
        try:
            definition = build.run_main_class(topology_file.resolve(), options.topology_class,
                                              options.topology_args, work / "defn", context.cluster,
                                              context.role, context.environment, initial_state, getpass.getuser(),
                                              jvm_properties=options.topology_main_jvm_property)
        except build.BuildError as exc:
            raise HeronError(str(exc)) from None
        sub = znodes.submission(znodes.our_classes, definition.read_bytes(), context.cluster, context.role,
                                context.environment, getpass.getuser(), RELEASE_VERSION)
        if context.zk.exists(context.path("topologies", sub.name)):
            raise HeronError(f"Topology '{sub.name}' already exists")
        package = pack(work, context, topology_file, definition, options.config_property)
        uploader = Uploader(context, sub.name)
        package_uri = uploader.upload(package)
        log(f"Uploaded topology package to {package_uri}")
        written: list[str] = []
        try:
            for directory, message in (("topologies", sub.topology), ("packingplans", sub.packing_plan),
                                       ("executionstate", sub.execution_state)):
                context.zk.create(context.path(directory, sub.name), message.SerializeToString(), makepath=True)
                written.append(directory)
            job_key = context.job_key(sub.name)
            done = context.aurora("job", "create", "--wait-until", "RUNNING",
                                  *bindings(context, sub, package_uri, definition), job_key,
                                  str(context.conf_dir / "heron.aurora"), *context.verbose_flag())
            if done.returncode != 0:
                context.killall(sub.name)
                raise HeronError(f"Failed to launch topology '{sub.name}': aurora job create exited "
                                 f"{done.returncode}")
            context.zk.create(context.path("schedulers", sub.name), sub.scheduler_location.SerializeToString(),
                              makepath=True)
        except BaseException:
            for directory in reversed(written):
                context.zk.delete(context.path(directory, sub.name))
            uploader.undo()
            raise
    log(f"Topology '{sub.name}' launched successfully")


def validate_runtime(context: Context, name: str) -> None:
    """What Heron checks before kill, activate, deactivate, restart and update: the topology exists, its execution
    state too, and it was submitted to this cluster, role and environment."""
    if not context.zk.exists(context.path("topologies", name)):
        raise HeronError(f"Topology '{name}' does not exist")
    if not context.zk.exists(context.path("executionstate", name)):
        raise HeronError(f"Failed to get execution state for topology {name}")
    execution = messages.decode(messages.message_class("heron.proto.system.ExecutionState"),
                                context.zk.get(context.path("executionstate", name))[0])
    submitted = (execution.cluster, execution.role, execution.environ)
    if submitted != (context.cluster, context.role, context.environment):
        raise HeronError(f"cluster/role/environ not matched: topology '{name}' runs in {'/'.join(submitted)}")


def kill(options: argparse.Namespace, context: Context) -> None:
    name = options.topology_name
    validate_runtime(context, name)
    if not context.killall(name):
        raise HeronError(f"Failed to kill topology '{name}' with aurora")
    for directory in ZNODE_DIRS:
        try:
            context.zk.delete(context.path(directory, name))
        except NoNodeError:
            pass
    log(f"Topology '{name}' killed successfully")


def restart(options: argparse.Namespace, context: Context) -> None:
    """As Heron does: the TManager location is cleared first when container 0 restarts (the new TManager expects
    none), then ``aurora job restart`` of the container, or of the whole job for -1."""
    name, container = options.topology_name, options.container_id
    validate_runtime(context, name)
    if container < -1:
        raise HeronError(f"Invalid container id {container}: use -1 (all) or a container index")
    if container in (-1, 0):
        cleared = False
        for directory in ("tmanagers", "tmasters"):
            try:
                context.zk.delete(context.path(directory, name))
                cleared = True
            except NoNodeError:
                pass
        if not cleared:
            raise HeronError("Failed to clear TManager location. Check whether TManager set it correctly.")
    target = context.job_key(name) + ("" if container == -1 else f"/{container}")
    if context.aurora("job", "restart", target, *context.verbose_flag(), "--batch-size", MAX_BATCH).returncode:
        raise HeronError(f"Failed to restart topology '{name}'")
    log(f"Topology '{name}' restarted successfully")


def parallelism_changes(items: list[str]) -> dict[str, int]:
    changes = {}
    for item in items:
        name, separator, count = item.rpartition(":")
        if not separator or not name or not count.isdigit() or int(count) < 1:
            raise HeronError(f"Invalid --component-parallelism '{item}': use NAME:N with N at least 1")
        changes[name] = int(count)
    return changes


def update(options: argparse.Namespace, context: Context) -> None:
    """Component parallelism as Heron's UpdateTopologyManager changes it with RoundRobinPacking (the container
    count stays): deactivate a running topology, write the new topology and packing plan (the TManager rewrites
    the physical plan from it), reactivate."""
    name = options.topology_name
    changes = parallelism_changes(options.component_parallelism)
    validate_runtime(context, name)
    topology = messages.decode(messages.message_class("heron.proto.api.Topology"),
                               context.zk.get(context.path("topologies", name))[0])
    components = {c.name: c for c in [s.comp for s in topology.spouts] + [b.comp for b in topology.bolts]}
    unknown = sorted(set(changes) - set(components))
    if unknown:
        raise HeronError(f"Invalid component name(s) {unknown}: the topology has {sorted(components)}")
    current = {key: int(znodes._config_value(components[key].config, znodes.PARALLELISM_KEY, "1")) for key in changes}
    if current == changes:
        log(f"The parallelism asked for is the topology's already ({changes}): nothing to update")
        return
    for key, count in changes.items():
        pair = next(p for p in components[key].config.kvs if p.key == znodes.PARALLELISM_KEY)
        pair.value = str(count)
    packing = znodes.round_robin_packing(znodes.our_classes, topology)
    running = live_state(context, name) == "RUNNING"
    if running:
        control_call(context, name, "deactivate")
    context.zk.set(context.path("topologies", name), topology.SerializeToString())
    context.zk.set(context.path("packingplans", name), packing.SerializeToString())
    if running:
        control_call(context, name, "activate")
    log(f"Topology '{name}' updated successfully")


def live_state(context: Context, name: str) -> str:
    if context.zk.exists(context.path("pplans", name)):
        plan = messages.decode(messages.message_class("heron.proto.system.PhysicalPlan"),
                               context.zk.get(context.path("pplans", name))[0])
        return messages.state_name(plan.topology.state)
    return "UNKNOWN"


def control(options: argparse.Namespace, context: Context) -> None:
    validate_runtime(context, options.topology_name)
    control_call(context, options.topology_name, options.verb)


def control_call(context: Context, name: str, verb: str) -> None:
    for directory in ("tmanagers", "tmasters"):
        if context.zk.exists(context.path(directory, name)):
            data, _stat = context.zk.get(context.path(directory, name))
            break
    else:
        raise HeronError(f"Failed to {verb} topology '{name}': no TManager location for it in ZooKeeper")
    location = messages.decode(messages.message_class("heron.proto.tmanager.TManagerLocation"), data)
    url = f"http://{location.host}:{location.controller_port}/{verb}?topologyid={location.topology_id}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the TManager's controller
            log(response.read().decode(errors="replace"))
    except urllib.error.HTTPError as exc:
        raise HeronError(f"Failed to {verb} topology '{name}': {exc.code} "
                         f"{exc.read().decode(errors='replace')}") from None
    except OSError as exc:
        raise HeronError(f"Failed to {verb} topology '{name}': {exc}") from None
    log(f"Topology '{name}' {verb}d successfully")


VERBS = {"submit": submit, "kill": kill, "activate": control, "deactivate": control, "restart": restart,
         "update": update}


def version() -> int:
    """The release's build keys, one ``key : value`` a line, as Heron's CLI prints its release.yaml."""
    for key, value in sorted(yaml.safe_load(RELEASE_YAML).items()):
        print(f"{key} : {value}")
    return 0


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    if options.verb == "version":
        return version()
    context = None
    try:
        context = Context(options)
        VERBS[options.verb](options, context)
    except HeronError as exc:
        sys.stderr.write(f"[heron stand-in] ERROR: {exc}\n")
        return 1
    finally:
        if context is not None:
            context.close()
    return 0
