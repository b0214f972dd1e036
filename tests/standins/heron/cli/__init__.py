"""STAND-IN heron CLI (tests only, never shipped), run as ``heron`` through tests/standins/bin/heron.

It honours the real CLI's contract (facts sections 3 to 5): the same verbs, arguments and flags, exit code 1 on any
failure, Heron's error strings; it builds the topology definition by running the topology's main class with
HERON_OPTIONS (so HeronSubmitter writes the bytes), packs topology.tar.gz (the topology file, the .defn, the conf dir
as heron-conf/, release.yaml, override.yaml), uploads it with the conf dir's uploader (localfs, hdfs, s3, http:
uploaders.py), writes the znodes in Heron's order with undo, creates the Aurora job with the collection's ``aurora``
command on PATH and Heron's bindings, and undoes a failed launch as Heron does. ``submit --dry-run`` prints the
packing plan in the --dry-run-format Heron prints (dryrun.py) and writes nothing. kill, activate, deactivate and
restart as Heron does them (context.py); update of the component parallelism, of the container number (Aurora job
add and kill) and of the runtime config (through the TManager), with --dry-run for the first two (update.py);
version prints the stand-in's release. Not done: tunnels, the API server (--service-url), --extra-launch-classpath,
--release-yaml-file (see docs/testing.md).
"""

from __future__ import annotations

import argparse
import getpass
import io
import os
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import yaml
from kazoo.exceptions import NoNodeError

from .. import znodes
from ..executor import RELEASE_VERSION, RELEASE_YAML
from ..topology import build
from . import dryrun, update
from .context import MAX_BATCH, Context, HeronError, log, transition, validate_runtime
from .uploaders import make_uploader

ZNODE_DIRS = ("tmanagers", "tmasters", "metricscaches", "packingplans", "pplans", "schedulers", "executionstate",
              "topologies")
EXECUTOR_BINARY = "./heron-core/bin/heron-executor"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # the real CLI exits 1 on any failure, bad usage included
        self.print_usage(sys.stderr)
        sys.stderr.write(f"heron: error: {message}\n")
        sys.exit(1)


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="heron", allow_abbrev=False)
    verbs = top.add_subparsers(dest="verb", required=True, parser_class=Parser)
    submit_verb = verbs.add_parser("submit", allow_abbrev=False)
    _common(submit_verb)
    _dry_run(submit_verb)
    submit_verb.add_argument("--config-property", action="append", default=[])
    submit_verb.add_argument("--deploy-deactivated", action="store_true")
    submit_verb.add_argument("--topology-main-jvm-property", action="append", default=[])
    submit_verb.add_argument("topology_file")
    submit_verb.add_argument("topology_class")
    submit_verb.add_argument("topology_args", nargs=argparse.REMAINDER)
    update_verb = verbs.add_parser("update", allow_abbrev=False)
    _common(update_verb)
    _dry_run(update_verb)
    update.add_arguments(update_verb)
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


def _dry_run_format(value: str) -> str:
    if value not in dryrun.FORMATS:
        raise argparse.ArgumentTypeError(f"Invalid dry-run response format: {value}. Available formats: "
                                         f"{', '.join(dryrun.FORMATS)}")
    return value


