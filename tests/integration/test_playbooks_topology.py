"""playbooks/submit_topology.yml and kill_topology.yml through the whole chain (the heron CLI STAND-IN, the collection's
aurora command, the STAND-IN scheduler running the executor stand-in, the real ZooKeeper).

The first submit runs through ansible-runner with a private data dir holding the inventory and the extra vars, as an
AWX job template runs it (docs/awx.md), the topology arguments and config properties given as survey text; the rerun,
with ansible-playbook, changes nothing and starts no heron process (a heron wrapper logs each start); then the kill,
and a second kill that changes nothing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import ansible_runner
import yaml

from harness.collection import COLLECTIONS_ROOT, REPO_ROOT, ensure_collection_path, play_recap, run_playbook
from standins.heron.chain import CLUSTER, ENVIRONMENT, HERON, ROLE

PLAYBOOKS = REPO_ROOT / "playbooks"
NAME = "WordCount"
JOB_KEY = f"{CLUSTER}/{ROLE}/{ENVIRONMENT}/{NAME}"


def inventory(config_path: Path, heron: Path) -> dict:
    return {"heron_clients": {
        "hosts": {"submitter": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "vars": {"heron_cluster": CLUSTER, "heron_role": ROLE, "heron_environment": ENVIRONMENT,
                 "heron_config_path": str(config_path), "heron_topology_options": {"heron_cli": str(heron)}},
    }}


def test_submit_through_ansible_runner_then_rerun_and_kill(tmp_path, heron_chain, heron_sample_jars):
    chain = heron_chain
    starts = tmp_path / "heron-starts.log"
    heron = tmp_path / "counting-heron"
    heron.write_text(f'#!/bin/sh\necho "$1" >> "{starts}"\nexec "{HERON}" "$@"\n')
    heron.chmod(0o755)
    extra_vars = {
        "topology_name": NAME, "topology_file": str(heron_sample_jars["v1"]),
        "topology_class": "heron.aurora.sample.WordCount",
        "topology_args": f"{NAME}\n",  # a survey's textarea: one argument per line
        "topology_config_properties": "heron.aurora.test.origin=awx\n",
        "topology_package_store": (chain.root / "packages").as_uri(),
    }

    # As AWX runs a job template: project, inventory and extra vars in a private data dir.
    data_dir = tmp_path / "runner"
    (data_dir / "inventory").mkdir(parents=True)
    (data_dir / "env").mkdir()
    (data_dir / "project").symlink_to(PLAYBOOKS)
    (data_dir / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory(chain.config_path, heron)))
    (data_dir / "env" / "extravars").write_text(yaml.safe_dump(extra_vars))
    ensure_collection_path()
    runner_env = dict(chain.env, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_NOCOLOR="1",
                      PATH=f"{Path(sys.executable).parent}{os.pathsep}{chain.env['PATH']}")
    (data_dir / "env" / "envvars").write_text(yaml.safe_dump(runner_env))
    run = ansible_runner.run(private_data_dir=str(data_dir), playbook="submit_topology.yml", quiet=True,
                             timeout=540)
    output = run.stdout.read()
    assert (run.status, run.rc) == ("successful", 0), output[-6000:]
    assert run.stats["changed"].get("submitter", 0) > 0, output[-4000:]
    result = next(event["event_data"]["res"] for event in run.events
                  if event.get("event") == "runner_on_ok"
                  and event["event_data"].get("task") == "Deploy the topology with heron_topology")
    assert result["actions"] == ["submit"] and result["state"] == "RUNNING", result
    assert result["fingerprint"]["inputs"]["topology_args"] == [NAME]
    assert result["fingerprint"]["inputs"]["config_properties"] == {"heron.aurora.test.origin": "awx"}
    assert f"Aurora job {JOB_KEY}: 3 active tasks" in output
    assert "instance 0: RUNNING on " in output and "instance 2: RUNNING on " in output
    assert starts.read_text().split() == ["submit"]

    inventory_file = tmp_path / "hosts.json"
    inventory_file.write_text(json.dumps(inventory(chain.config_path, heron)))
    again = run_playbook(PLAYBOOKS / "submit_topology.yml", extra_vars, env=chain.env, inventory=inventory_file)
    assert again.returncode == 0, again.stdout[-6000:]
    assert play_recap(again.stdout, "submitter")["changed"] == 0, again.stdout[-4000:]
    assert "actions: none (already as asked)" in again.stdout
    assert starts.read_text().split() == ["submit"], "the second run started the heron CLI"

    kill_vars = {"topology_name": NAME}
    killed = run_playbook(PLAYBOOKS / "kill_topology.yml", kill_vars, env=chain.env, inventory=inventory_file)
    assert killed.returncode == 0, killed.stdout[-6000:]
    assert play_recap(killed.stdout, "submitter")["changed"] == 1
    assert f"topology {NAME}: ABSENT; actions: kill, forget" in killed.stdout
    assert chain.znodes() == [] and chain.active_tasks(JOB_KEY) == {}
    assert starts.read_text().split() == ["submit", "kill"]

    again = run_playbook(PLAYBOOKS / "kill_topology.yml", kill_vars, env=chain.env, inventory=inventory_file)
    assert again.returncode == 0 and play_recap(again.stdout, "submitter")["changed"] == 0, again.stdout[-4000:]
    assert starts.read_text().split() == ["submit", "kill"]


def test_missing_inputs_fail_before_anything_runs(tmp_path):
    inventory_file = tmp_path / "hosts.json"
    inventory_file.write_text(json.dumps(inventory(tmp_path / "conf", HERON)))
    failed = run_playbook(PLAYBOOKS / "submit_topology.yml", {"topology_name": NAME, "topology_state": "gone"},
                          inventory=inventory_file)
    assert failed.returncode != 0
    assert "missing required arguments: topology_class, topology_file" in failed.stdout, failed.stdout[-3000:]
    assert "topology_state" in failed.stdout and "running, paused" in failed.stdout
    assert "TASK [Deploy the topology with heron_topology]" not in failed.stdout

    bad_properties = run_playbook(PLAYBOOKS / "submit_topology.yml", {
        "topology_name": NAME, "topology_file": "/nowhere.jar", "topology_class": "x.Y", "heron_cluster": CLUSTER,
        "topology_config_properties": "heron.ok=1\nno equals sign here\n"}, inventory=inventory_file)
    assert bad_properties.returncode != 0
    assert "one KEY=VALUE per line; not ['no equals sign here']" in bad_properties.stdout, bad_properties.stdout[-3000:]
    assert "TASK [Deploy the topology with heron_topology]" not in bad_properties.stdout
