# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job operations on top of the client: state of a job, the change a config would make, create / update / kill /
restart, and waits that explain themselves when they time out. Shared by the modules and the CLI."""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraApiError,
    AuroraInvalidParameter,
    AuroraOutcomeUnknown,
    AuroraProtocolError,
    AuroraRetriesSpent,
    AuroraTimeout,
    AuroraTransportError,
    AuroraUpdateFailed,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import (
    MAX_INSTANCES,
    ids_in_ranges,
    parse_instances,
    thrift_ranges,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.tiers import TierConfigs, tier_configs
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline, retry_call

# Job key parts, as the scheduler checks them (Java's \w: ASCII only). Always used with fullmatch: match and
# search accept a trailing newline before $.
GOOD_IDENTIFIER = re.compile(r"^[\w\-.]+$", re.ASCII)
WAIT_TARGETS = ("PENDING", "RUNNING", "FINISHED")
log = logging.getLogger(__name__)

POLL_SECS = 1.0
UPDATE_DONE = frozenset(("ROLLED_FORWARD", "ROLLED_BACK", "ABORTED", "ERROR", "FAILED"))
# The scheduler's LIVE_STATES: a task that got this far has started, whatever happened next.
LIVE_STATES = frozenset(("KILLING", "PREEMPTING", "RESTARTING", "DRAINING", "PARTITIONED", "RUNNING"))
# The update states that show each action on an update done (resume: running again, or ended since).
UPDATE_ACTION_STATES = {
    "pause": frozenset(("ROLL_FORWARD_PAUSED", "ROLL_BACK_PAUSED")),
    "resume": frozenset(("ROLLING_FORWARD", "ROLLING_BACK", "ROLL_FORWARD_AWAITING_PULSE",
                         "ROLL_BACK_AWAITING_PULSE")) | UPDATE_DONE,
    "abort": frozenset(("ABORTED",)),
    "rollback": frozenset(("ROLLING_BACK", "ROLL_BACK_PAUSED", "ROLL_BACK_AWAITING_PULSE", "ROLLED_BACK")),
}
# The metadata key the stock client tags each update it starts with (a fresh UUID as its value).
CLIENT_UPDATE_ID = "org.apache.aurora.client.update_id"
# How a task ends when it did not stop on request (KILLED) or by itself (FINISHED).
CRASHED_STATES = frozenset(("FAILED", "LOST"))


@dataclass(frozen=True)
class JobKey:
    cluster: str
    role: str
    environment: str
    name: str

    def __str__(self) -> str:
        return f"{self.cluster}/{self.role}/{self.environment}/{self.name}"

    def thrift(self, idl: Any) -> Any:
        return idl.JobKey(role=self.role, environment=self.environment, name=self.name)

    @classmethod
    def from_thrift(cls, key: Any, cluster: str = "") -> "JobKey":
        """The key of a thrift JobKey (which names no cluster)."""
        return cls(cluster, key.role, key.environment, key.name)


def parse_job_key(text: str) -> tuple[JobKey, list[int] | None]:
    """'cluster/role/env/name[/instances]' -> (JobKey, instances or None)."""
    parts = str(text).strip("/").split("/")
    if len(parts) not in (4, 5):
        raise AuroraInvalidParameter(f"job key {text!r} must be cluster/role/environment/name[/instances]")
    key = make_job_key(*parts[:4])
    return key, parse_instances(parts[4]) if len(parts) == 5 else None


def job_key_option(text: str, cluster: str | None = None) -> JobKey:
    """The job_key option of the modules: no instances, and the same cluster as the cluster option if both are
    given (module_defaults may set cluster for every task)."""
    key, instances = parse_job_key(text)
    if instances is not None:
        raise AuroraInvalidParameter("job_key takes no instances here; use the instances option")
    if cluster and cluster != key.cluster:
        raise AuroraInvalidParameter(f"job_key {text} is in cluster {key.cluster}, but cluster is {cluster}: "
                                     "give one of them, or the same cluster in both")
    return key


def is_identifier(value: Any) -> bool:
    return isinstance(value, str) and GOOD_IDENTIFIER.fullmatch(value) is not None


def check_identifier(label: str, value: Any) -> str:
    """``value`` if it is a valid job key part, else AuroraInvalidParameter naming ``label``."""
    if not is_identifier(value):
        raise AuroraInvalidParameter(f"{label} {value!r} must match ^[\\w\\-.]+$ (letters, digits, _ - .)")
    return value


def make_job_key(cluster: str, role: str, environment: str, name: str) -> JobKey:
    for label, value in (("cluster", cluster), ("role", role), ("environment", environment), ("name", name)):
        check_identifier(label, value)
    return JobKey(cluster, role, environment, name)


# --- reading tasks ----------------------------------------------------------------------------------

# Events that say why a task is where it is, rather than that it was queued again.
BOOKKEEPING_STATES = frozenset((11, 16, 0))  # INIT, THROTTLED, PENDING


def last_message(tasks: Iterable[Any]) -> str | None:
    """The newest telling event message across an instance's tasks: after a failure the replacement task only
    says it was rescheduled, while the failed one says why."""
    events = sorted((e for t in tasks for e in t.taskEvents or [] if e.message), key=lambda e: e.timestamp or 0)
    telling = [e for e in events if e.status not in BOOKKEEPING_STATES]
    chosen = (telling or events)[-1:]
    return chosen[0].message if chosen else None


def task_summary(idl: Any, task: Any, history: Iterable[Any] = ()) -> dict:
    assigned = task.assignedTask
    return {
        "instance_id": assigned.instanceId,
        "status": api.enum_name(idl.ScheduleStatus, task.status),
        "host": assigned.slaveHost,
        "task_id": assigned.taskId,
        "ports": dict(assigned.assignedPorts or {}),
        "failure_count": task.failureCount or 0,
        "last_message": last_message([task, *history]),
    }


def latest_per_instance(tasks: Iterable[Any]) -> dict[int, Any]:
    """The newest task of each instance (a failed task is followed by its replacement)."""
    newest: dict[int, Any] = {}
    for task in tasks:
        instance = task.assignedTask.instanceId
        started = task.taskEvents[0].timestamp if task.taskEvents else 0
        current = newest.get(instance)
        if current is None or started >= (current.taskEvents[0].timestamp if current.taskEvents else 0):
            newest[instance] = task
    return newest


def _plain_task(config: Any) -> dict:
    """A TaskConfig as plain data without the submitting user, the executor's JSON decoded where it is JSON."""
    plain = api.to_plain(config)
    plain.pop("owner", None)
    executor = plain.get("executorConfig")
    if executor and executor.get("data"):
        executor["data"] = _decoded(executor["data"])
    return plain


