"""STAND-IN scheduler (tests only): the API methods, over the state of state.py."""

from __future__ import annotations

import uuid
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import ids_in_ranges, thrift_ranges
from ansible_collections.heron.aurora.tests.unit.utils.aurora import wire

from .state import Rejected, StandInScheduler, UpdateRun, java_key, key_text

# Calls that change no state (besides every get...): after any other call the leader saves its state.
READ_ONLY_CALLS = frozenset({"populateJobConfig", "pulseJobUpdate"})


class SchedulerApi:
    """One method per API call; each returns a Response."""

    def __init__(self, state: StandInScheduler) -> None:
        self.state = state
        self.idl = state.idl

    def dispatch(self, method: str, args: Any) -> Any:
        handler = getattr(self, method, None)
        if handler is None:
            return self.state.response("ERROR", details=(f"stand-in does not implement {method}",))
        arguments = {name: getattr(args, name) for name in (spec[1] for spec in type(args).thrift_spec.values())}
        try:
            with self.state.lock:
                response = handler(**arguments)
        except Rejected as rejected:
            return self.state.response(rejected.code, details=(str(rejected),))
        if not (method.startswith("get") or method in READ_ONLY_CALLS):
            self.state.on_change()
        return response

    # --- reads --------------------------------------------------------------------------------------
    def _matching_tasks(self, query: Any) -> list[Any]:
        state = self.state
        result = []
        keys = {key_text(k) for k in query.jobKeys or []}
        statuses = set(query.statuses or [])
        for task in state.tasks.values():
            assigned = task.assignedTask
            job = assigned.task.job
            if query.role and job.role != query.role:
                continue
            if query.environment and job.environment != query.environment:
                continue
            if query.jobName and job.name != query.jobName:
                continue
            if keys and key_text(job) not in keys:
                continue
            if query.taskIds and assigned.taskId not in query.taskIds:
                continue
            if statuses and task.status not in statuses:
                continue
            if query.instanceIds and assigned.instanceId not in query.instanceIds:
                continue
            result.append(task)
        result.sort(key=lambda t: (key_text(t.assignedTask.task.job), t.assignedTask.instanceId,
                                   t.taskEvents[0].timestamp))
        offset = query.offset or 0
        limit = query.limit or len(result)
        return result[offset:offset + limit]

    def getTasksStatus(self, query):  # noqa: N802 - API method names
        tasks = self._matching_tasks(query or self.idl.TaskQuery())
        return self.state.response(result=self.idl.Result(
            scheduleStatusResult=self.idl.ScheduleStatusResult(tasks=tasks)))

    def getTasksWithoutConfigs(self, query):  # noqa: N802
        tasks = []
        for task in self._matching_tasks(query or self.idl.TaskQuery()):
            copy = wire.copy_struct(task)
            if copy.assignedTask.task.executorConfig is not None:  # the scheduler unsets the data, keeps the name
                copy.assignedTask.task.executorConfig.data = None
            tasks.append(copy)
        return self.state.response(result=self.idl.Result(
            scheduleStatusResult=self.idl.ScheduleStatusResult(tasks=tasks)))

    def getJobs(self, ownerRole):  # noqa: N802, N803 - the API's names
        configs = [job for job in self.state.jobs.values() if not ownerRole or job.key.role == ownerRole]
        return self.state.response(result=self.idl.Result(getJobsResult=self.idl.GetJobsResult(configs=configs)))

    def getJobSummary(self, role):  # noqa: N802
        idl, state = self.idl, self.state
        summaries = []
        for key, job in state.jobs.items():
            if role and job.key.role != role:
                continue
            tasks = [t for t in state.tasks.values() if key_text(t.assignedTask.task.job) == key]
            names = [state.status_name(t) for t in tasks]
            stats = idl.JobStats(activeTaskCount=sum(n in api.ACTIVE_STATES for n in names),
                                 finishedTaskCount=names.count("FINISHED"), failedTaskCount=names.count("FAILED"),
                                 pendingTaskCount=names.count("PENDING"))
            summaries.append(idl.JobSummary(job=job, stats=stats))
        return state.response(result=idl.Result(jobSummaryResult=idl.JobSummaryResult(summaries=summaries)))

    def getConfigSummary(self, job):  # noqa: N802
        idl = self.idl
        groups: dict[Any, tuple[Any, list[int]]] = {}
        for instance, task in self.state.active_tasks(key_text(job)).items():
            config = task.assignedTask.task
            groups.setdefault(wire.canonical(config), (config, []))[1].append(instance)
        summary = idl.ConfigSummary(key=job, groups=[idl.ConfigGroup(config=c, instances=thrift_ranges(idl, i))
                                                     for c, i in groups.values()])
        return self.state.response(result=idl.Result(configSummaryResult=idl.ConfigSummaryResult(summary=summary)))

    def getQuota(self, ownerRole):  # noqa: N802, N803 - the API's names
        idl = self.idl
        return self.state.response(result=idl.Result(getQuotaResult=idl.GetQuotaResult(
            quota=idl.ResourceAggregate(resources=[]))))

    def getTierConfigs(self):  # noqa: N802
        idl = self.idl
        tiers = [idl.TierConfig(name=name, settings={"preemptible": str(preemptible).lower(),
                                                     "revocable": str(revocable).lower()})
                 for name, (preemptible, revocable) in self.state.tiers.items()]
        return self.state.response(result=idl.Result(getTierConfigResult=idl.GetTierConfigResult(
            defaultTierName=self.state.default_tier, tiers=tiers)))

    def populateJobConfig(self, description):  # noqa: N802
        job = self.state.validate_job(description)
        return self.state.response(result=self.idl.Result(populateJobResult=self.idl.PopulateJobResult(
            taskConfig=job.taskConfig)))

    def _diff(self, request: Any) -> dict[str, dict]:
        """Instances of the job by what an update to ``request`` would do with them."""
        config = self.state.populate(request.taskConfig, request.instanceCount)
        active = self.state.active_tasks(key_text(config.job))
        scope = ids_in_ranges(request.settings.updateOnlyTheseInstances) if request.settings else set()
        diff: dict[str, dict] = {"add": {}, "remove": {}, "update": {}, "unchanged": {}}
        for instance in sorted(set(active) | set(range(request.instanceCount))):
            if scope and instance not in scope:
                continue
            current = active.get(instance)
            if current is None:
                diff["add"].setdefault(wire.canonical(config), (config, []))[1].append(instance)
            elif instance >= request.instanceCount:
                existing = current.assignedTask.task
                diff["remove"].setdefault(wire.canonical(existing), (existing, []))[1].append(instance)
            elif wire.canonical(current.assignedTask.task) == wire.canonical(config):
                diff["unchanged"].setdefault(wire.canonical(config), (config, []))[1].append(instance)
            else:
                existing = current.assignedTask.task
                diff["update"].setdefault(wire.canonical(existing), (existing, []))[1].append(instance)
        return diff

    def getJobUpdateDiff(self, request):  # noqa: N802
        idl = self.idl
        diff = self._diff(request)
        groups = {kind: [idl.ConfigGroup(config=c, instances=thrift_ranges(idl, i)) for c, i in entries.values()]
                  for kind, entries in diff.items()}
        return self.state.response(result=idl.Result(getJobUpdateDiffResult=idl.GetJobUpdateDiffResult(**groups)))

    def _updates_matching(self, query: Any) -> list[UpdateRun]:
        found = []
        for update in self.state.updates:
            if query is None:
                found.append(update)
                continue
            if query.key and (key_text(query.key.job) != key_text(update.key.job) or query.key.id != update.key.id):
                continue
            if query.jobKey and key_text(query.jobKey) != key_text(update.key.job):
                continue
            if query.role and update.key.job.role != query.role:
                continue
            statuses = query.updateStatuses or []
            if statuses and self.idl.JobUpdateStatus._NAMES_TO_VALUES[update.status] not in statuses:
                continue
            found.append(update)
        found.sort(key=lambda u: u.created_ms, reverse=True)
        if query is not None and query.limit:
            found = found[(query.offset or 0):(query.offset or 0) + query.limit]
        return found

    def getJobUpdateSummaries(self, jobUpdateQuery):  # noqa: N802, N803 - the API's names
        idl = self.idl
        summaries = [self.state.update_summary(u) for u in self._updates_matching(jobUpdateQuery)]
        return self.state.response(result=idl.Result(getJobUpdateSummariesResult=idl.GetJobUpdateSummariesResult(
            updateSummaries=summaries)))

    def getJobUpdateDetails(self, key, query):  # noqa: N802
        # As ReadOnlySchedulerImpl: a query wins and is answered with a list (empty when nothing matches); the
        # deprecated key alone gets the one update, or INVALID_REQUEST.
        idl = self.idl
        if key is None and query is None:
            raise Rejected("ERROR", "Either key or query must be set.")
        details = []
        for update in self._updates_matching(query if query is not None else idl.JobUpdateQuery(key=key)):
            instructions = idl.JobUpdateInstructions(
                initialState=[], settings=update.request.settings,
                desiredState=idl.InstanceTaskConfig(task=update.request.taskConfig,
                                                    instances=thrift_ranges(idl, range(update.request.instanceCount))))
            details.append(idl.JobUpdateDetails(
                update=idl.JobUpdate(summary=self.state.update_summary(update), instructions=instructions),
                updateEvents=list(update.events), instanceEvents=list(update.instance_events)))
        if query is not None:
            return self.state.response(result=idl.Result(getJobUpdateDetailsResult=idl.GetJobUpdateDetailsResult(
                detailsList=details)))
        if not details:
            raise Rejected("INVALID_REQUEST", f"Invalid update: {key.id}")
        return self.state.response(result=idl.Result(getJobUpdateDetailsResult=idl.GetJobUpdateDetailsResult(
            details=details[0])), details=("The key argument is deprecated, use the query argument instead",))

    # --- changes ------------------------------------------------------------------------------------
    def _assert_not_updating(self, key: str) -> None:
        update = self.state._updating(key)
        if update is not None:
            raise Rejected("JOB_UPDATING_ERROR",
                           f"Job {key} is currently being updated by update {update.key.id}")

    def createJob(self, description):  # noqa: N802
        state = self.state
        job = state.validate_job(description)
        if job.cronSchedule:
            raise Rejected("INVALID_REQUEST", "Cron jobs may only be created/updated by calling scheduleCronJob.")
        key = key_text(job.key)
        self._assert_not_updating(key)
        if key in state.jobs or state.active_tasks(key):
            raise Rejected("INVALID_REQUEST", f"Job {key} already exists")
        state.jobs[key] = job
        for instance in range(job.instanceCount):
            state.new_task(job.taskConfig, instance)
        return state.response()

    def killTasks(self, job, instances, message):  # noqa: N802
        state = self.state
        state.check_key(job)
        key = key_text(job)
        self._assert_not_updating(key)
        killed = 0
        for instance, task in state.active_tasks(key).items():
            if instances and instance not in instances:
                continue
            state.kill(task, f"Killed by {message or 'a remote user'}")
            killed += 1
        if instances and key in state.jobs and killed:
            remaining = [i for i in state.active_tasks(key) if i not in instances]
            state.jobs[key].instanceCount = len(remaining)
        return state.response() if killed else state.response("OK", details=("No tasks to kill.",))

    def restartShards(self, job, shardIds):  # noqa: N802, N803 - the API's names
        state = self.state
        state.check_key(job)
        key = key_text(job)
        self._assert_not_updating(key)
        active = state.active_tasks(key)
        if not shardIds or any(i not in active for i in shardIds):
            raise Rejected("INVALID_REQUEST", "Not all requested shards are active.")
        for instance in shardIds:
            state.transition(active[instance], "RESTARTING", "Restarted by a remote user.")
        return state.response()

    def addInstances(self, key, count):  # noqa: N802
        state = self.state
        state.check_key(key.jobKey)
        job_key = key_text(key.jobKey)
        if (count or 0) <= 0:
            raise Rejected("INVALID_REQUEST", "Instance count must be positive.")
        self._assert_not_updating(job_key)
        active = state.active_tasks(job_key)
        template = active.get(key.instanceId)
        if template is None:
            raise Rejected("INVALID_REQUEST", "No active task found for a given instance ID.")
        first = max(active) + 1
        for instance in range(first, first + count):
            state.new_task(template.assignedTask.task, instance)
        state.jobs[job_key].instanceCount = len(active) + count
        return state.response()

    def startJobUpdate(self, request, message):  # noqa: N802
        state, idl = self.state, self.idl
        if not request.taskConfig.isService:
            raise Rejected("INVALID_REQUEST", "Updates are not supported for non-service tasks.")
        settings = request.settings
        if (settings.updateGroupSize or 0) <= 0 and settings.updateStrategy is None:
            raise Rejected("INVALID_REQUEST", "Update results in no instance being modified.")
        if (settings.maxFailedInstances or 0) < 0 or (settings.maxPerInstanceFailures or 0) < 0:
            raise Rejected("INVALID_REQUEST", "maxFailedInstances must be non-negative.")
        populated = state.populate(request.taskConfig, request.instanceCount)
        key = key_text(populated.job)
        running = state._updating(key)
        if running is not None:
            response = state.response("INVALID_REQUEST", details=(
                f"An active update already exists for this job, please terminate it before starting another. "
                f"Active updates are those in states {sorted(api.ACTIVE_UPDATE_STATES)}",))
            response.result = idl.Result(startJobUpdateResult=idl.StartJobUpdateResult(
                key=running.key, updateSummary=state.update_summary(running)))
            return response
        request = idl.JobUpdateRequest(taskConfig=populated, instanceCount=request.instanceCount,
                                       settings=settings, metadata=request.metadata)
        # As JobDiff.getOutOfScopeInstances: the scope may name only instances the job has or will have.
        scope = ids_in_ranges(settings.updateOnlyTheseInstances or [])
        out_of_scope = sorted(scope - set(state.active_tasks(key)) - set(range(request.instanceCount)))
        if out_of_scope:
            raise Rejected("INVALID_REQUEST", "The update request attempted to update specific instances, but some "
                                              f"are irrelevant to the update and current job state: {out_of_scope}")
        diff = self._diff(request)
        touched = sorted(i for kind in ("add", "remove", "update") for _c, ids in diff[kind].values() for i in ids)
        if not touched:
            return state.response("OK", details=("Job is unchanged by proposed update.",))
        update_key = idl.JobUpdateKey(job=populated.job, id=str(uuid.uuid4()))
        old_job = state.jobs.get(key)
        run = UpdateRun(key=update_key, request=request, old_job=old_job, instances=touched, queue=list(touched))
        state._set_update_status(run, "ROLLING_FORWARD", message)
        state.updates.append(run)
        if old_job is None:
            state.jobs[key] = state._desired_job(run)
        return state.response(result=idl.Result(startJobUpdateResult=idl.StartJobUpdateResult(
            key=update_key, updateSummary=state.update_summary(run))))

    def _update_for(self, key: Any) -> UpdateRun:
        for update in self.state.updates:
            if update.key.id == key.id and key_text(update.key.job) == key_text(key.job):
                return update
        raise Rejected("INVALID_REQUEST", f"No update found for {java_key(key.job)} {key.id}")

    def _change_update(self, key: Any, allowed: dict[str, str], message: str | None) -> Any:
        update = self._update_for(key)
        if update.status not in allowed:
            raise Rejected("INVALID_REQUEST", f"Update is in state {update.status}, which does not allow this.")
        self.state._set_update_status(update, allowed[update.status], message)
        return self.state.response()

    def pauseJobUpdate(self, key, message):  # noqa: N802
        return self._change_update(key, {"ROLLING_FORWARD": "ROLL_FORWARD_PAUSED",
                                         "ROLLING_BACK": "ROLL_BACK_PAUSED"}, message)

    def resumeJobUpdate(self, key, message):  # noqa: N802
        return self._change_update(key, {"ROLL_FORWARD_PAUSED": "ROLLING_FORWARD",
                                         "ROLL_BACK_PAUSED": "ROLLING_BACK"}, message)

    def abortJobUpdate(self, key, message):  # noqa: N802
        return self._change_update(key, {status: "ABORTED" for status in api.ACTIVE_UPDATE_STATES}, message)

    def rollbackJobUpdate(self, key, message):  # noqa: N802
        update = self._update_for(key)
        if update.status not in ("ROLLING_FORWARD", "ROLL_FORWARD_PAUSED"):
            raise Rejected("INVALID_REQUEST", f"Update is in state {update.status}, which does not allow rollback.")
        touched = sorted(set(update.done + update.failed + list(update.batch)))
        update.queue, update.batch, update.done, update.failed = touched, {}, [], []
        self.state._set_update_status(update, "ROLLING_BACK", message)
        return self.state.response()

    def pulseJobUpdate(self, key):  # noqa: N802
        update = self._update_for(key)
        status = "OK" if update.status in api.ACTIVE_UPDATE_STATES else "FINISHED"
        return self.state.response(result=self.idl.Result(pulseJobUpdateResult=self.idl.PulseJobUpdateResult(
            status=self.idl.JobUpdatePulseStatus._NAMES_TO_VALUES[status])))
