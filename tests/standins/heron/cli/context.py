"""What every verb of the heron CLI STAND-IN (tests only) shares: the cluster conf dir and its settings, a ZooKeeper
session on its state root, the ``aurora`` command as Heron's AuroraCLIController runs it, the checks Heron's
RuntimeManager makes before a runtime verb, and the calls to the TManager's controller port."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml
from kazoo.client import KazooClient

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages

MAX_BATCH = "2147483647"  # Integer.MAX_VALUE, as Heron passes it
KILL_ATTEMPTS, KILL_RETRY_SECONDS = 5, 2.0  # heron.scheduler.job.max.kill.attempts, ...kill.retry.interval.ms
CONF_FILES = ("client", "scheduler", "statemgr", "uploader", "packing")
ROUND_ROBIN = "RoundRobinPacking"


class HeronError(Exception):
    pass


def log(message: str) -> None:
    sys.stderr.write(f"[heron stand-in] {message}\n")


class Context:
    """The cluster conf dir, its settings and (opened on first use) a ZooKeeper session on its state root."""

    def __init__(self, options: argparse.Namespace) -> None:
        parts = options.cluster_role_env.split("/")
        if len(parts) != 3 or not all(parts):
            raise HeronError(f"Invalid topology location '{options.cluster_role_env}': use cluster/role/env")
        self.cluster, self.role, self.environment = parts
        self.verbose = options.verbose
        self.conf_dir = Path(options.config_path).expanduser() / self.cluster
        if not self.conf_dir.is_dir():
            raise HeronError(f"Cluster config directory '{self.conf_dir}' does not exist")
        self.settings: dict = {}
        for name in CONF_FILES:
            path = self.conf_dir / f"{name}.yaml"
            if path.exists():
                self.settings.update(yaml.safe_load(path.read_text()) or {})
        self.hosts = self.settings.get("heron.statemgr.connection.string")
        if not self.hosts or self.hosts == "LOCALMODE":
            raise HeronError(f"{self.conf_dir}/statemgr.yaml: this stand-in keeps state in ZooKeeper only")
        self.root = self.substitute(str(self.settings.get("heron.statemgr.root.path", "/heron"))).rstrip("/")
        self._zk: KazooClient | None = None

    @property
    def zk(self) -> KazooClient:
        if self._zk is None:
            self._zk = KazooClient(hosts=self.hosts, timeout=10)
            self._zk.start(timeout=30)
        return self._zk

    def substitute(self, value: str, topology: str = "") -> str:
        """Heron's token substitution, which it applies to every config value: whole path segments only."""
        tokens = {"${CLUSTER}": self.cluster, "${ROLE}": self.role, "${ENVIRON}": self.environment,
                  "${TOPOLOGY}": topology, "${HOME}": os.path.expanduser("~"), "~": os.path.expanduser("~")}
        return "/".join(tokens.get(segment, segment) for segment in value.split("/"))

    def packing_class(self, key: str = "heron.class.packing.algorithm") -> str:
        """The conf dir's (re)packing class; the stand-in packs round-robin only, so it refuses any other."""
        name = str(self.settings.get(key, ""))
        if name.rsplit(".", 1)[-1] != ROUND_ROBIN:
            raise HeronError(f"{self.conf_dir}/packing.yaml: {key} is {name!r}; the heron CLI stand-in packs with "
                             f"{ROUND_ROBIN} only")
        return name

    def path(self, directory: str, name: str) -> str:
        return f"{self.root}/{directory}/{name}"

    def read(self, directory: str, name: str, full_name: str):
        return messages.decode(messages.message_class(full_name), self.zk.get(self.path(directory, name))[0])

    def job_key(self, name: str) -> str:
        return f"{self.cluster}/{self.role}/{self.environment}/{name}"

    def aurora(self, *args: str) -> subprocess.CompletedProcess:
        command = ["aurora", *args]
        log(f"Running {' '.join(command)}")
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
        sys.stderr.write(done.stdout + done.stderr)
        return done

    def verbose_flag(self) -> list[str]:
        return ["--verbose"] if self.verbose else []

    def killall(self, name: str) -> bool:
        """``aurora job killall`` as Heron's AuroraCLIController runs it: up to 5 attempts, 2 s apart."""
        for attempt in range(KILL_ATTEMPTS):
            if attempt:
                time.sleep(KILL_RETRY_SECONDS)
            if self.aurora("job", "killall", self.job_key(name), *self.verbose_flag(), "--batch-size",
                           MAX_BATCH).returncode == 0:
                return True
        return False

    def close(self) -> None:
        if self._zk is not None:
            self._zk.stop()
            self._zk.close()


