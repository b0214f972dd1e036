"""STAND-IN scheduler process (tests only): HTTP front end, ZooKeeper membership, leadership and the clock."""

from __future__ import annotations

import base64
import json
import os
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.tests.unit.utils.aurora import wire

from .handlers import SchedulerApi
from .state import StandInScheduler

STATE_FILE = "state.json"
JSON_CONTENT_TYPE = "application/vnd.apache.thrift.json"


class Switches:
    """Faults to inject, set through POST /standin/control."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.transient = 0      # answer the next N calls with ERROR_TRANSIENT
        self.unavailable = 0    # answer the next N requests with HTTP 503
        self.refuse_create = 0  # refuse the next N createJob calls as a production job over quota is refused
        # {method: N}: handle the next N calls of the method (applied, or refused by another switch), then close
        # the connection without answering, as when the answer is lost (a proxy's timeout, a reset)
        self.lose_answer: dict[str, int] = {}
        self.calls: list[str] = []

    def take(self, name: str) -> bool:
        with self.lock:
            if getattr(self, name) > 0:
                setattr(self, name, getattr(self, name) - 1)
                return True
            return False

    def take_lost_answer(self, method: str) -> bool:
        with self.lock:
            if self.lose_answer.get(method, 0) > 0:
                self.lose_answer[method] -= 1
                return True
            return False


class StandInServer:
    def __init__(self, host: str, port: int, cluster: str, state_dir: str, zk_hosts: str | None = None,
                 zk_path: str = "/aurora/scheduler", follow: str | None = None, basic_auth: str | None = None,
                 run_processes: bool = False, sandbox_root: str | None = None, tick_secs: float = 0.1,
                 update_timeout_secs: float = 8.0, allowed_container_types: tuple = ("MESOS",)) -> None:
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.scheduler = StandInScheduler(cluster=cluster, host=host, run_processes=run_processes,
                                          sandbox_root=sandbox_root or str(self.state_dir / "sandboxes"),
                                          update_timeout_secs=update_timeout_secs, on_change=self.save,
                                          allowed_container_types=allowed_container_types)
        self.api = SchedulerApi(self.scheduler)
        self.switches = Switches()
        self.basic_auth = basic_auth
        self.tick_secs = tick_secs
        self.zk_hosts, self.zk_path = zk_hosts, zk_path
        self.leader = follow is None and zk_hosts is None
        self.leader_url = follow
        self.member_path: str | None = None
        self.zk: Any = None
        self._stop = threading.Event()
        self._save_lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), self._handler())

    # --- state shared with the next leader ---------------------------------------------------------
    def save(self) -> None:
        if not self.leader:
            return
        snapshot = self.scheduler.snapshot()
        data = {"jobs": {k: v.hex() for k, v in snapshot["jobs"].items()},
                "tasks": [t.hex() for t in snapshot["tasks"]]}
        with self._save_lock:
            temporary = self.state_dir / f".{STATE_FILE}.{os.getpid()}"
            temporary.write_text(json.dumps(data))
            os.replace(temporary, self.state_dir / STATE_FILE)

    def load(self) -> None:
        path = self.state_dir / STATE_FILE
        if path.exists():
            data = json.loads(path.read_text())
            self.scheduler.restore({"jobs": {k: bytes.fromhex(v) for k, v in data["jobs"].items()},
                                    "tasks": [bytes.fromhex(t) for t in data["tasks"]]})

    # --- ZooKeeper: register like the real scheduler, the lowest member leads -----------------------
    def join_zookeeper(self) -> None:
        from kazoo.client import KazooClient

        self.zk = KazooClient(hosts=self.zk_hosts, timeout=10)
        self.zk.start(timeout=15)
        self.zk.ensure_path(self.zk_path)
        announcement = {"serviceEndpoint": {"host": self.host, "port": self.port},
                        "additionalEndpoints": {"http": {"host": self.host, "port": self.port}},
                        "status": "ALIVE"}
        self.member_path = self.zk.create(f"{self.zk_path}/member_", json.dumps(announcement).encode(),
                                          ephemeral=True, sequence=True)
        self.zk.ChildrenWatch(self.zk_path, self._members_changed)

    def _members_changed(self, children: list[str]) -> None:
        members = sorted(c for c in children if c.startswith("member_"))
        if not members:
            return
        lowest = f"{self.zk_path}/{members[0]}"
        if lowest == self.member_path:
            if not self.leader:
                self.load()
            self.leader, self.leader_url = True, None
            return
        try:
            data, _stat = self.zk.get(lowest)
            endpoint = json.loads(data)["additionalEndpoints"]["http"]
            self.leader, self.leader_url = False, f"http://{endpoint['host']}:{endpoint['port']}"
        except Exception:  # noqa: BLE001 - the leader vanished meanwhile; the next watch event settles it
            self.leader, self.leader_url = False, None

    # --- HTTP ----------------------------------------------------------------------------------------
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, code: int, body: bytes = b"", content_type: str = "text/plain",
                      headers: dict | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                if self.path == "/standin/health":
                    body = json.dumps({"leader": server.leader, "leader_url": server.leader_url}).encode()
                    return self._send(200, body, "application/json")
                return self._send(404, b"not found")

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/standin/control":
                    try:
                        return self._send(200, server.control(json.loads(body or b"{}")), "application/json")
                    except ValueError as refused:
                        return self._send(400, str(refused).encode())
                if self.path != "/api":
                    return self._send(404, b"not found")
                answer = server.api_call(self.headers, body)
                if answer is None:  # the lose_answer switch: applied, and the connection closed unanswered
                    self.close_connection = True
                    return None
                return self._send(*answer)

            def log_message(self, *args):
                pass

        return Handler

    def api_call(self, headers: Any, body: bytes) -> tuple | None:
        if self.switches.take("unavailable"):
            return 503, b"stand-in: 503 switch", "text/plain"
        if not self.leader:
            if self.leader_url:
                return 307, b"", "text/plain", {"Location": f"{self.leader_url}/api"}
            return 503, b"no leader", "text/plain"
        if self.basic_auth is not None:
            expected = "Basic " + base64.b64encode(self.basic_auth.encode()).decode()
            if headers.get("Authorization") != expected:
                return 401, b"unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="aurora"'}
        if headers.get("Content-Type") != api.CONTENT_TYPE:  # the real one would read JSON: our client never sends it
            return 415, f"Unsupported Content-Type: {headers.get('Content-Type')}".encode(), "text/plain"
        try:
            method, seqid, args = wire.decode_call(body)
        except Exception as exc:  # noqa: BLE001 - any unreadable body is the client's fault
            return 400, f"unreadable call: {exc}".encode(), "text/plain"
        self.switches.calls.append(method)
        if self.switches.take("transient"):
            response = self.scheduler.response("ERROR_TRANSIENT", details=("stand-in: transient switch",))
        elif method == "createJob" and self.switches.take("refuse_create"):
            response = self.scheduler.response(
                "INVALID_REQUEST", details=("Insufficient resource quota: stand-in refuse_create switch",))
        else:
            response = self.api.dispatch(method, args)
        if self.switches.take_lost_answer(method):
            return None
        if headers.get("Accept") != api.CONTENT_TYPE:  # the real scheduler then answers in its JSON protocol
            return 200, wire.encode_reply(method, seqid, response, json_protocol=True), JSON_CONTENT_TYPE
        return 200, wire.encode_reply(method, seqid, response), api.CONTENT_TYPE

    def control(self, switches: dict) -> bytes:
        with self.switches.lock:
            self.switches.transient += int(switches.get("transient", 0))
            self.switches.unavailable += int(switches.get("unavailable", 0))
            self.switches.refuse_create += int(switches.get("refuse_create", 0))
            for method, count in switches.get("lose_answer", {}).items():
                self.switches.lose_answer[method] = self.switches.lose_answer.get(method, 0) + int(count)
        with self.scheduler.lock:
            self.scheduler.never_start.update(switches.get("never_start", []))
            for key in switches.get("allow_start", []):
                self.scheduler.never_start.discard(key)
            self.scheduler.set_restart_ends(switches.get("restart_ends", {}))
            if "tiers" in switches:
                self.scheduler.set_tiers(switches["tiers"])
        return json.dumps({"calls": list(self.switches.calls)}).encode()

    # --- lifecycle -----------------------------------------------------------------------------------
    def _clock(self) -> None:
        while not self._stop.wait(self.tick_secs):
            if self.leader:
                try:
                    self.scheduler.tick()
                except Exception:  # noqa: BLE001 - keep serving; the log shows the stand-in's own bug
                    traceback.print_exc()

    def serve(self) -> None:
        if self.zk_hosts:
            self.join_zookeeper()
        elif self.leader:
            self.load()
        threading.Thread(target=self._clock, daemon=True).start()
        try:
            self.httpd.serve_forever(poll_interval=0.1)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self._stop.set()
        self.scheduler.stop_all_runners()
        if self.zk is not None:
            try:
                self.zk.stop()
                self.zk.close()
            except Exception:  # noqa: BLE001, S110 - best effort on the way out
                pass
            self.zk = None
