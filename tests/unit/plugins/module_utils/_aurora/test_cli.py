"""The `aurora` command line without a scheduler: argument forms and errors, Heron's command lines as parsed, the
mapping of every error type to the stock client's exit code, and the flows of kill batching, rolling restart,
update waits and status against a scripted stand-in for the job operations."""

from __future__ import annotations

import argparse
import io
import json
from types import SimpleNamespace

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli import arguments, command
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraApiError,
    AuroraAuthError,
    AuroraConfigError,
    AuroraInvalidParameter,
    AuroraMissingLibrary,
    AuroraTimeout,
    AuroraTransportError,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import JobKey

KEY = "devcluster/heron/devel/WordCountTopology"
JOB = JobKey("devcluster", "heron", "devel", "WordCountTopology")
MAX = "2147483647"


@pytest.fixture
def idl():
    return api.load_api()


def parse(*argv: str) -> argparse.Namespace:
    return command.build_parser().parse_args(list(argv))


def run(argv, jobs=None, environ=None):
    """main() with captured output; every cluster gets ``jobs``."""
    out, err = io.StringIO(), io.StringIO()
    code = command.main(list(argv), stdout=out, stderr=err, environ=environ or {},
                        jobs_factory=(lambda cluster: jobs) if jobs is not None else None, sleep=lambda _s: None)
    return code, out.getvalue(), err.getvalue()


def scheduled(idl, instance: int, status: str = "RUNNING", task_id: str | None = None):
    config = idl.TaskConfig(job=JOB.thrift(idl), isService=True, maxTaskFailures=1,
                            resources={idl.Resource(numCpus=1.0), idl.Resource(ramMb=64), idl.Resource(diskMb=32)})
    code = idl.ScheduleStatus._NAMES_TO_VALUES[status]
    return idl.ScheduledTask(
        assignedTask=idl.AssignedTask(taskId=task_id or f"task-{instance}", slaveHost="h1", task=config,
                                      instanceId=instance, assignedPorts={"http": 31000 + instance}),
        status=code, failureCount=0, taskEvents=[idl.TaskEvent(timestamp=1000, status=11),
                                                 idl.TaskEvent(timestamp=2000, status=code, message="up")])


class ScriptedJobs:
    """Stands in for AuroraJobs in these tests: answers from fixed data and records what was asked."""

    def __init__(self, idl, active=(), kill_times_out=(), watch_failures=None, update_states=(), tasks=None):
        self.idl = idl
        self.client = SimpleNamespace(base_url="http://scheduler:8081")
        self._active = list(active)
        self.kill_times_out = set(kill_times_out)
        self.watch_failures = list(watch_failures or [])
        self.update_states = list(update_states)
        self._tasks = tasks or []
        self.calls: list[tuple] = []

    def active_instances(self, key):
        return {i: scheduled(self.idl, i) for i in self._active}

    def kill(self, key, instances=None, message=None):
        self.calls.append(("kill", sorted(instances) if instances else None, message))
        self._active = [i for i in self._active if instances and i not in instances]

    def wait_for_kill(self, key, timeout, instances=None):
        if set(instances if instances is not None else range(100)) & self.kill_times_out:
            raise AuroraTimeout("still alive", [])

    def restart(self, key, instances):
        self.calls.append(("restart", list(instances)))

    def task_ids(self, key):
        return frozenset(f"task-{i}" for i in self._active)

    def watch_running(self, key, instances, watch_secs, timeout, interval=1.0, existing=None):
        self.calls.append(("watch", list(instances), watch_secs, interval))
        return self.watch_failures.pop(0) if self.watch_failures else []

    def update_summaries(self, key=None, update_id=None, **_filters):
        if not self.update_states:
            return []
        status = self.update_states.pop(0)
        return [SimpleNamespace(state=SimpleNamespace(status=api.enum_value(self.idl.JobUpdateStatus, status)))]

    def tasks(self, key, active=None, with_configs=False):
        return [t for t in self._tasks if t.assignedTask.task.job.name == key.name]

    def job_configurations(self, role=None):
        names = sorted({t.assignedTask.task.job.name for t in self._tasks})
        return [SimpleNamespace(key=self.idl.JobKey(role="heron", environment="devel", name=n)) for n in names]


