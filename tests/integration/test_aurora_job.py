"""aurora_job and aurora_job_info run as Ansible runs them, against the stand-in scheduler registered in the
harness's real ZooKeeper: every state and option, check and diff mode, idempotence, rolling updates that roll
forward and back, and the diagnosis of a wait that times out."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

HERON_AURORA = Path(__file__).parents[1] / "unit/plugins/module_utils/_aurora/fixtures/heron.aurora"

CONFIG = """
main = Process(name='main', cmdline='{{command}}')
task = Task(name='main', processes=[main], resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='hello', task=task,
                instances='{{count}}', update_config=UpdateConfig(watch_secs=0, batch_size=2))]
"""


@pytest.fixture
def scheduler(make_aurora_scheduler, zookeeper):  # noqa: F811
    return make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                 update_timeout=3)


@pytest.fixture
def job(scheduler, run_module):
    """Run aurora_job against the stand-in with the hello config; keyword arguments override module options."""
    def run(check_mode=False, diff=False, command="sleep 600", count=2, **options):
        args = {"scheduler_url": scheduler.url, "config_content": CONFIG,
                "bindings": {"command": command, "count": count}, "wait_timeout": 60}
        args.update(options)
        return run_module("aurora_job", args, check_mode=check_mode, diff=diff)
    return run


def calls(scheduler):
    return scheduler.control()["calls"]


CHANGING_CALLS = {"createJob", "killTasks", "restartShards", "startJobUpdate", "addInstances"}


def test_present_creates_the_job_and_waits_until_running(job, scheduler):
    result = job()
    assert result["changed"] is True, result
    assert result["job_key"] == "devcluster/www-data/devel/hello"
    assert result["instance_count"] == 2
    assert [(t["instance_id"], t["status"]) for t in result["tasks"]] == [(0, "RUNNING"), (1, "RUNNING")]
    assert all(t["host"] == "127.0.0.1" and t["task_id"] for t in result["tasks"])
    assert result["diff"] == {"add": [0, 1], "remove": [], "update": [], "unchanged": []}
    assert "createJob" in calls(scheduler)


def test_present_twice_is_idempotent(job, scheduler):
    job()
    before = len(calls(scheduler))
    again = job()
    assert again["changed"] is False, again
    assert again["diff"] == {"add": [], "remove": [], "update": [], "unchanged": [0, 1]}
    assert again["update"] is None
    assert not CHANGING_CALLS & set(calls(scheduler)[before:])


def test_another_user_with_the_same_config_changes_nothing(job, scheduler, run_module):
    job()
    before = len(calls(scheduler))
    args = {"scheduler_url": scheduler.url, "config_content": CONFIG, "wait_timeout": 60,
            "bindings": {"command": "sleep 600", "count": 2}}
    other = run_module("aurora_job", args, env={"LOGNAME": "someone-else", "USER": "someone-else"})
    assert other["changed"] is False, other
    assert other["diff"]["unchanged"] == [0, 1]
    assert not CHANGING_CALLS & set(calls(scheduler)[before:])


def test_check_mode_computes_the_change_and_sends_nothing(job, scheduler, run_module):
    result = job(check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["add"] == [0, 1]
    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["instances"] == 2
    assert after["task"]["resources"] == {"numCpus": 0.1, "ramMb": 32, "diskMb": 16, "ports": []}
    assert after["task"]["executorConfig"]["data"]["task"]["processes"][0]["cmdline"] == "sleep 600"
    assert not CHANGING_CALLS & set(calls(scheduler))
    info = run_module("aurora_job_info", {"scheduler_url": scheduler.url, "role": "www-data"})
    assert info["jobs"] == []


def test_check_mode_on_an_unchanged_job_reports_no_change(job):
    job()
    assert job(check_mode=True)["changed"] is False


def test_rolling_update_rolls_forward(job, scheduler):
    first = job()
    result = job(command="sleep 601", diff=True)
    assert result["changed"] is True, result
    assert result["diff"]["update"] == [0, 1]
    assert result["update"]["status"] == "ROLLED_FORWARD"
    before = result["diff"]["before"]["task"]["executorConfig"]["data"]["task"]["processes"][0]["cmdline"]
    after = result["diff"]["after"]["task"]["executorConfig"]["data"]["task"]["processes"][0]["cmdline"]
    assert (before, after) == ("sleep 600", "sleep 601")
    assert {t["task_id"] for t in result["tasks"]}.isdisjoint({t["task_id"] for t in first["tasks"]})
    assert all(t["status"] == "RUNNING" for t in result["tasks"])
    assert job(command="sleep 601")["changed"] is False


def test_rolling_update_adds_and_removes_instances(job):
    job(count=2)
    grown = job(count=3)
    assert grown["diff"]["add"] == [2] and grown["diff"]["unchanged"] == [0, 1]
    assert [t["instance_id"] for t in grown["tasks"]] == [0, 1, 2]
    shrunk = job(count=1)
    assert shrunk["diff"]["remove"] == [1, 2]
    assert shrunk["instance_count"] == 1
    assert job(count=1)["changed"] is False


def test_a_rolled_back_update_fails_the_task(job, scheduler):
    job()
    scheduler.control(never_start=["www-data/devel/hello"])
    result = job(command="sleep 602")
    assert result.get("failed") is True, result
    assert "ended ROLLED_BACK" in result["msg"]
    assert result["update"]["status"] == "ROLLED_BACK"
    scheduler.control(allow_start=["www-data/devel/hello"])


def test_recreate_kills_then_creates(job, scheduler):
    first = job()
    result = job(command="sleep 603", update_strategy="recreate")
    assert result["changed"] is True and result["update"] is None
    assert [c for c in calls(scheduler) if c in CHANGING_CALLS] == ["createJob", "killTasks", "createJob"]
    assert {t["task_id"] for t in result["tasks"]}.isdisjoint({t["task_id"] for t in first["tasks"]})


def test_absent_kills_and_is_idempotent(job, scheduler, run_module):
    job()
    key = "devcluster/www-data/devel/hello"
    args = {"scheduler_url": scheduler.url, "job_key": key, "state": "absent"}
    check = run_module("aurora_job", args, check_mode=True)
    assert check["changed"] is True and check["diff"]["remove"] == [0, 1]
    gone = run_module("aurora_job", args)
    assert gone["changed"] is True and gone["instance_count"] == 0
    again = run_module("aurora_job", args)
    assert again["changed"] is False
    info = run_module("aurora_job_info", {"scheduler_url": scheduler.url, "job_key": key})
    [entry] = info["jobs"]
    assert entry["active"] == []
    assert sorted(t["status"] for t in entry["inactive"]) == ["KILLED", "KILLED"]


def test_absent_on_a_job_that_never_existed_is_ok(scheduler, run_module):
    result = run_module("aurora_job", {"scheduler_url": scheduler.url, "state": "absent",
                                       "job_key": "devcluster/www-data/devel/nothing"})
    assert result["changed"] is False, result
    assert "killTasks" not in calls(scheduler)


def test_absent_with_instances_kills_only_those(job, scheduler, run_module):
    job(count=3)
    result = run_module("aurora_job", {"scheduler_url": scheduler.url, "state": "absent", "instances": ["1-2"],
                                       "job_key": "devcluster/www-data/devel/hello"})
    assert result["diff"]["remove"] == [1, 2] and result["diff"]["unchanged"] == [0]
    assert [t["instance_id"] for t in result["tasks"]] == [0]


def test_restarted_always_restarts_the_instances_given(job, scheduler, run_module):
    first = {t["instance_id"]: t["task_id"] for t in job()["tasks"]}
    args = {"scheduler_url": scheduler.url, "state": "restarted", "job_key": "devcluster/www-data/devel/hello",
            "instances": ["1"]}
    check = run_module("aurora_job", args, check_mode=True)
    assert check["changed"] is True and check["diff"]["update"] == [1] and check["diff"]["unchanged"] == [0]
    assert "restartShards" not in calls(scheduler)
    result = run_module("aurora_job", args)
    assert result["changed"] is True, result
    [task] = result["tasks"]
    assert task["instance_id"] == 1 and task["status"] == "RUNNING" and task["task_id"] != first[1]
    everything = run_module("aurora_job", dict(args, instances=None))
    assert [t["instance_id"] for t in everything["tasks"]] == [0, 1]
    assert everything["tasks"][0]["task_id"] != first[0]


def test_restarted_does_not_count_the_end_of_the_task_it_restarted(job, scheduler, run_module):
    job()
    scheduler.control(restart_ends={"www-data/devel/hello": "FAILED"})
    result = run_module("aurora_job", {"scheduler_url": scheduler.url, "state": "restarted",
                                       "job_key": "devcluster/www-data/devel/hello", "watch_secs": 2,
                                       "wait_timeout": 60})
    assert not result.get("failed"), result
    assert [(t["instance_id"], t["status"]) for t in result["tasks"]] == [(0, "RUNNING"), (1, "RUNNING")]


def test_a_production_job_gets_a_production_tier(job, scheduler):
    # No tier in the config: the stock client's rule picks "preferred" for production=True; the scheduler alone
    # would put the job in its default tier, preemptible, and drop production.
    config = CONFIG.replace("update_config=", "production=True, update_config=")
    result = job(check_mode=True, diff=True, config_content=config)
    after = result["diff"]["after"]["task"]
    assert (after["tier"], after["production"]) == ("preferred", True)
    assert after["executorConfig"]["data"]["tier"] == "preferred"
    assert "createJob" not in calls(scheduler)


def test_restarting_a_job_that_does_not_run_fails(scheduler, run_module):
    result = run_module("aurora_job", {"scheduler_url": scheduler.url, "state": "restarted",
                                       "job_key": "devcluster/www-data/devel/nothing"})
    assert result["failed"] is True
    assert "has no active tasks to restart" in result["msg"]


def test_wait_until_pending_returns_once_the_tasks_are_scheduled(job, scheduler):
    scheduler.control(never_start=["www-data/devel/hello"])
    result = job(wait_until="PENDING", wait_timeout=30)
    assert result["changed"] is True, result
    assert [(t["instance_id"], t["status"]) for t in result["tasks"]] == [(0, "PENDING"), (1, "PENDING")]


def test_a_wait_that_times_out_explains_each_instance(job, scheduler):
    scheduler.control(never_start=["www-data/devel/hello"])
    result = job(wait_timeout=3)
    assert result["failed"] is True
    assert "not every instance is RUNNING after" in result["msg"]
    assert "(wait_timeout is 3 s, counted from the start of the task)" in result["msg"]
    assert [(d["instance_id"], d["status"]) for d in result["diagnosis"]] == [(0, "PENDING"), (1, "PENDING")]
    assert result["changed"] is True  # the job was created before the wait ran out


def test_a_failing_process_is_named_in_the_diagnosis(make_aurora_scheduler, run_module):  # noqa: F811
    scheduler = make_aurora_scheduler(run_processes=True)
    result = run_module("aurora_job", {
        "scheduler_url": scheduler.url, "config_content": CONFIG, "wait_timeout": 60, "watch_secs": 5,
        "bindings": {"command": "echo fetching; echo 'curl: (6) Could not resolve host' >&2; exit 6", "count": 1}})
    assert result["failed"] is True
    [instance] = result["diagnosis"]
    assert "Process main failed with exit status 6: curl: (6) Could not resolve host" in instance["last_message"]


def test_processes_run_in_order_in_the_instance_sandbox(make_aurora_scheduler, run_module):  # noqa: F811
    scheduler = make_aurora_scheduler(run_processes=True)
    config = """
