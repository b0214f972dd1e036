"""How the `aurora` command prints: instance ranges, timestamps, the stock status JSON of a task, a config diff,
the inspected job; and the job operations jobs.py gained for it (add, watch after a restart, the stock client's
RUNNING wait)."""

from __future__ import annotations

import io

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli import command, render
from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import RetryPolicy
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraInvalidParameter,
    AuroraTimeout,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs, JobKey

KEY = JobKey("devcluster", "heron", "devel", "wc")


@pytest.fixture
def idl():
    return api.load_api()


def task(idl, instance, status, task_id, started=1000):
    config = idl.TaskConfig(job=KEY.thrift(idl), isService=False, production=True,
                            executorConfig=idl.ExecutorConfig(name="AuroraExecutor", data='{"b": 1, "a": "x"}'))
    code = idl.ScheduleStatus._NAMES_TO_VALUES[status]
    return idl.ScheduledTask(assignedTask=idl.AssignedTask(taskId=task_id, task=config, instanceId=instance),
                             status=code, taskEvents=[idl.TaskEvent(timestamp=started, status=code)])


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ScriptedClient:
    """Answers getTasks* with the next task list of ``rounds`` (the last one repeats); records every call."""

    retry = RetryPolicy()

    def __init__(self, idl, rounds) -> None:
        self.api = idl
        self.rounds = list(rounds)
        self.calls = []

    def call(self, method, **arguments):
        self.calls.append((method, arguments))
        idl = self.api
        if method.startswith("getTasks"):
            tasks = self.rounds.pop(0) if len(self.rounds) > 1 else self.rounds[0]
            wanted = arguments["query"].statuses
            tasks = [t for t in tasks if not wanted or t.status in wanted]
            return idl.Response(responseCode=1, result=idl.Result(
                scheduleStatusResult=idl.ScheduleStatusResult(tasks=tasks)))
        return idl.Response(responseCode=1)


def jobs_with(idl, rounds):
    clock = FakeClock()
    client = ScriptedClient(idl, rounds)
    return AuroraJobs(client, sleep=clock.sleep, clock=clock), client, clock


def test_instance_ranges_and_timestamps():
    assert render.instance_ranges([5, 0, 2, 1]) == "[0-2], [5]"
    assert render.instance_ranges([]) == ""
    # Whole seconds, as the stock client's Python 2 integer division gave them.
    assert render.timestamp(1_500_000_000_123) == "2017-07-14T02:40:00"
    assert render.timestamp(1_500_000_000_999) == "2017-07-14T02:40:00"


def test_task_json_names_statuses_and_keeps_every_field(idl):
    plain = render.task_json(idl, task(idl, 3, "FINISHED", "t-3"))
    assert plain["status"] == "FINISHED" and plain["taskEvents"] == [{"timestamp": 1000, "status": "FINISHED"}]
    assert plain["assignedTask"]["instanceId"] == 3
    assert plain["assignedTask"]["task"]["isService"] is False and plain["assignedTask"]["task"]["production"] is True


def test_task_diff_is_a_unified_diff_of_the_readable_configs(idl):
    old = task(idl, 0, "RUNNING", "a").assignedTask.task
    new = task(idl, 0, "RUNNING", "a").assignedTask.task
    new.executorConfig = idl.ExecutorConfig(name="AuroraExecutor", data='{"a": "y", "b": 1}')
    text = render.task_diff(old, new)
    assert text.startswith("--- scheduler\n+++ config\n")
    assert '-      "a": "x",' in text and '+      "a": "y",' in text
    assert render.task_diff(old, old) == ""


