"""A scripted scheduler endpoint on loopback for the client's unit tests: a real HTTP server whose answers each
test lists in advance (a Thrift reply, a status code, a redirect, a dropped connection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
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

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

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
