"""The harness as a pytest plugin: the collection on sys.path, real services as fixtures. tests/integration/conftest.py
takes everything in ``__all__``, so that it applies to the integration tests only; ``-p harness.pytest_plugin``
loads it for any other test tree.

For each service NAME below there are three fixtures:
- ``NAME``: one instance for the whole session, started on first use (and restarted if an earlier test lost it);
- ``make_NAME``: a factory of private instances, for tests that stop or break a service; stopped after the test;
- ``_NAME_session``: the session instance itself, without the liveness watch (internal).
A service that dies during a test that uses it fails that test with the service's log, rather than letting later
tests time out one by one.
"""

from __future__ import annotations

from typing import Callable

import pytest

from . import SERVICES
from .collection import ensure_collection_path
from .collection import run_module as _run_module
from .service import ServiceError

ensure_collection_path()

_WATCHED = pytest.StashKey[list]()

__all__ = ["pytest_runtest_makereport", "run_module"]  # and the fixtures of each service, added below


def _start_or_fail(service):
    try:
        return service.start()
    except ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)


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


def _define_fixtures(name: str, build: Callable) -> None:
    @pytest.fixture(scope="session", name=f"_{name}_session")
    def session_instance(tmp_path_factory):
        service = _start_or_fail(build(tmp_path_factory.mktemp(name)))
        yield service
        service.stop()

    @pytest.fixture(name=name)
    def watched_instance(request):
        service = request.getfixturevalue(f"_{name}_session")
        if not service.running:
            service.stop()
            _start_or_fail(service)
        request.node.stash.setdefault(_WATCHED, []).append(service)
        return service

    @pytest.fixture(name=f"make_{name}")
    def private_instances(tmp_path_factory):
        started = []

        def make(**options):
            service = _start_or_fail(build(tmp_path_factory.mktemp(f"private-{name}"), **options))
            started.append(service)
            return service

        yield make
        for service in started:
            service.stop()

    fixtures = {f"_{name}_session": session_instance, name: watched_instance, f"make_{name}": private_instances}
    globals().update(fixtures)
    __all__.extend(fixtures)


for _fixture_name, _service_class in SERVICES.values():
    _define_fixtures(_fixture_name, _service_class)


@pytest.fixture
def run_module():
    """run_module(name, args, check_mode=False, diff=False): run one of our modules as Ansible does."""
    return _run_module
