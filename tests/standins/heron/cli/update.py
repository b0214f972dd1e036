"""``heron update`` of the heron CLI STAND-IN (tests only): the checks of Heron's update.py and RuntimeManagerRunner,
then one of

- ``--runtime-config [component:]name:value`` (repeatable): sent to the TManager's controller
  (``runtime_config/update?topologyid=ID&runtime-config=...``), which records ``name:runtime`` = value in the
  physical plan's topology config or in that component's config. Heron sends it even with --dry-run.
- ``--container-number N`` (with or without ``--component-parallelism``) and ``--component-parallelism NAME:N``:
  a new round-robin packing plan, as RoundRobinPacking.repack makes it: over N containers when N is not the
  current number; otherwise (no --container-number, or the current number) over as many containers as keep the
  instances per container of the submitted topology, rounded up, so a new parallelism may add or free
  containers. With --dry-run the plans are printed and nothing changes.
  Otherwise as Heron's UpdateTopologyManager with the Aurora scheduler: deactivate a running topology, add the
  new containers (``aurora job add --wait-until RUNNING <job>/0 <count> --verbose``, their ids read from
  ``Querying instance statuses: [...]``), write the packing plan (and, as the stand-in always has, the topology
  with its new parallelism), wait for the TManager's physical plan of it, reactivate, then kill the containers
  no longer in the plan (``aurora job kill <job>/<ids> [--verbose] --batch-size 2147483647``).
"""

from __future__ import annotations

import argparse
import math
import re
import time

from .. import znodes
from . import dryrun
from .context import MAX_BATCH, Context, HeronError, live_state, log, tmanager_call, transition, validate_runtime

PARALLELISM = re.compile(r"^[\w.-]+:\d+$")
RUNTIME_CONFIG = re.compile(r"^([\w.-]+:){1,2}[\w.-]+$")
CONTAINER_NUMBER = re.compile(r"^\d+$")
STRANGE_STAGE = "The topology can be in a strange stage. Please check carefully or redeploy the topology !!"
DEACTIVATE_WAIT_KEY = "topology.update.deactivate.wait.secs"
REACTIVATE_WAIT_KEY = "topology.update.reactivate.wait.secs"
REACTIVATE_WAIT_DEFAULT = 600
PLAN_POLL_SECONDS = 0.5


