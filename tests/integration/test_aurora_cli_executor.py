"""A job the stock client created, met by the `aurora` command (tests/standins/bin/aurora) against the stand-in
scheduler, which compares TaskConfigs whole, executor data as bytes, as the scheduler's JobDiff does: the command
writes the executor data the stock client writes, so `update start` with the same config replaces no instance;
and `update start` leaves alone every instance `job diff` lists under "not change instances"."""

from __future__ import annotations

import getpass
import json
import uuid

import pytest
from aurora_command import Aurora, zk_cluster

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import ConnectionOptions, SchedulerClient
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs, JobKey

CONFIG = """
main = Process(name='main', cmdline='sleep 600')
task = Task(name='main', processes=[main], resources=Resources(cpu=0.1, ram=64*MB, disk=64*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='hello', task=task,
                instances='{{count}}', update_config=UpdateConfig(watch_secs=0, batch_size=2))]
"""
KEY = JobKey("devcluster", "www-data", "devel", "hello")
# What the stock client (Python 2.7, pystachio 0.8.5) writes as ExecutorConfig.data for CONFIG once it picked the
# tier (no tier, production False: "preemptible" among the stand-in's tiers), written by hand: the field set and
# key order of upstream's hello-world executor data fixture (apache/aurora config/test_thrift.py, keys in the
# order Python 2 printed them), "tier" where a Python 2 dict puts it, pystachio's separators, no sort_keys.
STOCK_DATA = (
    '{"environment": "devel", '
    '"health_check_config": {"health_checker": {"http": {"expected_response_code": 0, "endpoint": "/health", '
    '"expected_response": "ok"}}, "min_consecutive_successes": 1, "initial_interval_secs": 15.0, '
    '"max_consecutive_failures": 0, "timeout_secs": 1.0, "interval_secs": 10.0}, '
    '"name": "hello", "service": true, "max_task_failures": 1, '
    '"executor_config": {"data": "", "name": "AuroraExecutor"}, '
    '"cron_collision_policy": "KILL_EXISTING", "enable_hooks": false, "cluster": "devcluster", '
    '"task": {"processes": [{"daemon": false, "name": "main", "ephemeral": false, "max_failures": 1, '
    '"min_duration": 5, "cmdline": "sleep 600", "final": false}], "name": "main", '
    '"finalization_wait": 30, "max_failures": 1, "max_concurrency": 0, '
    '"resources": {"gpu": 0, "disk": 67108864, "ram": 67108864, "cpu": 0.1}, "constraints": []}, '
    '"production": false, "role": "www-data", "tier": "preemptible", "metadata": [], '
    '"lifecycle": {"http": {"graceful_shutdown_endpoint": "/quitquitquit", "graceful_shutdown_wait_secs": 5, '
    '"port": "health", "shutdown_wait_secs": 5, "shutdown_endpoint": "/abortabortabort"}}, '
    '"priority": 0}'
)


@pytest.fixture
def scheduler(make_aurora_scheduler, zookeeper):
    return make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                 update_timeout=3)


@pytest.fixture
def aurora(tmp_path, scheduler, zookeeper):
    runner = Aurora(tmp_path, scheduler)
    runner.clusters(zk_cluster(zookeeper, scheduler.zk_path))
    (tmp_path / "hello.aurora").write_text(CONFIG)
    return runner


@pytest.fixture
def jobs(scheduler):
    return AuroraJobs(SchedulerClient.from_options(ConnectionOptions(scheduler_url=scheduler.url)))


def stock_create(jobs: AuroraJobs, count: int, owner: str, data: str = STOCK_DATA) -> frozenset[str]:
    """createJob with the JobConfiguration the stock client's convert() builds for CONFIG; the task ids."""
    idl = jobs.idl
    key = KEY.thrift(idl)
    task = idl.TaskConfig(
        job=key, owner=idl.Identity(user=owner), isService=True, priority=0, maxTaskFailures=1,
        production=False, tier="preemptible", contactEmail=None, taskLinks={}, constraints=set(), metadata=set(),
        resources={idl.Resource(numCpus=0.1), idl.Resource(ramMb=64), idl.Resource(diskMb=64)},
        executorConfig=idl.ExecutorConfig(name="AuroraExecutor", data=data),
        container=idl.Container(mesos=idl.MesosContainer()))
    jobs.client.call("createJob", description=idl.JobConfiguration(
        key=key, owner=idl.Identity(user=owner), cronSchedule=None,
        cronCollisionPolicy=api.enum_value(idl.CronCollisionPolicy, "KILL_EXISTING"), taskConfig=task,
        instanceCount=count))
    jobs.wait_for_tasks(KEY, "RUNNING", 60)
    return jobs.task_ids(KEY)


