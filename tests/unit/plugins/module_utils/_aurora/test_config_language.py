"""The parts of the config language beyond jobs, tasks and processes: partition and SLA policies (into the
TaskConfig, through the wire, and into the executor data; their field ids are in test_api_wire.py's table),
MesosTaskInstance, and the names a config sees without importing them."""

from __future__ import annotations

import json

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import evaluate, load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError

from ....utils.aurora import wire

JOB = """
task = Task(name='t', processes=[Process(name='p', cmdline='run')], resources=Resources(cpu=1, ram=64*MB, disk=MB))
jobs = [Service(cluster='c', role='www', environment='prod', name='n', instances=30, task=task, %s)]
"""


@pytest.fixture
def idl():
    return api.load_api()


def task_config(idl, fields: str, bindings: dict | None = None):
    return load_job(content=JOB % fields, bindings=bindings).job_configuration(idl, owner="me").taskConfig


def executor_data(config) -> dict:
    return json.loads(config.executorConfig.data)


def on_the_wire(idl, config):
    """The TaskConfig as the scheduler decodes it from a createJob call."""
    description = idl.JobConfiguration(key=config.job, owner=config.owner, taskConfig=config, instanceCount=1)
    _name, _seqid, args = wire.decode_call(api.encode_call("createJob", {"description": description}))
    return args.description.taskConfig


# --- partition_policy ----------------------------------------------------------------------------------

def test_partition_policy_defaults_to_rescheduling_at_once(idl):
    config = task_config(idl, "partition_policy=PartitionPolicy()")
    assert config.partitionPolicy == idl.PartitionPolicy(reschedule=True, delaySecs=0)
    assert executor_data(config)["partition_policy"] == {"reschedule": True, "delay_secs": 0}


def test_partition_policy_fields_and_bindings(idl):
    config = task_config(idl, "partition_policy=PartitionPolicy(reschedule=False, delay_secs='{{delay}}')",
                         {"delay": "300"})
    assert config.partitionPolicy == idl.PartitionPolicy(reschedule=False, delaySecs=300)
    assert on_the_wire(idl, config).partitionPolicy == config.partitionPolicy


def test_without_policies_the_task_config_has_none(idl):
    config = task_config(idl, "contact='a@b'")
    assert config.partitionPolicy is None and config.slaPolicy is None
    assert "partition_policy" not in executor_data(config) and "sla_policy" not in executor_data(config)


# --- sla_policy ----------------------------------------------------------------------------------------

def test_count_sla_policy(idl):
    config = task_config(idl, "sla_policy=CountSlaPolicy(count=25, duration_secs=1800)")
    assert config.slaPolicy == idl.SlaPolicy(countSlaPolicy=idl.CountSlaPolicy(count=25, durationSecs=1800))
    assert executor_data(config)["sla_policy"] == {"count": 25, "duration_secs": 1800}
    assert on_the_wire(idl, config).slaPolicy == config.slaPolicy


def test_percentage_sla_policy(idl):
    config = task_config(idl, "sla_policy=PercentageSlaPolicy(percentage='{{p}}', duration_secs=600)", {"p": "95"})
    assert config.slaPolicy == idl.SlaPolicy(
        percentageSlaPolicy=idl.PercentageSlaPolicy(percentage=95.0, durationSecs=600))
    assert executor_data(config)["sla_policy"] == {"percentage": 95.0, "duration_secs": 600}
    assert on_the_wire(idl, config).slaPolicy == config.slaPolicy


def test_coordinator_sla_policy_asks_for_drain_by_default(idl):
    config = task_config(idl, "sla_policy=CoordinatorSlaPolicy(coordinator_url='http://coord:8080/sla')")
    assert config.slaPolicy == idl.SlaPolicy(coordinatorSlaPolicy=idl.CoordinatorSlaPolicy(
        coordinatorUrl="http://coord:8080/sla", statusKey="drain"))
    assert executor_data(config)["sla_policy"] == {"coordinator_url": "http://coord:8080/sla", "status_key": "drain"}
    custom = task_config(idl, "sla_policy=CoordinatorSlaPolicy(coordinator_url='http://c', status_key='ok')")
    assert custom.slaPolicy.coordinatorSlaPolicy.statusKey == "ok"


@pytest.mark.parametrize("policy", ["CountSlaPolicy(count=2)", "PercentageSlaPolicy(duration_secs=60)",
                                    "CoordinatorSlaPolicy(status_key='x')"])
def test_an_sla_policy_missing_a_required_field_is_refused(idl, policy):
    with pytest.raises(AuroraConfigError, match="not fully specified|required"):
        task_config(idl, f"sla_policy={policy}")