def test_inspect_text_layout():
    job = {"name": "wc", "role": "heron", "cluster": "devcluster", "instances": 2, "contact": "ops@example.org",
           "constraints": {"rack": "r1"}, "production": False,
           "task": {"name": "run", "constraints": [{"order": ["fetch", "run"]}],
                    "processes": [{"name": "fetch", "cmdline": "curl a\ncurl b", "ephemeral": True}]}}
    assert render.inspect_text(job, True).splitlines() == [
        "Job level information", "  name:       'wc'", "  role:       'heron'", "  contact:    'ops@example.org'",
        "  cluster:    'devcluster'", "  instances:  '2'", "  constraints:", "    'rack': 'r1'", "  service:    True",
        "  production: False", "", "Task level information", "  name: 'run'", "  constraints:", "  fetch < run", "",
        "Process 'fetch':", "  ephemeral", "  cmdline:", "    curl a", "    curl b"]


def test_add_instances_numbers_on_from_the_highest_active_instance(idl):
    jobs, client, _clock = jobs_with(idl, [[task(idl, 0, "RUNNING", "a"), task(idl, 4, "RUNNING", "b"),
                                            task(idl, 7, "KILLED", "c")]])
    assert jobs.add_instances(KEY, 0, 3) == [5, 6, 7]
    method, arguments = client.calls[-1]
    assert method == "addInstances" and arguments["count"] == 3
    assert (arguments["key"].instanceId, arguments["key"].jobKey.name) == (0, "wc")
    with pytest.raises(AuroraInvalidParameter, match=r"Invalid instance parameter: \[2\]"):
        jobs.add_instances(KEY, 2, 1)


def test_watch_running_passes_a_stable_task_and_fails_a_replaced_one(idl):
    rounds = [
        [task(idl, 0, "PENDING", "a1"), task(idl, 1, "PENDING", "b1")],  # when the watch begins
        [task(idl, 0, "RUNNING", "a1"), task(idl, 1, "RUNNING", "b1")],
        [task(idl, 0, "RUNNING", "a1"), task(idl, 1, "KILLED", "b1"), task(idl, 1, "PENDING", "b2", started=5000)],
        [task(idl, 0, "RUNNING", "a1")],
    ]
    jobs, _client, clock = jobs_with(idl, rounds)
    assert jobs.watch_running(KEY, [0, 1], watch_secs=2, timeout=60, interval=1) == [1]
    assert clock.now == 2


def test_watch_running_catches_a_crash_between_two_polls_but_not_an_old_one(idl):
    old_failure = task(idl, 0, "FAILED", "a0", started=10)
    rounds = [
        [old_failure, task(idl, 0, "PENDING", "a1"), task(idl, 1, "PENDING", "b1")],
        # b1 ran and failed between two polls, never seen RUNNING; its replacement waits to be scheduled again
        [old_failure, task(idl, 0, "RUNNING", "a1"), task(idl, 1, "FAILED", "b1"),
         task(idl, 1, "THROTTLED", "b2", started=5000)],
    ]
    jobs, _client, clock = jobs_with(idl, rounds)
    assert jobs.watch_running(KEY, [0, 1], watch_secs=3, timeout=60, interval=1) == [1]
    assert clock.now == 3


@pytest.mark.parametrize("old_end", ["KILLED", "FAILED", "LOST", "FINISHED"])
def test_watch_running_leaves_out_the_end_of_the_restarted_task(idl, old_end):
    # restartShards moved a0 to RESTARTING; the scheduler may end it in any of these (TaskStateMachine's
    # RESTARTING rule) and reschedules the instance as a1. Only a1 is the restart's task.
    rounds = [
        [task(idl, 0, "RESTARTING", "a0")],
        [task(idl, 0, old_end, "a0"), task(idl, 0, "PENDING", "a1", started=5000)],
        [task(idl, 0, old_end, "a0"), task(idl, 0, "RUNNING", "a1", started=5000)],
    ]
    jobs, _client, clock = jobs_with(idl, rounds)
    assert jobs.watch_running(KEY, [0], watch_secs=2, timeout=60, interval=1, existing={"a0"}) == []
    assert clock.now == 4


