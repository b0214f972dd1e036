"""Fixtures of the aurora module_utils unit tests; the scripted endpoint itself is in
tests/unit/utils/aurora/scripted_endpoint.py."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest

from ....utils.aurora.scripted_endpoint import FakeClock, ScriptedEndpoint, _handler


@pytest.fixture
def make_endpoint():
    servers = []

    def make(*script) -> ScriptedEndpoint:
        endpoint = ScriptedEndpoint(script=list(script))
        endpoint.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
        threading.Thread(target=endpoint.server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(endpoint.server)
        return endpoint

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clock():
    return FakeClock()