def validate_runtime(context: Context, name: str, kill: bool = False) -> bool:
    """What Heron's RuntimeManager checks before kill, activate, deactivate, restart and update: the topology
    exists, its execution state too, and it was submitted to this cluster, role and environment. For kill a missing
    topology or execution state is only a warning (Heron lets kill through to clean up after a partial submit or
    kill); a mismatched cluster/role/environ stops kill too. Returns whether the topology node exists."""
    exists = bool(context.zk.exists(context.path("topologies", name)))
    if not exists:
        if not kill:
            raise HeronError(f"Topology '{name}' does not exist")
        log(f"WARNING: Topology '{name}' is not found or not running")
    if not context.zk.exists(context.path("executionstate", name)):
        if not kill:
            raise HeronError(f"Failed to get execution state for topology {name}")
        log(f"WARNING: Topology execution state for '{name}' is not found")
        return exists
    execution = context.read("executionstate", name, "heron.proto.system.ExecutionState")
    submitted = "/".join((execution.cluster, execution.role, execution.environ))
    asked = "/".join((context.cluster, context.role, context.environment))
    if submitted != asked:
        raise HeronError(f"cluster/role/environ does not match. Topology '{name}' is running at {submitted}, "
                         f"not {asked}")
    return exists


def live_state(context: Context, name: str) -> str | None:
    """The topology state of the physical plan (the TManager's), None without one."""
    if not context.zk.exists(context.path("pplans", name)):
        return None
    plan = context.read("pplans", name, "heron.proto.system.PhysicalPlan")
    return messages.state_name(plan.topology.state)


def transition(context: Context, name: str, verb: str) -> None:
    """activate or deactivate as Heron's TManagerUtils does: the state is read from the physical plan first; a
    topology already in the wanted state is left alone (a warning, not a failure); one in neither state is
    refused; otherwise the TManager's controller is called."""
    start, wanted = ("PAUSED", "RUNNING") if verb == "activate" else ("RUNNING", "PAUSED")
    state = live_state(context, name)
    if state is None:
        raise HeronError(f"Failed to get physical plan for topology '{name}'")
    if state == wanted:
        log(f"WARNING: Topology {verb.upper()} command received but topology '{name}' already in state {state}")
        return
    if state != start:
        raise HeronError(f"Topology '{name}' is not in state '{start}'")
    tmanager_call(context, name, verb)
    log(f"Topology command {verb.upper()} completed successfully.")


def tmanager_call(context: Context, name: str, command: str, arguments: list[tuple[str, str]] = ()) -> str:
    """GET http://<tmanager host>:<controller port>/<command>?topologyid=<id>[&k=v...], the location read from
    ZooKeeper; anything but 200 fails with Heron's message."""
    for directory in ("tmanagers", "tmasters"):
        if context.zk.exists(context.path(directory, name)):
            location = context.read(directory, name, "heron.proto.tmanager.TManagerLocation")
            break
    else:
        raise HeronError(f"Failed to fetch TManager location for topology: {name}")
    query = urllib.parse.urlencode([("topologyid", location.topology_id), *arguments], safe=":")
    url = f"http://{location.host}:{location.controller_port}/{command}?{query}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the TManager's controller
            body = response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        log(f"TManager answered {exc.code}: {exc.read().decode(errors='replace')}")
        raise HeronError(f"Non OK HTTP response {exc.code} from TManager for command {command}") from None
    except OSError as exc:
        raise HeronError(f"Failed to receive HTTP response from TManager using command: `{command}`: "
                         f"{exc}") from None
    log(body)
    return body
