"""The scheduler client against scripted HTTP endpoints on loopback: headers and body of a call, the follower's
307, retries of 503 / ERROR_TRANSIENT / refused connections within the budget, and how failures are typed."""

from __future__ import annotations

import base64
import sys

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import (
    ConnectionOptions,
    RetryPolicy,
    SchedulerClient,
    build_auth,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.discovery import SchedulerLocator
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraApiError,
    AuroraAuthError,
    AuroraInvalidParameter,
    AuroraMissingLibrary,
    AuroraOutcomeUnknown,
    AuroraProtocolError,
    AuroraTransportError,
    AuroraZooKeeperUnreachable,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs, make_job_key

from ....utils.aurora.scripted_endpoint import reply, status
from ....utils.network import free_port


@pytest.fixture
def idl():
    return api.load_api()


def client_for(url, clock, auth=None, budget=30.0):
    return SchedulerClient(SchedulerLocator(url), auth=auth, retry=RetryPolicy(budget_secs=budget),
                           sleep=clock.sleep, clock=clock.monotonic)


def test_a_call_is_a_thrift_binary_post_to_api(make_endpoint, clock, idl):
    endpoint = make_endpoint(reply("OK", result=idl.Result(getJobsResult=idl.GetJobsResult(configs=[]))))
    response = client_for(endpoint.url, clock).call("getJobs", ownerRole="www-data")
    assert response.responseCode == idl.ResponseCode.OK
    assert response.result.getJobsResult.configs == []
    [request] = endpoint.received
    assert request.path == "/api"
    assert request.headers["Content-Type"] == "application/vnd.apache.thrift.binary"
    assert request.headers["Accept"] == "application/vnd.apache.thrift.binary"
    assert "Authorization" not in request.headers
    assert (request.method, request.arguments.ownerRole) == ("getJobs", "www-data")


def test_warning_is_success_and_server_info_is_kept(make_endpoint, clock, idl):
    endpoint = make_endpoint(reply("WARNING", details=("deprecated",)))
    client = client_for(endpoint.url, clock)
    assert client.call("getTierConfigs").responseCode == idl.ResponseCode.WARNING
    assert client.server_info.clusterName == "devcluster"


def test_a_follower_redirects_to_the_leader_which_is_remembered(make_endpoint, clock):
    leader = make_endpoint(reply("OK"))
    follower = make_endpoint(status(307, {"Location": f"{leader.url}/api"}))
    client = client_for(follower.url, clock)
    client.call("getJobs", ownerRole="a")
    client.call("getJobs", ownerRole="b")
    assert len(follower.received) == 1
    assert [r.arguments.ownerRole for r in leader.received] == ["a", "b"]
    assert client.base_url == leader.url


def test_503_is_retried_with_growing_delays(make_endpoint, clock):
    endpoint = make_endpoint(status(503), status(503), status(503), reply("OK"))
    client_for(endpoint.url, clock).call("getJobs", ownerRole="a")
    assert len(endpoint.received) == 4
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2]


def test_error_transient_is_retried(make_endpoint, clock):
    endpoint = make_endpoint(reply("ERROR_TRANSIENT", details=("storage busy",)), reply("OK"))
    client_for(endpoint.url, clock).call("killTasks", job=None, instances=None, message="m")
    assert len(endpoint.received) == 2


def test_retries_stop_when_the_budget_is_spent(make_endpoint, clock):
    endpoint = make_endpoint(reply("ERROR_TRANSIENT", details=("storage busy",)))
    with pytest.raises(AuroraTransportError, match=r"getJobs: gave up after 20 s .*ERROR_TRANSIENT: storage busy"):
        client_for(endpoint.url, clock, budget=20).call("getJobs", ownerRole="a")
    assert sum(clock.sleeps) <= 20
    assert len(endpoint.received) == len(clock.sleeps) + 1 >= 3


