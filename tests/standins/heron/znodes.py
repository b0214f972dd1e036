"""Heron's znodes written into a real ZooKeeper as Heron writes them (stand-in, tests only).

The seed of the heron CLI stand-in: the submit writes ``topologies`` (the definition HeronSubmitter wrote, with
every spout's and bolt's serialized_object cleared), ``packingplans`` and ``executionstate``, then, after the
Aurora job exists, ``schedulers``; the TManager of container 0 then registers ``tmanagers/<name>`` (ephemeral;
``tmasters`` before Heron 0.20.3) and writes ``pplans/<name>``, which it rewrites on activate and deactivate.

Messages are built from either descriptor set: ours (the collection's, module_utils/_heron/state/messages.py) or
Heron's own (heronpy's, see heronpy.py), so the reader is tested against bytes it did not write itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages as our_messages

from . import heronpy

GIB = 1024 ** 3
# RoundRobinPacking's defaults when the topology asks for no resources: per instance 1 CPU, 1 GiB RAM and 1 GiB disk;
# per container a padding of 1 CPU, 2 GiB RAM (stream manager and metrics manager, 1 GiB each) and 12 GiB disk.
INSTANCE_CPU, INSTANCE_RAM, INSTANCE_DISK = 1.0, 1 * GIB, 1 * GIB
PADDING_CPU, PADDING_RAM, PADDING_DISK = 1.0, 2 * GIB, 12 * GIB
PARALLELISM_KEY = "topology.component.parallelism"
STMGRS_KEY = "topology.stmgrs"
AURORA_SCHEDULER_ENDPOINT = "scheduler_as_lib_no_endpoint"

MessageClasses = Callable[[str], type]


def our_classes(full_name: str) -> type:
    return our_messages.message_class(full_name)


def heron_classes() -> MessageClasses:
    pool = heronpy.descriptor_pool_of_heron()
    return lambda full_name: heronpy.message_class(pool, full_name)


@dataclass
class Submission:
    """The messages of one submitted topology."""

    topology: object
    packing_plan: object
    execution_state: object
    scheduler_location: object

    @property
    def name(self) -> str:
        return self.topology.name


def stored_definition(classes: MessageClasses, defn: bytes):
    """The Topology the CLI stores: HeronSubmitter's definition with the components' serialized objects cleared."""
    topology = classes("heron.proto.api.Topology").FromString(defn)
    for component in [spout.comp for spout in topology.spouts] + [bolt.comp for bolt in topology.bolts]:
        component.ClearField("serialized_object")
    return topology


def _config_value(config, key: str, default: str) -> str:
    return next((pair.value for pair in config.kvs if pair.key == key), default)


class PackingError(ValueError):
    """A packing RoundRobinPacking refuses (its messages)."""


def component_parallelism(topology) -> dict[str, int]:
    """Each component's parallelism as the topology's config gives it, spouts first, in definition order."""
    components = [spout.comp for spout in topology.spouts] + [bolt.comp for bolt in topology.bolts]
    return {c.name: int(_config_value(c.config, PARALLELISM_KEY, "1")) for c in components}


def submitted_containers(topology) -> int:
    """The container count the topology was submitted with (its topology.stmgrs)."""
    return int(_config_value(topology.topology_config, STMGRS_KEY, "1"))


def round_robin_packing(classes: MessageClasses, topology, containers: int | None = None,
                        parallelism: dict[str, int] | None = None):
    """RoundRobinPacking with its defaults: instances dealt to containers 1..N in turn (task ids from 1), CPU and
    RAM per container the sum of its instances' plus the padding, disk the same for every container (the largest
    container's instances plus the padding). N is ``containers``, else the topology's topology.stmgrs; the
    parallelism is ``parallelism`` (a repack), else the topology's. Components are taken in definition order,
    spouts first (Heron takes them in the order of a hash map, which this stand-in does not imitate)."""
    if containers is None:
        containers = submitted_containers(topology)
    counts = component_parallelism(topology) if parallelism is None else parallelism
    total = sum(counts.values())
    if containers < 1:
        raise PackingError(f"Invlaid number of container: {containers}")  # sic, Heron's spelling
    if containers > total:
        raise PackingError(f"More containers ({containers}) allocated than instances ({total}).")
    plan = classes("heron.proto.system.PackingPlan")(id=topology.id)
    container_plans = [plan.container_plans.add(id=index + 1) for index in range(containers)]
    task_id = 1
    for name, count in counts.items():
        for component_index in range(count):
            instance = container_plans[(task_id - 1) % containers].instance_plans.add(
                component_name=name, task_id=task_id, component_index=component_index)
            instance.resource.cpu, instance.resource.ram, instance.resource.disk = \
                INSTANCE_CPU, INSTANCE_RAM, INSTANCE_DISK
            task_id += 1
    largest = max(len(container.instance_plans) for container in container_plans)
    for container in container_plans:
        count = len(container.instance_plans)
        required = container.requiredResource
        required.cpu = count * INSTANCE_CPU + PADDING_CPU
        required.ram = count * INSTANCE_RAM + PADDING_RAM
        required.disk = largest * INSTANCE_DISK + PADDING_DISK
    return plan


def submission(classes: MessageClasses, defn: bytes, cluster: str = "devcluster", role: str = "heron",
               environment: str = "devel", submission_user: str = "heron", release_version: str = "0.20.5-incubating",
               submission_time: int | None = None) -> Submission:
    topology = stored_definition(classes, defn)
    execution = classes("heron.proto.system.ExecutionState")(
        topology_name=topology.name, topology_id=topology.id, submission_time=submission_time or int(time.time()),
        submission_user=submission_user, cluster=cluster, environ=environment, role=role)
    execution.release_state.release_username = submission_user
    execution.release_state.release_tag = ""
    execution.release_state.release_version = release_version
    scheduler = classes("heron.proto.scheduler.SchedulerLocation")(
        topology_name=topology.name, http_endpoint=AURORA_SCHEDULER_ENDPOINT)
    return Submission(topology, round_robin_packing(classes, topology), execution, scheduler)


def physical_plan(classes: MessageClasses, sub: Submission, host: str = "127.0.0.1", state: str | None = None):
    """The plan the TManager writes once every stream manager has registered; ``state`` overrides the topology's."""
    plan = classes("heron.proto.system.PhysicalPlan")()
    plan.topology.CopyFrom(sub.topology)
    if state is not None:
        plan.topology.state = plan.topology.DESCRIPTOR.fields_by_name["state"].enum_type.values_by_name[state].number
    for container in sub.packing_plan.container_plans:
        stmgr_id = f"stmgr-{container.id}"
        plan.stmgrs.add(id=stmgr_id, host_name=host, data_port=40000 + container.id,
                        local_endpoint=f"/tmp/{stmgr_id}.sock", shell_port=41000 + container.id)
        for instance in container.instance_plans:
            entry = plan.instances.add(
                instance_id=f"container_{container.id}_{instance.component_name}_{instance.task_id}",
                stmgr_id=stmgr_id)
            entry.info.task_id = instance.task_id
            entry.info.component_index = instance.component_index
            entry.info.component_name = instance.component_name
    return plan