def test_sla_policy_takes_only_the_three_policies():
    with pytest.raises(AuroraConfigError):
        load_job(content=JOB % "sla_policy=PartitionPolicy()")


# --- the names a config sees ---------------------------------------------------------------------------

STOCK_NAMES = {
    # pystachio's public classes (the stock loader starts with `from pystachio import *`)
    "Boolean", "Choice", "Default", "Empty", "Enum", "Environment", "Float", "Integer", "List", "Map",
    "MustacheParser", "Namable", "Ref", "Required", "String", "Struct", "Type", "TypeCheck", "TypeFactory",
    # thermos: units, structs and helpers
    "BYTES", "KB", "MB", "GB", "TB", "ThermosContext", "Resources", "Constraint", "RotatePolicy",
    "LoggerDestination", "LoggerMode", "Logger", "Process", "Task", "order", "combine_tasks", "concat_tasks",
    "java_options", "python_options", "SequentialTask", "SimpleTask", "Options", "Processes", "Tasks", "Units",
    # aurora
    "AURORA_EXECUTOR_NAME", "MesosContext", "QueueUpdateStrategy", "BatchUpdateStrategy",
    "VariableBatchUpdateStrategy", "UpdateConfig", "HttpHealthChecker", "ShellHealthChecker",
    "HealthCheckerConfig", "DefaultHealthChecker", "HealthCheckConfig", "HttpLifecycleConfig", "LifecycleConfig",
    "DisableLifecycle", "DefaultLifecycleConfig", "Announcer", "MesosTaskInstance", "Parameter", "Docker",
    "AppcImage", "DockerImage", "Mode", "Volume", "Mesos", "Container", "PartitionPolicy", "Metadata",
    "ExecutorConfig", "PercentageSlaPolicy", "CountSlaPolicy", "CoordinatorSlaPolicy", "MesosJob", "Job",
    "Service",
    # the loader's own
    "include",
}


def test_a_config_sees_the_names_of_the_stock_clients_namespace():
    seen = evaluate(content=(
        "_names = sorted(n for n in globals() if not n.startswith('_'))\n"
        "jobs = [Job(cluster='c', role='r', environment='e', name=','.join(_names),"
        " task=Task(name='t', processes=[Process(name='p', cmdline='x')]))]"))
    names = set(str(seen[0].name()).split(","))
    assert names == STOCK_NAMES


def test_environment_and_ref_bind_without_an_import(idl):
    content = """
process = Process(name='p', cmdline='echo {{greeting}} {{who}} {{thermos.ports[http]}}')
task = Task(name='t', processes=[process], resources=Resources(cpu=1, ram=64*MB, disk=MB))
job = Job(cluster='c', role='www', environment='prod', name='n', task=task)
jobs = [job.bind(Environment(greeting='hello')).bind({Ref.from_address('who'): 'world'})]
"""
    config = load_job(content=content).job_configuration(idl, owner="me").taskConfig
    cmdline = executor_data(config)["task"]["processes"][0]["cmdline"]
    assert cmdline == "echo hello world {{thermos.ports[http]}}"


def test_mesos_task_instance_is_the_executors_view_of_an_instance(idl):
    content = """
task = Task(name='t', processes=[Process(name='p', cmdline='serve {{mesos.instance}}')],
            resources=Resources(cpu=1, ram=64*MB, disk=MB))
job = Job(cluster='c', role='www', environment='prod', name='n', task=task)
instance = MesosTaskInstance(task=job.task(), role=job.role(), environment=job.environment(), instance=3)
instance = instance.bind(mesos=MesosContext(instance=3, hostname='agent1'))
jobs = [job(contact=str(instance.task().processes()[0].cmdline()) + '@example.com')]
"""
    config = load_job(content=content).job_configuration(idl, owner="me").taskConfig
    assert config.contactEmail == "serve 3@example.com"


def test_mesos_task_instance_defaults_and_required_fields():
    instances = evaluate(content="""
_task = Task(name='t', processes=[Process(name='p', cmdline='x')])
_full = MesosTaskInstance(task=_task, role='www', environment='prod', instance=0)
_partial = MesosTaskInstance(task=_task, role='www')
jobs = [Job(cluster='c', role='r', environment='e', name='n-%s-%s' % (_full.check().ok(), _partial.check().ok()),
            health_check_config=_full.health_check_config(), task=_task)]
""")
    assert str(instances[0].name()) == "n-True-False"
    assert instances[0].health_check_config().initial_interval_secs().get() == 15.0
