# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The flow behind heron.aurora.aurora_job: bring one Aurora job to state present, absent or restarted.

``result`` grows as the run goes, so a failure late in the run (a wait that times out after the job was created)
still reports what was changed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraInvalidParameter,
    AuroraTasksFailed,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import parse_instances
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import (
    AuroraJobs,
    JobKey,
    job_key_option,
    make_job_key,
    readable_task,
)


def instances_option(values: list | None) -> list[int] | None:
    if not values:
        return None
    return sorted({i for value in values for i in parse_instances(str(value))})


class AuroraJobRunner:
    def __init__(self, params: dict, check_mode: bool = False, diff_mode: bool = False,
                 client_factory: Any = None) -> None:
        self.params = params
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.client_factory = client_factory
        self.result: dict[str, Any] = {"changed": False}
        self.deadline = time.monotonic() + params["wait_timeout"]
        self.job_config: Any = None

    # --- inputs ---------------------------------------------------------------------------------------
    def selectors(self) -> dict:
        params = self.params
        selectors = {name: params.get(name) for name in ("cluster", "role", "environment", "name")}
        if params.get("job_key"):
            key = job_key_option(params["job_key"], params.get("cluster"))
            selectors = {"cluster": key.cluster, "role": key.role, "environment": key.environment, "name": key.name}
        return selectors

    def load_config(self) -> Any:
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job

        params, selectors = self.params, self.selectors()
        path = params.get("config")
        if path and not os.path.isfile(path):
            raise AuroraInvalidParameter(
                f"config {path}: no such file on the host that runs the module (working directory {os.getcwd()}). "
                "config is read there, not on the controller: give an absolute path on that host, or run the task "
                "with delegate_to: localhost for a controller file, or pass its text as config_content")
        base_dir = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
        config = load_job(path=path, content=params.get("config_content"), bindings=params.get("bindings"),
                          base_dir=base_dir, time_limit=params["config_timeout"], **selectors)
        config.bind_docker_images(lambda: self.docker_registry(config.cluster))
        return config

    def docker_registry(self, cluster: str) -> Any:
        """The Docker registry of ``cluster`` (docker_registry in clusters.json), for {{docker.image[name][tag]}}."""
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.docker_images import cluster_registry

        return cluster_registry(cluster, self.params["request_timeout"], self.params.get("clusters_file"))

    def job_key(self) -> JobKey:
        if self.job_config is not None:
            job = self.job_config
            return make_job_key(job.cluster, job.role, job.environment, job.name)
        selectors = self.selectors()
        missing = [name for name, value in selectors.items() if not value]
        if missing:
            raise AuroraInvalidParameter(
                f"missing {', '.join(missing)}: give job_key, or cluster, role, environment and name, or a config")
        return make_job_key(**selectors)

    def connect(self, key: JobKey) -> AuroraJobs:
        from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora import connection_options
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import SchedulerClient

        options = connection_options(self.params, cluster=self.params.get("cluster") or key.cluster)
        factory = self.client_factory or SchedulerClient.from_options
        return AuroraJobs(factory(options))

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    # --- the run ----------------------------------------------------------------------------------------
    def run(self) -> dict:
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import check_seconds

        for option in ("wait_timeout", "watch_secs"):
            check_seconds(option, self.params[option])
        check_seconds("config_timeout", self.params["config_timeout"], allow_zero=False)
        state = self.params["state"]
        if self.params.get("config") or self.params.get("config_content"):  # required for present (module spec)
            self.job_config = self.load_config()
        key = self.job_key()
        self.result["job_key"] = str(key)
        jobs = self.connect(key)
        if state == "present":
            self.present(jobs, key)
        elif state == "absent":
            self.absent(jobs, key)
        else:
            self.restarted(jobs, key)
        return self.result

    def _diff_result(self, diff: dict, before: Any, after: Any) -> None:
        self.result["diff"] = dict(diff)
        if self.diff_mode:
            self.result["diff"].update(before=before, after=after,
                                       before_header=f"{self.result['job_key']} (scheduler)",
                                       after_header=f"{self.result['job_key']} (wanted)")

    def present(self, jobs: AuroraJobs, key: JobKey) -> None:
        idl = jobs.idl
        instances = instances_option(self.params.get("instances"))
        self.job_config.job_configuration(idl)  # a config that cannot convert fails before the scheduler is asked
        self.job_config.apply_tiers(jobs.tier_configs())
        configuration = self.job_config.job_configuration(idl)
        populated = jobs.populate(configuration)
        count = configuration.instanceCount
        self.result["instance_count"] = count
        current = jobs.current_config(key)
        after = {"instances": count, "task": readable_task(populated)}
        if current is None:
            diff = {"add": list(range(count)), "remove": [], "update": [], "unchanged": []}
            self._diff_result(diff, {}, after)
        else:
            plan = jobs.plan_update(self.job_config.update_request(idl, instances=instances), populated)
            request, diff = plan.request, plan.diff
            self._diff_result(diff, {"instances": current[1], "task": readable_task(current[0])}, after)
        changed = bool(diff["add"] or diff["remove"] or diff["update"])
        self.result["changed"] = changed
        self.result["update"] = None
        if changed and not self.check_mode:
            if current is None:
                jobs.create(configuration)
            elif self.params["update_strategy"] == "recreate":
                jobs.kill(key)
                jobs.wait_for_kill(key, self.remaining())
                jobs.create(configuration)
            else:
                self.rolling_update(jobs, key, request)
        if not self.check_mode:
            self.wait(jobs, key, range(count), started=changed)
        else:
            self.result["tasks"] = jobs.task_summaries(key, range(count)) if current is not None else []

    def rolling_update(self, jobs: AuroraJobs, key: JobKey, request: Any) -> None:
        if not request.taskConfig.isService:
            raise AuroraInvalidParameter(
                f"{key} is not a service (service=False): the scheduler updates only services; "
                "use update_strategy=recreate")
        update_id = jobs.start_update(request)
        if update_id is None:
            self.result["changed"] = False
            return
        self.result["update"] = {"id": update_id, "status": "ROLLING_FORWARD"}
        try:
            status = jobs.wait_for_update(key, update_id, self.remaining())
        except Exception as error:
            self.result["update"]["status"] = getattr(error, "status", self.result["update"]["status"])
            raise
        self.result["update"]["status"] = status

    def wait(self, jobs: AuroraJobs, key: JobKey, instances: Any, started: bool = True,
             existing: frozenset[str] | None = None) -> None:
        """Wait for wait_until. Instances this run started are, with watch_secs, watched instead: RUNNING once
        proves nothing for a task that crash-loops, it must keep running. ``existing``: the tasks there before
        this run changed anything (a restart's old tasks), which the watch leaves out."""
        instances = list(instances)
        try:
            if started and self.params["wait_until"] == "RUNNING" and self.params["watch_secs"]:
                self.watch(jobs, key, instances, existing)
            else:
                self.result["tasks"] = jobs.wait_for_tasks(key, self.params["wait_until"], self.remaining(),
                                                           instances)
        except Exception:
            self.result["tasks"] = jobs.task_summaries(key, instances)
            raise

    def watch(self, jobs: AuroraJobs, key: JobKey, instances: list[int], existing: frozenset[str] | None) -> None:
        watch_secs = self.params["watch_secs"]
        stopped = jobs.watch_running(key, instances, watch_secs, self.remaining(), existing=existing)
        self.result["tasks"] = jobs.task_summaries(key, instances)
        if stopped:
            raise AuroraTasksFailed(f"{key}: instances {stopped} stopped running within {watch_secs} s of starting",
                                    jobs.task_summaries(key, stopped))

    def absent(self, jobs: AuroraJobs, key: JobKey) -> None:
        wanted = instances_option(self.params.get("instances"))
        active = sorted(jobs.active_instances(key))
        doomed = [i for i in active if wanted is None or i in wanted]
        kept = [i for i in active if i not in doomed]
        self.result.update(changed=bool(doomed), instance_count=len(kept), update=None)
        self._diff_result({"add": [], "remove": doomed, "update": [], "unchanged": kept},
                          {"instances": active}, {"instances": kept})
        if doomed and not self.check_mode:
            jobs.kill(key, doomed if wanted is not None else None)
            jobs.wait_for_kill(key, self.remaining(), doomed)
        self.result["tasks"] = jobs.task_summaries(key, kept) if kept else []

    def restarted(self, jobs: AuroraJobs, key: JobKey) -> None:
        wanted = instances_option(self.params.get("instances"))
        active = sorted(jobs.active_instances(key))
        if not active:
            raise AuroraInvalidParameter(f"{key} has no active tasks to restart (is the job created?)")
        targets = wanted if wanted is not None else active
        missing = [i for i in targets if i not in active]
        if missing:
            raise AuroraInvalidParameter(f"instances {missing} of {key} are not active; active: {active}")
        self.result.update(changed=True, instance_count=len(active), update=None)
        self._diff_result({"add": [], "remove": [], "update": targets,
                           "unchanged": [i for i in active if i not in targets]},
                          {"instances": active}, {"instances": active, "restarted": targets})
        if self.check_mode:
            self.result["tasks"] = jobs.task_summaries(key, targets)
            return
        existing = jobs.task_ids(key)
        jobs.restart(key, targets)
        self.wait(jobs, key, targets, existing=existing)
