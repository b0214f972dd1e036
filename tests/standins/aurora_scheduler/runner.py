"""STAND-IN executor (tests only): runs a task's processes one after the other in the instance's sandbox,
with the references the Aurora executor fills in ({{mesos.instance}}, {{thermos.ports[name]}}, ...) bound."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable

from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema

STDERR_TAIL = 400


def process_commands(assigned: Any) -> list[tuple[str, str]]:
    """(name, command line) of each process of the task, in list order, references resolved for this task."""
    job = schema.MesosJob.json_loads(assigned.task.executorConfig.data)
    bound = job.bind(
        mesos=schema.MesosContext(instance=assigned.instanceId, hostname=assigned.slaveHost or "localhost"),
        thermos=schema.ThermosContext(ports=dict(assigned.assignedPorts or {}), task_id=assigned.taskId,
                                      user=assigned.task.job.role),
    )
    task, _refs = bound.task().interpolate()
    return [(str(p.name()), str(p.cmdline())) for p in task.processes()]


def sandbox_of(root: str, assigned: Any) -> Path:
    job = assigned.task.job
    return Path(root) / job.role / job.environment / job.name / str(assigned.instanceId)


class ProcessRunner(threading.Thread):
    """Runs the processes; reports (success, message) once through ``finished`` unless stopped first."""

    def __init__(self, sandbox: Path, commands: list[tuple[str, str]], finished: Callable[[bool, str], None],
                 env: dict | None = None) -> None:
        super().__init__(daemon=True)
        self.sandbox = sandbox
        self.commands = commands
        self.finished = finished
        self.env = env
        self._stopped = threading.Event()
        self._current: subprocess.Popen | None = None

    @classmethod
    def for_task(cls, assigned: Any, root: str, finished: Callable[[bool, str], None]) -> "ProcessRunner":
        sandbox = sandbox_of(root, assigned)
        env = dict(os.environ, MESOS_SANDBOX=str(sandbox))
        return cls(sandbox, process_commands(assigned), finished, env)

    def run(self) -> None:
        self.sandbox.mkdir(parents=True, exist_ok=True)
        for name, command in self.commands:
            if self._stopped.is_set():
                return
            logs = self.sandbox / ".logs" / name / "0"
            logs.mkdir(parents=True, exist_ok=True)
            with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
                self._current = subprocess.Popen(  # noqa: S603 - the stand-in runs what the test config says
                    ["/bin/bash", "-c", command], cwd=self.sandbox, stdout=out, stderr=err,
                    stdin=subprocess.DEVNULL, env=self.env, start_new_session=True)
                code = self._current.wait()
            if self._stopped.is_set():
                return
            if code != 0:
                tail = (logs / "stderr").read_text(errors="replace")[-STDERR_TAIL:].strip()
                self.finished(False, f"Process {name} failed with exit status {code}: {tail}")
                return
        self.finished(True, "All processes finished.")

    def stop(self) -> None:
        self._stopped.set()
        process = self._current
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