def our_request(jobs: AuroraJobs, aurora: Aurora, count: int):
    """The JobUpdateRequest the command sends for CONFIG (the library it runs, the same steps)."""
    config = load_job(str(aurora.root / "hello.aurora"), bindings={"count": count})
    config.apply_tiers(jobs.tier_configs())
    return config.update_request(jobs.idl)


def test_update_start_replaces_nothing_of_a_job_the_stock_client_created(aurora, scheduler, jobs):
    before = stock_create(jobs, 2, owner=getpass.getuser())
    # The scheduler's own verdict, TaskConfigs compared whole: the command's executor data is the stock bytes.
    assert jobs.plan_update(our_request(jobs, aurora, 2)).diff == {
        "add": [], "remove": [], "update": [], "unchanged": [0, 1]}
    diff = aurora.ok("job", "diff", "--bind", "count=2", str(KEY), str(aurora.root / "hello.aurora"))
    assert diff.stdout.splitlines() == ["This job update will:", "not change instances: [0-1]"]
    started = aurora.ok("update", "start", "--bind", "count=2", str(KEY), str(aurora.root / "hello.aurora"))
    assert started.stdout.splitlines() == ["This job update will:", "not change instances: [0-1]",
                                           "Job is unchanged by proposed update."]
    assert jobs.update_summaries(KEY) == []
    assert jobs.task_ids(KEY) == before


def test_the_stand_in_compares_the_executor_data_as_bytes(aurora, jobs):
    """The same content with its keys sorted (what this client wrote before) is another TaskConfig."""
    stock_create(jobs, 2, owner=getpass.getuser(), data=json.dumps(json.loads(STOCK_DATA), sort_keys=True))
    assert jobs.plan_update(our_request(jobs, aurora, 2)).diff["update"] == [0, 1]


def test_update_start_leaves_alone_what_job_diff_calls_unchanged(aurora, scheduler, jobs):
    """Created by another user: the scheduler would replace instances 0 and 1 for the owner alone; job diff calls
    them unchanged, and update start adds instance 2 without touching them."""
    before = stock_create(jobs, 2, owner="stock-user")
    request = our_request(jobs, aurora, 3)
    assert jobs.plan_update(request).diff["update"] == [0, 1]
    config = str(aurora.root / "hello.aurora")
    same = aurora.ok("update", "start", "--bind", "count=2", str(KEY), config)
    assert same.stdout.splitlines() == ["This job update will:", "not change instances: [0-1]",
                                        "Job is unchanged by proposed update."]
    assert "startJobUpdate" not in scheduler.control()["calls"]
    expected = ["This job update will:", "add instances: [2]", "not change instances: [0-1]"]
    assert aurora.ok("job", "diff", "--bind", "count=3", str(KEY), config).stdout.splitlines() == expected
    started = aurora.ok("update", "start", "--bind", "count=3", str(KEY), config, "--wait")
    lines = started.stdout.splitlines()
    assert lines[:3] == expected and lines[-1] == "Current state ROLLED_FORWARD", started.stdout
    active = jobs.active_instances(KEY)
    assert sorted(active) == [0, 1, 2]
    assert {active[0].assignedTask.taskId, active[1].assignedTask.taskId} == before
    [update] = jobs.update_summaries(KEY)
    details = jobs.update_details(KEY, update.key.id)
    assert {e.instanceId for e in details.instanceEvents} == {2}


def test_the_stand_in_refuses_a_scope_outside_the_job(jobs):
    stock_create(jobs, 2, owner=getpass.getuser())
    idl = jobs.idl
    request = idl.JobUpdateRequest(
        taskConfig=jobs.current_config(KEY)[0], instanceCount=2,
        settings=idl.JobUpdateSettings(updateGroupSize=1, updateOnlyTheseInstances={idl.Range(first=5, last=5)}))
    with pytest.raises(Exception, match="irrelevant to the update and current job state: \\[5\\]"):
        jobs.client.call("startJobUpdate", request=request, message=None)