first = Process(name='first', cmdline='echo {{mesos.instance}} > order.txt')
second = Process(name='second', cmdline='echo port {{thermos.ports[http]}} >> order.txt; sleep 600')
task = SequentialTask(processes=[first, second], resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='ordered', task=task)]
"""
    result = run_module("aurora_job", {"scheduler_url": scheduler.url, "config_content": config, "wait_timeout": 30})
    assert result["changed"] is True, result
    [task] = result["tasks"]
    sandbox = scheduler.sandbox_root / "www-data/devel/ordered/0"
    lines = (sandbox / "order.txt").read_text().splitlines()
    assert lines == ["0", f"port {task['ports']['http']}"]


def test_bad_config_fails_before_anything_is_sent(scheduler, run_module):
    result = run_module("aurora_job", {"scheduler_url": scheduler.url, "config_content": CONFIG,
                                       "bindings": {"count": 1}})
    assert result["failed"] is True
    assert "unbound variables: {{command}}" in result["msg"]
    assert calls(scheduler) == []


def test_scheduler_found_through_clusters_json_and_zookeeper(scheduler, zookeeper, run_module, tmp_path):
    host, port = zookeeper.hosts.split(":")
    clusters = tmp_path / "clusters.json"
    clusters.write_text(json.dumps([{"name": "devcluster", "zk": host, "zk_port": int(port),
                                     "scheduler_zk_path": scheduler.zk_path}]))
    result = run_module("aurora_job", {"clusters_file": str(clusters), "config_content": CONFIG,
                                       "bindings": {"command": "sleep 600", "count": 1}})
    assert result["changed"] is True, result
    info = run_module("aurora_job_info", {"clusters_file": str(clusters), "cluster": "devcluster",
                                          "role": "www-data"})
    [entry] = info["jobs"]
    assert entry["job"] == "devcluster/www-data/devel/hello"
    assert [t["status"] for t in entry["active"]] == ["RUNNING"]


def test_heron_aurora_template_through_the_stand_in(scheduler, run_module, tmp_path):
    config = tmp_path / "heron.aurora"
    shutil.copy(HERON_AURORA, config)
    bindings = {
        "CLUSTER": "devcluster", "ROLE": "heron", "ENVIRON": "devel", "TOPOLOGY_NAME": "WordCountTopology",
        "EXECUTOR_BINARY": "./heron-core/bin/heron-executor", "TOPOLOGY_ARGUMENTS": "--topology-name=WordCountTopology",
        "CPUS_PER_CONTAINER": 1, "RAM_PER_CONTAINER": 1073741824, "DISK_PER_CONTAINER": 2147483648,
        "NUM_CONTAINERS": 2, "TIER": "preemptible", "CORE_PACKAGE_URI": "http://h/heron-core.tar.gz",
        "TOPOLOGY_PACKAGE_URI": "http://h/topology.tar.gz",
    }
    args = {"scheduler_url": scheduler.url, "config": str(config), "bindings": bindings,
            "job_key": "devcluster/heron/devel/WordCountTopology"}
    result = run_module("aurora_job", args)
    assert result["changed"] is True, result
    assert sorted(result["tasks"][0]["ports"]) == [
        "ckptmgr_port", "http", "metricscachemgr_serverport", "metricscachemgr_statsport",
        "port1", "port2", "port3", "port4", "scheduler", "yourkit"]
    assert run_module("aurora_job", args)["changed"] is False


def test_info_lists_every_job_of_a_role(job, scheduler, run_module):
    job()
    info = run_module("aurora_job_info", {"scheduler_url": scheduler.url, "role": "www-data"})
    assert info["changed"] is False
    [entry] = info["jobs"]
    assert entry["job"] == "devcluster/www-data/devel/hello"
    assert [t["status"] for t in entry["active"]] == ["RUNNING", "RUNNING"]
    assert [e["status"] for e in entry["active"][0]["events"]][:5] == ["INIT", "PENDING", "ASSIGNED", "STARTING",
                                                                       "RUNNING"]
    assert run_module("aurora_job_info", {"scheduler_url": scheduler.url, "role": "nobody"})["jobs"] == []


def test_watch_secs_passes_instances_that_stay_running(make_aurora_scheduler, run_module):
    scheduler = make_aurora_scheduler(run_processes=True)
    result = run_module("aurora_job", {
        "scheduler_url": scheduler.url, "config_content": CONFIG, "wait_timeout": 60, "watch_secs": 2,
        "bindings": {"command": "sleep 600", "count": 1}})
    assert result.get("failed") is not True, result.get("msg")
    assert [task["status"] for task in result["tasks"]] == ["RUNNING"]


def test_a_lost_answer_is_settled_from_the_schedulers_state(job, scheduler):
    # createJob and startJobUpdate are applied and their connections closed unanswered: the module reads the job's
    # state (the tasks; the update by the tag it sent), reports the change it made, and sends neither twice.
    scheduler.control(lose_answer={"createJob": 1, "startJobUpdate": 1})
    created = job()
    assert created["changed"] is True and created.get("failed") is not True, created
    updated = job(command="sleep 601")
    assert updated["changed"] is True and updated["update"]["status"] == "ROLLED_FORWARD", updated
    made = calls(scheduler)
    assert (made.count("createJob"), made.count("startJobUpdate")) == (1, 1), made
