# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Conversion of the pieces of a pystachio Job into the scheduler's Thrift structs (our IDL)."""

from __future__ import annotations

from typing import Any, Mapping

try:
    from pystachio import Empty
except ImportError:  # the loader reports the missing library before anything here runs
    Empty = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import thrift_ranges
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import is_identifier

MB = 1024 * 1024
MIN_PULSE_INTERVAL_SECS = 60


def plain(value: Any, what: str) -> Any:
    """The Python value of a pystachio object, or AuroraConfigError naming ``what`` if it does not type-check."""
    check = value.check()
    if not check.ok():
        raise AuroraConfigError(f"{what}: {check.message()}")
    interpolated, _refs = value.interpolate()
    return interpolated.get()


def optional(value: Any, what: str, default: Any = None) -> Any:
    return default if value is Empty else plain(value, what)


def identifier(kind: str, value: Any) -> str:
    if not is_identifier(value):
        raise AuroraConfigError(f"invalid job {kind} {value!r}: it must match ^[\\w\\-.]+$ (letters, digits, _ - .)")
    return value


def constraints(api: Any, placement: Mapping[str, str]) -> set:
    """Job.constraints ({attribute: "v1,v2" | "!v" | "limit:N"}) as a set of Constraint."""
    result = set()
    for attribute, text in placement.items():
        if text.startswith("limit:"):
            try:
                limit = int(text[len("limit:"):])
            except ValueError:
                raise AuroraConfigError(f"constraint {attribute}: {text!r} is not limit:<integer>") from None
            task_constraint = api.TaskConstraint(limit=api.LimitConstraint(limit=limit))
        else:
            negated = text.startswith("!")
            values = set((text[1:] if negated else text).split(","))
            task_constraint = api.TaskConstraint(value=api.ValueConstraint(negated=negated, values=values))
        result.add(api.Constraint(name=attribute, constraint=task_constraint))
    return result


def resources(api: Any, task: Any, named_ports: list[str]) -> set:
    if not task.has_resources():
        raise AuroraConfigError("the task must specify resources: Resources(cpu=..., ram=..., disk=...)")
    spec = task.resources()
    cpu = plain(spec.cpu(), "resources.cpu")
    ram = plain(spec.ram(), "resources.ram")
    disk = plain(spec.disk(), "resources.disk")
    gpu = plain(spec.gpu(), "resources.gpu")
    if ram == 0 or disk == 0:
        raise AuroraConfigError(f"the task must have ram and disk (in bytes, e.g. 512*MB), got ram={ram} disk={disk}")
    ram_mb, disk_mb = ram // MB, disk // MB
    if cpu <= 0 or ram_mb <= 0 or disk_mb <= 0:
        raise AuroraConfigError(
            "cpu, ram and disk must all be positive, and ram and disk at least 1 MB: "
            f"cpu={cpu} ram={ram} bytes disk={disk} bytes")
    result = {api.Resource(numCpus=float(cpu)), api.Resource(ramMb=ram_mb), api.Resource(diskMb=disk_mb)}
    result.update(api.Resource(namedPort=port) for port in named_ports)
    if gpu:
        result.add(api.Resource(numGpus=gpu))
    return result


def container(api: Any, value: Any) -> Any:
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema

    if value is Empty:
        return api.Container(mesos=api.MesosContainer())
    unwrapped = value.unwrap()
    if isinstance(unwrapped, schema.Container):
        if not unwrapped.has_docker():
            raise AuroraConfigError("Container() must set docker=Docker(...)")
        unwrapped = unwrapped.docker()
    if isinstance(unwrapped, schema.Docker):
        parameters = [api.DockerParameter(name=p["name"], value=p["value"])
                      for p in plain(unwrapped.parameters(), "container.parameters")]
        return api.Container(docker=api.DockerContainer(image=plain(unwrapped.image(), "container.image"),
                                                        parameters=parameters))
    if isinstance(unwrapped, schema.Mesos):
        volumes = [api.Volume(containerPath=v["container_path"], hostPath=v["host_path"],
                              mode=api.Mode._NAMES_TO_VALUES[v["mode"]])
                   for v in plain(unwrapped.volumes(), "container.volumes")]
        return api.Container(mesos=api.MesosContainer(image=image(api, unwrapped.image()), volumes=volumes))
    raise AuroraConfigError(f"unsupported container {type(unwrapped).__name__}")


def image(api: Any, value: Any) -> Any:
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema

    if value is Empty:
        return None
    unwrapped = value.unwrap()
    if isinstance(unwrapped, schema.DockerImage):
        return api.Image(docker=api.DockerImage(name=plain(unwrapped.name(), "image.name"),
                                                tag=plain(unwrapped.tag(), "image.tag")))
    return api.Image(appc=api.AppcImage(name=plain(unwrapped.name(), "image.name"),
                                        imageId=plain(unwrapped.image_id(), "image.image_id")))


