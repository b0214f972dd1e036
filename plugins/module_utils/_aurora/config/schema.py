# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our pystachio schema of Aurora's configuration language: the names a .aurora file may use.

Struct and field names and defaults are Aurora's (they are the language users write and what the Aurora executor
reads back from the executor data), written for this collection. ``CONFIG_NAMES`` and the thermos helpers
(helpers.HELPER_NAMES) are what a config sees when it is evaluated; nothing else of this collection or of the
controller is in its scope.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Iterable, Mapping, Sequence, Tuple, Union

from ansible_collections.heron.aurora.plugins.module_utils._aurora.api import AURORA_EXECUTOR_NAME

try:
    from pystachio import (
        Boolean,
        Choice,
        Default,
        Empty,
        Enum,
        Environment,
        Float,
        Integer,
        List,
        Map,
        MustacheParser,
        Namable,
        Ref,
        Required,
        String,
        Struct,
        Type,
        TypeCheck,
        TypeFactory,
    )
    from pystachio.choice import ChoiceContainer
    from pystachio.composite import Structural
    from pystachio.container import ListContainer, MapContainer
except ImportError:
    # Lets this file be imported without pystachio (the loader reports the missing library); nothing is usable.
    class Struct:  # type: ignore[no-redef]
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __call__(self, *args, **kwargs) -> "Struct":
            return self

    def _placeholder(*args, **kwargs):
        return _placeholder

    Boolean = Float = Integer = String = Empty = None  # type: ignore[assignment]
    Environment = MustacheParser = Namable = Ref = Type = TypeCheck = TypeFactory = None  # type: ignore[assignment,misc]
    ChoiceContainer = Structural = ListContainer = MapContainer = None  # type: ignore[assignment,misc]
    Choice = Default = Enum = List = Map = Required = _placeholder  # type: ignore[assignment]

BYTES = 1
KB = 1024 * BYTES
MB = 1024 * KB
GB = 1024 * MB
TB = 1024 * GB


# --- thermos: processes and tasks ---------------------------------------------------------------

class ThermosContext(Struct):
    ports = Map(String, Integer)
    task_id = String
    user = String


class MesosContext(Struct):
    instance = Required(Integer)
    hostname = Required(String)


class Resources(Struct):
    cpu = Required(Float)
    ram = Required(Integer)
    disk = Required(Integer)
    gpu = Default(Integer, 0)


class Constraint(Struct):
    """A process ordering constraint of a Task (not a placement constraint: those are Job.constraints)."""

    order = List(String)


class RotatePolicy(Struct):
    log_size = Default(Integer, 100 * MB)
    backups = Default(Integer, 5)


LoggerDestination = Enum("file", "console", "both", "none")
LoggerMode = Enum("standard", "rotate")


class Logger(Struct):
    destination = Default(LoggerDestination, LoggerDestination("file"))
    mode = Default(LoggerMode, LoggerMode("standard"))
    rotate = RotatePolicy


class Process(Struct):
    cmdline = Required(String)
    name = Required(String)
    resources = Resources
    max_failures = Default(Integer, 1)
    daemon = Default(Boolean, False)
    ephemeral = Default(Boolean, False)
    min_duration = Default(Integer, 5)
    final = Default(Boolean, False)
    logger = Default(Logger, Empty)


class Task(Struct):
    name = Default(String, "{{processes[0].name}}")
    processes = List(Process)
    constraints = Default(List(Constraint), [])
    resources = Resources
    max_failures = Default(Integer, 1)
    max_concurrency = Default(Integer, 0)
    finalization_wait = Default(Integer, 30)
    user = String


# --- aurora: jobs ---------------------------------------------------------------------------------

class QueueUpdateStrategy(Struct):
    batch_size = Default(Integer, 1)


class BatchUpdateStrategy(Struct):
    batch_size = Default(Integer, 1)
    autopause_after_batch = Default(Boolean, False)


