# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One job of a .aurora config, bound and ready to convert into the scheduler's JobConfiguration."""

from __future__ import annotations

import getpass
import math
from typing import Any, Callable, Iterable

try:
    from pystachio import Empty, Ref
    from pystachio.base import Object
    from pystachio.choice import ChoiceContainer
    from pystachio.composite import Structural
    from pystachio.container import ListContainer, MapContainer
    from pystachio.parsing import MustacheParser
except ImportError:  # the loader reports the missing library before anything here runs
    Empty = Ref = Object = ChoiceContainer = Structural = ListContainer = MapContainer = None
    PYSTACHIO_ERRORS: tuple = ()
else:
    # A value that does not coerce to its field's type ("cpu='lots'"), a binding cycle, a malformed reference.
    PYSTACHIO_ERRORS = (Object.CoercionError, MustacheParser.Error, Ref.InvalidRefError)

from ansible_collections.heron.aurora.plugins.module_utils._aurora.api import AURORA_EXECUTOR_NAME
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import (
    convert,
    docker_images,
    stock_json,
    thermos,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraConfigError,
    AuroraUpdateConfigError,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import MAX_INSTANCES

THERMOS_PORTS = "thermos.ports"
# Left in the config for the executor to fill in on the agent (and thermos.ports[name], one per named port).
EXECUTOR_REFS = ("mesos.instance", "mesos.hostname", "thermos.task_id")
# Fields of the job that are not part of a task's identity; the stock client leaves them out of the executor data.
NOT_IN_EXECUTOR_DATA = ("update_config", "instances")
# Bound to a placeholder instance id only to type-check fields that use {{mesos.instance}}.
TYPE_CHECK_CONTEXT = {"mesos": {"instance": 31337, "hostname": ""}}


def _port_name(ref: Any) -> str | None:
    """``name`` of a ``{{thermos.ports[name]}}`` reference, None for a reference outside thermos.ports;
    AuroraConfigError for one inside it that is not of that form (``{{thermos.ports.http}}``)."""
    rest = Ref.subscope(Ref.from_address(THERMOS_PORTS), ref)
    if not rest:
        return None
    if not rest.is_index() or len(rest.components()) != 1:
        raise AuroraConfigError(f'Bad port specification "{ref.address()}" (should be of form "thermos.ports[name]")')
    return str(rest.components()[0].value)


def _left_for_executor(ref: Any) -> bool:
    return ref.address() in EXECUTOR_REFS or _port_name(ref) is not None


def type_problem(value: Any) -> str | None:
    """What keeps ``value`` (a pystachio object) from type-checking, None when it does.

    pystachio's Choice.check() gives None, not a failure, when its value is one of its alternatives that does not
    type-check itself (``sla_policy=CountSlaPolicy(count=2)``), and the Struct holding it then breaks
    (AttributeError): the message then comes from that value."""
    try:
        check = value.check()
    except AttributeError:
        check = None
    if check is None:
        return _choice_problem(value)
    return None if check.ok() else check.message()


def _choice_problem(value: Any) -> str | None:
    if isinstance(value, ChoiceContainer):
        return type_problem(value.unwrap())
    if isinstance(value, Structural):
        for name in sorted(value.TYPEMAP):
            field = getattr(value, name)()
            if field is not Empty and isinstance(field, Object):
                problem = type_problem(field)
                if problem:
                    return f"{type(value).__name__}[{name}]: {problem}"
    if isinstance(value, (ListContainer, MapContainer)):
        items = value.values() if isinstance(value, MapContainer) else value
        for item in items:
            problem = type_problem(item)
            if problem:
                return problem
    return None


def check_interpolates(job: Any, what: str) -> None:
    """AuroraConfigError naming the field at fault unless every value of ``job`` interpolates: pystachio raises
    for a value that does not coerce to its type (``cpu='lots'``) and for a cycle of bindings."""
    try:
        job.interpolate()
    except PYSTACHIO_ERRORS as error:
        try:
            problem = type_problem(job) or str(error)
        except PYSTACHIO_ERRORS:
            problem = str(error)
        raise AuroraConfigError(f"{what} does not evaluate: {problem}; fix that value in the config, or the binding "
                                "that gives it") from None


def _resolve_portmap(portmap: dict) -> dict:
    """Follow aliases of an announce portmap: {'admin': 'http', 'http': '8080'} -> {'admin': 8080, 'http': 8080}."""
    resolved = {}
    for name, target in portmap.items():
        seen = {name}
        while isinstance(target, str) and not target.isdigit() and target in portmap:
            if target in seen:
                raise AuroraConfigError(f"announce.portmap has a cycle through {target!r}")
            seen.add(target)
            target = portmap[target]
        resolved[name] = int(target) if isinstance(target, str) and target.isdigit() else target
    return resolved


class AuroraJobConfig:
    """A pystachio Job with the bindings applied. ``raw`` is the pystachio object."""

    def __init__(self, job: Any) -> None:
        for required in ("cluster", "role", "task"):
            if not getattr(job, f"has_{required}")():
                raise AuroraConfigError(f"{required} is required for job {job.name()}")
        if not job.task().has_processes():
            raise AuroraConfigError(f"the task of job {job.name()} has no processes")
        # Deprecated names the stock client still honours.
        self.raw = job.bind({
            Ref.from_address("mesos.role"): "{{role}}",
            Ref.from_address("mesos.cluster"): "{{cluster}}",
            Ref.from_address("thermos.user"): "{{role}}",
        })

    # --- identity ---------------------------------------------------------------------------------
    @property
    def cluster(self) -> str:
        return convert.plain(self.raw.cluster(), "cluster")

    @property
    def role(self) -> str:
        return convert.identifier("role", convert.plain(self.raw.role(), "role"))

    @property
    def environment(self) -> str:
        if self.raw.environment() is Empty:
            raise AuroraConfigError(f"job {self.raw.name()} does not set an environment")
        return convert.identifier("environment", convert.plain(self.raw.environment(), "environment"))

    @property
    def name(self) -> str:
        return convert.identifier("name", convert.plain(self.raw.name(), "name"))

    @property
    def job_key(self) -> str:
        return f"{self.cluster}/{self.role}/{self.environment}/{self.name}"

    @property
    def instances(self) -> int:
        count = convert.plain(self.raw.instances(), "instances")
        if not 1 <= count <= MAX_INSTANCES:
            raise AuroraConfigError(f"instances must be from 1 to {MAX_INSTANCES}, got {count}")
        return count

    # --- references -------------------------------------------------------------------------------
    def unbound_refs(self) -> list[str]:
        """References nothing binds, other than those the executor fills in (EXECUTOR_REFS, thermos.ports[name]):
        the stock client's rule, so {{mesos.role}} or {{thermos.foo}} is as unbound as {{foo}}."""
        _interpolated, refs = self.raw.interpolate()
        return sorted(str(ref) for ref in refs if not _left_for_executor(ref))

    def named_ports(self) -> list[str]:
        """Ports the scheduler must allocate: every thermos.ports[name] used and every announced port name."""
        _interpolated, refs = self.raw.interpolate()
        referenced = {name for name in map(_port_name, refs) if name is not None}
        portmap = {}
        if self.raw.has_announce():
            portmap = convert.optional(self.raw.announce().portmap(), "announce.portmap", {})
        resolved = _resolve_portmap(portmap)
        unallocated = {port for port in resolved.values() if not isinstance(port, int)}
        unresolved = {resolved.get(port, port) for port in referenced}
        return sorted(unallocated | {port for port in unresolved if not isinstance(port, int)})

    # --- checks -----------------------------------------------------------------------------------
    def _task_for_checks(self, interpolated: Any) -> Any:
        task = interpolated.bind(TYPE_CHECK_CONTEXT).task()
        names = [str(process.name()) for process in task.processes()]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise AuroraConfigError(f"the task has several processes named {', '.join(duplicates)}")
        return task

    def _is_dedicated(self, job: Any) -> bool:
        return "dedicated" in convert.optional(job.constraints(), "constraints", {})

    def _check_update_config(self, job: Any) -> None:
        """The stock client's update_config checks (client/config.py), made on every load."""
        size = convert.plain(job.instances(), "instances")
        update = convert.plain(job.update_config(), "update_config")
        health = convert.plain(job.health_check_config(), "health_check_config")
        max_failures = update["max_total_failures"]
        if max_failures >= size:
            raise AuroraUpdateConfigError(
                f"max_total_failures in update_config must be lesser than the job size. Based on your job size "
                f"({size}) you should use max_total_failures <= {size - 1}.")
        threshold = int(math.floor(size * 0.02))
        if self._is_dedicated(job) and max_failures < threshold:
            raise AuroraUpdateConfigError(
                "Since this is a dedicated job, you must set your max_total_failures in your update configuration "
                f"to no less than 2% of your job size. Based on your job size ({size}) you should use "
                f"max_total_failures >= {threshold}.")
        for value, name in ((update["watch_secs"], "watch_secs"),
                            (health["max_consecutive_failures"], "max_consecutive_failures"),
                            (health["min_consecutive_successes"], "min_consecutive_successes"),
                            (health["initial_interval_secs"], "initial_interval_secs"),
                            (health["interval_secs"], "interval_secs")):
            if value < 0:
                raise AuroraUpdateConfigError(f"Invalid value ({value}) specified for {name}. "
                                              "Value cannot be less than 0.")

    def _check_static_ports(self, job: Any) -> None:
        """A fixed port number in the announcer's portmap needs a dedicated job (exit 3 with the stock client)."""
        if not job.has_announce() or self._is_dedicated(job):
            return
        portmap = convert.optional(job.announce().portmap(), "announce.portmap", {})
        if any(str(port).strip().lstrip("+-").isdigit() for port in portmap.values()):
            raise AuroraConfigError("Job must be dedicated in order to specify static ports!")

    def validate(self) -> None:
        """The stock client's checks: those of its load (update_config, static ports), then those of its
        conversion (the thermos task, the whole job). Unbound references come first, as the stock client's own
        message for a missing binding depends on the field that uses it (a number fails to coerce)."""
        check_interpolates(self.raw.bind(TYPE_CHECK_CONTEXT), f"job {self.raw.name()} (with mesos.instance bound)")
        unbound = self.unbound_refs()
        if unbound:
            raise AuroraConfigError(
                f"Config contains unbound variables: {' '.join(unbound)} (bind them with the bindings option)")
        interpolated, _refs = self.raw.interpolate()
        self._check_update_config(interpolated)
        self._check_static_ports(interpolated)
        task = self._task_for_checks(interpolated)
        thermos.check_task(task)
        thermos.check_refs_bound(task, self.named_ports())
        problem = type_problem(interpolated.bind(TYPE_CHECK_CONTEXT))
        if problem:
            raise AuroraConfigError(f"the job is not fully specified: {problem}")

    def bind_docker_images(self, registry: Callable[[], Any]) -> None:
        """Pin each ``{{docker.image[name][tag]}}`` to its digest, from the DockerRegistry ``registry()`` gives
        (asked for only when the job has such a reference), as the stock client's binding helper does."""
        self.raw = docker_images.bind_docker_images(self.raw, registry)

    def apply_tiers(self, tiers: Any) -> None:
        """Fill in the tier, or the production flag, from the scheduler's tiers (a tiers.TierConfigs) as the
        stock client does on every load, so that both the TaskConfig and the executor data carry them."""
        tier, production = tiers.choose(convert.optional(self.raw.tier(), "tier"),
                                        bool(convert.plain(self.raw.production(), "production")))
        self.raw = self.raw(tier=tier, production=production)

    # --- conversion -------------------------------------------------------------------------------
    def executor_data(self) -> str:
        """The job without NOT_IN_EXECUTOR_DATA as JSON, byte for byte as the stock client writes it."""
        interpolated, _refs = self.raw.interpolate()
        return stock_json.stock_json_dumps(interpolated(**{field: Empty for field in NOT_IN_EXECUTOR_DATA}))

    def _executor_config(self, api: Any) -> Any:
        executor = self.raw.executor_config()
        name = convert.plain(executor.name(), "executor_config.name")
        if name == AURORA_EXECUTOR_NAME:
            return api.ExecutorConfig(name=AURORA_EXECUTOR_NAME, data=self.executor_data())
        return api.ExecutorConfig(name=name, data=convert.plain(executor.data(), "executor_config.data"))

    def _metadata(self, api: Any) -> set:
        pairs = {(str(item["key"]), str(item["value"]))
                 for item in convert.plain(self.raw.metadata(), "metadata")}
        return {api.Metadata(key=key, value=value) for key, value in pairs}

    def task_config(self, api: Any, owner: str | None = None) -> Any:
        self.validate()
        job = self.raw
        key = api.JobKey(role=self.role, environment=self.environment, name=self.name)
        return api.TaskConfig(
            job=key,
            owner=api.Identity(user=owner or getpass.getuser()),
            isService=bool(convert.plain(job.service(), "service")),
            priority=convert.plain(job.priority(), "priority"),
            maxTaskFailures=convert.plain(job.max_task_failures(), "max_task_failures"),
            production=bool(convert.plain(job.production(), "production")),
            tier=convert.optional(job.tier(), "tier"),
            resources=convert.resources(api, job.task(), self.named_ports()),
            constraints=convert.constraints(api, convert.optional(job.constraints(), "constraints", {})),
            taskLinks={},
            contactEmail=convert.optional(job.contact(), "contact"),
            executorConfig=self._executor_config(api),
            metadata=self._metadata(api),
            container=convert.container(api, job.container()),
            partitionPolicy=convert.partition_policy(api, job.partition_policy()),
            slaPolicy=convert.sla_policy(api, job.sla_policy()),
        )

    def job_configuration(self, api: Any, owner: str | None = None) -> Any:
        """The JobConfiguration that createJob takes (and populateJobConfig checks)."""
        task = self.task_config(api, owner)
        policy = convert.plain(self.raw.cron_collision_policy(), "cron_collision_policy").upper()
        if policy not in api.CronCollisionPolicy._NAMES_TO_VALUES:
            raise AuroraConfigError(f"cron_collision_policy {policy!r} is not one of "
                                    f"{sorted(api.CronCollisionPolicy._NAMES_TO_VALUES)}")
        return api.JobConfiguration(
            key=task.job,
            owner=task.owner,
            cronSchedule=convert.optional(self.raw.cron_schedule(), "cron_schedule"),
            cronCollisionPolicy=api.CronCollisionPolicy._NAMES_TO_VALUES[policy],
            taskConfig=task,
            instanceCount=self.instances,
        )

    def update_settings(self, api: Any, instances: list[int] | None = None) -> Any:
        return convert.update_settings(api, self.raw.update_config(), instances)

    def update_request(self, api: Any, owner: str | None = None, instances: list[int] | None = None,
                       update_metadata: Iterable[tuple[str, str]] = ()) -> Any:
        """The JobUpdateRequest that startJobUpdate and getJobUpdateDiff take. ``update_metadata`` tags the
        update itself (JobUpdateRequest.metadata), not the tasks: it must not make the task config differ."""
        return api.JobUpdateRequest(taskConfig=self.task_config(api, owner),
                                    instanceCount=self.instances,
                                    settings=self.update_settings(api, instances),
                                    metadata={api.Metadata(key=str(k), value=str(v)) for k, v in update_metadata}
                                    or None)