# --- arguments ---------------------------------------------------------------------------------------

def test_argument_types():
    assert arguments.job_key(KEY) == JOB
    assert arguments.instance_spec(f"{KEY}/0-2,5") == (JOB, [0, 1, 2, 5])
    assert arguments.instance_spec(KEY) == (JOB, None)
    assert arguments.task_instance(f"{KEY}/3") == (JOB, 3)
    assert arguments.partial_job_key("devcluster/heron") == ("devcluster", "heron", "*", "*")
    assert not arguments.partial_job_key("devcluster").fully_bound and arguments.partial_job_key(KEY).fully_bound
    assert arguments.binding("TOPOLOGY_ARGUMENTS=--a=b --c") == ("TOPOLOGY_ARGUMENTS", "--a=b --c")
    for parse_type, bad in ((arguments.job_key, "a/b/c"), (arguments.job_key, "a/b c/d/e"),
                            (arguments.instance_spec, f"{KEY}/x"), (arguments.instance_spec, f"{KEY}/3-1"),
                            (arguments.task_instance, KEY), (arguments.task_instance, f"{KEY}/one"),
                            (arguments.partial_job_key, "a/b/c/d/e"), (arguments.binding, "novalue"),
                            (arguments.binding, "bad name=1"), (arguments.positive_int, "0")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_type(bad)


def test_herons_command_lines_parse_as_the_stock_client_parses_them(tmp_path):
    create = parse("job", "create", "--wait-until", "RUNNING", "--bind", "CLUSTER=devcluster",
                   "--bind", "TOPOLOGY_ARGUMENTS=--topology-name=x --id=y", KEY, "/conf/heron.aurora", "--verbose")
    assert (create.verb, create.jobspec, create.config_file, create.wait_until, create.verbose) == (
        "create", JOB, "/conf/heron.aurora", "RUNNING", True)
    assert create.bindings == [("CLUSTER", "devcluster"), ("TOPOLOGY_ARGUMENTS", "--topology-name=x --id=y")]
    killall = parse("job", "killall", KEY, "--verbose", "--batch-size", MAX)
    assert (killall.jobspec, killall.batch_size, killall.no_batching, killall.max_total_failures) == (
        JOB, 2147483647, False, 0)
    restart = parse("job", "restart", f"{KEY}/1", "--verbose", "--batch-size", MAX)
    assert (restart.instance_spec, restart.watch_secs, restart.healthcheck_interval_seconds) == ((JOB, [1]), None, 3)
    kill = parse("job", "kill", f"{KEY}/3,5", "--verbose", "--batch-size", MAX)
    assert kill.instance_spec == (JOB, [3, 5]) and kill.message is None
    add = parse("job", "add", "--wait-until", "RUNNING", f"{KEY}/0", "3", "--verbose")
    assert (add.task_instance, add.instance_count, add.wait_until) == ((JOB, 0), 3, "RUNNING")


def test_defaults_follow_the_stock_client():
    create = parse("job", "create", KEY, "x.aurora")
    assert (create.wait_until, create.bindings, create.read_json, create.verbose) == ("PENDING", [], False, False)
    kill = parse("job", "kill", f"{KEY}/1")
    assert (kill.batch_size, kill.max_total_failures, kill.no_batching, kill.strict) == (1, 0, False, False)
    assert parse("job", "status", "devcluster").write_json is False
    assert parse("update", "wait", KEY).id is None


def test_verbose_anywhere_and_argument_errors_exit_2():
    assert parse("--verbose", "job", "list", "c").verbose is True
    assert parse("job", "-v", "list", "c").verbose is True
    assert parse("job", "list", "c").verbose is False
    for argv in (["job"], ["job", "create", KEY], ["job", "create", "--wait-until", "DONE", KEY, "x"],
                 ["update", "start", KEY], ["cron", "list"]):
        code, out, err = run(argv)
        assert code == 2 and "usage: aurora" in err, argv
    assert run(["--help"])[0] == 0


# --- errors and exit codes -------------------------------------------------------------------------------

@pytest.mark.parametrize("error, code, text", [
    (AuroraApiError("killTasks", "INVALID_REQUEST", ["bad", "worse"]), 10, "Command failure:\n\tbad, worse"),
    (AuroraApiError("createJob", "JOB_UPDATING_ERROR", ["locked"]), 10, "Run 'aurora update abort'"),
    (AuroraTimeout("too slow", [{"instance_id": 0, "status": "PENDING", "last_message": "no offers"}]), 9,
     "too slow\n\tinstance 0: PENDING: no offers"),
    (AuroraTransportError("gave up"), 7, "gave up"),
    (AuroraAuthError("refused"), 30, "refused"),
    (AuroraConfigError("broken"), 3, "broken"),
    (AuroraInvalidParameter("no such instance"), 6, "no such instance"),
    (AuroraMissingLibrary("kazoo"), 4, "pip install kazoo"),
    (command.CommandError(4, "custom"), 4, "custom"),
])
def test_every_error_type_gives_the_stock_exit_code(error, code, text):
    err = io.StringIO()
    assert command.report(command.Output(io.StringIO(), err), error) == code
    assert text in err.getvalue()


def test_settings_from_the_environment(tmp_path):
    (tmp_path / "clusters.json").write_text(json.dumps([{"name": "devcluster", "scheduler_uri": "http://x:1"}]))
    environ = {"AURORA_CONFIG_ROOT": str(tmp_path), "HOME": str(tmp_path / "home")}
    code, _out, err = run(["job", "killall", "other/heron/devel/x"], environ=environ)
    assert code == 3 and "Unknown cluster: other" in err
    code, _out, err = run(["job", "killall", KEY], environ={**environ, "AURORA_RETRY_BUDGET": "soon"})
    assert code == 6 and "AURORA_RETRY_BUDGET must be a positive number of seconds, not 'soon'" in err
    session = command.Session({"AURORA_WAIT_TIMEOUT": "30"})
    assert session.wait_timeout(None) == 30 and session.wait_timeout(5) == 5
    assert command.Session({}).wait_timeout(None) == float("inf")
    (tmp_path / "clusters.json").write_text("[{")
    code, _out, err = run(["job", "killall", KEY], environ=environ)
    assert code == 3 and "not valid JSON" in err


def test_config_errors_exit_3_before_any_scheduler_is_asked(tmp_path, idl):
    config = tmp_path / "job.aurora"
    config.write_text("jobs = [Job(cluster='devcluster', role='heron', environment='devel', name='x', "
                      "task=Task(name='t', processes=[Process(name='p', cmdline='{{CMD}}')], "
                      "resources=Resources(cpu=1, ram=MB, disk=MB)))]")
    jobs = ScriptedJobs(idl)
    code, _out, err = run(["job", "create", "devcluster/heron/devel/x", str(config)], jobs)
    assert code == 3 and "Config contains unbound variables: {{CMD}}" in err
    code, _out, err = run(["job", "create", "devcluster/heron/devel/x", str(tmp_path / "missing.aurora")], jobs)
    assert code == 3 and "no such config file" in err
    code, _out, err = run(["job", "inspect", "--read-json", "devcluster/heron/devel/x", str(config)], jobs)
    assert code == 3 and "is not valid JSON" in err
    assert jobs.calls == []


# --- kill, killall -------------------------------------------------------------------------------------

def test_killall_kills_batch_by_batch(idl):
    jobs = ScriptedJobs(idl, active=[0, 1, 2, 3, 4])
    code, out, _err = run(["job", "killall", KEY, "--batch-size", "2", "-m", "bye"], jobs)
    assert code == 0
    assert jobs.calls == [("kill", [0, 1], "bye"), ("kill", [2, 3], "bye"), ("kill", [4], "bye")]
    assert out.splitlines() == ["Successfully killed instances [0, 1]", "Successfully killed instances [2, 3]",
                                "Successfully killed instances [4]", "Job killall succeeded"]


def test_killall_of_a_job_without_tasks_reports_it_and_still_succeeds(idl):
    jobs = ScriptedJobs(idl, active=[])
    code, out, err = run(["job", "killall", KEY, "--verbose", "--batch-size", MAX], jobs)
    assert (code, out) == (0, "Job killall succeeded\n")
    assert f"No tasks to kill found for job {KEY}" in err
    assert jobs.calls == []


def test_kill_only_touches_active_instances_asked_for(idl):
    jobs = ScriptedJobs(idl, active=[0, 1, 2, 3])
    code, out, _err = run(["job", "kill", f"{KEY}/1,3,9", "--batch-size", MAX], jobs)
    assert code == 0 and jobs.calls == [("kill", [1, 3], None)]
    assert out.splitlines() == ["Successfully killed instances [1, 3]", "Job kill succeeded"]


def test_batches_that_are_not_killed_in_time_fail_the_command(idl):
    jobs = ScriptedJobs(idl, active=[0, 1, 2], kill_times_out=[0])
    code, _out, err = run(["job", "killall", KEY], jobs)
    assert code == 4 and "Instances [0] were not killed in time" in err
    assert "Exceeded maximum number of errors while killing instances" in err
    jobs = ScriptedJobs(idl, active=[0, 1, 2], kill_times_out=[0])
    code, out, err = run(["job", "killall", KEY, "--max-total-failures", "1"], jobs)
    assert code == 4 and "Errors occurred while killing instances" in err
    assert "Successfully killed instances [2]" in out
    jobs = ScriptedJobs(idl, active=[0, 1], kill_times_out=[1])
    code, _out, err = run(["job", "killall", KEY, "--no-batching"], jobs)
    assert code == 9 and "Instances None were not killed in time" in err
    assert jobs.calls == [("kill", None, None)]


def test_kill_needs_instances_and_strict_checks_them(idl):
    jobs = ScriptedJobs(idl, active=[0])
    assert run(["job", "kill", KEY], jobs)[0] == 6
    code, _out, err = run(["job", "kill", f"{KEY}/0,4", "--strict"], jobs)
    assert code == 6 and "Invalid instance parameter: [4]" in err
    assert jobs.calls == []


# --- restart -------------------------------------------------------------------------------------------

def test_restart_runs_batches_and_watches_each(idl):
    jobs = ScriptedJobs(idl, active=[0, 1, 2])
    code, out, err = run(["job", "restart", KEY, "--batch-size", "2", "--watch-secs", "5", "--verbose"], jobs)
    assert code == 0 and out == f"Job {KEY} restarted successfully\n"
    assert jobs.calls == [("restart", [0, 1]), ("watch", [0, 1], 5, 3), ("restart", [2]), ("watch", [2], 5, 3)]
    assert "Restarting instances: [0, 1]" in err


def test_restart_retries_failed_instances_within_the_limits_and_fails_past_them(idl):
    jobs = ScriptedJobs(idl, active=[0, 1], watch_failures=[[1]])
    code, _out, err = run(["job", "restart", KEY, "--batch-size", MAX], jobs)
    assert code == 4 and "Restart failures threshold reached" in err
    assert [c[0] for c in jobs.calls] == ["restart", "watch"]
    jobs = ScriptedJobs(idl, active=[0, 1], watch_failures=[[1]])
    code, out, _err = run(["job", "restart", KEY, "--batch-size", MAX, "--max-per-instance-failures", "1"], jobs)
    assert code == 0 and jobs.calls[2:] == [("restart", [1]), ("watch", [1], 30, 3)]
    assert run(["job", "restart", KEY, "--max-total-failures", "-1"], ScriptedJobs(idl))[0] == 6


def test_restart_watch_secs_default_is_30_or_the_environment_setting(idl):
    jobs = ScriptedJobs(idl, active=[0])
    assert run(["job", "restart", KEY], jobs)[0] == 0
    jobs_env = ScriptedJobs(idl, active=[0])
    assert run(["job", "restart", KEY], jobs_env, environ={"AURORA_WATCH_SECS": "2"})[0] == 0
    jobs_option = ScriptedJobs(idl, active=[0])
    assert run(["job", "restart", KEY, "--watch-secs", "7"], jobs_option, environ={"AURORA_WATCH_SECS": "2"})[0] == 0
    assert [call[2] for call in jobs.calls + jobs_env.calls + jobs_option.calls if call[0] == "watch"] == [30, 2, 7]
    code, _out, err = run(["job", "restart", KEY], ScriptedJobs(idl, active=[0]), environ={"AURORA_WATCH_SECS": "0"})
    assert code == 6 and "AURORA_WATCH_SECS must be a positive number of seconds" in err


def test_restart_of_a_job_without_active_instances_has_nothing_to_do(idl):
    jobs = ScriptedJobs(idl, active=[])
    code, out, _err = run(["job", "restart", KEY], jobs)
    assert code == 0 and out == f"Job {KEY} restarted successfully\n" and jobs.calls == []


# --- update wait -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("states, code", [
    (["ROLLING_FORWARD", "ROLLING_FORWARD", "ROLLED_FORWARD"], 0),
    (["ROLLING_FORWARD", "ROLLING_BACK", "ROLLED_BACK"], 4),
    (["ROLL_FORWARD_PAUSED", "ABORTED"], 20),
    ([], 6),
])
def test_update_wait_prints_each_state_and_exits_by_the_last(idl, states, code):
    jobs = ScriptedJobs(idl, update_states=states)
    result, out, err = run(["update", "wait", KEY, "some-id"], jobs)
    assert result == code
    if states:
        assert out.splitlines() == [f"Current state {s}" for s in dict.fromkeys(states)]
    else:
        assert "Job update not found." in err


