"""Hostile and careless input against the stand-in scheduler (with basic auth), through the `aurora` program
(tests/standins/bin/aurora) and through the modules as Ansible runs them: secrets never appear in a result or on
stderr, a config that ends its process does not pass for success, unbounded counts are refused. The same classes
without a scheduler are in tests/unit/plugins/module_utils/_aurora/test_hardening.py."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AURORA = Path(__file__).parents[1] / "standins" / "bin" / "aurora"
USER, SECRET = "hérön", "s3cr3t-Pa55"
KEY = "devcluster/www-data/devel/hello"
CONFIG = """
main = Process(name='main', cmdline='sleep 600')
task = Task(name='main', processes=[main], resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='hello', task=task,
                instances=%s)]
"""
EXITS = "import os\nos._exit(0)\n" + CONFIG % 1


@pytest.fixture
def scheduler(make_aurora_scheduler):
    return make_aurora_scheduler(basic_auth=f"{USER}:{SECRET}")


def assert_secret_nowhere(*texts):
    encoded = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    for text in texts:
        assert SECRET not in str(text) and encoded[:12] not in str(text) and "b'" not in str(text)


def aurora(tmp_path, scheduler, *args, **env):
    (tmp_path / "clusters.json").write_text(json.dumps([{"name": "devcluster", "scheduler_uri": scheduler.url}]))
    environ = {name: value for name, value in os.environ.items() if not name.startswith("AURORA_")}
    environ.update(AURORA_CONFIG_ROOT=str(tmp_path), HOME=str(tmp_path), AURORA_CLI_PYTHON=sys.executable,
                   AURORA_RETRY_BUDGET="5", AURORA_USERNAME=USER, AURORA_PASSWORD=SECRET)
    environ.update(env)
    return subprocess.run([str(AURORA), *args], capture_output=True, text=True, timeout=300, env=environ,  # noqa: S603
                          check=False)


@pytest.mark.parametrize("config, args, env, code, message", [
    (None, ["job", "list", "devcluster"], {}, 0, ""),  # the UTF-8 user name is accepted by the scheduler
    (None, ["job", "list", "devcluster"], {"AURORA_PASSWORD": SECRET + "\n"}, 6,
     "password contains a control character"),
    (None, ["job", "list", "devcluster"], {"AURORA_PASSWORD": "wrong"}, 30, "refused the credentials (HTTP 401)"),
    (EXITS, ["job", "create", KEY, "CONFIG"], {}, 3, "the config ended the process that evaluated it (exit code 0)"),
    (CONFIG % "10**11", ["job", "create", KEY, "CONFIG"], {}, 3, "instances must be from 1 to 10000"),
    (None, ["job", "add", f"{KEY}/0", "100000000000"], {}, 6, "cannot add 100000000000 instances"),
    (None, ["job", "kill", f"{KEY}/0-100000000000"], {}, 2, "goes past 9999"),
])
def test_the_command_against_a_scheduler(tmp_path, scheduler, config, args, env, code, message):
    if "add" in args:
        created = aurora(tmp_path, scheduler, "job", "create", KEY, _write(tmp_path, CONFIG % 1))
        assert created.returncode in (0, 4), created.stderr  # 4: created by an earlier case
    if config is not None:
        args = [_write(tmp_path, config) if arg == "CONFIG" else arg for arg in args]
    result = aurora(tmp_path, scheduler, *args, **env)
    assert (result.returncode, message in result.stderr) == (code, True), result.stderr
    assert "Traceback" not in result.stderr
    assert_secret_nowhere(result.stdout, result.stderr)


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "job.aurora"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("module, args, message", [
    ("aurora_job_info", {"role": "www-data"}, None),
    ("aurora_job_info", {"role": "www-data", "password": SECRET + "\n"}, "password contains a control character"),
    ("aurora_job_info", {"role": "www-data", "password": "wrong"}, "refused the credentials (HTTP 401)"),
    ("aurora_job", {"config_content": EXITS}, "the config ended the process that evaluated it (exit code 0)"),
    ("aurora_job", {"config_content": CONFIG % "10**11"}, "instances must be from 1 to 10000"),
])
def test_the_modules_against_a_scheduler(run_module, scheduler, module, args, message):
    args = dict({"scheduler_url": scheduler.url, "username": USER, "password": SECRET, "retry_budget": 5}, **args)
    result = run_module(module, args)
    if message is None:
        assert result.get("failed") is not True, result
    else:
        assert result.get("failed") is True and message in result["msg"], result
        assert result.get("changed") is not True
    assert_secret_nowhere({k: v for k, v in result.items() if k != "invocation"}, result["_stderr"])