class VariableBatchUpdateStrategy(Struct):
    batch_sizes = Required(List(Integer))
    autopause_after_batch = Default(Boolean, False)


class UpdateConfig(Struct):
    batch_size = Default(Integer, 1)
    watch_secs = Default(Integer, 45)
    max_per_shard_failures = Default(Integer, 0)
    max_total_failures = Default(Integer, 0)
    rollback_on_failure = Default(Boolean, True)
    wait_for_batch_completion = Default(Boolean, False)
    pulse_interval_secs = Integer
    sla_aware = Default(Boolean, False)
    update_strategy = Choice([QueueUpdateStrategy, BatchUpdateStrategy, VariableBatchUpdateStrategy])


class HttpHealthChecker(Struct):
    endpoint = Default(String, "/health")
    expected_response = Default(String, "ok")
    expected_response_code = Default(Integer, 0)


class ShellHealthChecker(Struct):
    shell_command = Required(String)


class HealthCheckerConfig(Struct):
    http = HttpHealthChecker
    shell = ShellHealthChecker


DefaultHealthChecker = HealthCheckerConfig(http=HttpHealthChecker())


class HealthCheckConfig(Struct):
    health_checker = Default(HealthCheckerConfig, DefaultHealthChecker)
    initial_interval_secs = Default(Float, 15.0)
    interval_secs = Default(Float, 10.0)
    max_consecutive_failures = Default(Integer, 0)
    min_consecutive_successes = Default(Integer, 1)
    timeout_secs = Default(Float, 1.0)


class HttpLifecycleConfig(Struct):
    port = Default(String, "health")
    graceful_shutdown_endpoint = Default(String, "/quitquitquit")
    shutdown_endpoint = Default(String, "/abortabortabort")
    graceful_shutdown_wait_secs = Default(Integer, 5)
    shutdown_wait_secs = Default(Integer, 5)


class LifecycleConfig(Struct):
    http = HttpLifecycleConfig


DisableLifecycle = LifecycleConfig()
DefaultLifecycleConfig = LifecycleConfig(http=HttpLifecycleConfig())


class Announcer(Struct):
    primary_port = Default(String, "http")
    # Values are either another port name (an alias) or a fixed port number.
    portmap = Default(Map(String, String), {"aurora": "{{primary_port}}"})
    zk_path = String


class MesosTaskInstance(Struct):
    """One instance of a job as the executor sees it; configs may build one, as Aurora's own tools do."""

    task = Required(Task)
    instance = Required(Integer)
    role = Required(String)
    announce = Announcer
    environment = Required(String)
    health_check_config = Default(HealthCheckConfig, HealthCheckConfig())
    lifecycle = LifecycleConfig


class Parameter(Struct):
    name = Required(String)
    value = Required(String)


class Docker(Struct):
    image = Required(String)
    parameters = Default(List(Parameter), [])


class AppcImage(Struct):
    name = Required(String)
    image_id = Required(String)


class DockerImage(Struct):
    name = Required(String)
    tag = Required(String)


Mode = Enum("RO", "RW")


class Volume(Struct):
    container_path = Required(String)
    host_path = Required(String)
    mode = Required(Mode)


class Mesos(Struct):
    image = Choice([AppcImage, DockerImage])
    volumes = Default(List(Volume), [])


class Container(Struct):
    docker = Docker


class PartitionPolicy(Struct):
    """Whether the scheduler reschedules a task whose agent is partitioned away, and after how long."""

    reschedule = Default(Boolean, True)
    delay_secs = Default(Integer, 0)


class Metadata(Struct):
    key = Required(String)
    value = Required(String)


class ExecutorConfig(Struct):
    name = Default(String, AURORA_EXECUTOR_NAME)
    data = Default(String, "")


# --- SLA policies: what must stay up while the scheduler drains agents or runs an SLA-aware update ---------

