"""The harness as a pytest plugin (loaded by pytest.ini): the collection on sys.path, real services as fixtures.

Session fixtures (zookeeper, zookeeper_ensemble, s3_server, hdfs_cluster, http_server) start each service once, on
first use. After every test that used one, the service must still be alive: a service that died during a test fails
that test with the service's own log, rather than letting later tests time out one by one.
A test that stops or kills a service on purpose takes its own instance from a make_* factory fixture.
"""

from __future__ import annotations

import pytest

from .collection import ensure_collection_path, run_module as _run_module
from .service import ServiceError

ensure_collection_path()

_WATCHED = pytest.StashKey[list]()


def _watch(request, service):
    """Register a service for the after-test liveness check and return it, restarted if an earlier test lost it."""
    if not service.running:
        service.stop()
        _start_or_fail(service)
    request.node.stash.setdefault(_WATCHED, []).append(service)
    return service


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when != "call":
        return report
    deaths = []
    for service in item.stash.get(_WATCHED, []):
        try:
            service.check_alive()
        except ServiceError as exc:
            deaths.append(f"a service of the harness died during the test: {exc}")
    if deaths:
        report.outcome = "failed"
        report.sections.append(("harness", "\n\n".join(deaths)))
        if report.longrepr is None:
            report.longrepr = "\n\n".join(deaths)
    return report


def _start_or_fail(service):
    try:
        return service.start()
    except ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)


# --- session services, one each -----------------------------------------------------------------

@pytest.fixture(scope="session")
def _zookeeper_session(tmp_path_factory):
    from .zookeeper import ZooKeeperNode
    service = _start_or_fail(ZooKeeperNode(tmp_path_factory.mktemp("zookeeper")))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def _zookeeper_ensemble_session(tmp_path_factory):
    from .zookeeper import ZooKeeperEnsemble
    service = _start_or_fail(ZooKeeperEnsemble(tmp_path_factory.mktemp("zookeeper-ensemble")))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def _s3_session(tmp_path_factory):
    from .s3 import S3Server
    service = _start_or_fail(S3Server(tmp_path_factory.mktemp("s3")))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def _hdfs_session(tmp_path_factory):
    from .hdfs import HdfsCluster
    service = _start_or_fail(HdfsCluster(tmp_path_factory.mktemp("hdfs")))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def _http_session(tmp_path_factory):
    from .http import HttpServer
    service = _start_or_fail(HttpServer(tmp_path_factory.mktemp("nginx")))
    yield service
    service.stop()


@pytest.fixture
def zookeeper(request, _zookeeper_session):
    return _watch(request, _zookeeper_session)


@pytest.fixture
def zookeeper_ensemble(request, _zookeeper_ensemble_session):
    return _watch(request, _zookeeper_ensemble_session)


@pytest.fixture
def s3_server(request, _s3_session):
    return _watch(request, _s3_session)


@pytest.fixture
def hdfs_cluster(request, _hdfs_session):
    return _watch(request, _hdfs_session)


@pytest.fixture
def http_server(request, _http_session):
    return _watch(request, _http_session)


# --- private instances, for tests that stop or break a service ----------------------------------

def _factory(tmp_path_factory, build):
    started = []

    def make(**options):
        service = _start_or_fail(build(tmp_path_factory.mktemp("private"), **options))
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


@pytest.fixture
def make_zookeeper(tmp_path_factory):
    from .zookeeper import ZooKeeperNode
    yield from _factory(tmp_path_factory, ZooKeeperNode)


@pytest.fixture
def make_zookeeper_ensemble(tmp_path_factory):
    from .zookeeper import ZooKeeperEnsemble
    yield from _factory(tmp_path_factory, ZooKeeperEnsemble)


@pytest.fixture
def make_s3_server(tmp_path_factory):
    from .s3 import S3Server
    yield from _factory(tmp_path_factory, S3Server)


@pytest.fixture
def make_hdfs_cluster(tmp_path_factory):
    from .hdfs import HdfsCluster
    yield from _factory(tmp_path_factory, HdfsCluster)


@pytest.fixture
def make_http_server(tmp_path_factory):
    from .http import HttpServer
    yield from _factory(tmp_path_factory, HttpServer)


@pytest.fixture
def run_module():
    """run_module(name, args, check_mode=False, diff=False): run one of our modules as Ansible does."""
    return _run_module
