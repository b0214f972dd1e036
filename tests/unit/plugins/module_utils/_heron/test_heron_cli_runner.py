"""The command runner of module_utils/_heron/cli against real child processes (no network)."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.cli import runner
from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.runner import (
    CommandFailed,
    CommandNotFound,
    CommandTimeout,
    run_command,
)

# A parent that starts a grandchild, records both pids, prints a line and hangs; with "ignore-term" both ignore
# SIGTERM, so only the SIGKILL that follows can end them.
HANGING_PARENT = textwrap.dedent("""
    import os, signal, subprocess, sys, time
    pids_file, mode = sys.argv[1], sys.argv[2]
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c",
        "import signal, sys, time\\n"
        "if sys.argv[1] == 'ignore-term': signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
        "time.sleep(300)", mode])
    with open(pids_file + ".tmp", "w") as out:
        out.write(f"{os.getpid()} {child.pid}")
    os.replace(pids_file + ".tmp", pids_file)
    print("submitting topology", flush=True)
    print("still waiting for aurora", file=sys.stderr, flush=True)
    time.sleep(300)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) no longer runs.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


def _wait_gone(pids: list[int], within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


@pytest.mark.parametrize("mode", ["plain", "ignore-term"])
def test_timeout_ends_the_whole_group_including_grandchildren(tmp_path, monkeypatch, mode):
    monkeypatch.setattr(runner, "TERMINATE_GRACE", 1.0)
    script = tmp_path / "hang.py"
    script.write_text(HANGING_PARENT)
    pids_file = tmp_path / "pids"
    argv = [sys.executable, str(script), str(pids_file), mode]
    with pytest.raises(CommandTimeout) as caught:
        run_command(argv, timeout=2.0)
    parent, grandchild = (int(pid) for pid in pids_file.read_text().split())
    assert _wait_gone([parent, grandchild]) == []
    error = caught.value
    assert error.argv == argv
    assert error.rc is None
    assert "did not finish within 2 seconds" in str(error)
    assert "submitting topology" in str(error) and "still waiting for aurora" in str(error)


def test_success_returns_argv_and_output():
    argv = [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"]
    result = run_command(argv, timeout=30)
    assert result.argv == argv
    assert (result.rc, result.stdout, result.stderr) == (0, "out\n", "err\n")


def test_no_shell_is_involved(tmp_path):
    marker = tmp_path / "marker"
    result = run_command([sys.executable, "-c", "import sys; print(sys.argv[1])", f"x; touch {marker}"], timeout=30)
    assert result.stdout == f"x; touch {marker}\n"
    assert not marker.exists()


def test_failure_keeps_exit_code_and_output():
    argv = [sys.executable, "-c", "import sys; print(\"Topology 'wc' already exists\", file=sys.stderr); sys.exit(1)"]
    with pytest.raises(CommandFailed) as caught:
        run_command(argv, timeout=30)
    assert caught.value.rc == 1
    assert "failed with exit code 1" in str(caught.value)
    assert "Topology 'wc' already exists" in str(caught.value)
    assert run_command(argv, timeout=30, check=False).rc == 1


def test_missing_command_names_it(tmp_path):
    missing = tmp_path / "no-such-heron"
    with pytest.raises(CommandNotFound) as caught:
        run_command([str(missing), "version"], timeout=30)
    assert str(missing) in str(caught.value)
    assert caught.value.argv == [str(missing), "version"]


def test_environment_is_passed(tmp_path):
    env = {"PATH": os.environ["PATH"], "HERON_OPTIONS": "cmdline.topology.role=heron"}
    result = run_command([sys.executable, "-c", "import os; print(os.environ['HERON_OPTIONS'])"], timeout=30, env=env)
    assert result.stdout == "cmdline.topology.role=heron\n"