def update_settings(api: Any, update_config: Any, instances: list[int] | None = None) -> Any:
    """UpdateConfig as JobUpdateSettings, with the consistency rules of the stock client."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema

    values = plain(update_config, "update_config")
    batch_size = values["batch_size"]
    watch_secs = values["watch_secs"]
    pulse_secs = values.get("pulse_interval_secs")
    wait_for_batch = values["wait_for_batch_completion"]
    strategy = update_config.update_strategy()
    if batch_size <= 0:
        raise AuroraConfigError("update_config.batch_size must be greater than 0")
    if watch_secs < 0:
        raise AuroraConfigError("update_config.watch_secs must not be negative")
    if pulse_secs is not None and pulse_secs < MIN_PULSE_INTERVAL_SECS:
        raise AuroraConfigError(f"update_config.pulse_interval_secs must be at least {MIN_PULSE_INTERVAL_SECS}")
    if strategy is not Empty and wait_for_batch:
        raise AuroraConfigError("update_config: wait_for_batch_completion cannot be combined with update_strategy")
    if strategy is not Empty and batch_size > 1:
        raise AuroraConfigError("update_config: set the batch size inside update_strategy, not with batch_size")

    if strategy is Empty:
        if wait_for_batch:
            thrift_strategy = api.JobUpdateStrategy(batchStrategy=api.BatchJobUpdateStrategy(
                groupSize=batch_size, autopauseAfterBatch=False))
        else:
            thrift_strategy = api.JobUpdateStrategy(queueStrategy=api.QueueJobUpdateStrategy(groupSize=batch_size))
    else:
        chosen = strategy.unwrap()
        spec = plain(chosen, "update_config.update_strategy")
        if isinstance(chosen, schema.QueueUpdateStrategy):
            batch_size = spec["batch_size"]
            thrift_strategy = api.JobUpdateStrategy(queueStrategy=api.QueueJobUpdateStrategy(groupSize=batch_size))
        elif isinstance(chosen, schema.BatchUpdateStrategy):
            batch_size, wait_for_batch = spec["batch_size"], True
            thrift_strategy = api.JobUpdateStrategy(batchStrategy=api.BatchJobUpdateStrategy(
                groupSize=batch_size, autopauseAfterBatch=spec["autopause_after_batch"]))
        else:
            batch_size = spec["batch_sizes"][0]
            thrift_strategy = api.JobUpdateStrategy(varBatchStrategy=api.VariableBatchJobUpdateStrategy(
                groupSizes=list(spec["batch_sizes"]), autopauseAfterBatch=spec["autopause_after_batch"]))

    return api.JobUpdateSettings(
        updateGroupSize=batch_size,
        maxPerInstanceFailures=values["max_per_shard_failures"],
        maxFailedInstances=values["max_total_failures"],
        minWaitInInstanceRunningMs=watch_secs * 1000,
        rollbackOnFailure=values["rollback_on_failure"],
        waitForBatchCompletion=wait_for_batch,
        updateOnlyTheseInstances=thrift_ranges(api, instances) if instances else None,
        blockIfNoPulsesAfterMs=pulse_secs * 1000 if pulse_secs else None,
        slaAware=values["sla_aware"],
        updateStrategy=thrift_strategy,
    )


def partition_policy(api: Any, value: Any) -> Any:
    """Job.partition_policy as PartitionPolicy; None (the scheduler's default) when the job sets none."""
    if value is Empty:
        return None
    return api.PartitionPolicy(reschedule=bool(plain(value.reschedule(), "partition_policy.reschedule")),
                               delaySecs=plain(value.delay_secs(), "partition_policy.delay_secs"))


def sla_policy(api: Any, value: Any) -> Any:
    """Job.sla_policy (one of the three policies) as the SlaPolicy union; None when the job sets none."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema

    if value is Empty:
        return None
    chosen = value.unwrap()
    if isinstance(chosen, schema.PercentageSlaPolicy):
        return api.SlaPolicy(percentageSlaPolicy=api.PercentageSlaPolicy(
            percentage=float(plain(chosen.percentage(), "sla_policy.percentage")),
            durationSecs=plain(chosen.duration_secs(), "sla_policy.duration_secs")))
    if isinstance(chosen, schema.CountSlaPolicy):
        return api.SlaPolicy(countSlaPolicy=api.CountSlaPolicy(
            count=plain(chosen.count(), "sla_policy.count"),
            durationSecs=plain(chosen.duration_secs(), "sla_policy.duration_secs")))
    return api.SlaPolicy(coordinatorSlaPolicy=api.CoordinatorSlaPolicy(
        coordinatorUrl=plain(chosen.coordinator_url(), "sla_policy.coordinator_url"),
        statusKey=plain(chosen.status_key(), "sla_policy.status_key")))