def _dry_run(command: argparse.ArgumentParser) -> None:
    command.add_argument("--dry-run", action="store_true")
    command.add_argument("--dry-run-format", type=_dry_run_format,
                         default="colored_table" if sys.stdout.isatty() else "table")


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
    """In Heron's order: the main class writes the definition; the packing plan is computed (a dry run prints it
    and stops there); the uploader is made (its settings checked); then the topology must not exist yet; pack,
    upload, znodes, Aurora job, schedulers znode; a failure after the upload undoes what was done; the uploader is
    closed in every case."""
    topology_file = Path(options.topology_file)
    if not topology_file.is_file():
        raise HeronError(f"Topology file '{topology_file}' does not exist")
    initial_state = "PAUSED" if options.deploy_deactivated else "RUNNING"
    mode = " in dry-run mode" if options.dry_run else ""
    with tempfile.TemporaryDirectory(prefix="heron-submit-") as temp:
        work = Path(temp)
        try:
            definition = build.run_main_class(topology_file.resolve(), options.topology_class,
                                              options.topology_args, work / "defn", context.cluster,
                                              context.role, context.environment, initial_state, getpass.getuser(),
                                              jvm_properties=options.topology_main_jvm_property)
        except build.BuildError as exc:
            raise HeronError(str(exc)) from None
        try:
            sub = znodes.submission(znodes.our_classes, definition.read_bytes(), context.cluster, context.role,
                                    context.environment, getpass.getuser(), RELEASE_VERSION)
        except znodes.PackingError as exc:
            raise HeronError(str(exc)) from None
        packing_class = context.packing_class()  # what the plan above was computed with: RoundRobinPacking
        log(f"Launching topology: '{sub.name}'{mode}")
        if options.dry_run:
            dryrun.emit(dryrun.submit(options.dry_run_format, sub.name, packing_class, sub.packing_plan))
            log(f"Successfully launched topology '{sub.name}' in dry-run mode")
            return
        uploader = make_uploader(context, sub.name)
        try:
            if context.zk.exists(context.path("topologies", sub.name)):
                raise HeronError(f"Topology '{sub.name}' already exists")
            launch(context, sub, uploader, pack(work, context, topology_file, definition, options.config_property),
                   definition)
        finally:
            uploader.close()
    log(f"Topology '{sub.name}' launched successfully")


def launch(context: Context, sub: znodes.Submission, uploader, package: Path, definition: Path) -> None:
    package_uri = uploader.upload(package)
    log(f"Uploaded topology package to {package_uri}")
    written: list[str] = []
    try:
        for directory, message in (("topologies", sub.topology), ("packingplans", sub.packing_plan),
                                   ("executionstate", sub.execution_state)):
            context.zk.create(context.path(directory, sub.name), message.SerializeToString(), makepath=True)
            written.append(directory)
        done = context.aurora("job", "create", "--wait-until", "RUNNING",
                              *bindings(context, sub, package_uri, definition), context.job_key(sub.name),
                              str(context.conf_dir / "heron.aurora"), *context.verbose_flag())
        if done.returncode != 0:
            context.killall(sub.name)
            raise HeronError(f"Failed to launch topology '{sub.name}': aurora job create exited {done.returncode}")
        context.zk.create(context.path("schedulers", sub.name), sub.scheduler_location.SerializeToString(),
                          makepath=True)
    except BaseException:
        for directory in reversed(written):
            context.zk.delete(context.path(directory, sub.name))
        uploader.undo()
        raise


# --- runtime verbs -----------------------------------------------------------------------------------------
def kill(options: argparse.Namespace, context: Context) -> None:
    """``aurora job killall``, then every znode of the topology deleted, the topologies node last; as with Heron,
    also when the topology or its execution state is missing (which is how Heron cleans up after a partial submit
    or kill: killall exits 0 for a job that is gone)."""
    name = options.topology_name
    exists = validate_runtime(context, name, kill=True)
    if not context.killall(name):
        raise HeronError(f"Failed to kill topology '{name}' with scheduler, please re-try the kill command later")
    for directory in ZNODE_DIRS:
        try:
            context.zk.delete(context.path(directory, name))
        except NoNodeError:
            pass
    if not exists:
        log(f"WARNING: Topology {name} does not exist. Cleaned up potential stale state.")
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


def control(options: argparse.Namespace, context: Context) -> None:
    validate_runtime(context, options.topology_name)
    transition(context, options.topology_name, options.verb)
    log(f"Successfully {options.verb} topology: {options.topology_name}")


VERBS = {"submit": submit, "kill": kill, "activate": control, "deactivate": control, "restart": restart,
         "update": update.update}


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
