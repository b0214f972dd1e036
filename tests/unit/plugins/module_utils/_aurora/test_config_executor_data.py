# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The executor data against what the stock client (Python 2.7, pystachio 0.8.5) writes for the same config.

HELLO_WORLD_STOCK is written by hand from upstream's facts: the field set of apache/aurora's hello-world executor
data test fixture (config/test_thrift.py), whose keys appear there in the order its Python 2 ``json.dumps``
printed them, with pystachio's separators (", " and ": ") and no sort_keys."""

from __future__ import annotations

import json

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema, stock_json
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.job import AuroraJobConfig
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.tiers import tier_configs

HELLO_WORLD_STOCK = (
    '{"environment": "staging66", '
    '"health_check_config": {"health_checker": {"http": {"expected_response_code": 0, "endpoint": "/health", '
    '"expected_response": "ok"}}, "min_consecutive_successes": 1, "initial_interval_secs": 15.0, '
    '"max_consecutive_failures": 0, "timeout_secs": 1.0, "interval_secs": 10.0}, '
    '"name": "hello_world", "service": false, "max_task_failures": 1, '
    '"executor_config": {"data": "", "name": "AuroraExecutor"}, '
    '"cron_collision_policy": "KILL_EXISTING", "enable_hooks": false, "cluster": "smf1-test", '
    '"task": {"processes": [{"daemon": false, "name": "hello_world", "ephemeral": false, "max_failures": 1, '
    '"min_duration": 5, "cmdline": "echo {{mesos.instance}}", "final": false}], "name": "main", '
    '"finalization_wait": 30, "max_failures": 1, "max_concurrency": 0, '
    '"resources": {"gpu": 2, "disk": 67108864, "ram": 67108864, "cpu": 0.1}, "constraints": []}, '
    '"production": false, "role": "john_doe", "metadata": [], '
    '"lifecycle": {"http": {"graceful_shutdown_endpoint": "/quitquitquit", "graceful_shutdown_wait_secs": 5, '
    '"port": "health", "shutdown_wait_secs": 5, "shutdown_endpoint": "/abortabortabort"}}, '
    '"priority": 0}'
)

HELLO_WORLD_CONFIG = """
jobs = [Job(name='hello_world', role='john_doe', environment='staging66', cluster='smf1-test',
            task=Task(name='main',
                      processes=[Process(name='hello_world', cmdline='echo {{mesos.instance}}')],
                      resources=Resources(cpu=0.1, ram=64 * 1048576, disk=64 * 1048576, gpu=2)))]
"""


def hello_world(**fields):
    job = schema.Job(name="hello_world", role="john_doe", environment="staging66", cluster="smf1-test",
                     task=schema.Task(name="main",
                                      processes=[schema.Process(name="hello_world", cmdline="echo {{mesos.instance}}")],
                                      resources=schema.Resources(cpu=0.1, ram=64 * 1048576, disk=64 * 1048576, gpu=2)))
    return AuroraJobConfig(job(**fields))


def test_hello_world_is_byte_for_byte_the_stock_clients():
    assert hello_world().executor_data() == HELLO_WORLD_STOCK


def test_hello_world_loaded_from_a_config_file_too():
    job = load_job(content=HELLO_WORLD_CONFIG)
    assert job.executor_data() == HELLO_WORLD_STOCK
    assert job.job_configuration(api.load_api(), owner="me").taskConfig.executorConfig.data == HELLO_WORLD_STOCK


def test_the_fields_that_are_not_part_of_a_task_are_left_out():
    data = json.loads(hello_world(instances=3, update_config=schema.UpdateConfig(batch_size=2)).executor_data())
    assert "instances" not in data and "update_config" not in data
    assert hello_world(instances=3).executor_data() == HELLO_WORLD_STOCK


def test_the_tier_the_client_picks_is_in_the_executor_data():
    """As the stock client: the tier chosen from getTierConfigs lands in the executor data, with production."""
    idl = api.load_api()
    tiers = tier_configs(idl.GetTierConfigResult(defaultTierName="preemptible", tiers={
        idl.TierConfig(name="preferred", settings={"preemptible": "false", "revocable": "false"}),
        idl.TierConfig(name="preemptible", settings={"preemptible": "true", "revocable": "false"}),
    }))
    config = hello_world(production=True)
    config.apply_tiers(tiers)
    text = config.executor_data()
    data = json.loads(text)
    assert (data["tier"], data["production"]) == ("preferred", True)
    stock = json.loads(HELLO_WORLD_STOCK)
    assert {k: v for k, v in data.items() if k not in ("tier", "production")} == {
        k: v for k, v in stock.items() if k != "production"}
    # The keys as a Python 2 dict holds them: the stock fixture's order, with tier in its hash slot.
    assert list(data) == stock_json.py2_dict_order(k for k in stock_json.py2_dict_order(
        stock_json.py2_dict_order(stock_json.py2_dict_order(["__module__", *stock_json.STOCK_FIELD_ORDER["MesosJob"]])))
        if k in data)


def test_same_content_as_pystachio_writes():
    config = hello_world(announce=schema.Announcer(portmap={"health": "http", "admin": "http"}),
                         constraints={"host": "limit:1", "rack": "a,b"}, contact="me@example.org",
                         metadata=[schema.Metadata(key="team", value="streaming")])
    text = config.executor_data()
    interpolated, _refs = config.raw.interpolate()
    assert json.loads(text) == json.loads(interpolated(update_config=schema.Empty, instances=schema.Empty).json_dumps())


def test_python2_string_hash():
    """CPython 2.7 on 64 bits: hash('') == 0, hash('a') == 12416037344, hash('b') == 12544037731."""
    assert stock_json.py2_str_hash("") == 0
    assert stock_json.py2_str_hash("a") == 12416037344
    assert stock_json.py2_str_hash("b") == 12544037731


def test_python2_dict_order():
    """Python 2.7 prints {'a': 1, 'b': 2, 'c': 3} as {'a': 1, 'c': 3, 'b': 2}."""
    assert stock_json.py2_dict_order(["a", "b", "c"]) == ["a", "c", "b"]


def test_a_map_comes_out_in_python2_order():
    data = json.loads(hello_world(constraints={"a": "x", "b": "y", "c": "z"}).executor_data())
    assert list(data["constraints"]) == ["a", "c", "b"]


@pytest.mark.parametrize("name", sorted(set(stock_json.STOCK_FIELD_ORDER) & set(vars(schema))))
def test_upstream_field_tables_cover_our_schema(name):
    """Every field of our schema class is in the table of upstream's (or the order would be ours alone)."""
    assert set(getattr(schema, name).TYPEMAP) <= set(stock_json.STOCK_FIELD_ORDER[name])
