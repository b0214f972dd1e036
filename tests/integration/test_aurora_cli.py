"""The `aurora` command line run as a program (tests/standins/bin/aurora, the real entry point) against the stand-in
scheduler, found through clusters.json and the harness's real ZooKeeper: every command line Heron's
AuroraCLIController issues, verbatim, with its exit code and its effect on the scheduler; the other verbs; exit codes
of each kind of failure; and the JSON shapes of the stock client."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import uuid

import pytest
from aurora_command import AURORA, HELLO, HELLO_KEY, HERON_KEY, Aurora, zk_cluster

from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import ConnectionOptions, SchedulerClient
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs

HERON_PORTS = ["ckptmgr_port", "http", "metricscachemgr_serverport", "metricscachemgr_statsport", "port1", "port2",
               "port3", "port4", "scheduler", "yourkit"]
# The stock client printed times in whole seconds (Python 2 integer division of the milliseconds).
WHOLE_SECOND_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
WHOLE_SECOND_EVENT = re.compile(r"\t   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]+: .*")
MAX_BATCH = "2147483647"  # Integer.MAX_VALUE, as Heron passes it


@pytest.fixture
def scheduler(make_aurora_scheduler, zookeeper):
    return make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                 update_timeout=3)


@pytest.fixture
def aurora(tmp_path, scheduler, zookeeper):
    """The command, with a clusters.json that finds the stand-in's leader in ZooKeeper."""
    runner = Aurora(tmp_path, scheduler)
    runner.clusters(zk_cluster(zookeeper, scheduler.zk_path))
    return runner


def heron_new_instances(stderr: str) -> set[int]:
    """What Heron's AuroraCLIController.addContainers reads from the stderr of `aurora job add`."""
    pattern = "Querying instance statuses: ["
    start = stderr.index(pattern) + len(pattern)
    return {int(part) for part in stderr[start:stderr.index("]", start)].split(", ")}


# --- Heron's command lines, verbatim --------------------------------------------------------------------

def test_heron_create_finds_the_leader_in_zookeeper_and_waits_until_running(aurora, scheduler):
    result = aurora.heron_create()
    assert result.returncode == 0, result.stderr
    job_url = f"{scheduler.url}/scheduler/heron/devel/WordCountTopology"
    assert result.stdout.strip() == f"Job create succeeded: job url={job_url}"
    active = aurora.active(HERON_KEY)
    assert sorted(active) == [0, 1]
    assert {t["status"] for t in active.values()} == {"RUNNING"}
    assert sorted(active[0]["assignedTask"]["assignedPorts"]) == HERON_PORTS
    assert "createJob" in scheduler.control()["calls"]


def test_heron_create_of_a_running_topology_fails_with_the_schedulers_reason(aurora):
    assert aurora.heron_create().returncode == 0
    again = aurora.heron_create()
    assert again.returncode == 4
    assert "Job creation failed due to error:" in again.stderr
    assert "already exists" in again.stderr


def test_heron_killall_kills_every_instance_and_exits_0_for_a_missing_job(aurora, scheduler):
    assert aurora.heron_create().returncode == 0
    result = aurora.ok("job", "killall", HERON_KEY, "--verbose", "--batch-size", MAX_BATCH)
    assert result.stdout.splitlines() == ["Successfully killed instances [0, 1]", "Job killall succeeded"]
    assert aurora.active(HERON_KEY) == {}
    inactive = aurora.status(HERON_KEY)["inactive"]
    assert {t["status"] for t in inactive} == {"KILLED"}
    again = aurora.ok("job", "killall", HERON_KEY, "--verbose", "--batch-size", MAX_BATCH)
    assert f"No tasks to kill found for job {HERON_KEY}" in again.stderr
    assert again.stdout.strip() == "Job killall succeeded"
    never = aurora.ok("job", "killall", "devcluster/heron/devel/NeverSubmitted", "--batch-size", MAX_BATCH)
    assert never.stdout.strip() == "Job killall succeeded"


def test_heron_scale_down_kills_the_named_containers(aurora):
    aurora.create_hello(count=4)
    result = aurora.ok("job", "kill", f"{HELLO_KEY}/2,3", "--verbose", "--batch-size", MAX_BATCH)
    assert result.stdout.splitlines() == ["Successfully killed instances [2, 3]", "Job kill succeeded"]
    assert sorted(aurora.active(HELLO_KEY)) == [0, 1]


