"""The config loader and converter on real-shaped configs: Heron's stock heron.aurora with the bindings Heron
passes, and a tutorial-style two-job config with an include, placement constraints and an update config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import evaluate, load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError

from ....utils.aurora import wire

FIXTURES = Path(__file__).parent / "fixtures"
HERON_AURORA = FIXTURES / "heron.aurora"
HELLO_WORLD = FIXTURES / "hello_world.aurora"
GB = 1024 ** 3

# What Heron's AuroraLauncher binds (--bind K=V), for a 2-stream-manager topology in env devel.
HERON_BINDINGS = {
    "CLUSTER": "devcluster",
    "ROLE": "heron",
    "ENVIRON": "devel",
    "TOPOLOGY_NAME": "WordCountTopology",
    "EXECUTOR_BINARY": "./heron-core/bin/heron-executor",
    "TOPOLOGY_ARGUMENTS": "--topology-name=WordCountTopology --topology-id=WordCountTopology7f3a "
                          "--topology-defn-file=WordCountTopology.defn --state-manager-connection=zk1:2181 "
                          "--state-manager-root=/heron --is-stateful=false",
    "CPUS_PER_CONTAINER": "2.0",
    "RAM_PER_CONTAINER": str(3 * GB),
    "DISK_PER_CONTAINER": str(10 * GB),
    "NUM_CONTAINERS": "3",
    "TIER": "preemptible",
    "CORE_PACKAGE_URI": "http://packages.example.org/heron/heron-core.tar.gz",
    "TOPOLOGY_PACKAGE_URI": "http://packages.example.org/topologies/devcluster/WordCountTopology.tar.gz",
    "AURORA_METADATA_1": "team=streaming",
}
HERON_PORTS = ["ckptmgr_port", "http", "metricscachemgr_serverport", "metricscachemgr_statsport",
               "port1", "port2", "port3", "port4", "scheduler", "yourkit"]


@pytest.fixture(scope="module")
def idl():
    return api.load_api()


@pytest.fixture
def heron_job():
    return load_job(str(HERON_AURORA), bindings=HERON_BINDINGS)


def resources_of(task):
    return {
        "numCpus": {r.numCpus for r in task.resources if r.numCpus is not None},
        "ramMb": {r.ramMb for r in task.resources if r.ramMb is not None},
        "diskMb": {r.diskMb for r in task.resources if r.diskMb is not None},
        "namedPort": sorted(r.namedPort for r in task.resources if r.namedPort is not None),
        "numGpus": {r.numGpus for r in task.resources if r.numGpus is not None},
    }


# --- Heron's template -----------------------------------------------------------------------------

def test_heron_job_key_and_instances(heron_job):
    assert heron_job.job_key == "devcluster/heron/devel/WordCountTopology"
    assert heron_job.instances == 3


def test_heron_named_ports_include_every_thermos_port_and_the_announced_alias(heron_job):
    # admin and health alias http, so http is allocated once; every thermos.ports[...] reference is a port.
    assert heron_job.named_ports() == HERON_PORTS


def test_heron_job_configuration(heron_job, idl):
    config = heron_job.job_configuration(idl, owner="deployer")
    task = config.taskConfig
    assert config.key == idl.JobKey(role="heron", environment="devel", name="WordCountTopology")
    assert config.owner == idl.Identity(user="deployer") == task.owner
    assert config.instanceCount == 3
    assert config.cronSchedule is None
    assert config.cronCollisionPolicy == idl.CronCollisionPolicy.KILL_EXISTING
    assert task.job == config.key
    assert task.isService is True
    assert task.production is False
    assert task.maxTaskFailures == 1
    assert task.priority == 0
    assert task.tier is None
    assert task.constraints == set()
    assert task.container == idl.Container(mesos=idl.MesosContainer())
    assert resources_of(task) == {"numCpus": {2.0}, "ramMb": {3072}, "diskMb": {10240},
                                  "namedPort": HERON_PORTS, "numGpus": set()}


def test_heron_executor_data(heron_job, idl):
    executor = heron_job.job_configuration(idl, owner="deployer").taskConfig.executorConfig
    assert executor.name == "AuroraExecutor"
    data = json.loads(executor.data)
    assert "update_config" not in data and "instances" not in data
    assert (data["name"], data["role"], data["environment"], data["cluster"]) == (
        "WordCountTopology", "heron", "devel", "devcluster")
    assert data["service"] is True
    task = data["task"]
    assert task["name"] == "setup_and_run"
    names = [p["name"] for p in task["processes"]]
    assert names == ["fetch_heron_system", "fetch_user_package", "launch_heron_executor", "discover_profiler_port"]
    assert task["constraints"] == [{"order": names}]
    assert task["resources"] == {"cpu": 2.0, "ram": 3 * GB, "disk": 10 * GB, "gpu": 0}
    commands = {p["name"]: p["cmdline"] for p in task["processes"]}
    assert commands["fetch_heron_system"] == (
        "curl http://packages.example.org/heron/heron-core.tar.gz -o heron-core.tar.gz && tar zxf heron-core.tar.gz")
    assert commands["fetch_user_package"].startswith(
        "curl http://packages.example.org/topologies/devcluster/WordCountTopology.tar.gz -o topology.tar.gz")
    # What the executor fills in on the agent stays a reference; Heron's own bindings are substituted.
    launch = commands["launch_heron_executor"]
    assert launch.startswith("./heron-core/bin/heron-executor --shard={{mesos.instance}} "
                             "--server-port={{thermos.ports[port1]}} ")
    assert "--tmanager-controller-port={{thermos.ports[port2]}}" in launch
    assert "--checkpoint-manager-port={{thermos.ports[ckptmgr_port]}}" in launch
    assert launch.endswith(HERON_BINDINGS["TOPOLOGY_ARGUMENTS"])
    assert commands["discover_profiler_port"] == "echo {{thermos.ports[yourkit]}} > yourkit.port"
    assert data["announce"] == {"primary_port": "http", "portmap": {"admin": "http", "health": "http"}}
    assert data["health_check_config"] == {
        "health_checker": {"http": {"endpoint": "/health", "expected_response": "ok", "expected_response_code": 200}},
        "initial_interval_secs": 30.0, "interval_secs": 10.0, "max_consecutive_failures": 2,
        "min_consecutive_successes": 1, "timeout_secs": 5.0,
    }


def test_heron_job_is_stable_across_loads(idl):
    first = load_job(str(HERON_AURORA), bindings=HERON_BINDINGS).job_configuration(idl, owner="a")
    second = load_job(str(HERON_AURORA), bindings=HERON_BINDINGS).job_configuration(idl, owner="a")
    assert first == second
    assert wire.encode_struct(first) == wire.encode_struct(second)


def test_heron_job_travels_on_the_wire(heron_job, idl):
    config = heron_job.job_configuration(idl, owner="deployer")
    _name, _seqid, args = wire.decode_call(api.encode_call("createJob", {"description": config}))
    decoded = args.description
    assert decoded.key == config.key
    assert decoded.taskConfig.executorConfig == config.taskConfig.executorConfig
    assert sorted(r.namedPort for r in decoded.taskConfig.resources if r.namedPort) == HERON_PORTS


@pytest.mark.parametrize("missing", ["CORE_PACKAGE_URI", "NUM_CONTAINERS", "RAM_PER_CONTAINER", "TOPOLOGY_NAME"])
def test_heron_job_with_a_binding_missing_is_rejected(idl, missing):
    bindings = {k: v for k, v in HERON_BINDINGS.items() if k != missing}
    with pytest.raises(AuroraConfigError, match=r"unbound variables: .*\{\{%s\}\}" % missing):
        load_job(str(HERON_AURORA), name=None, bindings=bindings).job_configuration(idl, owner="a")


def test_heron_job_selected_by_its_key(idl):
    job = load_job(str(HERON_AURORA), name="WordCountTopology", cluster="devcluster", role="heron",
                   environment="devel", bindings=HERON_BINDINGS)
    assert job.job_key == "devcluster/heron/devel/WordCountTopology"
    with pytest.raises(AuroraConfigError, match="no job devcluster/heron/prod/WordCountTopology"):
        load_job(str(HERON_AURORA), name="WordCountTopology", cluster="devcluster", role="heron",
                 environment="prod", bindings=HERON_BINDINGS)


def test_heron_update_settings_are_the_defaults(heron_job, idl):
    settings = heron_job.update_settings(idl)
    assert settings == idl.JobUpdateSettings(
        updateGroupSize=1, maxPerInstanceFailures=0, maxFailedInstances=0, minWaitInInstanceRunningMs=45000,
        rollbackOnFailure=True, waitForBatchCompletion=False, slaAware=False,
        updateStrategy=idl.JobUpdateStrategy(queueStrategy=idl.QueueJobUpdateStrategy(groupSize=1)))


# --- a tutorial-style config ----------------------------------------------------------------------

def test_include_is_relative_to_the_including_file_and_shares_its_names():
    jobs = evaluate(path=str(HELLO_WORLD))
    assert len(jobs) == 2


def test_job_is_picked_by_environment_among_several(idl):
    with pytest.raises(AuroraConfigError, match="several jobs match devcluster/www-data/\\*/hello"):
        load_job(str(HELLO_WORLD), name="hello", cluster="devcluster", role="www-data")
    with pytest.raises(AuroraConfigError, match="several jobs; give the job name"):
        load_job(str(HELLO_WORLD))
    prod = load_job(str(HELLO_WORLD), name="hello", cluster="devcluster", role="www-data", environment="prod")
    assert prod.job_key == "devcluster/www-data/prod/hello"
    assert prod.instances == 3


def test_tutorial_job_configuration(idl):
    prod = load_job(str(HELLO_WORLD), name="hello", environment="prod")
    task = prod.job_configuration(idl, owner="me").taskConfig
    assert task.production is True
    assert task.tier == "preferred"
    assert task.contactEmail == "ops@example.org"
    assert resources_of(task) == {"numCpus": {0.25}, "ramMb": {64}, "diskMb": {128}, "namedPort": ["http"],
                                  "numGpus": set()}
    assert task.constraints == {
        idl.Constraint(name="rack", constraint=idl.TaskConstraint(
            value=idl.ValueConstraint(negated=False, values={"r1", "r2"}))),
        idl.Constraint(name="host", constraint=idl.TaskConstraint(limit=idl.LimitConstraint(limit=1))),
        idl.Constraint(name="zone", constraint=idl.TaskConstraint(
            value=idl.ValueConstraint(negated=True, values={"z9"}))),
    }
    assert task.metadata == {idl.Metadata("owner", "team-a")}
    data = json.loads(task.executorConfig.data)
    assert data["task"]["processes"][0]["cmdline"] == "echo hello from the profile; sleep 60"
    assert data["task"]["name"] == "hello"


def test_update_metadata_tags_the_update_not_the_tasks(idl):
    devel = load_job(str(HELLO_WORLD), name="hello", environment="devel")
    request = devel.update_request(idl, owner="me", update_metadata=[("org.apache.aurora.client.update_id", "u1")])
    assert request.metadata == {idl.Metadata("org.apache.aurora.client.update_id", "u1")}
    assert request.taskConfig == devel.task_config(idl, owner="me")
    assert devel.update_request(idl, owner="me").metadata is None


def test_tutorial_update_settings(idl):
    devel = load_job(str(HELLO_WORLD), name="hello", environment="devel")
    settings = devel.update_settings(idl, instances=[0, 1, 3])
    assert settings.updateGroupSize == 2
    assert settings.minWaitInInstanceRunningMs == 10000
    assert settings.maxFailedInstances == 1
    assert settings.updateStrategy == idl.JobUpdateStrategy(queueStrategy=idl.QueueJobUpdateStrategy(groupSize=2))
    assert settings.updateOnlyTheseInstances == {idl.Range(0, 1), idl.Range(3, 3)}
    request = devel.update_request(idl, owner="me")
    assert request.instanceCount == 2
    assert request.taskConfig.job.environment == "devel"


# --- what a config may not do ---------------------------------------------------------------------

BASE = """
task = Task(name='t', processes=[Process(name='p', cmdline='run {{x}}')],
            resources=Resources(cpu=1, ram=%(ram)s, disk=1*GB))
