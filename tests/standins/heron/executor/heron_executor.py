"""STAND-IN heron-executor (tests only, never shipped): the process the Aurora stand-in starts in each container
after the two fetch processes, packed into the stand-in heron-core release as heron-core/bin/heron-executor.

It takes the executor's flags as heron.aurora passes them (facts section 2: the tmanager names of Heron 0.20.3 and
later, or the tmaster names before it, not a mix) plus the topology arguments the heron CLI stand-in binds as
TOPOLOGY_ARGUMENTS, and rejects any other flag. It reads the ZooKeeper connection and root from the statemgr.yaml of
the conf dir the topology package carries (heron-conf/, in its working directory).

- Every container serves ``/health`` ("ok") on --shell-port, where heron-shell answers Aurora's health check.
- Container 0 plays the TManager: it registers its location (ephemeral ``tmanagers/<name>``, ``tmasters`` with
  the old flags), takes the registration of the stream manager of every other container on --server-port, then
  writes the physical plan ``pplans/<name>`` from the topology and packing plan znodes; it serves
  ``/activate?topologyid=ID`` and ``/deactivate?topologyid=ID`` on --tmanager-controller-port by rewriting the
  physical plan's topology state, and ``/runtime_config/update?topologyid=ID&runtime-config=[component:]name:value``
  (repeatable) by recording ``name:runtime`` in the plan's topology config or in that component's config, as the
  TManager does. A physical plan rewritten from a new packing plan starts again from the ``topologies`` node's
  configs, as a TManager restarted by the packing change would.
  A TManager that finds a physical plan already there (it restarted) keeps that plan's topology state.
- Every other container plays its stream manager: it finds the TManager in ZooKeeper and registers with it, again
  whenever a new TManager registers (a restart of container 0).
What it does not do: run instances, carry tuples, collect metrics (see docs/testing.md).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from kazoo.client import KazooClient

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages

HOST = "127.0.0.1"
NEW_PORT_FLAGS = ("server-port", "tmanager-controller-port", "tmanager-stats-port", "shell-port",
                  "metrics-manager-port", "scheduler-port", "metricscache-manager-server-port",
                  "metricscache-manager-stats-port", "checkpoint-manager-port")
OLD_PORT_FLAGS = ("master-port", "tmaster-controller-port", "tmaster-stats-port", "shell-port",
                  "metrics-manager-port", "scheduler-port", "metricscache-manager-master-port",
                  "metricscache-manager-stats-port", "checkpoint-manager-port")
TOPOLOGY_FLAGS = ("topology-name", "topology-id", "topology-defn-file", "state-manager-connection",
                  "state-manager-root", "state-manager-config-file", "cluster", "role", "environment")
STATE_NUMBERS = {"RUNNING": 1, "PAUSED": 2}
TOPOLOGY_CONFIG_KEY = "_topology_"  # the TManager's name for the topology level of a runtime config
RUNTIME_SUFFIX = ":runtime"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="heron-executor", allow_abbrev=False)
    parser.add_argument("--shard", type=int, required=True)
    for flag in sorted(set(NEW_PORT_FLAGS + OLD_PORT_FLAGS)):
        parser.add_argument(f"--{flag}", type=int)
    for flag in TOPOLOGY_FLAGS:
        parser.add_argument(f"--{flag}", required=flag in ("topology-name", "topology-id"))
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args(argv)
    given = {flag for flag in set(NEW_PORT_FLAGS + OLD_PORT_FLAGS) if getattr(options, _dest(flag)) is not None}
    for names in (NEW_PORT_FLAGS, OLD_PORT_FLAGS):
        if given == set(names):
            options.old_names = names is OLD_PORT_FLAGS
            return options
    parser.error(f"the port flags must be exactly those of one Heron version: got {sorted(given)}")
    raise AssertionError("unreachable")


def _dest(flag: str) -> str:
    return flag.replace("-", "_")


def port(options: argparse.Namespace, new: str, old: str) -> int:
    return getattr(options, _dest(old if options.old_names else new))


def statemgr(options: argparse.Namespace) -> tuple[str, str]:
    path = Path(options.state_manager_config_file or "heron-conf/statemgr.yaml")
    settings = yaml.safe_load(path.read_text()) or {}
    hosts = settings["heron.statemgr.connection.string"]
    root = str(settings.get("heron.statemgr.root.path", "/heron")).replace("${CLUSTER}", options.cluster or "")
    return hosts, root.rstrip("/")


class Container:
    def __init__(self, options: argparse.Namespace, zk: KazooClient, root: str) -> None:
        self.options, self.zk, self.root = options, zk, root
        self.name = options.topology_name
        self.location_dir = "tmasters" if options.old_names else "tmanagers"
        self.registered: dict[int, dict] = {}
        self.lock = threading.Lock()

    def path(self, directory: str) -> str:
        return f"{self.root}/{directory}/{self.name}"

    def read(self, directory: str, full_name: str):
        data, _stat = self.zk.get(self.path(directory))
        return messages.decode(messages.message_class(full_name), data)

    # --- container 0: the TManager --------------------------------------------------------------------
    def start_tmanager(self) -> None:
        location = messages.message_class("heron.proto.tmanager.TManagerLocation")(
            topology_name=self.name, topology_id=self.options.topology_id, host=HOST,
            controller_port=port(self.options, "tmanager-controller-port", "tmaster-controller-port"),
            server_port=port(self.options, "server-port", "master-port"),
            stats_port=port(self.options, "tmanager-stats-port", "tmaster-stats-port"))
        self.zk.create(self.path(self.location_dir), location.SerializeToString(), ephemeral=True, makepath=True)
        self.zk.DataWatch(self.path("packingplans"), self.packing_changed)

    def packing_changed(self, data, _stat) -> None:
        """A new packing plan (heron update): the physical plan is rewritten from it once it was written at all."""
        if data and self.zk.exists(self.path("pplans")):
            threading.Thread(target=self.replan, daemon=True).start()

    def replan(self) -> None:
        with self.lock:
            packing = self.read("packingplans", "heron.proto.system.PackingPlan")
            if {plan.id for plan in packing.container_plans} <= set(self.registered):
                self.write_physical_plan(packing)

    def register(self, container: int, pid: int, shell_port: int, cwd: str) -> None:
        """A stream manager registered: once every container of the packing plan has, write the physical plan.
        An existing plan (this TManager restarted) keeps its topology state, as the TManager keeps it."""
        with self.lock:
            self.registered[container] = {"pid": pid, "shell_port": shell_port, "cwd": cwd}
            packing = self.read("packingplans", "heron.proto.system.PackingPlan")
            if {plan.id for plan in packing.container_plans} <= set(self.registered):
                self.write_physical_plan(packing)

    def write_physical_plan(self, packing) -> None:
        plan = messages.message_class("heron.proto.system.PhysicalPlan")()
        plan.topology.CopyFrom(self.read("topologies", "heron.proto.api.Topology"))
        existing = self.zk.exists(self.path("pplans"))
        if existing:
            plan.topology.state = self.read("pplans", "heron.proto.system.PhysicalPlan").topology.state
        for container in packing.container_plans:
            stmgr_id = f"stmgr-{container.id}"
            seen = self.registered[container.id]
            plan.stmgrs.add(id=stmgr_id, host_name=HOST, data_port=0, local_endpoint="/unused",
                            cwd=seen["cwd"], pid=seen["pid"], shell_port=seen["shell_port"])
            for instance in container.instance_plans:
                entry = plan.instances.add(
                    instance_id=f"container_{container.id}_{instance.component_name}_{instance.task_id}",
                    stmgr_id=stmgr_id)
                entry.info.task_id = instance.task_id
                entry.info.component_index = instance.component_index
                entry.info.component_name = instance.component_name
        if existing:
            self.zk.set(self.path("pplans"), plan.SerializeToString())
        else:
            self.zk.create(self.path("pplans"), plan.SerializeToString(), makepath=True)

    def check_request(self, topology_id: str) -> tuple[int, str] | None:
        """The TManager controller's checks of every request: this topology's id, a physical plan to act on."""
        if not topology_id:
            return 400, "Missing 'topologyid' argument in the request"
        if topology_id != self.options.topology_id:
            return 400, "Topology id does not match"
        if not self.zk.exists(self.path("pplans")):
            return 500, "Tmanager still not initialized (physical plan is not available)"
        return None

    def set_state(self, topology_id: str, wanted: str) -> tuple[int, str]:
        """Activate or deactivate as the TManager does: only from the other state, only for its topology id."""
        with self.lock:
            refused = self.check_request(topology_id)
            if refused:
                return refused
            plan = self.read("pplans", "heron.proto.system.PhysicalPlan")
            current = messages.state_name(plan.topology.state)
            if current == wanted:
                return 400, f"Topology already {wanted}"
            plan.topology.state = STATE_NUMBERS[wanted]
            self.zk.set(self.path("pplans"), plan.SerializeToString())
        return 200, f"Topology {'activated' if wanted == 'RUNNING' else 'deactivated'}"

    def update_runtime_config(self, topology_id: str, items: list[str]) -> tuple[int, str]:
        """``runtime_config/update``: each ``[component:]name:value`` is recorded as the key ``name:runtime`` in the
        physical plan's topology config (no component) or in the component's config, its value replaced when the
        key is there already, as the TManager's TopologyConfigHelper does; a component the topology lacks is
        refused before anything changes."""
        with self.lock:
            refused = self.check_request(topology_id)
            if refused:
                return refused
            if not items:
                return 400, "No runtime config is found. Usage: runtime-config=[COMPONENT:]<CONFIG>:<VALUE>."
            updates: dict[str | None, dict[str, str]] = {}
            for item in items:
                segments = item.split(":")
                if len(segments) not in (2, 3):
                    return 400, ("Failed to parse runtime configs. Possibly bad format. The expected format is "
                                 "[COMPONENT:]<CONFIG>:<VALUE>.")
                component = segments[0] if len(segments) == 3 and segments[0] != TOPOLOGY_CONFIG_KEY else None
                updates.setdefault(component, {})[segments[-2] + RUNTIME_SUFFIX] = segments[-1]
            plan = self.read("pplans", "heron.proto.system.PhysicalPlan")
            topology = plan.topology
            components = [spout.comp for spout in topology.spouts] + [bolt.comp for bolt in topology.bolts]
            if set(updates) - {None} - {component.name for component in components}:
                return 400, "Failed to validate runtime configs"
            for name, values in updates.items():
                configs = [topology.topology_config] if name is None else \
                    [component.config for component in components if component.name == name]
                for config in configs:
                    set_config_values(config, values)
            self.zk.set(self.path("pplans"), plan.SerializeToString())
        return 200, "Runtime config updated"

    # --- other containers: a stream manager -----------------------------------------------------------
    def follow_tmanager(self) -> None:
        """Register with the TManager whose location ZooKeeper holds, again whenever a new one registers."""
        last: dict = {"data": None}

        def changed(data, _stat) -> None:
            if data and data != last["data"]:
                last["data"] = data
                threading.Thread(target=self.register_with, args=(data,), daemon=True).start()

        self.zk.DataWatch(self.path(self.location_dir), changed)

    def register_with(self, data: bytes, attempts: int = 60) -> None:
        location = messages.decode(messages.message_class("heron.proto.tmanager.TManagerLocation"), data)
        body = json.dumps({"container": self.options.shard, "pid": os.getpid(),
                           "shell_port": self.options.shell_port, "cwd": os.getcwd()}).encode()
        for _attempt in range(attempts):
            try:
                with urllib.request.urlopen(f"http://{location.host}:{location.server_port}/register",
                                            data=body, timeout=5):
                    return
            except OSError:
                time.sleep(1)
        print(f"could not register with the TManager at {location.host}:{location.server_port}", file=sys.stderr)


def set_config_values(config, values: dict[str, str]) -> None:
    """Replace the value of each key the config has, append the others."""
    remaining = dict(values)
    for pair in config.kvs:
        if pair.key in remaining:
            pair.value = remaining.pop(pair.key)
    for key, value in remaining.items():
        config.kvs.add(key=key, value=value)


def serve(port_number: int, handle) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            code, text = handle(self.command, url.path, urllib.parse.parse_qs(url.query),
                                self.rfile.read(length) if length else b"")
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            self._answer()

        def do_POST(self) -> None:  # noqa: N802 - the base class's name
            self._answer()

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            sys.stderr.write("%s\n" % (format % args))

    server = ThreadingHTTPServer((HOST, port_number), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str]) -> int:
    options = parse(argv)
    hosts, root = statemgr(options)
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=60)
    container = Container(options, zk, root)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    serve(options.shell_port, lambda method, path, query, body: (200, "ok") if path == "/health" else (404, ""))
    if options.shard == 0:
        def controller(method, path, query, body):
            topology_id = (query.get("topologyid") or [""])[0]
            if path == "/runtime_config/update":
                return container.update_runtime_config(topology_id, query.get("runtime-config") or [])
            wanted = {"/activate": "RUNNING", "/deactivate": "PAUSED"}.get(path)
            if wanted is None:
                return 404, "Not found"
            return container.set_state(topology_id, wanted)

        def registration(method, path, query, body):
            if method != "POST" or path != "/register":
                return 404, "Not found"
            seen = json.loads(body)
            container.register(int(seen["container"]), int(seen["pid"]), int(seen["shell_port"]), seen["cwd"])
            return 200, "registered"

        serve(port(options, "tmanager-controller-port", "tmaster-controller-port"), controller)
        serve(port(options, "server-port", "master-port"), registration)
        container.start_tmanager()
    else:
        container.follow_tmanager()
    print(f"heron-executor stand-in: container {options.shard} of {options.topology_name} up", flush=True)
    stop.wait()
    zk.stop()
    zk.close()
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    sys.exit(main(sys.argv[1:]))