def test_heron_scale_up_adds_instances_and_reports_their_ids_as_heron_parses_them(aurora, scheduler):
    aurora.create_hello(count=2)
    result = aurora.ok("job", "add", "--wait-until", "RUNNING", f"{HELLO_KEY}/0", "3", "--verbose")
    assert heron_new_instances(result.stderr) == {2, 3, 4}
    active = aurora.active(HELLO_KEY)
    assert sorted(active) == [0, 1, 2, 3, 4]
    assert all(active[i]["status"] == "RUNNING" for i in (2, 3, 4))
    assert "addInstances" in scheduler.control()["calls"]


def test_heron_restart_of_one_container_and_of_the_whole_topology(aurora):
    # Heron passes no --watch-secs: the launcher's AURORA_WATCH_SECS shortens the default 30 s watch per batch.
    aurora.env["AURORA_WATCH_SECS"] = "2"
    aurora.create_hello(count=2)
    before = {i: t["assignedTask"]["taskId"] for i, t in aurora.active(HELLO_KEY).items()}
    one = aurora.ok("job", "restart", f"{HELLO_KEY}/1", "--verbose", "--batch-size", MAX_BATCH)
    assert one.stdout.strip() == f"Job {HELLO_KEY} restarted successfully"
    middle = {i: t["assignedTask"]["taskId"] for i, t in aurora.active(HELLO_KEY).items()}
    assert middle[0] == before[0] and middle[1] != before[1]
    assert aurora.active(HELLO_KEY)[1]["status"] == "RUNNING"
    whole = aurora.ok("job", "restart", HELLO_KEY, "--verbose", "--batch-size", MAX_BATCH)
    assert "Restarting instances: [0, 1]" in whole.stderr
    after = {i: t["assignedTask"]["taskId"] for i, t in aurora.active(HELLO_KEY).items()}
    assert after[0] != middle[0] and after[1] != middle[1]


@pytest.mark.parametrize("old_task_end", ["FAILED", "LOST"])
def test_heron_restart_counts_only_the_tasks_it_started(aurora, scheduler, old_task_end):
    # The scheduler may end a RESTARTING task FAILED or LOST instead of KILLED (its state machine allows both) and
    # reschedules the instance all the same: the replacement runs, so the restart succeeded.
    aurora.env["AURORA_WATCH_SECS"] = "2"
    aurora.create_hello(count=2)
    before = {t["assignedTask"]["taskId"] for t in aurora.active(HELLO_KEY).values()}
    scheduler.control(restart_ends={"www-data/devel/hello": old_task_end})
    result = aurora("job", "restart", HELLO_KEY, "--verbose", "--batch-size", MAX_BATCH)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.strip() == f"Job {HELLO_KEY} restarted successfully"
    status = aurora.status(HELLO_KEY)
    ended = {t["assignedTask"]["taskId"]: t["status"] for t in status["inactive"]}
    assert {ended.get(task_id) for task_id in before} == {old_task_end}
    assert all(t["status"] == "RUNNING" and t["assignedTask"]["taskId"] not in before for t in status["active"])


def test_the_stand_in_refuses_a_restart_end_the_scheduler_does_not_allow(scheduler):
    with pytest.raises(urllib.error.HTTPError, match="400"):
        scheduler.control(restart_ends={"www-data/devel/hello": "RUNNING"})


def test_heron_restart_of_a_crash_looping_container_fails(tmp_path, zookeeper, make_aurora_scheduler):
    scheduler = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                      run_processes=True)
    aurora = Aurora(tmp_path, scheduler)
    aurora.clusters(zk_cluster(zookeeper, scheduler.zk_path))
    aurora.env["AURORA_WATCH_SECS"] = "2"
    aurora.create_hello(1, "echo 'heron-executor: cannot bind port' >&2; exit 3")
    result = aurora("job", "restart", f"{HELLO_KEY}/0", "--verbose", "--batch-size", MAX_BATCH)
    assert result.returncode == 4, (result.stdout, result.stderr)
    assert "1 failed instances observed ([0])" in result.stderr
    assert "restarted successfully" not in result.stdout


# --- tiers ------------------------------------------------------------------------------------------------