def test_refused_connections_are_retried_then_reported_as_a_timeout(clock):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(AuroraTransportError, match="gave up after 5 s") as info:
        client_for(url, clock, budget=5).call("createJob", description=None)
    assert info.value.exit_code == 9  # the stock client's TIMEOUT when its retries ran out
    assert len(clock.sleeps) >= 2


def test_a_dropped_connection_is_retried_only_for_calls_that_change_nothing(make_endpoint, clock):
    endpoint = make_endpoint("drop", reply("OK"))
    client_for(endpoint.url, clock).call("getJobs", ownerRole="a")
    assert len(endpoint.received) == 2
    endpoint = make_endpoint("drop", reply("OK"))
    with pytest.raises(AuroraOutcomeUnknown, match="createJob: the connection broke after the call was sent"):
        client_for(endpoint.url, clock).call("createJob", description=None)
    assert len(endpoint.received) == 1


@pytest.mark.parametrize("answer, error, message", [
    (status(401), AuroraAuthError, "refused the credentials \\(HTTP 401\\)"),
    (status(403), AuroraAuthError, "HTTP 403"),
    (reply("AUTH_FAILED", details=("no permission for role www",)), AuroraAuthError, "no permission for role www"),
    (reply("INVALID_REQUEST", details=("Job already exists",)), AuroraApiError,
     "createJob failed with INVALID_REQUEST: Job already exists"),
    (reply("JOB_UPDATING_ERROR"), AuroraApiError, "JOB_UPDATING_ERROR: no details given"),
    (status(500, body=b"boom"), AuroraTransportError, "HTTP 500: boom"),
    (status(200, body=b"<html>a proxy page</html>"), AuroraProtocolError, "unreadable reply to createJob"),
    (status(307), AuroraProtocolError, "307 without a Location"),
])
def test_failures_are_typed(make_endpoint, clock, answer, error, message):
    endpoint = make_endpoint(answer)
    with pytest.raises(error, match=message):
        client_for(endpoint.url, clock).call("createJob", description=None)


def test_api_error_carries_code_and_details(make_endpoint, clock):
    endpoint = make_endpoint(reply("INVALID_REQUEST", details=("a", "b")))
    with pytest.raises(AuroraApiError) as info:
        client_for(endpoint.url, clock).call("createJob", description=None)
    assert (info.value.code, info.value.details, info.value.exit_code) == ("INVALID_REQUEST", ["a", "b"], 10)


def test_unknown_methods_and_bad_arguments_are_refused_before_sending(make_endpoint, clock):
    endpoint = make_endpoint(reply("OK"))
    client = client_for(endpoint.url, clock)
    with pytest.raises(Exception, match="no method 'dropEverything'"):
        client.call("dropEverything")
    with pytest.raises(AuroraInvalidParameter, match="arguments do not fit"):
        client.call("getJobs", nonsense=1)
    assert endpoint.received == []


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_with_username_and_password(make_endpoint, clock):
    endpoint = make_endpoint(reply("OK"))
    client_for(endpoint.url, clock, auth=build_auth("basic", "alice", "s3cret")).call("getJobs", ownerRole="a")
    assert endpoint.received[0].headers["Authorization"] == basic("alice", "s3cret")


def test_basic_auth_from_netrc_follows_the_request_host(make_endpoint, clock, tmp_path):
    endpoint = make_endpoint(reply("OK"))
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text("machine 127.0.0.1 login bob password hunter2\n")
    netrc_file.chmod(0o600)
    auth = build_auth("basic", netrc_file=str(netrc_file))
    client_for(endpoint.url, clock, auth=auth).call("getJobs", ownerRole="a")
    assert endpoint.received[0].headers["Authorization"] == basic("bob", "hunter2")
    netrc_file.write_text("machine elsewhere login bob password hunter2\n")
    with pytest.raises(AuroraAuthError, match="no ~/.netrc entry for 127.0.0.1"):
        client_for(endpoint.url, clock, auth=auth).call("getJobs", ownerRole="a")


