"""Run the STAND-IN Aurora scheduler (tests only): python -m standins.aurora_scheduler --port P --state-dir D ..."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import StandInServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aurora-scheduler-stand-in", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cluster", default="devcluster")
    parser.add_argument("--state-dir", required=True, help="where the leader keeps state for the next leader")
    parser.add_argument("--zk", help="ZooKeeper hosts to register in (host:port,...)")
    parser.add_argument("--zk-path", default="/aurora/scheduler")
    parser.add_argument("--follow", help="without ZooKeeper: always redirect to this leader URL")
    parser.add_argument("--basic-auth", help="user:password required on /api")
    parser.add_argument("--run-processes", action="store_true", help="run each task's processes in a sandbox")
    parser.add_argument("--sandbox-root")
    parser.add_argument("--tick", type=float, default=0.1)
    parser.add_argument("--update-timeout", type=float, default=8.0)
    parser.add_argument("--allowed-container-types", default="MESOS",
                        help="as the scheduler's -allowed_container_types: MESOS, DOCKER or both, comma-separated")
    options = parser.parse_args(argv)
    server = StandInServer(options.host, options.port, options.cluster, options.state_dir, zk_hosts=options.zk,
                           zk_path=options.zk_path, follow=options.follow, basic_auth=options.basic_auth,
                           run_processes=options.run_processes, sandbox_root=options.sandbox_root,
                           tick_secs=options.tick, update_timeout_secs=options.update_timeout,
                           allowed_container_types=tuple(options.allowed_container_types.split(",")))

    def stop(_signum, _frame):
        threading.Thread(target=server.httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"stand-in Aurora scheduler on {server.url}", flush=True)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
