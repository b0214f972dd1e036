"""The aurora_client role on this machine: check mode changes nothing, a run installs a working `aurora` command in a
fresh virtualenv (which has neither Ansible nor the collection), a second run changes nothing, and the installed command
submits Heron's job through clusters.json and ZooKeeper to the stand-in scheduler."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.collection import play_recap, run_playbook

PLAYBOOK = Path(__file__).parent / "playbooks" / "aurora_client.yml"
HELLO = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='sandbox', role='heron', environment='devel', name='hello', task=task, instances=2)]
"""


def role_vars(root: Path, scheduler) -> dict:
    return {
        "aurora_client_prefix": str(root / "opt"),
        "aurora_client_bin_dir": str(root / "bin"),
        "aurora_client_config_root": str(root / "etc"),
        "aurora_client_python": sys.executable,
        "aurora_client_environment": {"AURORA_WAIT_TIMEOUT": "120"},
        "aurora_client_clusters": [{"name": "sandbox", "zk": scheduler.zk.split(":")[0],
                                    "zk_port": int(scheduler.zk.rsplit(":", 1)[1]),
                                    "scheduler_zk_path": scheduler.zk_path}],
    }


def test_role_installs_an_aurora_command_that_submits_jobs(tmp_path, aurora_scheduler):
    (tmp_path / "etc").mkdir()
    (tmp_path / "bin").mkdir()
    variables = role_vars(tmp_path, aurora_scheduler)

    checked = run_playbook(PLAYBOOK, variables, check_mode=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert play_recap(checked.stdout)["changed"] > 0
    assert not (tmp_path / "bin" / "aurora").exists() and not (tmp_path / "opt").exists()

    first = run_playbook(PLAYBOOK, variables)
    assert first.returncode == 0, first.stdout + first.stderr
    assert play_recap(first.stdout)["changed"] > 0
    second = run_playbook(PLAYBOOK, variables)
    assert second.returncode == 0, second.stdout + second.stderr
    assert play_recap(second.stdout)["changed"] == 0, second.stdout

    venv_python = tmp_path / "opt" / "venv" / "bin" / "python"
    lacks = subprocess.run([str(venv_python), "-c", "import ansible"], capture_output=True, check=False)  # noqa: S603 - argument list, no shell
    assert lacks.returncode != 0, "the role's virtualenv must not need Ansible"

    config = tmp_path / "hello.aurora"
    config.write_text(HELLO)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AURORA_", "PYTHON"))}
    env["HOME"] = str(tmp_path)
    created = subprocess.run([str(tmp_path / "bin" / "aurora"), "job", "create", "--wait-until", "RUNNING",  # noqa: S603 - argument list, no shell
                              "sandbox/heron/devel/hello", str(config)],
                             capture_output=True, text=True, env=env, timeout=180, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Job create succeeded" in created.stdout + created.stderr