TIERED = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='tiered', task=task, %s)]
"""
TIERED_KEY = "devcluster/www-data/devel/tiered"


def tier_of(aurora, scheduler, config_text: str) -> tuple:
    """Create the job of TIERED with ``config_text`` for the job's extra fields; (tier, production) of its task as
    the scheduler holds it, and as the executor data the client wrote says."""
    config = aurora.root / "tiered.aurora"
    config.write_text(TIERED % config_text)
    aurora.ok("job", "create", "--wait-until", "RUNNING", TIERED_KEY, str(config))
    [task] = aurora.active(TIERED_KEY).values()
    task_config = task["assignedTask"]["task"]
    jobs = AuroraJobs(SchedulerClient.from_options(ConnectionOptions(scheduler_url=scheduler.url)))
    [job] = [j for j in jobs.job_configurations("www-data") if j.key.name == "tiered"]
    data = json.loads(job.taskConfig.executorConfig.data)
    same = aurora.ok("job", "diff", TIERED_KEY, str(config))
    assert same.stdout.splitlines() == ["This job update will:", "not change instances: [0]"]
    return (task_config["tier"], task_config["production"]), (data.get("tier"), data.get("production"))


@pytest.mark.parametrize(("fields", "expected"), [
    ("production=False", ("preemptible", False)),
    ("production=True", ("preferred", True)),    # without a tier the scheduler would put it in its default tier
    ("tier='preferred'", ("preferred", True)),   # a tier sets production
    ("tier='revocable', production=True", ("revocable", False)),
])
def test_create_sends_the_tier_and_production_the_stock_client_does(aurora, scheduler, fields, expected):
    scheduled, executor = tier_of(aurora, scheduler, fields)
    assert scheduled == expected
    assert executor == expected
    assert "getTierConfigs" in scheduler.control()["calls"]


def test_a_production_default_tier_does_not_turn_a_job_production(aurora, scheduler):
    scheduler.control(tiers={"default": "preferred", "tiers": {
        "preferred": {"preemptible": False, "revocable": False},
        "preemptible": {"preemptible": True, "revocable": False}}})
    scheduled, executor = tier_of(aurora, scheduler, "production=False")
    assert scheduled == executor == ("preemptible", False)


# --- other verbs -------------------------------------------------------------------------------------------

def test_status_json_has_the_stock_shape_and_no_match_is_json_with_exit_0(aurora):
    aurora.create_hello(count=1)
    result = aurora.ok("job", "status", "devcluster/www-data", "--write-json")
    [entry] = json.loads(result.stdout)
    assert set(entry) == {"job", "active", "inactive"} and entry["job"] == HELLO_KEY
    [task] = entry["active"]
    assert task["status"] == "RUNNING" and task["assignedTask"]["instanceId"] == 0
    assert task["assignedTask"]["task"]["isService"] is True
    assert [e["status"] for e in task["taskEvents"]][:5] == ["INIT", "PENDING", "ASSIGNED", "STARTING", "RUNNING"]
    missing = aurora("job", "status", "devcluster/www-data/devel/nothing", "--write-json")
    assert missing.returncode == 0
    assert missing.stdout.strip() == '{"jobspec":"devcluster/www-data/devel/nothing","error":"No matching jobs found"}'
    text = aurora("job", "status", "devcluster/nobody")
    assert text.returncode == 6 and "Found no jobs matching devcluster/nobody/*/*" in text.stderr
    pretty = aurora.ok("job", "status", HELLO_KEY)
    assert pretty.stdout.startswith("Active tasks (1):\n\tTask role: www-data, env: devel, name: hello, instance: 0, "
                                    "status: RUNNING on 127.0.0.1")
    events = [line for line in pretty.stdout.splitlines() if line.startswith("\t   ")]
    assert events and all(WHOLE_SECOND_EVENT.fullmatch(line) for line in events), events


PORTED = """
serve = Process(name='main', cmdline='serve {{thermos.ports[http]}} {{thermos.ports[admin]}}')
task = Task(name='main', processes=[serve], resources=Resources(cpu=0.5, ram=64*MB, disk=32*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='ported', task=task,
                constraints={'rack': '!r9'})]
