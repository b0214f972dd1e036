"""aurora_job's `config` is a path on the host that runs the module, not on the controller (docs/aurora.md, "A config
is code"). The inventory has a second host on loopback whose Python starts in a working directory of its own, so
the controller's directory (where the playbook and its files/ are) and the target's differ, as they do on a real
managed host. Against the stand-in scheduler, in check mode: nothing is created."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest

from harness.collection import play_recap, run_playbook

CONFIG = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='%s', task=task)]
"""

PLAYBOOK = """
- hosts: target
  gather_facts: false
  tasks:
    - name: The config at a relative path, evaluated on the target
      heron.aurora.aurora_job:
        scheduler_url: "{{ scheduler_url }}"
        config: files/job.aurora
      check_mode: true
      register: on_target
      ignore_errors: true

    - name: The same relative path, evaluated on the controller
      heron.aurora.aurora_job:
        scheduler_url: "{{ scheduler_url }}"
        config: "{{ playbook_dir }}/files/job.aurora"
      check_mode: true
      delegate_to: localhost
      register: on_controller

    - name: The controller's text, evaluated on the target
      heron.aurora.aurora_job:
        scheduler_url: "{{ scheduler_url }}"
        config_content: "{{ lookup('ansible.builtin.file', 'job.aurora') }}"
      check_mode: true
      register: content_on_target

    - name: Keep the results for the test
      ansible.builtin.copy:
        content: "{{ {'on_target': on_target, 'on_controller': on_controller,
                      'content_on_target': content_on_target} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
      delegate_to: localhost
      check_mode: false
"""


@pytest.fixture
def scheduler(make_aurora_scheduler, zookeeper):  # noqa: F811
    return make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler")


def target_host(tmp_path: Path) -> Path:
    """An inventory with the host `target`: a local connection whose Python runs in tmp_path/target."""
    workdir = tmp_path / "target"
    workdir.mkdir()
    python = tmp_path / "target-python"
    python.write_text(f'#!/bin/sh\ncd {workdir} || exit 1\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": {"target": {
        "ansible_connection": "local", "ansible_python_interpreter": str(python)}}}}))
    return inventory


def run(tmp_path: Path, scheduler, with_target_copy: bool) -> dict:
    controller = tmp_path / "controller"
    (controller / "files").mkdir(parents=True)
    (controller / "files" / "job.aurora").write_text(CONFIG % "from_controller")
    inventory = target_host(tmp_path)
    if with_target_copy:
        (tmp_path / "target" / "files").mkdir()
        (tmp_path / "target" / "files" / "job.aurora").write_text(CONFIG % "from_target")
    playbook = controller / "play.yml"
    playbook.write_text(PLAYBOOK)
    results = tmp_path / "results.json"
    proc = run_playbook(playbook, {"scheduler_url": scheduler.url, "results_file": str(results)},
                        inventory=inventory)
    assert play_recap(proc.stdout, "target")["failed"] == 0, proc.stdout + proc.stderr
    return json.loads(results.read_text())


def test_a_relative_config_is_read_on_the_target_not_beside_the_playbook(tmp_path, scheduler):
    results = run(tmp_path, scheduler, with_target_copy=False)
    failure = results["on_target"]
    assert failure["failed"] is True
    assert failure["error_type"] == "AuroraInvalidParameter"
    assert "config files/job.aurora: no such file on the host that runs the module" in failure["msg"]
    assert str(tmp_path / "target") in failure["msg"]
    assert results["on_controller"]["job_key"] == "devcluster/www-data/devel/from_controller"
    assert results["content_on_target"]["job_key"] == "devcluster/www-data/devel/from_controller"
    assert results["on_controller"]["changed"] is True  # check mode: it would create the job
    assert "createJob" not in scheduler.control()["calls"]


def test_the_targets_own_file_is_the_one_evaluated(tmp_path, scheduler):
    results = run(tmp_path, scheduler, with_target_copy=True)
    assert results["on_target"]["job_key"] == "devcluster/www-data/devel/from_target"
    assert not results["on_target"].get("failed")
