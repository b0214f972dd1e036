"""STAND-IN scheduler state (tests only): jobs, tasks and job updates, advanced by tick()."""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.tests.unit.utils.aurora import wire
from harness.service import free_port

GOOD_IDENTIFIER = re.compile(r"^[\w\-.]+$", re.ASCII)
ALLOWED_ENVIRONMENTS = re.compile(r"^(prod|devel|test|staging\d*)$")
# The scheduler's stock tiers.json, in its order: name -> (preemptible, revocable); "default" names the default.
STOCK_TIERS = {"preferred": (False, False), "preemptible": (True, False), "revocable": (True, True)}
STOCK_DEFAULT_TIER = "preemptible"
THROTTLE_SECS = 1.0
# Where the scheduler's TaskStateMachine lets a RESTARTING task go; from each it reschedules the instance.
RESTARTING_ENDS = {"KILLED": "Task killed by the stand-in scheduler.",
                   "FAILED": "Task failed while it was being restarted (stand-in switch restart_ends).",
                   "LOST": "Task lost while it was being restarted (stand-in switch restart_ends).",
                   "FINISHED": "Task finished while it was being restarted (stand-in switch restart_ends)."}
# A switched RESTARTING task stays so this long before it ends, as a real one does while its executor stops it:
# the client sees it RESTARTING first, then ended.
RESTARTING_GRACE_SECS = 1.0
# The scheduler's defaults for -min_required_instances_for_sla_check, -max_sla_duration_secs (2 h) and
# -sla_aware_kill_non_prod (false: SLA policies only on production tiers).
SLA_MIN_INSTANCES = 20
SLA_MAX_DURATION_SECS = 2 * 60 * 60