def _matching(pattern: re.Pattern, message: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise argparse.ArgumentTypeError(f"{message}: {value}")
        return value
    return check


def add_arguments(update: argparse.ArgumentParser) -> None:
    update.add_argument("topology_name")
    update.add_argument("--component-parallelism", action="append", type=_matching(
        PARALLELISM, "Invalid syntax for component parallelism (<component_name:value>)"))
    update.add_argument("--runtime-config", action="append", type=_matching(
        RUNTIME_CONFIG, "Invalid syntax for runtime config ([component:]<name:value>)"))
    update.add_argument("--container-number", action="append", type=_matching(
        CONTAINER_NUMBER, "Invalid syntax for container number (value)"))


def update(options: argparse.Namespace, context: Context) -> None:
    name = options.topology_name
    parallelism, runtime, containers = options.component_parallelism, options.runtime_config, \
        options.container_number
    if (parallelism or containers) and runtime:
        raise HeronError("(component-parallelism or container_num) and runtime-config can't be updated at the "
                         "same time")
    if not (parallelism or containers or runtime):
        raise HeronError("Missing arguments --component-parallelism or --runtime-config or --container-number")
    action = "update topology" + (" in dry-run mode" if options.dry_run else "")
    validate_runtime(context, name)
    if runtime:
        tmanager_call(context, name, "runtime_config/update", [("runtime-config", item) for item in runtime])
        log("Topology command RUNTIME_CONFIG_UPDATE completed successfully.")
    else:
        repack(options, context, name, parallelism_changes(parallelism or []), container_number(containers))
    log(f"Successfully {action}: {name}")


def parallelism_changes(items: list[str]) -> dict[str, int]:
    changes = {}
    for item in items:
        component, _separator, count = item.partition(":")
        if int(count) < 1:  # Heron takes 0 and fails later, somewhere in the TManager; the stand-in refuses it
            raise HeronError(f"Invalid --component-parallelism '{item}': use NAME:N with N at least 1")
        changes[component] = int(count)
    return changes


def container_number(items: list[str] | None) -> int | None:
    """Heron joins repeated values with ',' before parsing one integer."""
    if not items:
        return None
    joined = ",".join(items)
    if not joined.isdigit():
        raise HeronError(f'For input string: "{joined}"')
    return int(joined)


def component_counts(plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for container in plan.container_plans:
        for instance in container.instance_plans:
            counts[instance.component_name] = counts.get(instance.component_name, 0) + 1
    return counts


def repack(options: argparse.Namespace, context: Context, name: str, changes: dict[str, int],
           containers: int | None) -> None:
    topology = context.read("topologies", name, "heron.proto.api.Topology")
    current = context.read("packingplans", name, "heron.proto.system.PackingPlan")
    counts = component_counts(current)
    changed = any(counts.get(component) != count for component, count in changes.items())
    if containers is None and not changed:
        raise HeronError(f"The component parallelism request ({','.join(options.component_parallelism)}) is the "
                         f"same as the current topology parallelism. Not taking action.")
    if containers is not None and containers == len(current.container_plans) and not changed:
        raise HeronError("Both component parallelism request and container number are the same as in the running "
                         "topology.")
    unknown = [component for component in changes if component not in counts]
    if unknown:
        raise HeronError(f"Invalid component name in update request: {unknown[0]}. Valid components include: "
                         f"[{', '.join(counts)}]")
    packing_class = context.packing_class()
    repacking_class = context.packing_class("heron.class.repacking.algorithm")
    parallelism = {**counts, **changes}
    try:
        proposed = znodes.round_robin_packing(znodes.our_classes, topology,
                                              repacked_containers(topology, current, containers, parallelism),
                                              parallelism)
    except znodes.PackingError as exc:
        raise HeronError(str(exc)) from None
    if options.dry_run:
        dryrun.emit(dryrun.update(options.dry_run_format, name, packing_class, repacking_class, proposed, current))
        return
    apply(context, name, topology, current, proposed, changes)


def repacked_containers(topology, current, containers: int | None, parallelism: dict[str, int]) -> int:
    """RoundRobinPacking.repack's container count: a number other than the current one as given; else the
    count that keeps the submitted topology's instances per container (its topology.stmgrs and parallelism, from
    the definition, which Heron never rewrites), rounded up."""
    if containers is not None and containers != len(current.container_plans):
        return containers
    submitted = sum(znodes.component_parallelism(topology).values())
    per_container = submitted / znodes.submitted_containers(topology)
    return math.ceil(sum(parallelism.values()) / per_container)


def apply(context: Context, name: str, topology, current, proposed, changes: dict[str, int]) -> None:
    config = {pair.key: pair.value for pair in topology.topology_config.kvs}
    running = live_state(context, name) == "RUNNING"
    if running:
        log(f"Deactivating topology {name} before handling update request")
        transition(context, name, "deactivate")
        time.sleep(int(config.get(DEACTIVATE_WAIT_KEY, "0")))
    current_ids = {container.id for container in current.container_plans}
    proposed_ids = {container.id for container in proposed.container_plans}
    to_add = sorted((c for c in proposed.container_plans if c.id not in current_ids), key=lambda c: c.id)
    to_remove = sorted(current_ids - proposed_ids)
    if to_add:
        for container, instance_id in zip(to_add, add_containers(context, name, len(to_add))):
            container.id = instance_id  # the plan takes the ids Aurora gave the new instances
    # As Heron: the topologies node keeps the submitted definition (its parallelism too); only the packing plan
    # says what runs now.
    context.zk.set(context.path("packingplans", name), proposed.SerializeToString())
    log(f"Update new PackingPlan: {len(proposed.container_plans)} containers")
    if running:
        wait = int(config.get(REACTIVATE_WAIT_KEY, str(REACTIVATE_WAIT_DEFAULT)))
        if wait_for_physical_plan(context, name, proposed, wait):
            transition(context, name, "activate")
        else:
            log(f"WARNING: New physical plan not received within configured timeout for topology {name}. "
                f"Not reactivating")
    if to_remove:
        ids = ",".join(str(i) for i in to_remove)
        if context.aurora("job", "kill", f"{context.job_key(name)}/{ids}", *context.verbose_flag(), "--batch-size",
                          MAX_BATCH).returncode:
            raise HeronError(f"Failed to kill freed aurora instances: {ids}")


def add_containers(context: Context, name: str, count: int) -> list[int]:
    done = context.aurora("job", "add", "--wait-until", "RUNNING", f"{context.job_key(name)}/0", str(count),
                          "--verbose")
    if done.returncode:
        raise HeronError(f"Failed to create {count} new aurora instances. {STRANGE_STAGE}")
    if not done.stderr:
        raise HeronError(f"Empty output by Aurora. {STRANGE_STAGE}")
    found = re.search(r"Querying instance statuses: \[([^\]]*)\]", done.stderr)
    added = sorted(int(item) for item in found.group(1).split(", ")) if found and found.group(1) else []
    if len(added) != count:
        raise HeronError(f"Scheduler failed to add requested containers. Requested {count}, added {len(added)}. "
                         f"{STRANGE_STAGE}")
    return added


def wait_for_physical_plan(context: Context, name: str, packing, seconds: int) -> bool:
    """Until the TManager has written the physical plan of ``packing`` (its stream managers and instances). Heron
    waits for the plan to exist, because its TManager deletes the old one when the packing plan changes; the
    TManager stand-in rewrites it in place instead."""
    wanted_stmgrs = {f"stmgr-{container.id}" for container in packing.container_plans}
    wanted_tasks = {i.task_id for container in packing.container_plans for i in container.instance_plans}
    deadline = time.monotonic() + seconds
    while True:
        if context.zk.exists(context.path("pplans", name)):
            plan = context.read("pplans", name, "heron.proto.system.PhysicalPlan")
            tasks = {instance.info.task_id for instance in plan.instances}
            if {stmgr.id for stmgr in plan.stmgrs} == wanted_stmgrs and tasks == wanted_tasks:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(PLAN_POLL_SECONDS)
