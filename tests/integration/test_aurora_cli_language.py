"""The config language through the `aurora` command against the stand-in scheduler: partition and SLA policies
reach the scheduler (and the executor data) as the stock client sends them, the scheduler's own SLA checks refuse
what it refuses, `job add` and `job kill` warn as the stock client warns, a config using pystachio's names and
MesosTaskInstance runs as with the stock client, and {{docker.image[name][tag]}} is pinned to its digest by a real
Docker registry (the harness's) for the command and for aurora_job."""

from __future__ import annotations

import json
import uuid

import pytest
from aurora_command import Aurora, zk_cluster

from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import ConnectionOptions, SchedulerClient
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs

POLICY_JOB = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='prod', name='{{job_name}}', task=task,
                instances='{{job_count}}', tier='{{job_tier}}', %s)]
"""
ADD_WARNING = "WARNING: Adding instances without updating SlaPolicy."
KILL_WARNING = "WARNING: Killing instances without updating SlaPolicy."
# The scheduler takes count and percentage policies only for jobs of 20 instances or more (its default
# -min_required_instances_for_sla_check), and SLA policies only on a production tier.
SLA_INSTANCES = 20


@pytest.fixture
def scheduler(make_aurora_scheduler, zookeeper):
    """A scheduler of a cluster that runs Docker images (-allowed_container_types=MESOS,DOCKER)."""
    return make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                 allowed_container_types=("MESOS", "DOCKER"))


@pytest.fixture
def aurora(tmp_path, scheduler, zookeeper):
    runner = Aurora(tmp_path, scheduler)
    runner.clusters(zk_cluster(zookeeper, scheduler.zk_path))
    return runner


def write_config(aurora: Aurora, fields: str) -> str:
    path = aurora.root / f"policy-{uuid.uuid4().hex[:6]}.aurora"
    path.write_text(POLICY_JOB % fields)
    return str(path)


def create(aurora: Aurora, name: str, fields: str, count: int = SLA_INSTANCES, tier: str = "preferred"):
    config = write_config(aurora, fields)
    binds = ["--bind", f"job_name={name}", "--bind", f"job_count={count}", "--bind", f"job_tier={tier}"]
    return aurora("job", "create", *binds, f"devcluster/www-data/prod/{name}", config), config, binds


def stored_job(scheduler, name: str):
    """The JobConfiguration the scheduler holds for the job."""
    jobs = AuroraJobs(SchedulerClient.from_options(ConnectionOptions(scheduler_url=scheduler.url)))
    [job] = [j for j in jobs.job_configurations("www-data") if j.key.name == name]
    return job


# --- partition_policy and sla_policy reach the scheduler -----------------------------------------------

@pytest.mark.parametrize(("policy", "task_field", "executor_field"), [
    ("sla_policy=CountSlaPolicy(count=5, duration_secs=1800)",
     {"countSlaPolicy": {"count": 5, "durationSecs": 1800}}, {"count": 5, "duration_secs": 1800}),
    ("sla_policy=PercentageSlaPolicy(percentage=90, duration_secs=600)",
     {"percentageSlaPolicy": {"percentage": 90.0, "durationSecs": 600}}, {"percentage": 90.0, "duration_secs": 600}),
    ("sla_policy=CoordinatorSlaPolicy(coordinator_url='http://127.0.0.1:1/sla')",
     {"coordinatorSlaPolicy": {"coordinatorUrl": "http://127.0.0.1:1/sla", "statusKey": "drain"}},
     {"coordinator_url": "http://127.0.0.1:1/sla", "status_key": "drain"}),
])
def test_sla_policies_reach_the_task_config_and_the_executor_data(aurora, scheduler, policy, task_field,
                                                                  executor_field):
    result, config, binds = create(aurora, "sla", policy)
    assert result.returncode == 0, (result.stdout, result.stderr)
    task = next(iter(aurora.active("devcluster/www-data/prod/sla").values()))["assignedTask"]["task"]
    assert task["slaPolicy"] == task_field
    job = stored_job(scheduler, "sla")
    assert json.loads(job.taskConfig.executorConfig.data)["sla_policy"] == executor_field
    same = aurora.ok("job", "diff", *binds, "devcluster/www-data/prod/sla", config)
    assert same.stdout.splitlines() == ["This job update will:", f"not change instances: [0-{SLA_INSTANCES - 1}]"]


def test_partition_policy_reaches_the_task_config_and_the_executor_data(aurora, scheduler):
    result, _config, _binds = create(aurora, "partitioned", "partition_policy=PartitionPolicy(reschedule=False, "
                                                            "delay_secs=120)", count=2, tier="preemptible")
    assert result.returncode == 0, (result.stdout, result.stderr)
    for task in aurora.active("devcluster/www-data/prod/partitioned").values():
        assert task["assignedTask"]["task"]["partitionPolicy"] == {"reschedule": False, "delaySecs": 120}
    data = json.loads(stored_job(scheduler, "partitioned").taskConfig.executorConfig.data)
    assert data["partition_policy"] == {"reschedule": False, "delay_secs": 120}


# --- the scheduler's SLA checks -------------------------------------------------------------------------

@pytest.mark.parametrize(("policy", "count", "tier", "message"), [
    ("CountSlaPolicy(count=1, duration_secs=60)", SLA_INSTANCES, "preemptible",
     "Tier 'preemptible' does not support SlaPolicy."),
    ("CountSlaPolicy(count=1, duration_secs=60)", 5, "preferred",
     "Job with fewer than 20 instances cannot have Percentage/Count SlaPolicy."),
    ("CountSlaPolicy(count=20, duration_secs=60)", SLA_INSTANCES, "preferred",
     "Current CountSlaPolicy: count=20 will not allow any instances to be killed. Must be less than "
     "instanceCount=20."),
    ("PercentageSlaPolicy(percentage=96, duration_secs=60)", SLA_INSTANCES, "preferred",
     "Current PercentageSlaPolicy: percentage=96.000000 will not allow any instances to be killed. Must be less "
     "than 95.000000."),
    ("PercentageSlaPolicy(percentage=50, duration_secs=7201)", SLA_INSTANCES, "preferred",
     "PercentageSlaPolicy: durationSecs=7201 must be less than cluster-wide maximum of 7200 secs."),
])
def test_the_scheduler_refuses_sla_policies_as_aurora_does(aurora, scheduler, policy, count, tier, message):
    result, _config, _binds = create(aurora, "refused", f"sla_policy={policy}", count=count, tier=tier)
    assert result.returncode == 4, (result.stdout, result.stderr)
    assert result.stderr.splitlines()[-2:] == ["Job creation failed due to error:", f"\t{message}"]
    assert aurora.status("devcluster/www-data/prod/refused").get("active", []) == []


def test_an_update_to_a_policy_the_scheduler_refuses_fails_as_its_diff_and_changes_nothing(aurora):
    created, _config, _binds = create(aurora, "updated", "contact='ops@example.com'", count=2)
    assert created.returncode == 0, (created.stdout, created.stderr)
    key = "devcluster/www-data/prod/updated"
    before = {instance: task["assignedTask"]["taskId"] for instance, task in aurora.active(key).items()}
    config = write_config(aurora, "sla_policy=CountSlaPolicy(count=1, duration_secs=60)")
    binds = ["--bind", "job_name=updated", "--bind", "job_count=2", "--bind", "job_tier=preferred"]
    refused = aurora("update", "start", *binds, key, config)
    # The stock client asked getJobUpdateDiff first, which checks the config as populateJobConfig does.
    assert refused.returncode == 4, (refused.stdout, refused.stderr)
    assert refused.stderr.splitlines()[-2:] == [
        "Error getting diff info from scheduler", "\tJob with fewer than 20 instances cannot have Percentage/Count "
        "SlaPolicy."], refused.stderr
    assert {instance: task["assignedTask"]["taskId"] for instance, task in aurora.active(key).items()} == before


def test_a_coordinator_policy_needs_no_minimum_of_instances(aurora):
    result, _config, _binds = create(aurora, "coordinated", "sla_policy=CoordinatorSlaPolicy("
                                                            "coordinator_url='http://127.0.0.1:1/sla')", count=2)
    assert result.returncode == 0, (result.stdout, result.stderr)


# --- the warnings of job add and job kill ---------------------------------------------------------------

def test_add_and_kill_warn_when_a_policy_counts_instances(aurora):
    result, _config, _binds = create(aurora, "counted", "sla_policy=CountSlaPolicy(count=5, duration_secs=60)")
    assert result.returncode == 0, (result.stdout, result.stderr)
    key = "devcluster/www-data/prod/counted"
    added = aurora.ok("job", "add", f"{key}/0", "1")
    assert added.stdout.splitlines()[0] == ADD_WARNING
    assert sorted(aurora.active(key)) == list(range(SLA_INSTANCES + 1))
    killed = aurora.ok("job", "kill", f"{key}/{SLA_INSTANCES}")
    assert killed.stdout.splitlines() == [KILL_WARNING, f"Successfully killed instances [{SLA_INSTANCES}]",
                                          "Job kill succeeded"]
    # An inactive template fails before the warning, as with the stock client.
    missing = aurora("job", "add", f"{key}/{SLA_INSTANCES}", "1")
    assert missing.returncode == 6 and ADD_WARNING not in missing.stdout, (missing.stdout, missing.stderr)
    assert f"Invalid instance parameter: [{SLA_INSTANCES}]" in missing.stderr
    killall = aurora.ok("job", "killall", key)
    assert KILL_WARNING not in killall.stdout


def test_a_coordinator_policy_or_none_gives_no_warning(aurora):
    for name, fields in (("coordinated", "sla_policy=CoordinatorSlaPolicy(coordinator_url='http://127.0.0.1:1/s')"),
                         ("plain", "contact='ops@example.com'")):
        result, _config, _binds = create(aurora, name, fields, count=2)
        assert result.returncode == 0, (result.stdout, result.stderr)
        key = f"devcluster/www-data/prod/{name}"
        added = aurora.ok("job", "add", f"{key}/0", "1")
        assert ADD_WARNING not in added.stdout
        killed = aurora.ok("job", "kill", f"{key}/2")
        assert killed.stdout.splitlines() == ["Successfully killed instances [2]", "Job kill succeeded"]


# --- the names a config sees ----------------------------------------------------------------------------

NAMESPACE_JOB = """
greeting = Environment(greeting='hello')
process = Process(name='main', cmdline='echo {{greeting}} {{who}} {{mesos.instance}}; sleep 600')
task = Task(name='main', processes=[process], resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
job = Service(cluster='devcluster', role='www-data', environment='devel', name='spoken', task=task,
              executor_config=ExecutorConfig(name=AURORA_EXECUTOR_NAME))
# What the executor makes of instance 0, as the executor builds it from the job.
instance = MesosTaskInstance(task=job.task(), role=job.role(), environment=job.environment(), instance=0,
                             health_check_config=job.health_check_config())
instance = instance.bind(greeting, mesos=MesosContext(instance=0, hostname='agent1'))
assert instance.check().ok()
assert str(instance.task().processes()[0].cmdline()) == 'echo hello {{who}} 0; sleep 600'
jobs = [job.bind(greeting).bind({Ref.from_address('who'): '{{audience}}'})]
"""


def test_a_config_using_pystachios_names_and_mesos_task_instance_runs_as_with_the_stock_client(aurora, scheduler):
    config = aurora.root / "spoken.aurora"
    config.write_text(NAMESPACE_JOB)
    key = "devcluster/www-data/devel/spoken"
    aurora.ok("job", "create", "--wait-until", "RUNNING", "--bind", "audience=world", key, str(config))
    data = json.loads(stored_job(scheduler, "spoken").taskConfig.executorConfig.data)
    assert data["task"]["processes"][0]["cmdline"] == "echo hello world {{mesos.instance}}; sleep 600"
    assert data["executor_config"]["name"] == "AuroraExecutor"
    assert [t["status"] for t in aurora.active(key).values()] == ["RUNNING"]


# --- {{docker.image[name][tag]}} against a real registry ------------------------------------------------

DOCKER_JOB = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='pinned', task=task,
                container=Docker(image='{{docker.image[team/app][{{release}}]}}'))]
"""
PINNED_KEY = "devcluster/www-data/devel/pinned"


@pytest.fixture
def docker_aurora(aurora, zookeeper, scheduler, docker_registry):
    """The command with a clusters.json whose devcluster names the harness's registry as its docker_registry."""
    aurora.clusters(dict(zk_cluster(zookeeper, scheduler.zk_path), docker_registry=docker_registry.url))
    config = aurora.root / "pinned.aurora"
    config.write_text(DOCKER_JOB)
    aurora.pinned = str(config)
    return aurora


def test_docker_image_binding_pins_the_tag_to_its_digest_in_the_registry(docker_aurora, docker_registry):
    release = uuid.uuid4().hex[:8]
    digest = docker_registry.push_image("team/app", release, content=release.encode())
    pinned = f"{docker_registry.netloc}/team/app@{digest}"
    created = docker_aurora.ok("job", "create", "--bind", f"release={release}", PINNED_KEY, docker_aurora.pinned)
    assert f" INFO] Resolved team/app:{release} => {pinned}" in created.stderr.splitlines()
    [task] = docker_aurora.active(PINNED_KEY).values()
    assert task["assignedTask"]["task"]["container"]["docker"]["image"] == pinned
    inspected = json.loads(docker_aurora.ok("job", "inspect", "--write-json", "--bind", f"release={release}",
                                            PINNED_KEY, docker_aurora.pinned).stdout)
    assert inspected["container"]["image"] == pinned
    # The tag moves on: the same config now pins the new image, and an update would roll it out.
    moved = docker_registry.push_image("team/app", release, content=b"next " + release.encode())
    diff = docker_aurora.ok("job", "diff", "--bind", f"release={release}", PINNED_KEY, docker_aurora.pinned)
    assert "update instances: [0]" in diff.stdout and moved in diff.stdout


def test_a_scheduler_that_allows_only_mesos_containers_refuses_a_docker_job(tmp_path, make_aurora_scheduler):
    mesos_only = Aurora(tmp_path, make_aurora_scheduler())  # the scheduler's default -allowed_container_types
    mesos_only.clusters({"name": "devcluster", "scheduler_uri": mesos_only.scheduler.url})
    config = tmp_path / "docker.aurora"
    config.write_text(DOCKER_JOB.replace("{{docker.image[team/app][{{release}}]}}", "team/app:1"))
    refused = mesos_only("job", "create", PINNED_KEY, str(config))
    assert refused.returncode == 4, (refused.stdout, refused.stderr)
    assert refused.stderr.splitlines()[-2:] == [
        "Job creation failed due to error:", "\tThis scheduler is not configured to allow the container type DOCKER"]


def test_a_tag_the_registry_does_not_have_is_a_config_error(docker_aurora, docker_registry):
    result = docker_aurora("job", "create", "--bind", "release=no-such-tag", PINNED_KEY, docker_aurora.pinned)
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error loading configuration: docker image team/app:no-such-tag: "
                                    f"{docker_registry.url} answered 404")
    assert docker_aurora.status(PINNED_KEY).get("active", []) == []


def test_aurora_job_pins_docker_images_as_the_command_does(run_module, scheduler, docker_registry, tmp_path):
    release = uuid.uuid4().hex[:8]
    digest = docker_registry.push_image("team/app", release, content=b"module " + release.encode())
    clusters = tmp_path / "clusters.json"
    clusters.write_text(json.dumps([{"name": "devcluster", "scheduler_uri": scheduler.url,
                                     "docker_registry": docker_registry.url}]))
    result = run_module("aurora_job", {"clusters_file": str(clusters), "config_content": DOCKER_JOB,
                                       "bindings": {"release": release}, "wait_timeout": 60})
    assert result["changed"] is True, result
    image = stored_job(scheduler, "pinned").taskConfig.container.docker.image
    assert image == f"{docker_registry.netloc}/team/app@{digest}"