class PercentageSlaPolicy(Struct):
    percentage = Required(Float)
    duration_secs = Required(Integer)


class CountSlaPolicy(Struct):
    count = Required(Integer)
    duration_secs = Required(Integer)


class CoordinatorSlaPolicy(Struct):
    coordinator_url = Required(String)
    status_key = Default(String, "drain")


class MesosJob(Struct):
    name = Default(String, "{{task.name}}")
    role = Required(String)
    contact = String
    cluster = Required(String)
    environment = Required(String)
    instances = Default(Integer, 1)
    task = Required(Task)
    announce = Announcer
    tier = String
    cron_schedule = String
    cron_collision_policy = Default(String, "KILL_EXISTING")
    update_config = Default(UpdateConfig, UpdateConfig())
    # Placement constraints: attribute -> "v1,v2", "!v" (negated) or "limit:N".
    constraints = Map(String, String)
    metadata = Default(List(Metadata), [])
    service = Default(Boolean, False)
    max_task_failures = Default(Integer, 1)
    production = Default(Boolean, False)
    priority = Default(Integer, 0)
    health_check_config = Default(HealthCheckConfig, HealthCheckConfig())
    lifecycle = Default(LifecycleConfig, DefaultLifecycleConfig)
    task_links = Map(String, String)
    executor_config = Default(ExecutorConfig, ExecutorConfig())
    enable_hooks = Default(Boolean, False)
    partition_policy = PartitionPolicy
    sla_policy = Choice([CoordinatorSlaPolicy, CountSlaPolicy, PercentageSlaPolicy])
    container = Choice([Container, Docker, Mesos])


Job = MesosJob
Service = Job(service=True)


ChoicePath = Tuple[Union[str, int], ...]


def job_from_plain(data: Mapping[str, Any], choices: Iterable[tuple[Sequence[str | int], int]] = (),
                   written_out: Iterable[Sequence[str | int]] = ()) -> Any:
    """A Job from plain data, as ``job.get()`` (or a JSON config) gives it.

    pystachio's own coercion (``MesosJob(data)``) cannot take a Choice of Structs from plain data: it stops at the
    first alternative that lacks one of the keys (AttributeError, where Choice only expects a CoercionError).
    Here every value is built as its field's type, and a Choice as the alternative ``choices`` names for it (pairs
    of its path and the alternative's index, as choices_of gives them), else the first alternative that takes it:
    plain data alone cannot tell ``PercentageSlaPolicy(duration_secs=60)`` from the same CountSlaPolicy.
    A Struct at one of the ``written_out`` paths (as stock_json.written_out_paths gives them) is made an instance
    of the class of its name written out in this module, as the config made it; the others are of the class
    pystachio rebuilt for the field (the key order of the executor data tells them apart)."""
    return _as_type(MesosJob, data, (), {tuple(path): index for path, index in choices},
                    {tuple(path) for path in written_out})


def choices_of(value: Any, path: ChoicePath = ()) -> list[tuple[list[str | int], int]]:
    """The alternative each Choice inside ``value`` holds: [(path, index in the Choice's alternatives)].
    Only struct fields are followed: no List or Map of this schema holds a Choice."""
    if isinstance(value, ChoiceContainer):
        chosen = value.unwrap()
        index = next((i for i, kind in enumerate(value.CHOICES) if isinstance(chosen, kind)), None)
        found = [] if index is None else [(list(path), index)]
        return found + choices_of(chosen, path)
    if isinstance(value, Structural):
        return [found for name in sorted(value.TYPEMAP)
                for found in choices_of(getattr(value, name)(), path + (name,))]
    return []


