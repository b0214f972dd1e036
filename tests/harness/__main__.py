"""Shell entry point of the harness, for the sandbox and for people: start services, print where they listen.

    python -m harness up [--services zookeeper,zookeeper-ensemble,s3,hdfs,http,aurora] --state-dir DIR
        starts them, writes DIR/endpoints.json and DIR/endpoints.env, and runs until SIGTERM or SIGINT;
        `aurora` is the STAND-IN Aurora scheduler of the tests (it registers in the `zookeeper` service and runs
        each task's processes in a sandbox directory, so fetch commands really execute);
    python -m harness down --state-dir DIR
        stops a harness started with `up` in that directory.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

from . import SERVICES
from .service import ServiceError

ALL_SERVICES = (*SERVICES, "aurora")
SANDBOX_CLUSTER = "sandbox"


def build(name: str, workdir: Path, started: dict):
    if name != "aurora":
        return SERVICES[name][1](workdir)
    from standins.aurora_scheduler.service import AuroraSchedulerStandIn
    if "zookeeper" not in started:
        raise ServiceError("the aurora stand-in registers in ZooKeeper: list zookeeper before aurora")
    return AuroraSchedulerStandIn(workdir, zk=started["zookeeper"].hosts, cluster=SANDBOX_CLUSTER, run_processes=True)


def env_lines(endpoints: dict) -> list[str]:
    lines = []
    for service, values in endpoints.items():
        prefix = "HARNESS_" + service.upper().replace("-", "_")
        lines += [f"export {prefix}_{key.upper()}={shlex.quote(str(value))}" for key, value in values.items()]
    return lines


def up(services: list[str], state_dir: Path) -> int:
    state_dir.mkdir(parents=True, exist_ok=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    started: dict = {}
    try:
        begin = time.monotonic()
        for name in services:
            service = build(name, state_dir / name, started)
            started[name] = service
            service.start()
            print(f"{name}: up after {time.monotonic() - begin:.1f} s: {service.endpoints()}", flush=True)
        endpoints = {name: service.endpoints() for name, service in started.items()}
        (state_dir / "endpoints.env").write_text("\n".join(env_lines(endpoints)) + "\n")
        (state_dir / "pid").write_text(f"{os.getpid()}\n")
        (state_dir / "endpoints.json").write_text(json.dumps(endpoints, indent=2) + "\n")
        while not stopping.wait(1.0):
            for service in started.values():
                service.check_alive()
        return 0
    except ServiceError as exc:
        print(f"harness: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        for service in reversed(list(started.values())):
            service.stop()
        for name in ("endpoints.json", "endpoints.env", "pid"):
            (state_dir / name).unlink(missing_ok=True)


def down(state_dir: Path, timeout: float = 60.0) -> int:
    pid_file = state_dir / "pid"
    if not pid_file.exists():
        print(f"harness: nothing runs from {state_dir}", file=sys.stderr)
        return 0
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return 0
    deadline = time.monotonic() + timeout
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return 0 if not pid_file.exists() else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--services", default=",".join(ALL_SERVICES),
                        help=f"comma-separated, from {', '.join(ALL_SERVICES)}")
    args = parser.parse_args(argv)
    if args.action == "down":
        return down(args.state_dir)
    services = [name.strip() for name in args.services.split(",") if name.strip()]
    unknown = sorted(set(services) - set(ALL_SERVICES))
    if unknown:
        parser.error(f"unknown services {unknown}; choose from {', '.join(ALL_SERVICES)}")
    return up(services, args.state_dir)


if __name__ == "__main__":
    sys.exit(main())