def tmanager_location(classes: MessageClasses, sub: Submission, host: str = "127.0.0.1", base_port: int = 45000,
                      full_name: str = "heron.proto.tmanager.TManagerLocation"):
    return classes(full_name)(topology_name=sub.name, topology_id=sub.topology.id, host=host,
                              controller_port=base_port, server_port=base_port + 1, stats_port=base_port + 2)


class HeronZnodes:
    """Writes and deletes Heron's znodes under ``root`` with a kazoo client, as Heron's components do."""

    def __init__(self, client, root: str = "/heron", hosts: str = "") -> None:
        self.client = client
        self.root = root.rstrip("/")
        self.hosts = hosts  # the connection string of ``client``, for the modules under test

    def path(self, directory: str, name: str) -> str:
        return f"{self.root}/{directory}/{name}"

    def write(self, directory: str, name: str, message, ephemeral: bool = False) -> None:
        path = self.path(directory, name)
        data = message.SerializeToString()
        if self.client.exists(path):
            self.client.set(path, data)
        else:
            self.client.create(path, data, makepath=True, ephemeral=ephemeral)

    def submit(self, sub: Submission, with_scheduler: bool = True) -> None:
        """The CLI's submit, in Heron's order (the Aurora job is created between executionstate and schedulers)."""
        self.write("topologies", sub.name, sub.topology)
        self.write("packingplans", sub.name, sub.packing_plan)
        self.write("executionstate", sub.name, sub.execution_state)
        if with_scheduler:
            self.write("schedulers", sub.name, sub.scheduler_location)

    def start_tmanager(self, sub: Submission, plan, location, directory: str = "tmanagers") -> None:
        """What the TManager of container 0 writes: its location (ephemeral, tied to this client's session), then
        the physical plan."""
        self.write(directory, sub.name, location, ephemeral=True)
        self.write("pplans", sub.name, plan)

    def delete(self, directory: str, name: str) -> None:
        self.client.delete(self.path(directory, name))