def _as_type(kind: Any, value: Any, path: ChoicePath, choices: Mapping[ChoicePath, int],
             written_out: AbstractSet[ChoicePath]) -> Any:
    if issubclass(kind, ChoiceContainer):
        known = choices.get(path)
        alternatives = kind.CHOICES if known is None else [kind.CHOICES[known]]
        for alternative in alternatives:
            try:
                return kind(_as_type(alternative, value, path, choices, written_out))
            except (AttributeError, TypeError, ValueError):  # pystachio's CoercionError is a ValueError
                continue
        return kind(value)  # no alternative takes it: pystachio says why when the value is checked
    if issubclass(kind, Structural) and isinstance(value, Mapping):
        fields = {name: _as_type(kind.TYPEMAP[name].klazz, item, path + (name,), choices, written_out)
                  if name in kind.TYPEMAP else item for name, item in value.items()}
        built = (globals().get(kind.__name__) if path in written_out else None) or kind
        return built(**fields)
    if issubclass(kind, ListContainer) and isinstance(value, (list, tuple)):
        return kind([_as_type(kind.TYPE, item, path + (index,), choices, written_out)
                     for index, item in enumerate(value)])
    if issubclass(kind, MapContainer) and isinstance(value, Mapping):
        return kind({key: _as_type(kind.VALUETYPE, item, path + (key,), choices, written_out)
                     for key, item in value.items()})
    return value


# What the stock client's loader gives a config of pystachio (``from pystachio import *``): its public classes.
# The modules that come along with that star import (sys, pystachio.base, ...) are left out; a config that
# wants one imports it.
PYSTACHIO_NAMES = {
    "Boolean": Boolean, "Choice": Choice, "Default": Default, "Empty": Empty, "Enum": Enum,
    "Environment": Environment, "Float": Float, "Integer": Integer, "List": List, "Map": Map,
    "MustacheParser": MustacheParser, "Namable": Namable, "Ref": Ref, "Required": Required, "String": String,
    "Struct": Struct, "Type": Type, "TypeCheck": TypeCheck, "TypeFactory": TypeFactory,
}

SCHEMA_NAMES = {
    "BYTES": BYTES, "KB": KB, "MB": MB, "GB": GB, "TB": TB,
    "ThermosContext": ThermosContext, "MesosContext": MesosContext, "Resources": Resources,
    "Constraint": Constraint, "RotatePolicy": RotatePolicy, "LoggerDestination": LoggerDestination,
    "LoggerMode": LoggerMode, "Logger": Logger, "Process": Process, "Task": Task,
    "QueueUpdateStrategy": QueueUpdateStrategy, "BatchUpdateStrategy": BatchUpdateStrategy,
    "VariableBatchUpdateStrategy": VariableBatchUpdateStrategy, "UpdateConfig": UpdateConfig,
    "HttpHealthChecker": HttpHealthChecker, "ShellHealthChecker": ShellHealthChecker,
    "HealthCheckerConfig": HealthCheckerConfig, "DefaultHealthChecker": DefaultHealthChecker,
    "HealthCheckConfig": HealthCheckConfig, "HttpLifecycleConfig": HttpLifecycleConfig,
    "LifecycleConfig": LifecycleConfig, "DisableLifecycle": DisableLifecycle,
    "DefaultLifecycleConfig": DefaultLifecycleConfig, "Announcer": Announcer, "Parameter": Parameter,
    "Docker": Docker, "AppcImage": AppcImage, "DockerImage": DockerImage, "Mode": Mode, "Volume": Volume,
    "Mesos": Mesos, "Container": Container, "Metadata": Metadata, "ExecutorConfig": ExecutorConfig,
    "MesosTaskInstance": MesosTaskInstance, "PartitionPolicy": PartitionPolicy,
    "PercentageSlaPolicy": PercentageSlaPolicy, "CountSlaPolicy": CountSlaPolicy,
    "CoordinatorSlaPolicy": CoordinatorSlaPolicy, "MesosJob": MesosJob, "Job": Job, "Service": Service,
    "AURORA_EXECUTOR_NAME": AURORA_EXECUTOR_NAME,
}

CONFIG_NAMES = {**PYSTACHIO_NAMES, **SCHEMA_NAMES}
