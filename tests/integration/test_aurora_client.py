"""The scheduler client against the stand-in scheduler and the harness's real ZooKeeper: discovery of the leader
from member_ nodes, a follower's 307, failover when the leader goes away, injected 503 / ERROR_TRANSIENT, and the
stand-in rejecting what the real scheduler rejects."""

from __future__ import annotations

import json
import uuid

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import (
    ConnectionOptions,
    RetryPolicy,
    SchedulerClient,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.discovery import SchedulerLocator
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraApiError, AuroraAuthError
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Backoff

CONFIG = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=%(ram)s, disk=16*MB))
jobs = [Service(cluster='devcluster', role='%(role)s', environment='devel', name='hello', task=task, instances=2)]
"""


def clusters_file(tmp_path, zookeeper, zk_path):
    host, port = zookeeper.hosts.split(":")
    path = tmp_path / "clusters.json"
    path.write_text(json.dumps([{"name": "devcluster", "zk": host, "zk_port": int(port),
                                 "scheduler_zk_path": zk_path}]))
    return str(path)


def job_configuration(role="www-data", ram="32*MB"):
    idl = api.load_api()
    return load_job(content=CONFIG % {"role": role, "ram": ram}).job_configuration(idl, owner="tester")


def test_leader_found_in_zookeeper_and_a_job_created(tmp_path, zookeeper, aurora_scheduler):
    client = SchedulerClient.from_options(ConnectionOptions(
        cluster="devcluster", clusters_file=clusters_file(tmp_path, zookeeper, aurora_scheduler.zk_path)))
    client.call("createJob", description=job_configuration())
    assert client.base_url == aurora_scheduler.url
    jobs = client.call("getJobs", ownerRole="www-data").result.getJobsResult.configs
    assert [job.key.name for job in jobs] == ["hello"]
    assert client.server_info.clusterName == "devcluster"


def test_follower_redirects_and_failover_moves_to_the_next_member(tmp_path, zookeeper, make_aurora_scheduler):
    zk_path = f"/aurora-{uuid.uuid4().hex[:8]}/scheduler"
    state = tmp_path / "replicated-state"
    leader = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=zk_path, state_dir=state)
    follower = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=zk_path, state_dir=state)
    assert follower.health() == {"leader": False, "leader_url": leader.url}

    via_follower = SchedulerClient.from_options(ConnectionOptions(scheduler_url=follower.url))
    via_follower.call("createJob", description=job_configuration())
    assert via_follower.base_url == leader.url

    leader.stop()  # its member_ node goes with its session; the follower is now the lowest member
    client = SchedulerClient.from_options(ConnectionOptions(
        cluster="devcluster", clusters_file=clusters_file(tmp_path, zookeeper, zk_path)))
    jobs = client.call("getJobs", ownerRole="www-data").result.getJobsResult.configs
    assert client.base_url == follower.url
    assert [job.key.name for job in jobs] == ["hello"]


def test_injected_503_and_transient_errors_are_retried(aurora_scheduler):
    aurora_scheduler.control(unavailable=2, transient=2)
    # Short pauses keep the test quick; the growth of the pauses is a unit test of the client.
    client = SchedulerClient(SchedulerLocator(aurora_scheduler.url), retry=RetryPolicy(backoff=Backoff(0.05, 5.0)))
    client.call("createJob", description=job_configuration())
    calls = aurora_scheduler.control()["calls"]
    assert calls == ["createJob", "createJob", "createJob"]  # the two 503s never reached the API


@pytest.mark.parametrize("change, message", [
    ({"role": "www data"}, "Job key JobKey(role:www data, environment:devel, name:hello) is invalid."),
    ({"ram": "0"}, "ram_mb must be greater than 0.0"),
])
def test_stand_in_rejects_what_the_real_scheduler_rejects(aurora_scheduler, change, message):
    idl = api.load_api()
    config = job_configuration()
    if "role" in change:
        config.key.role = config.taskConfig.job.role = change["role"]
    else:
        config.taskConfig.resources = {r for r in config.taskConfig.resources if r.ramMb is None}
        config.taskConfig.resources.add(idl.Resource(ramMb=0))
    client = SchedulerClient.from_options(ConnectionOptions(scheduler_url=aurora_scheduler.url))
    with pytest.raises(AuroraApiError) as info:
        client.call("createJob", description=config)
    assert (info.value.code, info.value.details) == ("INVALID_REQUEST", [message])


def test_duplicate_create_is_invalid_request(aurora_scheduler):
    client = SchedulerClient.from_options(ConnectionOptions(scheduler_url=aurora_scheduler.url))
    client.call("createJob", description=job_configuration())
    with pytest.raises(AuroraApiError, match="INVALID_REQUEST: Job www-data/devel/hello already exists"):
        client.call("createJob", description=job_configuration())


def test_basic_auth_against_the_stand_in(make_aurora_scheduler):
    scheduler = make_aurora_scheduler(basic_auth="aurora:secret")
    good = SchedulerClient.from_options(ConnectionOptions(scheduler_url=scheduler.url, auth="basic",
                                                          username="aurora", password="secret"))
    good.call("getJobs", ownerRole="x")
    bad = SchedulerClient.from_options(ConnectionOptions(scheduler_url=scheduler.url, auth="basic",
                                                         username="aurora", password="wrong"))
    with pytest.raises(AuroraAuthError, match="HTTP 401"):
        bad.call("getJobs", ownerRole="x")


def test_stand_in_answers_in_json_unless_binary_is_accepted_as_the_real_scheduler_does(aurora_scheduler):
    import requests

    body = api.encode_call("getJobs", {"ownerRole": "x"})
    url = f"{aurora_scheduler.url}/api"
    no_accept = requests.post(url, data=body, headers={"Content-Type": api.CONTENT_TYPE}, timeout=10)
    assert no_accept.headers["Content-Type"] == "application/vnd.apache.thrift.json"
    binary = requests.post(url, data=body, headers={"Content-Type": api.CONTENT_TYPE, "Accept": api.CONTENT_TYPE},
                           timeout=10)
    assert api.decode_reply("getJobs", binary.content).responseCode == api.load_api().ResponseCode.OK
    wrong_type = requests.post(url, data=body, headers={"Content-Type": "text/plain"}, timeout=10)
    assert wrong_type.status_code == 415
