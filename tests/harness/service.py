"""Lifecycle of one real server process on loopback, shared by every service of the harness.

A service writes its configuration into its own work directory, starts one process in a new session
(so that stopping it also stops whatever the process spawned), waits for a health check with a bounded
deadline, and keeps the process output in ``<workdir>/<name>.log``. Every failure raises ServiceError
with the tail of that log, so a broken start says why instead of hanging.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

from unit.utils.network import free_port

# free_port is the unit tests' own, offered here to the services and the integration tests.
__all__ = ["LOG_TAIL_LINES", "Service", "ServiceError", "free_port", "port_open", "wait_for"]

LOG_TAIL_LINES = 40


_LAUNCHED: "set[Service]" = set()


@atexit.register
def _stop_leftovers() -> None:
    """A harness process that exits without stopping its services must not leave servers behind."""
    for service in list(_LAUNCHED):
        service.stop()


class ServiceError(RuntimeError):
    """A harness service failed to start, died, or could not be stopped."""


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


class Service:
    """One server process. Subclasses set ``name`` and implement command() and healthy()."""

    name = "service"
    start_timeout = 60.0
    stop_timeout = 15.0

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    # --- to implement -------------------------------------------------------------------------
    def command(self) -> Sequence[str]:
        raise NotImplementedError

    def healthy(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Write configuration files before the process starts."""

    def environment(self) -> Mapping[str, str]:
        return {}

    def endpoints(self) -> dict:
        """What clients need to reach the service, as plain data (also written by the CLI)."""
        return {}

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float | None = None) -> "Service":
        if not self.running:
            self.launch()
            self.wait_healthy(timeout)
        return self

    def launch(self) -> None:
        """Start the process without waiting for it to become healthy."""
        self.prepare()
        env = dict(os.environ)
        env.update(self.environment())
        with open(self.log_path, "ab") as log:
            log.write(f"--- starting {self.name}: {' '.join(self.command())}\n".encode())
            log.flush()
            self.process = subprocess.Popen(  # noqa: S603 - argument list, no shell
                list(self.command()),
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LAUNCHED.add(self)

    def wait_healthy(self, timeout: float | None = None) -> None:
        budget = self.start_timeout if timeout is None else timeout
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            if not self.running:
                code = self.process.returncode if self.process else None
                raise self.error(f"exited with code {code} while starting")
            if self._healthy_quietly():
                return
            time.sleep(0.25)
        self.stop()
        raise self.error(f"not healthy within {budget:.0f} s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.running:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(self.stop_timeout)
        else:
            # The leader may be gone while children it spawned live on in its session.
            self._signal(signal.SIGKILL)
        self.process = None
        _LAUNCHED.discard(self)

    def kill(self) -> None:
        """Stop abruptly, as a crash would; check_alive() then reports the death, stop() forgets it."""
        if self.running:
            self._signal(signal.SIGKILL)
            self.process.wait(self.stop_timeout)

    def check_alive(self) -> None:
        if self.process is not None and not self.running:
            raise self.error(f"died with code {self.process.returncode}")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:])

    def error(self, what: str) -> ServiceError:
        return ServiceError(f"{self.name} {what}; log {self.log_path}, last lines:\n{self.log_tail()}")

    def _healthy_quietly(self) -> bool:
        try:
            return self.healthy()
        except Exception:  # noqa: BLE001 - any error just means "not yet"
            return False

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def __enter__(self) -> "Service":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