def test_auth_none_sends_nothing_even_with_a_netrc(make_endpoint, clock, tmp_path, monkeypatch):
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text("machine 127.0.0.1 login bob password hunter2\n")
    netrc_file.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc_file))
    endpoint = make_endpoint(reply("OK"))
    client_for(endpoint.url, clock, auth=build_auth("none")).call("getJobs", ownerRole="a")
    assert "Authorization" not in endpoint.received[0].headers


def test_kerberos_without_its_library_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "requests_kerberos", None)
    with pytest.raises(AuroraMissingLibrary) as info:
        build_auth("kerberos")
    assert info.value.library == "requests-kerberos"
    with pytest.raises(AuroraInvalidParameter, match="auth must be one of none, basic, kerberos"):
        build_auth("digest")


def test_options_resolve_a_cluster_and_its_auth_mechanism(tmp_path, monkeypatch, make_endpoint, clock):
    endpoint = make_endpoint(reply("OK"))
    clusters = tmp_path / "clusters.json"
    clusters.write_text(f'[{{"name": "dev", "scheduler_uri": "{endpoint.url}/"}},'
                        '{"name": "secure", "scheduler_uri": "http://x", "auth_mechanism": "KERBEROS"}]')
    client = SchedulerClient.from_options(ConnectionOptions(cluster="dev", clusters_file=str(clusters)),
                                          sleep=clock.sleep, clock=clock.monotonic)
    client.call("getJobs", ownerRole="a")
    assert client.base_url == endpoint.url
    monkeypatch.setitem(sys.modules, "requests_kerberos", None)
    with pytest.raises(AuroraMissingLibrary, match="requests-kerberos"):
        SchedulerClient.from_options(ConnectionOptions(cluster="secure", clusters_file=str(clusters)))
    with pytest.raises(AuroraInvalidParameter, match="give scheduler_url, or cluster"):
        SchedulerClient.from_options(ConnectionOptions())


def test_a_username_without_auth_means_basic(make_endpoint, clock):
    endpoint = make_endpoint(reply("OK"))
    client = SchedulerClient.from_options(ConnectionOptions(scheduler_url=endpoint.url, username="alice",
                                                            password="s3cret"),
                                          sleep=clock.sleep, clock=clock.monotonic)
    client.call("getJobs", ownerRole="a")
    assert endpoint.received[0].headers["Authorization"] == basic("alice", "s3cret")


class ZooKeeperDownAtFirst:
    """A locator whose ZooKeeper cannot be reached for the first ``failures`` lookups, then names ``url``."""

    uses_zookeeper = True

    def __init__(self, url, failures):
        self._url, self.failures, self.lookups = url, failures, 0

    def url(self):
        self.lookups += 1
        if self.lookups <= self.failures:
            raise AuroraZooKeeperUnreachable("cannot reach ZooKeeper at zk:2181: Connection refused")
        return self._url

    def refresh(self):
        pass


def test_an_unreachable_zookeeper_is_retried_within_the_budget(make_endpoint, clock, idl):
    # As the stock client, which keeps trying to connect: a ZooKeeper restart must not fail a Heron submit.
    endpoint = make_endpoint(reply("OK", result=idl.Result(getJobsResult=idl.GetJobsResult(configs=[]))))
    locator = ZooKeeperDownAtFirst(endpoint.url, failures=3)
    client = SchedulerClient(locator, retry=RetryPolicy(budget_secs=30), sleep=clock.sleep, clock=clock.monotonic)
    assert client.call("getJobs", ownerRole="www-data").responseCode == idl.ResponseCode.OK
    assert locator.lookups == 4


def test_an_unreachable_zookeeper_past_the_budget_is_a_timeout(clock):
    locator = ZooKeeperDownAtFirst("http://127.0.0.1:9", failures=10**6)
    client = SchedulerClient(locator, retry=RetryPolicy(budget_secs=5), sleep=clock.sleep, clock=clock.monotonic)
    gave_up = r"gave up after 5 s of retries; last: cannot reach ZooKeeper"
    with pytest.raises(AuroraTransportError, match=gave_up) as info:
        client.call("getJobs", ownerRole="www-data")
    assert info.value.exit_code == 9


