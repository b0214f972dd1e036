# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the heron CLI (or any command) as an argument list, never through a shell, with a timeout that ends the
whole process group: the heron CLI starts Java (the topology's main class, the scheduler library) and `aurora`,
and a hung grandchild must not outlive the module."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from typing import Mapping, Sequence

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError

# After SIGTERM to the group, how long the processes get to exit before SIGKILL.
TERMINATE_GRACE = 5.0
# How much of the output an error message quotes (the end, where the reason usually is).
OUTPUT_TAIL = 4000


@dataclass(frozen=True)
class CommandResult:
    argv: list[str]
    rc: int
    stdout: str
    stderr: str


class CommandError(HeronError):
    """A command could not be started, failed or timed out; ``argv`` and what it printed are kept."""

    def __init__(self, message: str, argv: Sequence[str], rc: int | None = None, stdout: str = "",
                 stderr: str = "") -> None:
        super().__init__(message)
        self.argv = list(argv)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


class CommandNotFound(CommandError):
    pass


class CommandFailed(CommandError):
    pass


class CommandTimeout(CommandError):
    pass


def run_command(argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None,
                cwd: str | None = None, check: bool = True) -> CommandResult:
    """Run ``argv`` with its own process group; return its result, or raise CommandError.

    ``env`` replaces the environment when given. A non-zero exit raises CommandFailed when ``check`` is true.
    On timeout the group gets SIGTERM, then SIGKILL after TERMINATE_GRACE, and CommandTimeout is raised with
    whatever the command printed until then.
    """
    argv = [str(arg) for arg in argv]
    try:
        process = subprocess.Popen(  # noqa: S603 - an argument list, no shell
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
            start_new_session=True, text=True, errors="replace")
    except FileNotFoundError as exc:
        raise CommandNotFound(f"cannot run {argv[0]}: not found ({exc.strerror})", argv) from exc
    except PermissionError as exc:
        raise CommandNotFound(f"cannot run {argv[0]}: not executable ({exc.strerror})", argv) from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stdout, stderr = _end_group(process)
        raise CommandTimeout(
            f"{_show(argv)} did not finish within {timeout:g} seconds and was stopped{_tail(stdout, stderr)}",
            argv, None, stdout, stderr) from None
    result = CommandResult(argv, process.returncode, stdout, stderr)
    if check and result.rc != 0:
        raise CommandFailed(f"{_show(argv)} failed with exit code {result.rc}{_tail(stdout, stderr)}",
                            argv, result.rc, stdout, stderr)
    return result


def _end_group(process: subprocess.Popen) -> tuple[str, str]:
    _kill_group(process.pid, signal.SIGTERM)
    try:
        return process.communicate(timeout=TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid, signal.SIGKILL)
    try:
        return process.communicate(timeout=TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        # A process that left the group (setsid) still holds the pipes: give up on the rest of the output.
        process.kill()
        process.wait()
        return "", ""


def _kill_group(pgid: int, sig: int) -> None:
    # Only called before the group leader is reaped, so ``pgid`` cannot belong to anybody else yet.
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _show(argv: Sequence[str]) -> str:
    return " ".join(argv)


def _tail(stdout: str, stderr: str) -> str:
    parts = [f"{name}:\n{text.strip()[-OUTPUT_TAIL:]}" for name, text in (("stderr", stderr), ("stdout", stdout))
             if text.strip()]
    return ("\n" + "\n".join(parts)) if parts else " (no output)"
