# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the lifecycle asks Aurora about a topology's job, through the collection's own scheduler client: which
instances are active (a `topologies` node whose job has none is stale), and killing a job Heron can no longer kill
(its execution state is gone)."""

from __future__ import annotations

from typing import Any, Callable

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import latest_per_instance, parse_job_key


class TopologyJobs:
    """``connect`` gives an _aurora.jobs.AuroraJobs; it is called on first use, so that a run that never needs
    the scheduler never looks it up."""

    def __init__(self, connect: Callable[[], Any], kill_timeout: float = 300.0) -> None:
        self._connect = connect
        self._jobs: Any = None
        self.kill_timeout = kill_timeout

    @property
    def jobs(self) -> Any:
        if self._jobs is None:
            self._jobs = self._connect()
        return self._jobs

    def active_tasks(self, job_key: str) -> dict[int, str]:
        """The status of each active instance's newest task, by instance id."""
        key, _instances = parse_job_key(job_key)
        tasks = latest_per_instance(self.jobs.tasks(key, active=True))
        return {instance: api.enum_name(self.jobs.idl.ScheduleStatus, task.status)
                for instance, task in sorted(tasks.items())}

    def kill(self, job_key: str) -> None:
        key, _instances = parse_job_key(job_key)
        self.jobs.kill(key, message="heron.aurora: stale topology recovered")
        self.jobs.wait_for_kill(key, self.kill_timeout)
