"""Test tool: a loopback HTTP/1.1 proxy that puts faults between a client and a real server.

It stands in for no service. Every request goes to the real upstream server unless the fault plan says
otherwise for it: answer it with an error status (500, 503, ...) without forwarding, or forward it and cut
both connections abruptly (TCP reset) once more than N bytes of its body went through, as a network that
drops mid-upload would. Forwarded requests are sent with ``Connection: close``, so each client connection
carries one forwarded request and the proxy never has to find where an upstream response ends.

    with FaultProxy("127.0.0.1", s3.port, plan=every_nth(2, 503)) as proxy:
        ... endpoint_url=proxy.url ...
    assert proxy.injected  # the faults really happened
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Callable

ERROR_CODES = {500: "InternalError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


@dataclass(frozen=True)
class RequestInfo:
    index: int  # 0-based, over all requests the proxy received
    method: str
    target: str
    content_length: int | None  # None for chunked or unknown bodies


@dataclass(frozen=True)
class Fault:
    status: int | None = None  # answer with this status instead of forwarding
    cut_after: int | None = None  # forward, then reset both connections after this many body bytes
    body: bytes | None = None  # the answer's body (default: an S3-style XML error)
    content_type: str = "application/xml"


Plan = Callable[[RequestInfo], "Fault | None"]


def every_nth(n: int, status: int, methods: tuple[str, ...] = ()) -> Plan:
    """Fail requests 0, n, 2n, ... (of the given methods, or all) with ``status``; forward the others."""
    def plan(info: RequestInfo) -> Fault | None:
        if methods and info.method not in methods:
            return None
        return Fault(status=status) if info.index % n == 0 else None
    return plan


def cut_bodies_larger_than(limit: int) -> Plan:
    """Reset the connection of every request whose body is larger than ``limit`` bytes, after ``limit`` bytes."""
    def plan(info: RequestInfo) -> Fault | None:
        if info.content_length is None or info.content_length > limit:
            return Fault(cut_after=limit)
        return None
    return plan


@dataclass
class Record:
    info: RequestInfo
    fault: Fault | None


@dataclass
class FaultProxy:
    upstream_host: str
    upstream_port: int
    plan: Plan = field(default=lambda info: None)
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # --- lifecycle ------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def injected(self) -> list[Record]:
        with self._lock:
            return [record for record in self.records if record.fault is not None]

    def start(self) -> "FaultProxy":
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((self.host, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client = self._listener.accept()[0]
            except socket.timeout:
                continue
            except OSError:
                return
            self._spawn(self._serve, client)

    # --- one client connection ------------------------------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        client.settimeout(30)
        reader = client.makefile("rb")
        try:
            while not self._stopping.is_set():
                head = _read_head(reader)
                if head is None:
                    return
                request_line, headers = _parse_head(head)
                method, target = request_line.split(" ")[:2]
                length = _content_length(headers)
                with self._lock:
                    info = RequestInfo(len(self.records), method, target, length)
                    fault = self.plan(info)
                    self.records.append(Record(info, fault))
                if fault is not None and fault.status is not None:
                    if not self._answer_error(client, reader, headers, length, fault):
                        return
                    continue
                self._forward(client, reader, head, headers, length, fault.cut_after if fault else None)
                return
        except OSError:
            return
        finally:
            reader.close()
            _close(client)

    def _answer_error(self, client, reader, headers, length, fault: Fault) -> bool:
        """Answer the fault's status; returns whether the connection can carry another request."""
        expects_continue = headers.get("expect", "").lower() == "100-continue"
        keep = not expects_continue and length is not None
        if keep and length:
            _discard(reader, length)
        status = fault.status
        code = ERROR_CODES.get(status, "InjectedFault")
        body = fault.body if fault.body is not None else (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
            f"<Message>fault injected by the test proxy</Message></Error>").encode()
        client.sendall(
            f"HTTP/1.1 {status} Injected\r\nContent-Type: {fault.content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n".encode() + body
        )
        return keep

    def _forward(self, client, reader, head: bytes, headers: dict, length: int | None, cut_after: int | None):
        upstream = socket.create_connection((self.upstream_host, self.upstream_port), timeout=30)
        try:
            upstream.sendall(_with_connection_close(head))
            pump = threading.Thread(target=self._pump_body, args=(reader, upstream, client, length, cut_after),
                                    daemon=True)
            pump.start()
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                client.sendall(data)
            pump.join(5)
        except OSError:
            pass
        finally:
            _close(upstream)

    def _pump_body(self, reader, upstream, client, length: int | None, cut_after: int | None) -> None:
        sent = 0
        try:
            while length is None or sent < length:
                want = 65536 if length is None else min(65536, length - sent)
                data = reader.read1(want) if hasattr(reader, "read1") else reader.read(want)
                if not data:
                    return
                if cut_after is not None and sent + len(data) > cut_after:
                    upstream.sendall(data[: max(0, cut_after - sent)])
                    _reset(upstream)
                    _reset(client)
                    return
                upstream.sendall(data)
                sent += len(data)
        except OSError:
            return


def _read_head(reader) -> bytes | None:
    lines = []
    while True:
        line = reader.readline(65537)
        if not line:
            return None
        if not lines and line in (b"\r\n", b"\n"):
            continue
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def _parse_head(head: bytes) -> tuple[str, dict]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _content_length(headers: dict) -> int | None:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    return int(headers.get("content-length", "0") or 0)


def _with_connection_close(head: bytes) -> bytes:
    lines = head.decode("latin-1").split("\r\n")
    kept = [line for line in lines[1:] if line and not line.lower().startswith(("connection:", "keep-alive:"))]
    return ("\r\n".join([lines[0], *kept, "Connection: close"]) + "\r\n\r\n").encode("latin-1")


def _discard(reader, length: int) -> None:
    while length > 0:
        data = reader.read(min(65536, length))
        if not data:
            return
        length -= len(data)


def _reset(sock: socket.socket) -> None:
    """Abort the connection: RST instead of an orderly close, and wake any thread blocked on it."""
    for action in (lambda: sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)),
                   lambda: sock.shutdown(socket.SHUT_RDWR)):
        try:
            action()
        except OSError:
            pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