class Rejected(Exception):
    """A request the real scheduler refuses: carries the response code name and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def key_text(key: Any) -> str:
    return f"{key.role}/{key.environment}/{key.name}"


def java_key(key: Any) -> str:
    return f"JobKey(role:{key.role}, environment:{key.environment}, name:{key.name})"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class UpdateRun:
    """A job update in progress or finished."""

    key: Any
    request: Any
    old_job: Any | None
    instances: list[int]
    status: str = "ROLLING_FORWARD"
    user: str = "stand-in"
    created_ms: int = field(default_factory=now_ms)
    modified_ms: int = field(default_factory=now_ms)
    events: list = field(default_factory=list)
    instance_events: list = field(default_factory=list)
    queue: list[int] = field(default_factory=list)
    batch: dict[int, dict] = field(default_factory=dict)
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class StandInScheduler:
    """All state behind one lock; API methods return a thrift Response or raise Rejected."""

    def __init__(self, cluster: str = "devcluster", host: str = "127.0.0.1",
                 run_processes: bool = False, sandbox_root: str | None = None,
                 update_timeout_secs: float = 8.0, on_change: Callable[[], None] | None = None,
                 allowed_container_types: tuple = ("MESOS",)) -> None:
        self.idl = api.load_api()
        self.allowed_container_types = allowed_container_types  # the scheduler's default: MESOS only
        self.cluster = cluster
        self.host = host
        self.run_processes = run_processes
        self.sandbox_root = sandbox_root
        self.update_timeout_secs = update_timeout_secs
        self.on_change = on_change or (lambda: None)
        self.lock = threading.RLock()
        self.jobs: dict[str, Any] = {}          # key text -> JobConfiguration
        self.tasks: dict[str, Any] = {}         # task id -> ScheduledTask
        self.updates: list[UpdateRun] = []
        self.never_start: set[str] = set()      # key texts whose tasks stay PENDING
        self.restart_ends: dict[str, str] = {}  # key text -> how its RESTARTING tasks end (default KILLED)
        self.tiers: dict[str, tuple[bool, bool]] = dict(STOCK_TIERS)
        self.default_tier = STOCK_DEFAULT_TIER
        self.runners: dict[str, Any] = {}       # task id -> ProcessRunner
        self.wake_at: dict[str, float] = {}     # task id -> monotonic time of its next step (THROTTLED)
        self.outcomes: dict[str, tuple[bool, str]] = {}

    # --- persistence (a new leader takes over the state of the old one) ----------------------------
    def snapshot(self) -> dict:
        with self.lock:
            return {"jobs": {k: wire.encode_struct(v) for k, v in self.jobs.items()},
                    "tasks": [wire.encode_struct(t) for t in self.tasks.values()]}

    def restore(self, snapshot: dict) -> None:
        with self.lock:
            self.jobs = {k: wire.decode_struct(self.idl.JobConfiguration, v) for k, v in snapshot["jobs"].items()}
            tasks = [wire.decode_struct(self.idl.ScheduledTask, t) for t in snapshot["tasks"]]
            self.tasks = {t.assignedTask.taskId: t for t in tasks}

    # --- responses ----------------------------------------------------------------------------------
    def response(self, code: str = "OK", result: Any = None, details: tuple = ()) -> Any:
        idl = self.idl
        return idl.Response(responseCode=idl.ResponseCode._NAMES_TO_VALUES[code], result=result,
                            details=[idl.ResponseDetail(message=m) for m in details],
                            serverInfo=idl.ServerInfo(clusterName=self.cluster, statsUrlPrefix=""))

    # --- validation, as the real ConfigurationManager does it ---------------------------------------
    def check_key(self, key: Any) -> None:
        if key is None or not all(isinstance(p, str) and GOOD_IDENTIFIER.match(p)
                                  for p in (key.role, key.environment, key.name)):
            raise Rejected("INVALID_REQUEST", f"Job key {java_key(key) if key else None} is invalid.")

    def populate(self, task: Any, instance_count: int) -> Any:
        populated = wire.copy_struct(task)
        # As ConfigurationManager.validateAndPopulate: no tier means the default tier, and production is always
        # the tier's (neither preemptible nor revocable), whatever the client sent.
        if populated.tier is not None and not GOOD_IDENTIFIER.fullmatch(populated.tier):
            raise Rejected("INVALID_REQUEST", f"Tier contains illegal characters: {populated.tier}")
        if populated.tier is None:
            populated.tier = self.default_tier
        if populated.tier not in self.tiers:
            raise Rejected("INVALID_REQUEST", f"Invalid tier '{populated.tier}' in TaskConfig.")
        populated.production = not any(self.tiers[populated.tier])
        self.check_key(populated.job)
        if populated.executorConfig is None or not populated.executorConfig.name:
            raise Rejected("INVALID_REQUEST", "Executor name may not be left unset.")
        self._check_container(populated)
        resources = populated.resources or []
        for field_name, label in (("numCpus", "num_cpus"), ("ramMb", "ram_mb"), ("diskMb", "disk_mb")):
            values = [getattr(r, field_name) for r in resources if getattr(r, field_name) is not None]
            if len(values) > 1:
                raise Rejected("INVALID_REQUEST", f"Multiple resource values are not supported for {label}")
            if not values or values[0] <= 0:
                raise Rejected("INVALID_REQUEST", f"{label} must be greater than 0.0")
        populated.taskLinks = populated.taskLinks or {}
        populated.constraints = populated.constraints or []
        populated.metadata = populated.metadata or []
        populated.maxTaskFailures = populated.maxTaskFailures if populated.maxTaskFailures is not None else 1
        populated.priority = populated.priority or 0
        if instance_count <= 0:
            raise Rejected("INVALID_REQUEST", "Instance count must be positive.")
        self._check_sla_policy(populated, instance_count)
        return populated

    def _check_container(self, task: Any) -> None:
        """As ConfigurationManager: no container is a Mesos one; a Docker one needs an image and no parameters
        (-allow_docker_parameters is off by default); the type must be one of -allowed_container_types."""
        idl = self.idl
        if task.container is None:
            task.container = idl.Container(mesos=idl.MesosContainer())
        kinds = [kind for kind in ("mesos", "docker") if getattr(task.container, kind) is not None]
        if len(kinds) != 1:
            raise Rejected("INVALID_REQUEST", "A job must have a container type.")
        docker = task.container.docker
        if docker is not None:
            if not docker.image:
                raise Rejected("INVALID_REQUEST", "A container must specify an image.")
            if docker.parameters:
                raise Rejected("INVALID_REQUEST", "This scheduler is configured to disallow Docker parameters.")
            docker.parameters = []
        if kinds[0].upper() not in self.allowed_container_types:
            raise Rejected("INVALID_REQUEST",
                           f"This scheduler is not configured to allow the container type {kinds[0].upper()}")

    def _check_sla_policy(self, task: Any, instance_count: int) -> None:
        """As ConfigurationManager.validateSlaPolicy with the scheduler's default flags: a policy only on a
        production tier, count and percentage policies only for jobs of SLA_MIN_INSTANCES or more, leaving at
        least one instance to drain, over at most SLA_MAX_DURATION_SECS."""
        policy = task.slaPolicy
        if policy is None:
            return
        if not task.production:
            raise Rejected("INVALID_REQUEST", f"Tier '{task.tier}' does not support SlaPolicy.")
        if policy.coordinatorSlaPolicy is None and instance_count < SLA_MIN_INSTANCES:
            raise Rejected("INVALID_REQUEST", f"Job with fewer than {SLA_MIN_INSTANCES} instances cannot have "
                                              "Percentage/Count SlaPolicy.")
        count, percentage = policy.countSlaPolicy, policy.percentageSlaPolicy
        if count is not None:
            if count.count is not None and instance_count - count.count < 1:
                raise Rejected("INVALID_REQUEST", f"Current CountSlaPolicy: count={count.count} will not allow any "
                                                  f"instances to be killed. Must be less than "
                                                  f"instanceCount={instance_count}.")
            self._check_sla_duration("CountSlaPolicy", count.durationSecs)
        if percentage is not None:
            if (percentage.percentage is not None
                    and instance_count - instance_count * percentage.percentage / 100.0 < 1):
                raise Rejected("INVALID_REQUEST", "Current PercentageSlaPolicy: percentage=%f will not allow any "
                                                  "instances to be killed. Must be less than %f."
                                                  % (percentage.percentage,
                                                     (instance_count - 1) / instance_count * 100.0))
            self._check_sla_duration("PercentageSlaPolicy", percentage.durationSecs)

    @staticmethod
    def _check_sla_duration(kind: str, duration_secs: int | None) -> None:
        if duration_secs is not None and duration_secs > SLA_MAX_DURATION_SECS:
            raise Rejected("INVALID_REQUEST", f"{kind}: durationSecs={duration_secs} must be less than cluster-wide "
                                              f"maximum of {SLA_MAX_DURATION_SECS} secs.")

    def validate_job(self, job: Any) -> Any:
        if job.taskConfig is None:
            raise Rejected("INVALID_REQUEST", "Job configuration must have taskConfig set.")
        if (job.instanceCount or 0) <= 0:
            raise Rejected("INVALID_REQUEST", "Instance count must be positive.")
        self.check_key(job.key)
        if not ALLOWED_ENVIRONMENTS.match(job.key.environment):
            raise Rejected("INVALID_REQUEST", f"Job environment {job.key.environment} doesn't match: "
                                              f"{ALLOWED_ENVIRONMENTS.pattern}")
        if job.owner is not None and job.owner.user and not GOOD_IDENTIFIER.match(job.owner.user):
            raise Rejected("INVALID_REQUEST", f"Job user contains illegal characters: {job.owner.user}")
        populated = wire.copy_struct(job)
        populated.taskConfig = self.populate(job.taskConfig, job.instanceCount)
        if populated.cronSchedule and populated.taskConfig.isService:
            raise Rejected("INVALID_REQUEST", "A service task may not be run on a cron schedule")
        if populated.cronCollisionPolicy is None:
            populated.cronCollisionPolicy = self.idl.CronCollisionPolicy.KILL_EXISTING
        return populated

    # --- tasks --------------------------------------------------------------------------------------
    def status_name(self, task: Any) -> str:
        return api.enum_name(self.idl.ScheduleStatus, task.status)

    def active_tasks(self, key: str) -> dict[int, Any]:
        found = {}
        for task in self.tasks.values():
            assigned = task.assignedTask
            if key_text(assigned.task.job) == key and self.status_name(task) in api.ACTIVE_STATES:
                found[assigned.instanceId] = task
        return found

    def transition(self, task: Any, status: str, message: str | None = None) -> None:
        task.status = self.idl.ScheduleStatus._NAMES_TO_VALUES[status]
        task.taskEvents.append(self.idl.TaskEvent(timestamp=now_ms(), status=task.status, message=message,
                                                  scheduler=self.host))

    def new_task(self, config: Any, instance: int, ancestor: str | None = None, failures: int = 0,
                 throttled: bool = False) -> Any:
        job = config.job
        task_id = f"{now_ms()}-{job.role}-{job.environment}-{job.name}-{instance}-{uuid.uuid4()}"
        assigned = self.idl.AssignedTask(taskId=task_id, slaveId=None, slaveHost=None, task=config,
                                         assignedPorts={}, instanceId=instance)
        task = self.idl.ScheduledTask(assignedTask=assigned, failureCount=failures, timesPartitioned=0,
                                      taskEvents=[], ancestorId=ancestor)
        self.transition(task, "INIT")
        if throttled:
            self.transition(task, "THROTTLED", "Rescheduled, penalized for failing too often.")
            self.wake_at[task_id] = time.monotonic() + THROTTLE_SECS
        else:
            self.transition(task, "PENDING")
        self.tasks[task_id] = task
        return task

    def set_restart_ends(self, ends: dict) -> None:
        """How the RESTARTING tasks of each job (key text) end from now on; only what the state machine allows."""
        for key, end in ends.items():
            if end not in RESTARTING_ENDS:
                raise ValueError(f"restart_ends[{key!r}]: {end!r} is not one of {sorted(RESTARTING_ENDS)}, where "
                                 "the scheduler lets a RESTARTING task go")
        self.restart_ends.update(ends)

    def set_tiers(self, configuration: dict) -> None:
        """Another tiers.json: {"default": NAME, "tiers": {NAME: {"preemptible": bool, "revocable": bool}}},
        checked as the scheduler checks its file at startup."""
        tiers = configuration.get("tiers") or {}
        default = configuration.get("default")
        if not tiers or default not in tiers:
            raise ValueError("tiers: needs a non-empty 'tiers' map and a 'default' that is one of them")
        for name, settings in tiers.items():
            if not isinstance(settings, dict) or not all(isinstance(settings.get(k), bool)
                                                         for k in ("preemptible", "revocable")):
                raise ValueError(f"tiers[{name!r}] needs boolean preemptible and revocable")
        self.tiers = {name: (s["preemptible"], s["revocable"]) for name, s in tiers.items()}
        self.default_tier = default

    def kill(self, task: Any, message: str) -> None:
        if self.status_name(task) in api.ACTIVE_STATES and self.status_name(task) != "KILLING":
            self.transition(task, "KILLING", message)

    # --- the clock ----------------------------------------------------------------------------------
    def tick(self) -> None:
        with self.lock:
            changed = False
            for task in list(self.tasks.values()):
                changed |= self._step(task)
            for update in self.updates:
                changed |= self._step_update(update)
            self._forget_finished_jobs()
        if changed:
            self.on_change()

    def _step(self, task: Any) -> bool:
        assigned = task.assignedTask
        task_id = assigned.taskId
        status = self.status_name(task)
        key = key_text(assigned.task.job)
        if status == "THROTTLED":
            if time.monotonic() >= self.wake_at.get(task_id, 0):
                self.transition(task, "PENDING")
                return True
            return False
        if status == "PENDING":
            if key in self.never_start:
                return False
            assigned.slaveHost = self.host
            assigned.slaveId = "stand-in-agent-1"
            assigned.assignedPorts = {r.namedPort: free_port() for r in assigned.task.resources or [] if r.namedPort}
            self.transition(task, "ASSIGNED")
            return True
        if status == "ASSIGNED":
            self.transition(task, "STARTING", "Initializing sandbox.")
            if self.run_processes:
                self._start_runner(task)
            return True
        if status == "STARTING":
            self.transition(task, "RUNNING")
            return True
        if status == "RUNNING" and task_id in self.outcomes:
            success, message = self.outcomes.pop(task_id)
            self.runners.pop(task_id, None)
            self.transition(task, "FINISHED" if success else "FAILED", message)
            self._reschedule(task, failed=not success)
            return True
        if status == "RESTARTING" and key in self.restart_ends:
            ends_at = self.wake_at.setdefault(task_id, time.monotonic() + RESTARTING_GRACE_SECS)
            if time.monotonic() < ends_at:
                return False
        if status in ("KILLING", "RESTARTING"):
            runner = self.runners.pop(task_id, None)
            if runner is not None:
                runner.stop()
            self.outcomes.pop(task_id, None)
            end = self.restart_ends.get(key, "KILLED") if status == "RESTARTING" else "KILLED"
            self.transition(task, end, RESTARTING_ENDS[end])
            if status == "RESTARTING":
                self.new_task(assigned.task, assigned.instanceId, ancestor=task_id)
            return True
        return False

    def _reschedule(self, task: Any, failed: bool) -> None:
        assigned = task.assignedTask
        failures = (task.failureCount or 0) + (1 if failed else 0)
        config = assigned.task
        if key_text(config.job) not in self.jobs:
            return
        if config.isService or (failed and failures < (config.maxTaskFailures or 1)):
            self.new_task(config, assigned.instanceId, ancestor=assigned.taskId, failures=failures, throttled=True)

    def _forget_finished_jobs(self) -> None:
        for key in list(self.jobs):
            if not self.active_tasks(key) and not self._updating(key):
                del self.jobs[key]

    def _updating(self, key: str) -> UpdateRun | None:
        for update in self.updates:
            if key_text(update.key.job) == key and update.status in api.ACTIVE_UPDATE_STATES:
                return update
        return None

    def _start_runner(self, task: Any) -> None:
        from .runner import ProcessRunner

        task_id = task.assignedTask.taskId

        def finished(success: bool, message: str) -> None:
            with self.lock:
                if task_id in self.runners:
                    self.outcomes[task_id] = (success, message)

        runner = ProcessRunner.for_task(task.assignedTask, self.sandbox_root, finished)
        self.runners[task_id] = runner
        runner.start()

    def stop_all_runners(self) -> None:
        with self.lock:
            runners = list(self.runners.values())
            self.runners.clear()
        for runner in runners:
            runner.stop()

    # --- job updates --------------------------------------------------------------------------------
    def _step_update(self, update: UpdateRun) -> bool:
        if update.status not in ("ROLLING_FORWARD", "ROLLING_BACK"):
            return False
        key = key_text(update.key.job)
        rolling_back = update.status == "ROLLING_BACK"
        target = update.old_job if rolling_back else self._desired_job(update)
        groupsize = max(1, update.request.settings.updateGroupSize or 1)
        while len(update.batch) < groupsize and update.queue:
            instance = update.queue.pop(0)
            update.batch[instance] = {"phase": "replace", "since": time.monotonic()}
            self._instance_event(update, instance, "INSTANCE_ROLLING_BACK" if rolling_back else "INSTANCE_UPDATING")
        changed = False
        active = self.active_tasks(key)
        status = update.status
        for instance, progress in list(update.batch.items()):
            changed |= self._step_instance(update, instance, progress, active.get(instance), target, rolling_back)
            if update.status != status:  # rolling back now: the batch was replaced
                return True
        if not update.batch and not update.queue:
            if rolling_back:
                self._finish_update(update, "ROLLED_BACK", update.old_job)
            else:
                self._finish_update(update, "ROLLED_FORWARD", self._desired_job(update))
            changed = True
        return changed

    def _desired_job(self, update: UpdateRun) -> Any:
        job = update.request.taskConfig.job
        return self.idl.JobConfiguration(key=job, owner=update.request.taskConfig.owner,
                                         cronCollisionPolicy=0, taskConfig=update.request.taskConfig,
                                         instanceCount=update.request.instanceCount)

    def _step_instance(self, update: UpdateRun, instance: int, progress: dict, current: Any, target: Any,
                       rolling_back: bool) -> bool:
        wanted = target is not None and instance < target.instanceCount
        config = target.taskConfig if wanted else None
        if progress["phase"] == "replace":
            if current is not None and (not wanted
                                        or wire.canonical(current.assignedTask.task) != wire.canonical(config)):
                self.kill(current, "Killed for job update.")
                return True
            if current is None and wanted:
                self.new_task(config, instance)
            progress.update(phase="watch", since=time.monotonic())
            return True
        # watching the new task
        if not wanted:
            return self._instance_done(update, instance, rolling_back)
        status = self.status_name(current) if current is not None else "FAILED"
        watch_secs = (update.request.settings.minWaitInInstanceRunningMs or 0) / 1000.0
        if status == "RUNNING":
            running_since = progress.setdefault("running_since", time.monotonic())
            if time.monotonic() - running_since >= watch_secs:
                return self._instance_done(update, instance, rolling_back)
            return False
        progress.pop("running_since", None)
        if time.monotonic() - progress["since"] > self.update_timeout_secs or current is None:
            return self._instance_failed(update, instance, rolling_back)
        return False

    def _instance_done(self, update: UpdateRun, instance: int, rolling_back: bool) -> bool:
        update.batch.pop(instance, None)
        update.done.append(instance)
        self._instance_event(update, instance, "INSTANCE_ROLLED_BACK" if rolling_back else "INSTANCE_UPDATED")
        return True

    def _instance_failed(self, update: UpdateRun, instance: int, rolling_back: bool) -> bool:
        update.batch.pop(instance, None)
        update.failed.append(instance)
        self._instance_event(update, instance,
                             "INSTANCE_ROLLBACK_FAILED" if rolling_back else "INSTANCE_UPDATE_FAILED")
        settings = update.request.settings
        if rolling_back:
            return True
        if len(update.failed) > (settings.maxFailedInstances or 0):
            if settings.rollbackOnFailure:
                self._set_update_status(update, "ROLLING_BACK", "Rolling back after failed instances.")
                touched = sorted(set(update.done + update.failed + list(update.batch)))
                update.queue, update.batch, update.done, update.failed = touched, {}, [], []
            else:
                self._finish_update(update, "FAILED", None)
        return True

    def _finish_update(self, update: UpdateRun, status: str, job: Any | None) -> None:
        self._set_update_status(update, status)
        key = key_text(update.key.job)
        if job is not None:
            self.jobs[key] = job
        elif status == "ROLLED_BACK":
            self.jobs.pop(key, None)

    def _set_update_status(self, update: UpdateRun, status: str, message: str | None = None) -> None:
        update.status = status
        update.modified_ms = now_ms()
        update.events.append(self.idl.JobUpdateEvent(
            status=self.idl.JobUpdateStatus._NAMES_TO_VALUES[status], timestampMs=update.modified_ms,
            user=update.user, message=message))

    def _instance_event(self, update: UpdateRun, instance: int, action: str) -> None:
        update.instance_events.append(self.idl.JobInstanceUpdateEvent(
            instanceId=instance, timestampMs=now_ms(), action=self.idl.JobUpdateAction._NAMES_TO_VALUES[action]))

    def update_summary(self, update: UpdateRun) -> Any:
        idl = self.idl
        return idl.JobUpdateSummary(key=update.key, user=update.user, state=idl.JobUpdateState(
            status=idl.JobUpdateStatus._NAMES_TO_VALUES[update.status],
            createdTimestampMs=update.created_ms, lastModifiedTimestampMs=update.modified_ms),
            metadata=set(update.request.metadata or ()))