# --- status ------------------------------------------------------------------------------------------------

def test_status_json_shape_and_no_match(idl):
    tasks = [scheduled(idl, 1), scheduled(idl, 0), scheduled(idl, 0, "FAILED", "old-0")]
    jobs = ScriptedJobs(idl, tasks=tasks)
    code, out, _err = run(["job", "status", "devcluster/heron", "--write-json"], jobs)
    assert code == 0
    [entry] = json.loads(out)
    assert entry["job"] == KEY
    assert [t["assignedTask"]["instanceId"] for t in entry["active"]] == [0, 1]
    assert [t["assignedTask"]["taskId"] for t in entry["inactive"]] == ["old-0"]
    task = entry["active"][0]
    assert task["status"] == "RUNNING" and [e["status"] for e in task["taskEvents"]] == ["INIT", "RUNNING"]
    assigned = task["assignedTask"]
    assert assigned["task"]["isService"] is True and assigned["assignedPorts"] == {"http": 31000}
    assert out.startswith('[\n  {\n    "job": ')
    code, out, _err = run(["job", "status", "devcluster/heron/devel/Other", "--write-json"], jobs)
    assert (code, out) == (0, '{"jobspec":"devcluster/heron/devel/Other","error":"No matching jobs found"}\n')
    code, out, err = run(["job", "status", "devcluster/heron/prod"], jobs)
    assert code == 6 and "Found no jobs matching devcluster/heron/prod/*" in err
    code, out, _err = run(["job", "status", KEY], jobs)
    assert out.startswith("Active tasks (2):\n\tTask role: heron, env: devel, name: WordCountTopology, instance: 0, "
                          "status: RUNNING on h1\n\t  CPU: 1.0 core(s), RAM: 64 MB, Disk: 32 MB\n")
    assert "Inactive tasks (1):" in out