"""


def test_status_shows_ports_and_writes_booleans_as_the_stock_client(aurora):
    config = aurora.root / "ported.aurora"
    config.write_text(PORTED)
    key = "devcluster/www-data/devel/ported"
    aurora.ok("job", "create", key, str(config))
    text = aurora.ok("job", "status", key).stdout
    assert "\t  CPU: 0.5 core(s), RAM: 64 MB, Disk: 32 MB, Port: admin, Port: http\n" in text, text
    [task] = aurora.status(key)["active"]
    task_config = task["assignedTask"]["task"]
    # Thrift's simple JSON writes booleans as 1/0; the stock client turns isService and production back.
    assert task_config["isService"] is True and task_config["production"] is False
    [constraint] = task_config["constraints"]
    assert constraint["constraint"]["value"]["negated"] == 1
    assert constraint["constraint"]["value"]["negated"] is not True


@pytest.mark.parametrize(("fields", "code", "message"), [
    ("instances=2, update_config=UpdateConfig(max_total_failures=2)", 1,
     "max_total_failures in update_config must be lesser than the job size"),
    ("announce=Announcer(portmap={'http': '8080'})", 3,
     "Error loading configuration: Job must be dedicated in order to specify static ports!"),
])
def test_the_stock_config_checks_stop_before_any_call(aurora, scheduler, fields, code, message):
    config = aurora.root / "checked.aurora"
    config.write_text(TIERED.replace("name='tiered'", "name='checked'") % fields)
    before = len(scheduler.control()["calls"])
    for command in (["job", "create"], ["update", "start"], ["job", "diff"]):
        result = aurora(*command, "devcluster/www-data/devel/checked", str(config))
        assert result.returncode == code, (command, result.stdout, result.stderr)
        assert message in result.stderr
    assert len(scheduler.control()["calls"]) == before  # nothing was asked of the scheduler


THERMOS_CHECKED = """
setup = Process(name='setup', cmdline='true', %s)
main = Process(name='main', cmdline='sleep 600 {{thermos.ports[http]}} %s')
task = Task(name='main', processes=[setup, main], constraints=order(setup, main),
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='thermos', task=task)]
"""


@pytest.mark.parametrize(("setup", "main", "message"), [
    ("daemon=True", "", "Error loading configuration: Task is invalid: Task has invalid plan: Process main may not "
                        "depend upon daemon process setup"),
    ("final=True", "", "Error loading configuration: Task is invalid: Task has invalid plan: Invalid process "
                       "dependencies!"),
    ("ephemeral=False", "{{mesos.role_name}}", "Error loading configuration: Config contains unbound variables: "
                                               "{{mesos.role_name}}"),
])
def test_the_stock_thermos_checks_stop_before_any_call(aurora, scheduler, setup, main, message):
    config = aurora.root / "thermos.aurora"
    config.write_text(THERMOS_CHECKED % (setup, main))
    before = len(scheduler.control()["calls"])
    for command in (["job", "create"], ["update", "start"], ["job", "diff"], ["job", "inspect"]):
        result = aurora(*command, "devcluster/www-data/devel/thermos", str(config))
        assert result.returncode == 3, (command, result.stdout, result.stderr)
        assert message in result.stderr
    assert len(scheduler.control()["calls"]) == before  # nothing was asked of the scheduler
    config.write_text(THERMOS_CHECKED % ("ephemeral=False", "{{mesos.instance}} {{mesos.hostname}}"))
    aurora.ok("job", "inspect", "devcluster/www-data/devel/thermos", str(config))


HELPED = """
fetch = SimpleTask('fetch', 'curl -O pkg')
serve = Task(processes=[Process(name='serve', cmdline='java ' + java_options('server', Xmx='1g'))],
             resources=Resources(cpu=0.5, ram=64*MB, disk=64*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='helped',
                task=concat_tasks(fetch, serve, name='helped'))]
