"""Fixtures of the aurora module_utils unit tests; the scripted endpoint itself is in
tests/unit/utils/aurora/scripted_endpoint.py."""

from __future__ import annotations

import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest

from ....utils.aurora.scripted_endpoint import FakeClock, ScriptedEndpoint, _handler, self_signed_certificate


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """(certificate, key) of a self-signed certificate for 127.0.0.1; the certificate is its own CA bundle."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def make_endpoint(certificate):
    """make_endpoint(*script, tls=False): a scripted endpoint; with tls, https with the self-signed certificate."""
    servers = []

    def make(*script, tls: bool = False) -> ScriptedEndpoint:
        endpoint = ScriptedEndpoint(script=list(script), tls=tls)
        endpoint.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            endpoint.server.socket = context.wrap_socket(endpoint.server.socket, server_side=True)
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