def test_list_filters_by_patterns(idl):
    jobs = ScriptedJobs(idl, tasks=[scheduled(idl, 0)])
    assert run(["job", "list", "devcluster/*/dev*"], jobs)[1] == f"{KEY}\n"
    assert run(["job", "list", "devcluster/*/prod"], jobs)[1] == ""
    assert run(["job", "list", "devcluster/heron/devel/Anything"], jobs)[1] == "devcluster/heron/devel/Anything\n"


def test_update_wait_polls_fast_first_then_every_5_seconds(idl):
    jobs = ScriptedJobs(idl, update_states=["ROLLING_FORWARD"] * 5 + ["ROLLED_FORWARD"])
    slept = []
    code = command.main(["update", "wait", KEY, "some-id"], stdout=io.StringIO(), stderr=io.StringIO(), environ={},
                        jobs_factory=lambda _cluster: jobs, sleep=slept.append)
    assert code == 0 and slept == [1, 2, 4, 5, 5]


def test_every_verb_takes_skip_hooks_as_the_stock_client():
    parser = command.build_parser()
    nouns = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for noun, noun_parser in nouns.items():
        verbs = next(a for a in noun_parser._actions if isinstance(a, argparse._SubParsersAction)).choices
        for verb, verb_parser in verbs.items():
            options = {option for action in verb_parser._actions for option in action.option_strings}
            assert "--skip-hooks" in options, f"{noun} {verb}"