jobs = [Job(cluster='c', role=%(role)r, environment='e', name='n', task=task)]
"""


def config(ram="64*MB", role="www"):
    return BASE % {"ram": ram, "role": role}


def test_content_is_evaluated_like_a_file(idl):
    job = load_job(content=config(), bindings={"x": 1})
    data = json.loads(job.job_configuration(idl, owner="me").taskConfig.executorConfig.data)
    assert data["task"]["processes"][0]["cmdline"] == "run 1"


@pytest.mark.parametrize("role", ["www data", "www/data", "wéb", ""])
def test_bad_job_key_characters_are_rejected(idl, role):
    job = load_job(content=config(role=role), bindings={"x": 1})
    with pytest.raises(AuroraConfigError, match="invalid job role"):
        job.job_configuration(idl, owner="me")


@pytest.mark.parametrize("ram, message", [("0", "must have ram and disk"), ("1000", "at least 1 MB")])
def test_zero_or_tiny_ram_is_rejected(idl, ram, message):
    with pytest.raises(AuroraConfigError, match=message):
        load_job(content=config(ram=ram), bindings={"x": 1}).job_configuration(idl, owner="me")


def test_only_the_schema_is_in_scope():
    with pytest.raises(AuroraConfigError, match="NameError: name 'AuroraJobConfig' is not defined"):
        evaluate(content="jobs = [AuroraJobConfig]")
    with pytest.raises(AuroraConfigError, match="NameError: name 'os' is not defined"):
        evaluate(content="x = os.getcwd()")


def test_errors_name_the_file_and_line(tmp_path):
    broken = tmp_path / "broken.aurora"
    broken.write_text("a = 1\nb = Process(name='p', cmdline=3, nonsense=1)\n")
    with pytest.raises(AuroraConfigError, match=r"broken.aurora, line 2: .*nonsense"):
        evaluate(path=str(broken))
    broken.write_text("jobs = [\n")
    with pytest.raises(AuroraConfigError, match=r"broken.aurora, line 1: SyntaxError"):
        evaluate(path=str(broken))


def test_include_cycles_and_missing_includes_are_errors(tmp_path):
    (tmp_path / "a.aurora").write_text("include('b.aurora')\n")
    (tmp_path / "b.aurora").write_text("include('a.aurora')\n")
    with pytest.raises(AuroraConfigError, match="include cycle"):
        evaluate(path=str(tmp_path / "a.aurora"))
    with pytest.raises(AuroraConfigError, match="cannot read included file .*missing.aurora"):
        evaluate(content="include('missing.aurora')", base_dir=str(tmp_path))


def test_a_config_without_jobs_is_an_error():
    with pytest.raises(AuroraConfigError, match="defines no jobs"):
        evaluate(content="x = 1")
    with pytest.raises(AuroraConfigError, match=r"jobs\[0\] is a Process"):
        evaluate(content="jobs = [Process(name='a', cmdline='b')]")


def test_bindings_must_be_scalars():
    with pytest.raises(AuroraConfigError, match="binding x must be a string or a number, not list"):
        load_job(content=config(), bindings={"x": [1, 2]})


def test_executor_references_may_stay_unbound_but_nothing_else(idl):
    content = config().replace("run {{x}}", "run {{mesos.instance}} {{thermos.ports[http]}} {{thermos.task_id}}")
    job = load_job(content=content)
    assert job.named_ports() == ["http"]
    job.job_configuration(idl, owner="me")
    content = config().replace("run {{x}}", "run {{mesos.instance}} {{profile.name}}")
    with pytest.raises(AuroraConfigError, match=r"unbound variables: \{\{profile.name\}\}"):
        load_job(content=content).job_configuration(idl, owner="me")


def test_order_must_name_processes_of_the_task(idl):
    content = config().replace("resources=", "constraints=order('p', 'q'), resources=")
    with pytest.raises(AuroraConfigError, match=r"Invalid process dependencies! \(order\('p', 'q'\): q is not a "
                                                r"process of the task") as info:
        load_job(content=content, bindings={"x": 1}).job_configuration(idl, owner="me")
    assert info.value.exit_code == 3


def test_fixed_ports_in_the_portmap_are_not_allocated():
    content = config().replace("task=task)", "task=task, announce=Announcer(portmap={'http': '8080', 'aurora': 'http',"
                                             " 'admin': 'debug'}))")
    content = content.replace("run {{x}}", "run {{thermos.ports[http]}} {{thermos.ports[thrift]}}")
    assert load_job(content=content).named_ports() == ["debug", "thrift"]


def test_docker_container_and_cron(idl):
    content = config().replace(
        "task=task)", "task=task, container=Docker(image='debian:12', parameters=[Parameter(name='env', value='A=1')]),"
                      " cron_schedule='*/5 * * * *', cron_collision_policy='cancel_new')")
    config_ = load_job(content=content, bindings={"x": 1}).job_configuration(idl, owner="me")
    assert config_.taskConfig.container == idl.Container(docker=idl.DockerContainer(
        image="debian:12", parameters=[idl.DockerParameter("env", "A=1")]))
    assert config_.cronSchedule == "*/5 * * * *"
    assert config_.cronCollisionPolicy == idl.CronCollisionPolicy.CANCEL_NEW


def test_a_choice_keeps_the_alternative_the_config_chose(idl):
    # Plain data cannot tell DockerImage(name='x') from AppcImage(name='x'): the evaluation says which it was.
    content = config().replace("task=task)", "task=task, container=Mesos(image=DockerImage(name='x')))")
    with pytest.raises(AuroraConfigError, match=r"not fully specified: MesosJob\[container\]: Mesos\[image\]: "
                                                r"DockerImage\[tag\] is required"):
        load_job(content=content, bindings={"x": 1}).job_configuration(idl, owner="me")
    content = config().replace("task=task)", "task=task, container=Mesos(image=AppcImage(name='x', image_id='y')))")
    image = load_job(content=content, bindings={"x": 1}).job_configuration(idl, owner="me").taskConfig.container
    assert image.mesos.image == idl.Image(appc=idl.AppcImage(name="x", imageId="y"))


@pytest.mark.parametrize("update_config, settings", [
    ("UpdateConfig(wait_for_batch_completion=True, batch_size=3)",
     {"updateGroupSize": 3, "waitForBatchCompletion": True, "strategy": ("batchStrategy", 3)}),
    ("UpdateConfig(update_strategy=BatchUpdateStrategy(batch_size=4, autopause_after_batch=True))",
     {"updateGroupSize": 4, "waitForBatchCompletion": True, "strategy": ("batchStrategy", 4)}),
    ("UpdateConfig(update_strategy=VariableBatchUpdateStrategy(batch_sizes=[1, 5]), pulse_interval_secs=60)",
     {"updateGroupSize": 1, "waitForBatchCompletion": False, "strategy": ("varBatchStrategy", [1, 5]),
      "blockIfNoPulsesAfterMs": 60000}),
])
def test_update_strategies(idl, update_config, settings):
    content = config().replace("task=task)", f"task=task, update_config={update_config})")
    result = load_job(content=content, bindings={"x": 1}).update_settings(idl)
    assert result.updateGroupSize == settings["updateGroupSize"]
    assert result.waitForBatchCompletion == settings["waitForBatchCompletion"]
    kind, size = settings["strategy"]
    chosen = getattr(result.updateStrategy, kind)
    assert (chosen.groupSize if kind == "batchStrategy" else chosen.groupSizes) == size
    assert result.blockIfNoPulsesAfterMs == settings.get("blockIfNoPulsesAfterMs")


@pytest.mark.parametrize("update_config, message", [
    ("UpdateConfig(batch_size=0)", "batch_size must be greater than 0"),
    ("UpdateConfig(pulse_interval_secs=5)", "pulse_interval_secs must be at least 60"),
    ("UpdateConfig(wait_for_batch_completion=True, update_strategy=QueueUpdateStrategy())", "cannot be combined"),
    ("UpdateConfig(batch_size=2, update_strategy=QueueUpdateStrategy())", "inside update_strategy"),
])
def test_inconsistent_update_configs_are_rejected(idl, update_config, message):
    content = config().replace("task=task)", f"task=task, update_config={update_config})")
    with pytest.raises(AuroraConfigError, match=message):
        load_job(content=content, bindings={"x": 1}).update_settings(idl)


@pytest.mark.parametrize(("fields", "message"), [
    ("instances=2, update_config=UpdateConfig(max_total_failures=2)",
     r"must be lesser than the job size. Based on your job size \(2\) you should use max_total_failures <= 1"),
    ("instances=100, constraints={'dedicated': 'www/db'}",
     r"no less than 2% of your job size. Based on your job size \(100\) you should use max_total_failures >= 2"),
    ("update_config=UpdateConfig(watch_secs=-1)", r"Invalid value \(-1\) specified for watch_secs"),
    ("health_check_config=HealthCheckConfig(interval_secs=-0.5)",
     r"Invalid value \(-0.5\) specified for interval_secs"),
])
def test_the_stock_update_config_checks_exit_1(idl, fields, message):
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraUpdateConfigError

    content = config().replace("task=task)", f"task=task, {fields})")
    with pytest.raises(AuroraUpdateConfigError, match=message) as info:
        load_job(content=content, bindings={"x": 1}).validate()
    assert info.value.exit_code == 1


def test_within_the_update_config_rules_loads(idl):
    content = config().replace("task=task)", "task=task, instances=100, constraints={'dedicated': 'www/db'}, "
                                             "update_config=UpdateConfig(max_total_failures=2))")
    load_job(content=content, bindings={"x": 1}).validate()


def test_static_ports_need_a_dedicated_job(idl):
    announce = "announce=Announcer(portmap={'http': '8080'})"
    content = config().replace("task=task)", f"task=task, {announce})")
    with pytest.raises(AuroraConfigError, match="Job must be dedicated in order to specify static ports!") as info:
        load_job(content=content, bindings={"x": 1}).validate()
    assert info.value.exit_code == 3
    dedicated = config().replace("task=task)", f"task=task, {announce}, constraints={{'dedicated': 'www/db'}})")
    load_job(content=dedicated, bindings={"x": 1}).validate()