"""


def test_a_config_using_the_thermos_helpers_loads(aurora):
    config = aurora.root / "helped.aurora"
    config.write_text(HELPED)
    inspected = json.loads(aurora.ok("job", "inspect", "--write-json", "devcluster/www-data/devel/helped",
                                     str(config)).stdout)
    task = inspected["task"]
    assert [process["cmdline"] for process in task["processes"]] == ["curl -O pkg", "java -server -Xmx 1g"]
    assert task["constraints"] == [{"order": ["fetch", "serve"]}]


def test_an_unreachable_zookeeper_is_retried_then_a_timeout(tmp_path):
    # Nothing listens on the port: each lookup is retried (as the stock client keeps trying to connect) until
    # AURORA_RETRY_BUDGET is spent; then exit 9, the stock client's TIMEOUT, naming ZooKeeper.
    from harness.service import free_port

    aurora = Aurora(tmp_path)
    aurora.clusters({"name": "devcluster", "zk": "127.0.0.1", "zk_port": free_port(),
                     "scheduler_zk_path": "/aurora/scheduler"})
    result = aurora("job", "list", "devcluster", env={"AURORA_RETRY_BUDGET": "1"})
    assert result.returncode == 9, (result.stdout, result.stderr)
    assert "gave up after 1 s of retries; last: cannot reach ZooKeeper at 127.0.0.1:" in result.stderr


def test_a_scheduler_that_comes_up_late_is_waited_for(tmp_path, zookeeper, make_aurora_scheduler):
    # Heron's submit during a scheduler outage: no leader in ZooKeeper yet, then one registers. The command keeps
    # asking, as the stock client did, and creates the job once the scheduler is there.
    zk_path = f"/aurora-{uuid.uuid4().hex[:8]}/scheduler"
    aurora = Aurora(tmp_path)
    aurora.clusters(zk_cluster(zookeeper, zk_path))
    command = subprocess.Popen([str(AURORA), "job", "create", "--bind", "command=sleep 600", "--bind", "count=1",  # noqa: S603
                                "--bind", "env=devel", HELLO_KEY, str(aurora.hello)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(aurora.env, AURORA_RETRY_BUDGET="120"))
    try:
        scheduler = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=zk_path)
        out, err = command.communicate(timeout=180)
    finally:
        command.kill()
    assert command.returncode == 0, (out, err)
    assert out.startswith("Job create succeeded")
    assert scheduler.control()["calls"].count("createJob") == 1


def test_list_matches_wildcards(aurora):
    aurora.create_hello(count=1)
    # --skip-hooks is taken by every verb of the stock client; there are no hooks here to skip.
    assert aurora.ok("job", "list", "devcluster", "--skip-hooks", "hook_a,hook_b").stdout.splitlines() == [HELLO_KEY]
    assert aurora.ok("job", "status", HELLO_KEY, "--skip-hooks", "hook_a", "--write-json").returncode == 0
    assert aurora.ok("job", "list", "devcluster").stdout.splitlines() == [HELLO_KEY]
    assert aurora.ok("job", "list", "devcluster/*/dev*/h*").stdout.splitlines() == [HELLO_KEY]
    assert aurora.ok("job", "list", "devcluster/www-data/prod").stdout == ""


def test_diff_shows_what_an_update_would_change(aurora):
    aurora.create_hello(count=2)
    result = aurora.ok("job", "diff", "--bind", "command=sleep 601", "--bind", "count=3", "--bind", "env=devel",
                       HELLO_KEY, str(aurora.hello))
    lines = result.stdout.splitlines()
    assert lines[:4] == ["This job update will:", "add instances: [2]", "update instances: [0-1]", "with diff:"]
    assert '-            "cmdline": "sleep 600",' in lines and '+            "cmdline": "sleep 601",' in lines
    same = aurora.ok("job", "diff", "--bind", "command=sleep 600", "--bind", "count=2", "--bind", "env=devel",
                     HELLO_KEY, str(aurora.hello))
    assert same.stdout.splitlines() == ["This job update will:", "not change instances: [0-1]"]


def test_inspect_json_round_trips_through_create_read_json(aurora):
    binds = ["--bind", "command=sleep 600", "--bind", "count=1", "--bind", "env=devel"]
    text = aurora.ok("job", "inspect", *binds, HELLO_KEY, str(aurora.hello))
    assert "Job level information\n  name:       'hello'" in text.stdout
    assert "Process 'main':\n  cmdline:\n    sleep 600" in text.stdout
    dumped = aurora.ok("job", "inspect", "--write-json", *binds, HELLO_KEY, str(aurora.hello)).stdout
    assert json.loads(dumped)["task"]["processes"][0]["cmdline"] == "sleep 600"
    path = aurora.root / "hello.json"
    path.write_text(dumped)
    aurora.ok("job", "create", "--read-json", "--wait-until", "RUNNING", HELLO_KEY, str(path))
    assert [t["status"] for t in aurora.active(HELLO_KEY).values()] == ["RUNNING"]


def test_update_start_wait_info_and_the_exit_code_of_a_rolled_back_update(aurora, scheduler):
    aurora.create_hello(count=2)
    binds = ["--bind", "count=2", "--bind", "env=devel"]
    started = aurora.ok("update", "start", "--bind", "command=sleep 601", *binds, HELLO_KEY, str(aurora.hello),
                        "--wait")
    lines = started.stdout.splitlines()
    assert lines[:2] == ["This job update will:", "update instances: [0-1]"]
    assert lines[2].startswith(f"Job update has started. View your update progress at {scheduler.url}/scheduler/"
                               "www-data/devel/hello/update/")
    assert lines[-1] == "Current state ROLLED_FORWARD"
    update_id = lines[2].rsplit("/", 1)[1]
    info = json.loads(aurora.ok("update", "info", HELLO_KEY, update_id, "--write-json").stdout)
    assert info["updateId"] == update_id and info["job"] == HELLO_KEY and info["status"] == "ROLLED_FORWARD"
    # As the stock client: "started" in milliseconds, "last_modified" formatted.
    assert isinstance(info["started"], int) and WHOLE_SECOND_ISO.fullmatch(info["last_modified"])
    assert {e["action"] for e in info["instance_update_events"]} == {"INSTANCE_UPDATING", "INSTANCE_UPDATED"}
    [tag] = info["metadata"]
    assert list(tag) == ["org.apache.aurora.client.update_id"]  # it tags the update, not the tasks:
    again = aurora.ok("update", "start", "--bind", "command=sleep 601", *binds, HELLO_KEY, str(aurora.hello))
    assert again.stdout.splitlines() == ["This job update will:", "not change instances: [0-1]",
                                         "Job is unchanged by proposed update."]
    listed = json.loads(aurora.ok("update", "list", "devcluster/www-data", "--write-json").stdout)
    assert [(u["id"], u["status"]) for u in listed] == [(update_id, "ROLLED_FORWARD")]
    assert all(WHOLE_SECOND_ISO.fullmatch(u["started"]) and WHOLE_SECOND_ISO.fullmatch(u["last_modified"])
               for u in listed)
    unknown = aurora("update", "info", HELLO_KEY, "no-such-update")
    assert unknown.returncode == 6 and "There is no update for key: no-such-update" in unknown.stderr, unknown
    unknown_wait = aurora("update", "wait", HELLO_KEY, "no-such-update")
    assert unknown_wait.returncode == 6 and "Job update not found." in unknown_wait.stderr, unknown_wait
    text_info = aurora.ok("update", "info", HELLO_KEY, update_id).stdout
    assert re.search(r"Started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d, last activity: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$",
                     text_info, re.MULTILINE), text_info

    scheduler.control(never_start=["www-data/devel/hello"])
    failed = aurora("update", "start", "--bind", "command=sleep 602", *binds, HELLO_KEY, str(aurora.hello), "--wait")
    assert failed.returncode == 4, failed.stdout + failed.stderr
    assert failed.stdout.splitlines()[-1] == "Current state ROLLED_BACK"


@pytest.mark.parametrize("answers", ["given", "lost"])
def test_update_pause_resume_abort(aurora, scheduler, answers):
    # "lost": each of the three is applied and its connection closed unanswered; the update's state says it was
    # done, so each prints its success, and none is sent twice.
    aurora.create_hello(count=2)
    nothing = aurora("update", "pause", HELLO_KEY)
    assert nothing.returncode == 6 and "No active update found for this job." in nothing.stderr
    slow = aurora.root / "slow.aurora"  # each instance is watched for a minute: the update stays active
    slow.write_text(HELLO.replace("watch_secs=0", "watch_secs=60"))
    aurora.ok("update", "start", "--bind", "command=sleep 601", "--bind", "count=2", "--bind", "env=devel",
              HELLO_KEY, str(slow))
    actions = ("pauseJobUpdate", "resumeJobUpdate", "abortJobUpdate")
    if answers == "lost":
        scheduler.control(lose_answer={method: 1 for method in actions})
    assert aurora.ok("update", "pause", HELLO_KEY, "-m", "hold on").stdout.strip() == "Update has been paused."
    info = json.loads(aurora.ok("update", "info", HELLO_KEY, "--write-json").stdout)
    assert info["status"] == "ROLL_FORWARD_PAUSED"
    assert info["update_events"][-1]["message"] == "hold on"
    assert aurora.ok("update", "resume", HELLO_KEY).stdout.strip() == "Update has been resumed."
    assert aurora.ok("update", "abort", HELLO_KEY).stdout.strip() == "Update has been aborted."
    listed = json.loads(aurora.ok("update", "list", "devcluster/www-data/devel/hello", "--status", "ABORTED",
                                  "--write-json").stdout)
    assert len(listed) == 1
    assert [scheduler.control()["calls"].count(method) for method in actions] == [1, 1, 1]


# --- failures and their exit codes ------------------------------------------------------------------------

def test_a_wait_that_never_ends_gives_up_with_the_timeout_exit_code(aurora, scheduler):
    scheduler.control(never_start=["www-data/devel/hello"])
    result = aurora("job", "create", "--wait-until", "RUNNING", "--wait-timeout", "2", "--bind", "command=sleep 1",
                    "--bind", "count=1", "--bind", "env=devel", HELLO_KEY, str(aurora.hello))
    assert result.returncode == 9
    assert "not every instance is RUNNING" in result.stderr and "instance 0: PENDING" in result.stderr
    via_env = aurora("job", "add", "--wait-until", "RUNNING", f"{HELLO_KEY}/0", "1",
                     env={"AURORA_WAIT_TIMEOUT": "1"})
    assert via_env.returncode == 9


def test_configuration_errors_exit_3(aurora):
    unbound = aurora("job", "create", "--bind", "command=x", "--bind", "env=devel", HELLO_KEY, str(aurora.hello))
    assert unbound.returncode == 3
    assert "Error loading configuration: Config contains unbound variables: {{count}}" in unbound.stderr
    wrong_job = aurora("job", "create", "--bind", "command=x", "--bind", "count=1", "--bind", "env=devel",
                       "devcluster/www-data/devel/other", str(aurora.hello))
    assert wrong_job.returncode == 3 and "no job devcluster/www-data/devel/other" in wrong_job.stderr
    unknown = aurora("job", "killall", "nocluster/www-data/devel/hello")
    assert unknown.returncode == 3 and "Unknown cluster: nocluster" in unknown.stderr


def test_the_scheduler_refusing_a_job_is_a_command_failure(aurora):
    result = aurora("job", "create", "--bind", "command=x", "--bind", "count=1", "--bind", "env=qa",
                    "devcluster/www-data/qa/hello", str(aurora.hello))
    assert result.returncode == 4
    assert "Job environment qa doesn't match" in result.stderr


def test_invalid_parameters_exit_6_and_api_errors_exit_10(aurora):
    aurora.create_hello(count=1)
    no_instances = aurora("job", "kill", HELLO_KEY)
    assert no_instances.returncode == 6 and "use killall to kill all instances" in no_instances.stderr
    strict = aurora("job", "kill", f"{HELLO_KEY}/5", "--strict")
    assert strict.returncode == 6 and "Invalid instance parameter: [5]" in strict.stderr
    template = aurora("job", "add", f"{HELLO_KEY}/7", "1")
    assert template.returncode == 6 and "Invalid instance parameter: [7]" in template.stderr
    restart = aurora("job", "restart", f"{HELLO_KEY}/3")
    assert restart.returncode == 10
    assert f"Error restarting job {HELLO_KEY}:" in restart.stderr and "Not all requested shards" in restart.stderr


def test_argument_errors_exit_2(aurora):
    for args in (["job", "create", "--wait-until", "SOON", HELLO_KEY, "x"],
                 ["job", "killall", "devcluster/www-data/hello"],
                 ["job", "kill", f"{HELLO_KEY}/a-b"],
                 ["job", "add", f"{HELLO_KEY}/0"],
                 ["job", "create", "--bind", "novalue", HELLO_KEY, "x"],
                 ["job", "nosuchverb"]):
        result = aurora(*args)
        assert result.returncode == 2, args
        assert "usage: aurora" in result.stderr


def test_verbose_is_accepted_anywhere(aurora):
    aurora.create_hello(count=1)
    for args in (["--verbose", "job", "list", "devcluster"], ["job", "--verbose", "list", "devcluster"],
                 ["job", "list", "-v", "devcluster"], ["job", "list", "devcluster", "--verbose"]):
        result = aurora.ok(*args)
        assert result.stdout.splitlines() == [HELLO_KEY]
        assert "Command=" in result.stderr


def test_no_scheduler_is_retried_then_a_timeout(tmp_path, make_aurora_scheduler):
    from harness.service import free_port

    aurora = Aurora(tmp_path)
    aurora.clusters({"name": "devcluster", "scheduler_uri": f"http://127.0.0.1:{free_port()}"})
    result = aurora("job", "killall", HELLO_KEY, env={"AURORA_RETRY_BUDGET": "1"})
    assert result.returncode == 9, result.stderr  # the stock client's TIMEOUT once its retries ran out
    assert "gave up after" in result.stderr


def test_basic_auth_from_the_environment_and_a_refusal_exits_30(tmp_path, make_aurora_scheduler):
    scheduler = make_aurora_scheduler(basic_auth="heron:s3cret")
    aurora = Aurora(tmp_path, scheduler)
    aurora.clusters({"name": "devcluster", "scheduler_uri": scheduler.url})
    refused = aurora("job", "list", "devcluster")
    assert refused.returncode == 30 and "refused the credentials (HTTP 401)" in refused.stderr
    wrong = aurora("job", "list", "devcluster", env={"AURORA_USERNAME": "heron", "AURORA_PASSWORD": "nope"})
    assert wrong.returncode == 30
    assert aurora("job", "list", "devcluster", env={"AURORA_USERNAME": "heron", "AURORA_PASSWORD": "s3cret"}
                  ).returncode == 0


def test_a_follower_redirects_and_the_next_leader_takes_over(tmp_path, zookeeper, make_aurora_scheduler):
    zk_path = f"/aurora-{uuid.uuid4().hex[:8]}/scheduler"
    state = tmp_path / "replicated-state"
    leader = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=zk_path, state_dir=state)
    follower = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=zk_path, state_dir=state)
    aurora = Aurora(tmp_path / "cli", leader)
    aurora.clusters(zk_cluster(zookeeper, zk_path))
    created = aurora.create_hello(count=1)
    assert f"job url={leader.url}/" in created.stdout
    leader.stop()
    result = aurora.ok("job", "killall", HELLO_KEY, "--batch-size", MAX_BATCH)
    assert result.stdout.splitlines() == ["Successfully killed instances [0]", "Job killall succeeded"]
    assert follower.health()["leader"] is True


def test_a_lost_answer_is_settled_from_the_schedulers_state(aurora, scheduler):
    # Each call changing the job is applied, then its connection closed unanswered. The command reads the job's
    # state instead of failing "may or may not have been applied": applied, so done, and nothing sent twice.
    binds = ["--bind", "count=2", "--bind", "env=devel"]
    methods = ("createJob", "addInstances", "startJobUpdate", "restartShards", "killTasks")
    scheduler.control(lose_answer={method: 1 for method in methods})
    created = aurora.ok("job", "create", "--bind", "command=sleep 600", *binds, HELLO_KEY, str(aurora.hello))
    assert created.stdout.startswith("Job create succeeded")
    added = aurora.ok("job", "add", f"{HELLO_KEY}/0", "1", "--verbose")
    assert "Querying instance statuses: [2]" in added.stderr
    assert sorted(aurora.active(HELLO_KEY)) == [0, 1, 2]
    started = aurora.ok("update", "start", "--bind", "command=sleep 601", "--bind", "count=3", "--bind", "env=devel",
                        HELLO_KEY, str(aurora.hello), "--wait")
    assert "Job update has started" in started.stdout
    assert started.stdout.splitlines()[-1] == "Current state ROLLED_FORWARD"
    before = {i: t["assignedTask"]["taskId"] for i, t in aurora.active(HELLO_KEY).items()}
    aurora.ok("job", "restart", f"{HELLO_KEY}/1", "--watch-secs", "1")
    after = {i: t["assignedTask"]["taskId"] for i, t in aurora.active(HELLO_KEY).items()}
    assert (after[0], after[2]) == (before[0], before[2]) and after[1] != before[1]
    aurora.ok("job", "killall", HELLO_KEY, "--no-batching")
    assert aurora.active(HELLO_KEY) == {}
    calls = scheduler.control()["calls"]
    assert [calls.count(method) for method in methods] == [1, 1, 1, 1, 1], calls


def test_a_lost_create_that_was_not_applied_is_sent_again(aurora, scheduler):
    # The answer is lost and the job is not there (the create was refused): the state read finds nothing, so the
    # create goes again, and the second one creates the job.
    scheduler.control(refuse_create=1, lose_answer={"createJob": 1})
    created = aurora.ok("job", "create", "--bind", "command=sleep 600", "--bind", "count=1", "--bind", "env=devel",
                        HELLO_KEY, str(aurora.hello))
    assert created.stdout.startswith("Job create succeeded")
    assert scheduler.control()["calls"].count("createJob") == 2