def test_watch_running_still_fails_a_restarted_instance_whose_new_task_fails(idl):
    rounds = [
        [task(idl, 0, "RESTARTING", "a0")],
        [task(idl, 0, "FAILED", "a0"), task(idl, 0, "FAILED", "a1", started=5000),
         task(idl, 0, "THROTTLED", "a2", started=6000)],
    ]
    jobs, _client, _clock = jobs_with(idl, rounds)
    assert jobs.watch_running(KEY, [0], watch_secs=2, timeout=60, interval=1, existing={"a0"}) == [0]


def test_watch_running_gives_up_after_the_timeout(idl):
    jobs, _client, _clock = jobs_with(idl, [[task(idl, 0, "PENDING", "a1")]])
    with pytest.raises(AuroraTimeout, match=r"instances \[0\] did not stay RUNNING") as info:
        jobs.watch_running(KEY, [0], watch_secs=1, timeout=5, interval=1)
    assert [(d["instance_id"], d["status"]) for d in info.value.diagnosis] == [(0, "PENDING")]


def test_the_stock_running_wait_also_accepts_tasks_that_already_ended(idl):
    finished = [[task(idl, 0, "PENDING", "a")], [task(idl, 0, "FINISHED", "a")]]
    jobs, _client, _clock = jobs_with(idl, finished)
    assert [t["status"] for t in jobs.wait_for_tasks(KEY, "RUNNING", 10, [0], ended_counts=True)] == ["FINISHED"]
    jobs, _client, _clock = jobs_with(idl, finished)
    with pytest.raises(AuroraTimeout):
        jobs.wait_for_tasks(KEY, "RUNNING", 10, [0])


def test_the_stock_running_wait_counts_a_crash_between_polls_but_not_a_task_of_an_earlier_job(idl):
    earlier = task(idl, 0, "KILLED", "old", started=10)
    crash_loop = [[earlier], [earlier, task(idl, 0, "FAILED", "a1"), task(idl, 0, "THROTTLED", "a2", started=5000)]]
    jobs, _client, _clock = jobs_with(idl, crash_loop)
    assert [t["status"] for t in jobs.wait_for_tasks(KEY, "RUNNING", 10, [0], ended_counts=True)] == ["THROTTLED"]
    jobs, _client, _clock = jobs_with(idl, [[earlier], [earlier, task(idl, 0, "PENDING", "a1", started=5000)]])
    with pytest.raises(AuroraTimeout):
        jobs.wait_for_tasks(KEY, "RUNNING", 10, [0], ended_counts=True)


class TwoActiveUpdates:
    """A scheduler that lists two active updates for one job, which its job lock never allows."""

    def __init__(self, idl) -> None:
        self.api = idl
        self.base_url = "http://scheduler:8081"

    def call(self, method, **arguments):
        idl = self.api
        assert method == "getJobUpdateSummaries", method
        summaries = [idl.JobUpdateSummary(key=idl.JobUpdateKey(job=KEY.thrift(idl), id=update_id),
                                          state=idl.JobUpdateState(status=idl.JobUpdateStatus.ROLLING_FORWARD))
                     for update_id in ("u1", "u2")]
        return idl.Response(responseCode=1, result=idl.Result(
            getJobUpdateSummariesResult=idl.GetJobUpdateSummariesResult(updateSummaries=summaries)))


@pytest.mark.parametrize("verb", [["pause"], ["resume"], ["abort"], ["rollback"], ["info"], ["wait"]])
def test_several_active_updates_exit_10_as_with_the_stock_client(idl, verb):
    jobs = AuroraJobs(TwoActiveUpdates(idl))
    err = io.StringIO()
    code = command.main(["update", *verb, str(KEY)], stdout=io.StringIO(), stderr=err, environ={},
                        jobs_factory=lambda _cluster: jobs, sleep=lambda _s: None)
    assert code == 10
    assert "The scheduler returned multiple active updates for this job" in err.getvalue()
