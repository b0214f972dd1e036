"""Job keys, instance lists and the comparison of task configs that keeps aurora_job idempotent."""

from __future__ import annotations

import json

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraInvalidParameter
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import parse_instances
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import (
    JobKey,
    last_message,
    latest_per_instance,
    normalized_task,
    parse_job_key,
    readable_task,
)

from ....utils.aurora import wire


@pytest.fixture
def idl():
    return api.load_api()


def test_job_keys_and_instances():
    assert parse_job_key("devcluster/www-data/prod/hello") == (JobKey("devcluster", "www-data", "prod", "hello"), None)
    key, instances = parse_job_key("devcluster/www-data/prod/hello/0-2,5")
    assert str(key) == "devcluster/www-data/prod/hello" and instances == [0, 1, 2, 5]
    assert parse_instances("3,1-2,2") == [1, 2, 3]
    for bad in ("a/b/c", "a/b/c/d/e/f", "a/b/c d/e"):
        with pytest.raises(AuroraInvalidParameter):
            parse_job_key(bad)
    with pytest.raises(AuroraInvalidParameter, match="'x' is not N or N-M"):
        parse_instances("1,x")


def task(idl, data, owner="alice", ports=("http",)):
    return idl.TaskConfig(
        job=idl.JobKey("www", "prod", "hello"), owner=idl.Identity(user=owner), isService=True,
        resources={idl.Resource(numCpus=1.0), idl.Resource(ramMb=64), idl.Resource(diskMb=32)}
        | {idl.Resource(namedPort=p) for p in ports},
        executorConfig=idl.ExecutorConfig(name="AuroraExecutor", data=data))


def test_normalized_task_ignores_owner_json_layout_and_set_order(idl):
    ours = task(idl, json.dumps({"a": 1, "b": [1, 2]}), owner="alice")
    theirs = wire.copy_struct(task(idl, '{"b": [1, 2], "a": 1}', owner="bob"))
    assert normalized_task(ours) == normalized_task(theirs)
    assert normalized_task(ours) != normalized_task(task(idl, json.dumps({"a": 2, "b": [1, 2]})))
    assert normalized_task(ours) != normalized_task(task(idl, json.dumps({"a": 1, "b": [2, 1]})))
    assert normalized_task(ours) != normalized_task(task(idl, json.dumps({"a": 1, "b": [1, 2]}), ports=()))


def test_readable_task_names_resources_and_decodes_the_executor_data(idl):
    readable = readable_task(task(idl, '{"task": {"name": "t"}}', ports=("http", "admin")))
    assert readable["resources"] == {"numCpus": 1.0, "ramMb": 64, "diskMb": 32, "ports": ["admin", "http"]}
    assert readable["executorConfig"]["data"] == {"task": {"name": "t"}}
    assert "owner" not in readable


def scheduled(idl, instance, task_id, events):
    return idl.ScheduledTask(
        assignedTask=idl.AssignedTask(taskId=task_id, instanceId=instance),
        taskEvents=[idl.TaskEvent(timestamp=ts, status=idl.ScheduleStatus._NAMES_TO_VALUES[status], message=msg)
                    for ts, status, msg in events])


def test_the_replacement_task_is_newest_but_the_failure_explains(idl):
    failed = scheduled(idl, 0, "a", [(1, "PENDING", None), (2, "RUNNING", None), (3, "FAILED", "Process x exited 1")])
    retry = scheduled(idl, 0, "b", [(4, "THROTTLED", "Rescheduled"), (5, "PENDING", None)])
    other = scheduled(idl, 1, "c", [(1, "PENDING", None)])
    newest = latest_per_instance([retry, failed, other])
    assert (newest[0].assignedTask.taskId, newest[1].assignedTask.taskId) == ("b", "c")
    assert last_message([retry, failed]) == "Process x exited 1"
    assert last_message([retry]) == "Rescheduled"
    assert last_message([other]) is None