# --- a change whose answer was lost: the job operations read the state (docs/aurora-cli.md) ----------

KEY = make_job_key("devcluster", "heron", "devel", "wc")


def tasks_reply(idl, *instances, status="RUNNING"):
    code = idl.ScheduleStatus._NAMES_TO_VALUES[status]
    tasks = [idl.ScheduledTask(status=code, assignedTask=idl.AssignedTask(
        taskId=f"t-{i}", instanceId=i, task=idl.TaskConfig(job=KEY.thrift(idl)))) for i in instances]
    return reply("OK", result=idl.Result(scheduleStatusResult=idl.ScheduleStatusResult(tasks=tasks)))


def jobs_for(endpoint, clock):
    return AuroraJobs(client_for(endpoint.url, clock), sleep=clock.sleep, clock=clock.monotonic)


@pytest.mark.parametrize("lost", ["drop", status(504)])
def test_a_lost_add_that_was_not_applied_is_not_sent_again(make_endpoint, clock, idl, lost):
    endpoint = make_endpoint(tasks_reply(idl, 0), lost, tasks_reply(idl, 0))
    with pytest.raises(AuroraTransportError, match="shows it was not applied: nothing changed") as failure:
        jobs_for(endpoint, clock).add_instances(KEY, 0, 2)
    assert failure.value.exit_code == 7
    assert [r.method for r in endpoint.received] == ["getTasksWithoutConfigs", "addInstances", "getTasksWithoutConfigs"]


def test_a_lost_add_half_applied_fails_naming_the_state(make_endpoint, clock, idl):
    endpoint = make_endpoint(tasks_reply(idl, 0), "drop", tasks_reply(idl, 0, 1))
    with pytest.raises(AuroraTransportError, match=r"has new instances \[1\], where \[1, 2\] were asked for"):
        jobs_for(endpoint, clock).add_instances(KEY, 0, 2)


def test_a_lost_kill_not_applied_is_sent_again_within_the_budget(make_endpoint, clock, idl):
    endpoint = make_endpoint("drop", tasks_reply(idl, 0, 1), "drop", tasks_reply(idl, 0, 1, status="KILLING"))
    jobs_for(endpoint, clock).kill(KEY, [0, 1])
    assert [r.method for r in endpoint.received] == ["killTasks", "getTasksWithoutConfigs"] * 2
    endpoint = make_endpoint("drop", tasks_reply(idl, 0))  # never applied, every answer lost
    with pytest.raises(AuroraTransportError, match="retry budget is spent") as failure:
        AuroraJobs(client_for(endpoint.url, clock, budget=0), sleep=clock.sleep, clock=clock.monotonic).kill(KEY)
    assert failure.value.exit_code == 9


def test_the_resends_of_a_lost_kill_share_one_budget_with_the_first_send(make_endpoint, clock, idl):
    # Six 503s (no leader) spend about 17 s of the 30 s budget, then the answer is lost and the state shows nothing
    # applied; the resend meets 503 for ever: its retries end with the budget that began at the first send (a
    # budget of their own would run to about 47 s).
    endpoint = make_endpoint(*[status(503)] * 6, "drop", tasks_reply(idl, 0), status(503))
    started = clock.monotonic()
    with pytest.raises(AuroraTransportError) as failure:
        AuroraJobs(client_for(endpoint.url, clock, budget=30), sleep=clock.sleep, clock=clock.monotonic).kill(KEY)
    assert failure.value.exit_code == 9
    assert clock.monotonic() - started <= 30
    assert [r.method for r in endpoint.received][6:9] == ["killTasks", "getTasksWithoutConfigs", "killTasks"]


def test_a_proxys_504_to_a_change_is_not_sent_again_blindly(make_endpoint, clock):
    endpoint = make_endpoint(status(504))
    with pytest.raises(AuroraOutcomeUnknown, match="answered HTTP 504"):
        client_for(endpoint.url, clock).call("createJob", description=None)
    assert len(endpoint.received) == 1