def normalized_task(config: Any) -> Any:
    """A TaskConfig as a comparable value, without what differs between equal submissions: the submitting user,
    and the formatting of the executor's JSON."""
    return json.dumps(_plain_task(config), sort_keys=True)


def readable_task(config: Any) -> dict:
    """A TaskConfig for diff output: plain data, executor JSON decoded, resources as named fields."""
    plain = _plain_task(config)
    resources = {"ports": []}
    for resource in plain.pop("resources", []):
        for name, value in resource.items():
            if name == "namedPort":
                resources["ports"].append(value)
            else:
                resources[name] = value
    resources["ports"].sort()
    plain["resources"] = resources
    return plain


def _decoded(data: str) -> Any:
    """Executor data as the value its JSON holds; the text itself when it is not JSON."""
    try:
        return json.loads(data)
    except ValueError:
        return data


def _executor_data(config: Any) -> Any:
    executor = config.executorConfig
    return _decoded(executor.data) if executor is not None and executor.data else None


def ids_of(groups: Iterable[Any]) -> list[int]:
    return sorted({i for group in groups or [] for i in ids_in_ranges(group.instances)})


CHANGE_KINDS = ("add", "remove", "update")


@dataclass(frozen=True)
class UpdatePlan:
    """What an update to ``request`` does with each instance, by the one rule that ``job diff``, ``update start``
    and ``aurora_job`` share (AuroraJobs.plan_update). ``groups``: {kind: [(instance ids, TaskConfig as the
    scheduler has it)]} for add, remove, update and unchanged; ``request`` is the one to start; ``left_alone``
    the instances the scheduler would replace that the rule counts as unchanged."""

    request: Any
    groups: dict
    left_alone: tuple = ()

    def instances(self, kind: str) -> list[int]:
        return sorted(i for ids, _config in self.groups[kind] for i in ids)

    @property
    def changed(self) -> list[int]:
        return sorted(i for kind in CHANGE_KINDS for i in self.instances(kind))

    @property
    def diff(self) -> dict[str, list[int]]:
        return {kind: self.instances(kind) for kind in self.groups}


