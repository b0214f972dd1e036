"""A scripted scheduler endpoint on loopback for the client's unit tests: a real HTTP server whose answers each
test lists in advance (a Thrift reply, a status code, a redirect, a dropped connection)."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Callable

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api

from . import wire


@dataclass
class Received:
    path: str
    headers: dict
    method: str
    arguments: Any


@dataclass
class ScriptedEndpoint:
    """Answers requests from ``script`` in order; each entry is a callable(Received) -> (status, headers, body),
    or the string "drop" to close the connection without answering. The last entry repeats."""

    server: Any = None
    script: list = field(default_factory=list)
    received: list = field(default_factory=list)
    tls: bool = False

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def answer(self, request: Received):
        self.received.append(request)
        step = self.script[min(len(self.received), len(self.script)) - 1]
        return step if step == "drop" else step(request)


def reply(code: str = "OK", result: Any = None, details: tuple = ()) -> Callable:
    """A Thrift reply with this response code to whatever method was called."""
    idl = api.load_api()

    def build(request: Received):
        response = idl.Response(responseCode=idl.ResponseCode._NAMES_TO_VALUES[code], result=result,
                                details=[idl.ResponseDetail(message=m) for m in details],
                                serverInfo=idl.ServerInfo(clusterName="devcluster"))
        return 200, {"Content-Type": api.CONTENT_TYPE}, wire.encode_reply(request.method, 0, response)
    return build


def status(code: int, headers: dict | None = None, body: bytes = b"") -> Callable:
    return lambda request: (code, headers or {}, body)


def _handler(endpoint: ScriptedEndpoint):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            method, _seqid, arguments = wire.decode_call(body)
            step = endpoint.answer(Received(self.path, dict(self.headers), method, arguments))
            if step == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            code, headers, payload = step
            self.send_response(code)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass
    return Handler


class FakeClock:
    """Time for retry tests: sleeping advances it, so budgets run out without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) files of a self-signed certificate for 127.0.0.1, which is also its own CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file
