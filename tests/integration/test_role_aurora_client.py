"""The aurora_client role on this machine: check mode changes nothing, a run installs a working `aurora` command in a
fresh virtualenv (which has neither Ansible nor the collection), a second run changes nothing, and the installed command
submits Heron's job through clusters.json and ZooKeeper to the stand-in scheduler. The settings of
aurora_client_environment land in a file only their owner can read, never in the launcher or a diff, and are taken
literally; a name that is not a variable name fails the role before it writes anything."""

from __future__ import annotations

import getpass
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from harness.collection import play_recap, run_playbook

PLAYBOOK = Path(__file__).parent / "playbooks" / "aurora_client.yml"
SOURCE_MODULE_UTILS = Path(__file__).resolve().parents[2] / "plugins" / "module_utils"
INSTALLED_MODULE_UTILS = Path("opt/lib/ansible_collections/heron/aurora/plugins/module_utils")
COPIED_PACKAGES = ("_aurora", "_common")  # the client and the shared library it builds on
HELLO = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='sandbox', role='heron', environment='devel', name='hello', task=task, instances=2)]
"""
SECRET = "pa55-w0rd-only-heron-may-read"
DIFF = {"ANSIBLE_DIFF_ALWAYS": "1"}


def literal_value(root: Path) -> str:
    """A value a shell would run or cut short if the role did not quote it."""
    return f"it's \"quoted\"\n$(touch {root}/x) `touch {root}/y` ${{HOME}} \\n; exit 1"


def role_vars(root: Path, scheduler) -> dict:
    return {
        "aurora_client_prefix": str(root / "opt"),
        "aurora_client_bin_dir": str(root / "bin"),
        "aurora_client_config_root": str(root / "etc"),
        "aurora_client_python": sys.executable,
        "aurora_client_user": getpass.getuser(),
        "aurora_client_environment": {"AURORA_WAIT_TIMEOUT": "120", "AURORA_PASSWORD": SECRET,
                                      "HERON_AURORA_TEST_LITERAL": literal_value(root)},
        "aurora_client_clusters": [{"name": "sandbox", "zk": scheduler.zk.split(":")[0],
                                    "zk_port": int(scheduler.zk.rsplit(":", 1)[1]),
                                    "scheduler_zk_path": scheduler.zk_path}],
    }


def python_files(package: Path) -> set[str]:
    return {str(path.relative_to(package)) for path in package.rglob("*.py") if "__pycache__" not in path.parts}


def test_role_installs_an_aurora_command_that_submits_jobs(tmp_path, aurora_scheduler):
    (tmp_path / "bin").mkdir()  # the role creates aurora_client_config_root, as /etc/aurora on a fresh host
    variables = role_vars(tmp_path, aurora_scheduler)

    checked = run_playbook(PLAYBOOK, variables, check_mode=True, env=DIFF)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert play_recap(checked.stdout)["changed"] > 0
    assert not (tmp_path / "bin" / "aurora").exists() and not (tmp_path / "opt").exists()

    first = run_playbook(PLAYBOOK, variables, env=DIFF)
    assert first.returncode == 0, first.stdout + first.stderr
    assert play_recap(first.stdout)["changed"] > 0
    second = run_playbook(PLAYBOOK, variables, env=DIFF)
    assert second.returncode == 0, second.stdout + second.stderr
    assert play_recap(second.stdout)["changed"] == 0, second.stdout
    for run in (checked, first, second):
        assert SECRET not in run.stdout + run.stderr
    assert "+++ after" in first.stdout, "diff mode was on: the launcher's diff is shown, the settings' is not"

    # The client's package trees, subpackages included, only their Python files, and nothing else of module_utils.
    installed = tmp_path / INSTALLED_MODULE_UTILS
    assert sorted(path.name for path in installed.iterdir()) == list(COPIED_PACKAGES)
    for package in COPIED_PACKAGES:
        assert python_files(installed / package) == python_files(SOURCE_MODULE_UTILS / package)
    assert {"config/loader.py", "cli/__main__.py"} <= python_files(installed / "_aurora")
    assert "retry.py" in python_files(installed / "_common")

    launcher = (tmp_path / "bin" / "aurora").read_text()
    assert SECRET not in launcher and "HERON_AURORA_TEST_LITERAL" not in launcher
    settings = tmp_path / "opt" / "private" / "environment"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600 and settings.stat().st_uid == os.getuid()
    assert stat.S_IMODE(settings.parent.stat().st_mode) == 0o700
    # The launcher sources the file as this shell does: the value comes back byte for byte and nothing ran.
    sourced = subprocess.run(  # noqa: S603 - argument list, no shell
        ["/bin/sh", "-c", '. "$1" && printf %s "$HERON_AURORA_TEST_LITERAL"', "sh", str(settings)],
        capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True, timeout=30)
    assert sourced.stdout == literal_value(tmp_path)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()

    venv_python = tmp_path / "opt" / "venv" / "bin" / "python"
    lacks = subprocess.run([str(venv_python), "-c", "import ansible"],  # noqa: S603 - argument list, no shell
                           capture_output=True, check=False)
    assert lacks.returncode != 0, "the role's virtualenv must not need Ansible"

    config = tmp_path / "hello.aurora"
    config.write_text(HELLO)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AURORA_", "PYTHON"))}
    env["HOME"] = str(tmp_path)
    created = subprocess.run([str(tmp_path / "bin" / "aurora"), "job", "create",  # noqa: S603 - argument list, no shell
                              "--wait-until", "RUNNING", "sandbox/heron/devel/hello", str(config)],
                             capture_output=True, text=True, env=env, timeout=180, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Job create succeeded" in created.stdout + created.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.parametrize("bad_name", ["AURORA WAIT", "X\ntouch /tmp/heron-aurora-pwned", "1ST"])
def test_a_bad_environment_name_fails_before_anything_is_written(tmp_path, bad_name):
    (tmp_path / "etc").mkdir()
    (tmp_path / "bin").mkdir()
    variables = {
        "aurora_client_prefix": str(tmp_path / "opt"),
        "aurora_client_bin_dir": str(tmp_path / "bin"),
        "aurora_client_config_root": str(tmp_path / "etc"),
        "aurora_client_python": sys.executable,
        "aurora_client_environment": {"AURORA_WAIT_TIMEOUT": "120", bad_name: "1"},
        "aurora_client_clusters": [{"name": "sandbox", "scheduler_uri": "http://127.0.0.1:1"}],
    }
    result = run_playbook(PLAYBOOK, variables)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "aurora_client_environment" in output and "not a valid environment variable name" in output, output
    assert not (tmp_path / "opt").exists()
    assert list((tmp_path / "bin").iterdir()) == [] and list((tmp_path / "etc").iterdir()) == []