class AuroraJobs:
    """Operations on jobs through one SchedulerClient."""

    def __init__(self, client: Any, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.idl = client.api
        self._sleep = sleep
        self._clock = clock

    # --- reads --------------------------------------------------------------------------------------
    def tasks(self, key: JobKey, active: bool | None = None, with_configs: bool = False) -> list[Any]:
        idl = self.idl
        statuses = None
        if active is not None:
            wanted = api.ACTIVE_STATES if active else api.TERMINAL_STATES
            statuses = {idl.ScheduleStatus._NAMES_TO_VALUES[name] for name in wanted}
        query = idl.TaskQuery(jobKeys={key.thrift(idl)}, statuses=statuses)
        method = "getTasksStatus" if with_configs else "getTasksWithoutConfigs"
        return list(self.client.call(method, query=query).result.scheduleStatusResult.tasks or [])

    def task_ids(self, key: JobKey) -> frozenset[str]:
        """The ids of every task the scheduler holds for the job now, active or ended."""
        return frozenset(t.assignedTask.taskId for t in self.tasks(key))

    def tier_configs(self) -> TierConfigs:
        response = self.client.call("getTierConfigs")
        return tier_configs(response.result.getTierConfigResult if response.result else None)

    def job_configurations(self, role: str | None = None) -> list[Any]:
        """The JobConfiguration of every job the scheduler knows, of ``role`` or of all roles."""
        return list(self.client.call("getJobs", ownerRole=role).result.getJobsResult.configs or [])

    def active_instances(self, key: JobKey) -> dict[int, Any]:
        return latest_per_instance(self.tasks(key, active=True))

    def current_config(self, key: JobKey) -> tuple[Any, int] | None:
        """(TaskConfig of the lowest active instance, number of active instances), or None without active tasks."""
        active = latest_per_instance(self.tasks(key, active=True, with_configs=True))
        if not active:
            return None
        return active[min(active)].assignedTask.task, len(active)

    def task_summaries(self, key: JobKey, instances: Iterable[int] | None = None,
                       tasks: list[Any] | None = None) -> list[dict]:
        tasks = self.tasks(key) if tasks is None else tasks
        newest = latest_per_instance(tasks)
        wanted = set(instances) if instances is not None else None
        return [task_summary(self.idl, task, [t for t in tasks if t.assignedTask.instanceId == instance])
                for instance, task in sorted(newest.items()) if wanted is None or instance in wanted]

    # --- what a config would change -----------------------------------------------------------------
    def populate(self, job_configuration: Any) -> Any:
        response = self.client.call("populateJobConfig", description=job_configuration)
        return response.result.populateJobResult.taskConfig

    def plan_update(self, request: Any, populated: Any = None) -> UpdatePlan:
        """What an update to ``request`` would add, remove, update or leave alone. The scheduler's verdict
        (getJobUpdateDiff: TaskConfigs compared whole), except that with ``populated`` (the request's TaskConfig
        as populateJobConfig returned it) an instance whose config differs from it only in what normalized_task
        ignores (the submitting user, the layout of the executor JSON) counts as unchanged. When that leaves out
        instances the scheduler would replace, the plan's request (a copy of ``request``) is limited to the
        changed ones (updateOnlyTheseInstances), so that starting it does what the plan shows."""
        result = self.client.call("getJobUpdateDiff", request=request).result.getJobUpdateDiffResult
        wanted = normalized_task(populated) if populated is not None else None
        groups: dict[str, list[tuple[list[int], Any]]] = {"add": [], "remove": [], "update": [], "unchanged": []}
        left_alone: list[int] = []
        for kind in ("add", "remove", "update", "unchanged"):
            for group in getattr(result, kind) or []:
                ids = ids_of([group])
                same = kind == "update" and wanted is not None and normalized_task(group.config) == wanted
                if same:
                    left_alone += ids
                groups["unchanged" if same else kind].append((ids, group.config))
        for kind in groups:
            groups[kind].sort(key=lambda entry: entry[0][:1])
        if left_alone:
            request = copy.deepcopy(request)
        plan = UpdatePlan(request, groups, tuple(sorted(left_alone)))
        if plan.left_alone and plan.changed:
            request.settings.updateOnlyTheseInstances = thrift_ranges(self.idl, plan.changed)
        return plan

    # --- changes ------------------------------------------------------------------------------------
    # The connection may break after a call that changes the job reached the scheduler (no answer within
    # request_timeout, a reset before the answer). The stock client then gave up, not knowing what happened; here
    # the job's state is read to find out (docs/aurora-cli.md, "Retries, and a change whose answer was lost").

    def _change(self, method: str, arguments: dict, applied: Callable[[], bool], resend: bool = True) -> Any:
        """Send ``method``; its Response, or None when the answer was lost and the state shows it applied.
        ``applied`` reads the state: True, False (nothing of it happened), or it raises AuroraTransportError
        naming a state that is neither. Not applied, the call is sent again when ``resend`` (a second one cannot
        do more than the first) while the retry budget, counted from the first send, allows; else it fails
        saying so."""
        lost: list[AuroraOutcomeUnknown] = []
        budget = Deadline(self.client.retry.budget_secs, clock=self._clock)  # the first send's and every resend's

        def send() -> Any:
            try:
                return self.client.call(method, deadline=budget, **arguments)
            except AuroraOutcomeUnknown as unknown:
                if applied():
                    return None
                if not resend:
                    raise AuroraTransportError(f"{unknown}; the scheduler's state shows it was not applied: "
                                               "nothing changed, run it again") from None
                lost.append(unknown)
                raise
            except AuroraApiError:
                # A resent call refused (the job exists, an update is in progress) because the lost one did
                # its work after the state was read.
                if lost and applied():
                    return None
                raise

        def give_up(unknown: Exception, _failures: int) -> AuroraRetriesSpent:
            return AuroraRetriesSpent(f"{unknown}; the scheduler's state shows it was not applied, and the retry "
                                      "budget is spent")

        return retry_call(send, is_transient=lambda error: isinstance(error, AuroraOutcomeUnknown),
                          deadline=budget,
                          backoff=self.client.retry.backoff, give_up=give_up, sleep=self._sleep)

    def _unclear(self, method: str, state: str) -> AuroraTransportError:
        return AuroraTransportError(f"{method}: the connection broke after the call was sent, and the scheduler's "
                                    f"state shows it applied only in part: {state}")

    def create(self, job_configuration: Any) -> None:
        key = JobKey.from_thrift(job_configuration.key)
        sent = _executor_data(job_configuration.taskConfig)
        count = job_configuration.instanceCount

        def applied() -> bool:
            # Created by this call when every instance runs the executor data it sent; the scheduler refuses
            # createJob for a job that already has active tasks, so nothing of ours can be there otherwise.
            active = latest_per_instance(self.tasks(key, active=True, with_configs=True))
            if not active:
                return False
            ours = {i for i, task in active.items() if _executor_data(task.assignedTask.task) == sent}
            if ours == set(range(count)) == set(active):
                return True
            raise self._unclear("createJob", f"{key} has active instances {sorted(active)}, of which "
                                             f"{sorted(ours)} have the config sent (of {count} instances)")

        self._change("createJob", {"description": job_configuration}, applied)

    def kill(self, key: JobKey, instances: Iterable[int] | None = None, message: str = "ansible") -> None:
        wanted = set(instances) if instances else None

        def applied() -> bool:  # killed: none of them active but on their way out
            return not [i for i, task in self.active_instances(key).items()
                        if (wanted is None or i in wanted) and self._status(task) != "KILLING"]

        self._change("killTasks", {"job": key.thrift(self.idl), "instances": wanted, "message": message}, applied)

    def restart(self, key: JobKey, instances: Iterable[int]) -> None:
        wanted = set(instances)
        before = {i: task.assignedTask.taskId for i, task in self.active_instances(key).items() if i in wanted}

        def applied() -> bool:  # restartShards moves each task to RESTARTING, then a new task replaces it
            active = self.active_instances(key)
            done = {i for i, task_id in before.items()
                    if i not in active or active[i].assignedTask.taskId != task_id
                    or self._status(active[i]) == "RESTARTING"}
            if not done:
                return False
            if done == set(before):
                return True
            raise self._unclear("restartShards", f"instances {sorted(done)} of {key} were restarted, "
                                                 f"{sorted(set(before) - done)} were not")

        self._change("restartShards", {"job": key.thrift(self.idl), "shardIds": wanted}, applied)

    def add_instances(self, key: JobKey, template: int, count: int) -> list[int]:
        """Add ``count`` instances copying the config of active instance ``template``; return the new ids
        (the scheduler numbers them on from the highest active instance)."""
        active = self.active_instances(key)
        if template not in active:
            raise AuroraInvalidParameter(f"Invalid instance parameter: [{template}] (active: {sorted(active)})")
        first = max(active) + 1
        if count < 1 or first + count > MAX_INSTANCES:
            raise AuroraInvalidParameter(f"cannot add {count} instances to {key}: its next instance id is {first}, "
                                         f"and ids go up to {MAX_INSTANCES - 1}")
        new = set(range(first, first + count))

        def applied() -> bool:
            added = set(self.active_instances(key)) - set(active)
            if not added:
                return False
            if added == new:
                return True
            raise self._unclear("addInstances", f"{key} has new instances {sorted(added)}, "
                                                f"where {sorted(new)} were asked for")

        # Sent once: a second call after a lost answer could add the instances twice.
        idl = self.idl
        self._change("addInstances", {"key": idl.InstanceKey(jobKey=key.thrift(idl), instanceId=template),
                                      "count": count}, applied, resend=False)
        return sorted(new)

    def start_update(self, request: Any, message: str = "ansible") -> str | None:
        """The id of the update started, or None when the scheduler found nothing to change."""
        idl = self.idl
        key = JobKey.from_thrift(request.taskConfig.job)
        tag = next((m.value for m in request.metadata or () if m.key == CLIENT_UPDATE_ID), None)
        if tag is None:  # tagged as the stock client tags its updates, so that a lost answer can be looked up
            tag = str(uuid.uuid4())
            request.metadata = set(request.metadata or ()) | {idl.Metadata(key=CLIENT_UPDATE_ID, value=tag)}
        found: list[str] = []

        def applied() -> bool:
            found[:] = [s.key.id for s in self.update_summaries(key)
                        if any(m.key == CLIENT_UPDATE_ID and m.value == tag for m in s.metadata or ())]
            return bool(found)

        response = self._change("startJobUpdate", {"request": request, "message": message}, applied)
        if response is None:
            return found[0]
        result = response.result.startJobUpdateResult if response.result else None
        return result.key.id if result is not None and result.key is not None else None

    def update_summaries(self, key: JobKey | None = None, update_id: str | None = None, role: str | None = None,
                         statuses: Iterable[str] | None = None, user: str | None = None) -> list[Any]:
        """JobUpdateSummary of the updates that match, newest first; statuses by name."""
        idl = self.idl
        codes = {api.enum_value(idl.JobUpdateStatus, name) for name in statuses} if statuses else None
        job = key.thrift(idl) if key is not None else None
        query = idl.JobUpdateQuery(role=role, jobKey=None if update_id else job, user=user, updateStatuses=codes,
                                   key=idl.JobUpdateKey(job=job, id=update_id) if update_id else None)
        result = self.client.call("getJobUpdateSummaries", jobUpdateQuery=query).result
        return list(result.getJobUpdateSummariesResult.updateSummaries or [])

    def active_update_id(self, key: JobKey) -> str | None:
        """The id of the job's update in progress (or paused), None without one."""
        summaries = self.update_summaries(key, statuses=api.ACTIVE_UPDATE_STATES)
        if len(summaries) > 1:  # the scheduler's job lock allows one: its answer is inconsistent (exit 10)
            raise AuroraProtocolError(f"The scheduler returned multiple active updates for this job ({key}).")
        return summaries[0].key.id if summaries else None

    def update_details(self, key: JobKey, update_id: str) -> Any:
        """The JobUpdateDetails of the update, None when the scheduler has no such update. Asked as the stock
        client asks (the key and a query by key): the scheduler answers the query, with an empty list for an
        unknown update, where the key alone would be refused as INVALID_REQUEST."""
        idl = self.idl
        update_key = idl.JobUpdateKey(job=key.thrift(idl), id=update_id)
        result = self.client.call("getJobUpdateDetails", key=update_key,
                                  query=idl.JobUpdateQuery(key=update_key)).result.getJobUpdateDetailsResult
        if result.detailsList is not None:
            return result.detailsList[0] if result.detailsList else None
        return result.details

    def change_update(self, key: JobKey, update_id: str, action: str, message: str | None = None) -> None:
        """``action``: pause, resume, abort or rollback the update."""
        idl = self.idl
        update_key = idl.JobUpdateKey(job=key.thrift(idl), id=update_id)
        reached = UPDATE_ACTION_STATES[action]

        def applied() -> bool:  # a second call refused because the first one got there counts as done
            return self.update_status(key, update_id)[0] in reached

        self._change(f"{action}JobUpdate", {"key": update_key, "message": message}, applied)

    def update_status(self, key: JobKey, update_id: str) -> tuple[str, list[str]]:
        detail = self.update_details(key, update_id)
        if detail is None:
            raise AuroraInvalidParameter(f"There is no update {update_id} of {key}")
        status = api.enum_name(self.idl.JobUpdateStatus, detail.update.summary.state.status)
        messages = [e.message for e in detail.updateEvents or [] if e.message]
        return status, messages

    # --- waits --------------------------------------------------------------------------------------
    def wait_for_update(self, key: JobKey, update_id: str, timeout: float) -> str:
        """Wait until the update ends; return ROLLED_FORWARD or raise AuroraUpdateFailed / AuroraTimeout."""
        deadline = self._clock() + timeout
        while True:
            status, messages = self.update_status(key, update_id)
            if status in UPDATE_DONE:
                break
            if self._clock() >= deadline:
                raise AuroraTimeout(f"update {update_id} of {key} is still {status} after {timeout:.0f} s",
                                    self._not_done(key, "RUNNING"))
            self._sleep(POLL_SECS)
        if status != "ROLLED_FORWARD":
            detail = f": {messages[-1]}" if messages else ""
            raise AuroraUpdateFailed(f"update {update_id} of {key} ended {status}{detail}", status, update_id)
        return status

    def wait_for_tasks(self, key: JobKey, target: str, timeout: float, instances: Iterable[int] | None = None,
                       ended_counts: bool = False) -> list:
        """Wait until every wanted instance reached ``target`` (PENDING: scheduled; RUNNING; FINISHED: ended).
        ``ended_counts``: an instance with a task that got to RUNNING or beyond, or ended, since the wait began
        counts as RUNNING, as with the stock client's ``--wait-until RUNNING``; unlike the stock client, which
        read only each instance's newest task, this also counts a crash-looping task that was RUNNING only for a
        moment between two polls."""
        if target not in WAIT_TARGETS:
            raise AuroraInvalidParameter(f"wait_until must be one of {', '.join(WAIT_TARGETS)}")
        wanted = list(instances) if instances is not None else None
        ended_before = self._ended_task_ids(key) if ended_counts else frozenset()
        deadline = self._clock() + timeout
        while True:
            lagging = self._not_done(key, target, wanted, ended_counts, ended_before)
            if not lagging:
                return self.task_summaries(key, wanted)
            if self._clock() >= deadline:
                lines = "; ".join(
                    f"instance {t['instance_id']}: {t['status']}"
                    + (f" ({t['last_message']})" if t["last_message"] else "")
                    for t in lagging)
                raise AuroraTimeout(f"{key}: not every instance is {target} after {timeout:.0f} s: {lines}", lagging)
            self._sleep(POLL_SECS)

    def watch_running(self, key: JobKey, instances: Iterable[int], watch_secs: float, timeout: float,
                      interval: float = POLL_SECS, existing: Iterable[str] | None = None) -> list[int]:
        """Watch freshly (re)started instances until each has kept one task RUNNING for ``watch_secs``; return
        those that did not: a task of theirs failed or was lost after the watch began, or the task seen RUNNING
        was replaced. Failures are read from the task history, so a task that crashes between two polls (a
        crash loop is RUNNING for a moment at each retry) is caught all the same.

        Only tasks started by the change being watched count. ``existing`` are the ids of the tasks there before
        it (task_ids() before a restart): a restarted task goes RESTARTING and then ends KILLED, FAILED, LOST or
        FINISHED, as the scheduler's state machine allows, and none of that is a failure of its replacement.
        Without it, the tasks that had ended when the watch began are left out."""
        pending = set(instances)
        ignored = frozenset(existing) if existing is not None else self._ended_task_ids(key)
        running_since: dict[int, tuple[str, float]] = {}
        failed: list[int] = []
        deadline = self._clock() + timeout
        while True:
            tasks = [t for t in self.tasks(key) if t.assignedTask.taskId not in ignored]
            newest = latest_per_instance(tasks)
            crashed = {t.assignedTask.instanceId for t in tasks if self._status(t) in CRASHED_STATES}
            now = self._clock()
            for instance in sorted(pending):
                task = newest.get(instance)
                running = task is not None and self._status(task) == "RUNNING"
                seen = running_since.get(instance)
                if instance in crashed or (seen is not None and (not running or task.assignedTask.taskId != seen[0])):
                    log.info("Instance %s is unhealthy", instance)
                    failed.append(instance)
                    pending.discard(instance)
                elif running:
                    if seen is None:
                        log.info("Detected RUNNING instance %s", instance)
                    since = running_since.setdefault(instance, (task.assignedTask.taskId, now))[1]
                    if now - since >= watch_secs:
                        log.info("Instance %s has been up and healthy for at least %d seconds", instance, watch_secs)
                        pending.discard(instance)
            if not pending:
                return sorted(failed)
            if self._clock() >= deadline:
                lagging = [task_summary(self.idl, newest[i], [t for t in tasks if t.assignedTask.instanceId == i])
                           for i in sorted(pending) if i in newest]
                raise AuroraTimeout(f"{key}: instances {sorted(pending)} did not stay RUNNING for {watch_secs:.0f} s "
                                    f"within {timeout:.0f} s", lagging)
            self._sleep(interval)

    def _status(self, task: Any) -> str | None:
        return api.enum_name(self.idl.ScheduleStatus, task.status)

    def _ended_task_ids(self, key: JobKey) -> set[str]:
        return {t.assignedTask.taskId for t in self.tasks(key) if self._status(t) in api.TERMINAL_STATES}

    def wait_for_kill(self, key: JobKey, timeout: float, instances: Iterable[int] | None = None) -> None:
        wanted = set(instances) if instances is not None else None
        deadline = self._clock() + timeout
        while True:
            alive = [task_summary(self.idl, t) for i, t in self.active_instances(key).items()
                     if wanted is None or i in wanted]
            if not alive:
                return
            if self._clock() >= deadline:
                raise AuroraTimeout(f"{key}: tasks still active {timeout:.0f} s after the kill", alive)
            self._sleep(POLL_SECS)

    def _not_done(self, key: JobKey, target: str, wanted: list[int] | None = None, ended_counts: bool = False,
                  ended_before: frozenset | set = frozenset()) -> list[dict]:
        tasks = self.tasks(key)
        summaries = self.task_summaries(key, wanted, tasks)
        if wanted is not None:
            present = {s["instance_id"] for s in summaries}
            summaries += [{"instance_id": i, "status": None, "host": None, "task_id": None, "ports": {},
                           "failure_count": 0, "last_message": "no task for this instance"}
                          for i in wanted if i not in present]
        if not summaries:
            return [{"instance_id": None, "status": None, "host": None, "task_id": None, "ports": {},
                     "failure_count": 0, "last_message": "the job has no tasks"}]
        started = {t.assignedTask.instanceId for t in tasks if t.assignedTask.taskId not in ended_before
                   and (self._status(t) in LIVE_STATES or self._status(t) in api.TERMINAL_STATES)}

        def done(summary: dict) -> bool:
            status = summary["status"]
            if status is None:
                return False
            if target == "PENDING":
                return status != "INIT"
            if target == "RUNNING":
                return summary["instance_id"] in started if ended_counts else status == "RUNNING"
            return status in api.TERMINAL_STATES

        return [s for s in summaries if not done(s)]


def jobs_info(jobs: AuroraJobs, cluster: str | None, role: str, key: JobKey | None = None) -> list[dict]:
    """Every job of ``role`` (or just ``key``) with its active and inactive tasks, as the stock client's
    ``job status --write-json`` lists them, statuses as names. Without ``cluster``, the cluster name is the one
    the scheduler reports in its reply."""
    idl = jobs.idl
    if key is not None:
        query = idl.TaskQuery(jobKeys={key.thrift(idl)})
    else:
        query = idl.TaskQuery(role=role)
    tasks = jobs.client.call("getTasksWithoutConfigs", query=query).result.scheduleStatusResult.tasks or []
    if cluster is None:
        server_info = jobs.client.server_info
        cluster = server_info.clusterName if server_info else "unknown"
    by_job: dict[str, dict] = {}
    if key is None:
        for config in jobs.job_configurations(role):
            name = f"{cluster}/{config.key.role}/{config.key.environment}/{config.key.name}"
            by_job.setdefault(name, {"job": name, "active": [], "inactive": []})
    for task in sorted(tasks, key=lambda t: (t.assignedTask.instanceId,
                                             t.taskEvents[0].timestamp if t.taskEvents else 0)):
        job = task.assignedTask.task.job
        name = f"{cluster}/{job.role}/{job.environment}/{job.name}"
        entry = by_job.setdefault(name, {"job": name, "active": [], "inactive": []})
        summary = task_summary(idl, task)
        summary["events"] = [{"timestamp": e.timestamp, "status": api.enum_name(idl.ScheduleStatus, e.status),
                              "message": e.message} for e in task.taskEvents or []]
        entry["active" if summary["status"] in api.ACTIVE_STATES else "inactive"].append(summary)
    return [by_job[name] for name in sorted(by_job)]
