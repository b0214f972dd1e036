"""heron_topology through the whole chain: the module runs the heron CLI STAND-IN, which runs the sample topology's
main class (Heron's real API), uploads, writes Heron's znodes in the real ZooKeeper and creates the Aurora job with the
collection's aurora command against the STAND-IN scheduler, whose tasks run the heron-executor STAND-IN."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
from kazoo.client import KazooClient

from standins.heron.chain import CLUSTER, ENVIRONMENT, HERON, ROLE, Chain

NAME = "WordCount"
CLASS = "heron.aurora.sample.WordCount"
JOB_KEY = f"{CLUSTER}/{ROLE}/{ENVIRONMENT}/{NAME}"
FINGERPRINT = f"/heron-aurora/{CLUSTER}/{ROLE}/{ENVIRONMENT}/{NAME}"


@pytest.fixture
def chain(heron_chain):
    return heron_chain


@pytest.fixture
def counting_heron(tmp_path) -> tuple[Path, Path]:
    """A heron command that logs each start to a file, then runs the stand-in: (the command, its log)."""
    log = tmp_path / "heron-starts.log"
    script = tmp_path / "counting-heron"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{HERON}" "$@"\n')
    script.chmod(0o755)
    return script, log


def topology(chain: Chain, jars: dict, variant: str = "v1", check_mode: bool = False, env: dict | None = None,
             **options) -> dict:
    args = {"name": NAME, "cluster": CLUSTER, "role": ROLE, "environment": ENVIRONMENT,
            "config_path": str(chain.config_path), "topology_file": str(jars[variant]), "topology_class": CLASS,
            "topology_args": [NAME], "package_store": (chain.root / "packages").as_uri()}
    args.update(options)
    return chain.run_module("heron_topology", {k: v for k, v in args.items() if v is not None},
                            check_mode=check_mode, diff=True, env=env or chain.env)


def ok(result: dict) -> dict:
    assert not result.get("failed"), str({key: value for key, value in result.items() if key != "_stderr"})
    return result


def heron_verbs(result: dict) -> list[str]:
    return [argv[1] for argv in result["commands"]]


def test_submit_is_idempotent_and_starts_no_heron_process_the_second_time(chain, heron_sample_jars, counting_heron):
    heron, log = counting_heron
    first = ok(topology(chain, heron_sample_jars, wait=True, heron_cli=str(heron)))
    assert first["changed"] and first["actions"] == ["submit"] and first["state"] == "RUNNING"
    assert heron_verbs(first) == ["submit"] and first["commands"][0][2:4] == ["--config-path", str(chain.config_path)]
    assert first["containers"] == 2 and first["instances"] == 3 and first["tmanager"]["controller_port"] > 0
    assert first["fingerprint"]["topology_id"] == first["topology_id"]
    assert first["fingerprint"]["package_uri"].startswith((chain.root / "packages").as_uri())
    assert first["diff"]["before"]["state"] == "ABSENT" and first["diff"]["after"]["state"] == "RUNNING"
    assert chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING", 2: "RUNNING"}
    assert len(log.read_text().splitlines()) == 1

    second = ok(topology(chain, heron_sample_jars, wait=True, heron_cli=str(heron)))
    assert not second["changed"] and second["commands"] == [] and second["actions"] == []
    assert second["topology_id"] == first["topology_id"]
    assert len(log.read_text().splitlines()) == 1, "the second run started the heron CLI"


def test_pause_resume_restart_and_kill(chain, heron_sample_jars):
    started = ok(topology(chain, heron_sample_jars, state="paused", wait=True))
    assert started["actions"] == ["submit"] and "--deploy-deactivated" in started["commands"][0]
    assert started["state"] == "PAUSED"
    assert not ok(topology(chain, heron_sample_jars, state="paused"))["changed"]

    resumed = ok(topology(chain, heron_sample_jars, wait=True))
    assert resumed["actions"] == ["activate"] and resumed["state"] == "RUNNING"
    assert resumed["topology_id"] == started["topology_id"]
    paused = ok(topology(chain, heron_sample_jars, state="paused"))
    assert heron_verbs(paused) == ["deactivate"] and paused["state"] == "PAUSED"

    restarted = ok(topology(chain, heron_sample_jars, state="restarted", container=0, wait=True))
    assert restarted["changed"] and restarted["commands"][0][-2:] == [NAME, "0"]
    assert restarted["state"] == "PAUSED", "a restart keeps the state the TManager had"

    killed = ok(topology(chain, heron_sample_jars, state="absent"))
    assert killed["actions"] == ["kill", "forget"] and killed["state"] == "ABSENT"
    assert chain.znodes() == [] and chain.active_tasks(JOB_KEY) == {}
    again = ok(topology(chain, heron_sample_jars, state="absent"))
    assert not again["changed"] and again["commands"] == []


def test_check_mode_runs_nothing_and_predicts(chain, heron_sample_jars):
    planned = ok(topology(chain, heron_sample_jars, check_mode=True))
    assert planned["changed"] and planned["actions"] == ["submit"] and planned["commands"] == []
    assert planned["diff"]["after"]["state"] == "RUNNING" and chain.znodes() == []
    ok(topology(chain, heron_sample_jars, wait=True))
    redeploy = ok(topology(chain, heron_sample_jars, variant="v2", check_mode=True))
    assert redeploy["actions"] == ["redeploy"] and redeploy["commands"] == []
    assert "topology_file_sha256" in redeploy["reasons"][0]
    assert redeploy["diff"]["before"]["fingerprint"] != redeploy["diff"]["after"]["fingerprint"]
    restart = ok(topology(chain, heron_sample_jars, state="restarted", check_mode=True))
    assert restart["changed"] and restart["commands"] == []


def test_redeploy_on_a_changed_jar_then_nothing(chain, heron_sample_jars):
    first = ok(topology(chain, heron_sample_jars, wait=True))
    second = ok(topology(chain, heron_sample_jars, variant="v2", wait=True))
    assert second["actions"] == ["redeploy"] and heron_verbs(second) == ["kill", "submit"]
    assert second["topology_id"] != first["topology_id"] and second["instances"] == 5
    assert second["fingerprint"]["sha256"] != first["fingerprint"]["sha256"]
    third = ok(topology(chain, heron_sample_jars, variant="v2"))
    assert not third["changed"] and third["commands"] == []
    # Changed arguments are a change too: the same jar, another config property.
    fourth = ok(topology(chain, heron_sample_jars, variant="v2", config_properties={"heron.x": "1"}))
    assert fourth["actions"] == ["redeploy"] and ["--config-property", "heron.x=1"] == fourth["commands"][1][4:6]


def test_a_refused_submit_is_rolled_back_to_the_previous_version(chain, heron_sample_jars):
    first = ok(topology(chain, heron_sample_jars, wait=True))
    chain.scheduler.control(refuse_create=1)
    failed = topology(chain, heron_sample_jars, variant="v2", wait=True)
    assert failed["failed"] and failed["rolled_back"] is True and failed["state"] == "RUNNING", failed
    assert "Insufficient resource quota" in failed["msg"] and "was rolled back" in failed["msg"]
    assert heron_verbs(failed) == ["kill", "submit", "submit"]
    rolled_back_file = failed["commands"][2][-3]  # the kept v1 file, fetched from the package store
    assert rolled_back_file.endswith("wordcount-v1.jar") and rolled_back_file != str(heron_sample_jars["v1"])
    info = chain.info()
    assert len(info) == 1 and info[0]["state"] == "RUNNING" and info[0]["instances"] == 3
    assert info[0]["fingerprint"]["sha256"] == first["fingerprint"]["sha256"] and info[0]["fingerprint"]["current"]
    # The next run tries the new version again, from the state the rollback left.
    retried = ok(topology(chain, heron_sample_jars, variant="v2"))
    assert retried["actions"] == ["redeploy"]


def test_a_refused_submit_without_rollback_says_the_topology_is_absent(chain, heron_sample_jars):
    ok(topology(chain, heron_sample_jars))
    chain.scheduler.control(refuse_create=1)
    failed = topology(chain, heron_sample_jars, variant="v2", rollback=False)
    assert failed["failed"] and failed["state"] == "ABSENT" and failed["rolled_back"] is False, failed
    assert "is now ABSENT" in failed["msg"] and chain.znodes() == []


def test_a_redeploy_that_could_not_be_rolled_back_is_refused_before_anything_changes(chain, heron_sample_jars):
    first = ok(topology(chain, heron_sample_jars, package_store=None))
    refused = topology(chain, heron_sample_jars, variant="v2", package_store=None)
    assert refused["failed"] and refused["option"] == "package_store" and refused["commands"] == [], refused
    assert "nothing was changed" in refused["msg"]
    assert chain.info()[0]["id"] == first["topology_id"]
    forced = ok(topology(chain, heron_sample_jars, variant="v2", package_store=None, rollback=False))
    assert forced["actions"] == ["redeploy"]


def test_a_second_controller_takes_the_same_decision(chain, heron_sample_jars, tmp_path):
    ok(topology(chain, heron_sample_jars))
    elsewhere = tmp_path / "controller-2"
    (elsewhere / "home").mkdir(parents=True)
    jar = elsewhere / "wordcount.jar"
    shutil.copyfile(heron_sample_jars["v1"], jar)
    env = dict(chain.env, HOME=str(elsewhere / "home"))
    same = ok(topology(chain, {"v1": jar}, env=env))
    assert not same["changed"] and same["commands"] == [], "the same content at another path is no change"
    # The second controller rolls back with the file the first one kept.
    chain.scheduler.control(refuse_create=1)
    shutil.copyfile(heron_sample_jars["v2"], jar)
    failed = topology(chain, {"v1": jar}, env=env)
    assert failed["failed"] and failed["rolled_back"] is True, failed


def test_component_parallelism_is_updated_without_a_redeploy(chain, heron_sample_jars):
    first = ok(topology(chain, heron_sample_jars, wait=True))
    bolts = {name: count for name, count in first["component_parallelism"].items() if count == 2}
    assert len(bolts) == 1, first["component_parallelism"]
    bolt = next(iter(bolts))
    scaled = ok(topology(chain, heron_sample_jars, component_parallelism={bolt: 3}, wait=True))
    assert heron_verbs(scaled) == ["update"] and scaled["component_parallelism"][bolt] == 3
    assert scaled["topology_id"] == first["topology_id"] and scaled["instances"] == 4
    # Heron's repack keeps the submitted 1.5 instances per container: 4 instances take 3 containers.
    assert (first["containers"], scaled["containers"]) == (2, 3), scaled
    assert not ok(topology(chain, heron_sample_jars, component_parallelism={bolt: 3}))["changed"]
    unknown = topology(chain, heron_sample_jars, component_parallelism={"nosuch": 2})
    assert unknown["failed"] and unknown["option"] == "component_parallelism" and unknown["commands"] == []


def delete_node(chain: Chain, path: str) -> None:
    client = KazooClient(hosts=chain.zk_hosts, timeout=10)
    client.start(timeout=30)
    try:
        client.delete(path)
    finally:
        client.stop()
        client.close()


def test_stale_state_is_reported_then_recovered(chain, heron_sample_jars):
    ok(topology(chain, heron_sample_jars))
    delete_node(chain, f"{chain.state_root}/executionstate/{NAME}")  # what a killed submit or kill leaves
    refused = topology(chain, heron_sample_jars)
    assert refused["failed"] and refused["error_type"] == "TopologyStale" and refused["commands"] == [], refused
    assert "executionstate/WordCount is missing" in refused["msg"] and refused["option"] == "recover_stale"
    recovered = ok(topology(chain, heron_sample_jars, recover_stale=True, wait=True))
    assert recovered["actions"] == ["clean", "submit"] and recovered["stale"]["missing"] == ["executionstate"]
    assert recovered["state"] == "RUNNING"
    assert chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING", 2: "RUNNING"}


def test_a_topology_whose_aurora_job_is_gone_is_stale(chain, heron_sample_jars):
    ok(topology(chain, heron_sample_jars))
    done = chain.aurora("job", "killall", JOB_KEY)
    assert done.returncode == 0, done.stderr
    refused = topology(chain, heron_sample_jars)
    assert refused["failed"] and "Aurora job has no active task" in refused["msg"], refused
    assert ok(topology(chain, heron_sample_jars, recover_stale=True))["actions"] == ["clean", "submit"]


@pytest.mark.parametrize("name", ["Word.Count", "word/count", "", "wörd"])
def test_names_heron_rejects_fail_before_anything_runs(chain, heron_sample_jars, name):
    failed = topology(chain, heron_sample_jars, name=name)
    assert failed["failed"] and failed["option"] == "name" and failed["commands"] == [], failed


def test_the_cli_missing_failing_or_hanging_fails_naming_the_command(chain, heron_sample_jars, tmp_path):
    missing = topology(chain, heron_sample_jars, heron_cli=str(tmp_path / "no-heron"))
    assert missing["failed"] and str(tmp_path / "no-heron") in missing["msg"] and chain.znodes() == [], missing
    failing = tmp_path / "failing-heron"
    failing.write_text("#!/bin/sh\necho 'ERROR: something broke' >&2\nexit 1\n")
    failing.chmod(0o755)
    failed = topology(chain, heron_sample_jars, heron_cli=str(failing))
    assert failed["failed"] and "exit code 1" in failed["msg"] and "something broke" in failed["msg"], failed
    assert failed["commands"][0][:2] == [str(failing), "submit"]
    hanging = tmp_path / "hanging-heron"
    hanging.write_text("#!/bin/sh\nsleep 300 &\nwait\n")
    hanging.chmod(0o755)
    started = time.monotonic()
    hung = topology(chain, heron_sample_jars, heron_cli=str(hanging), cli_timeout=2)
    assert hung["failed"] and "did not finish within 2 seconds" in hung["msg"], hung
    assert time.monotonic() - started < 60


def test_no_heron_cli_is_needed_when_nothing_changes(chain, heron_sample_jars, tmp_path):
    ok(topology(chain, heron_sample_jars))
    assert not ok(topology(chain, heron_sample_jars, heron_cli=str(tmp_path / "no-heron")))["changed"]


def test_an_ensemble_with_one_node_down_serves_and_quorum_lost_fails_in_time(
        tmp_path, make_zookeeper_ensemble, make_aurora_scheduler, run_module, heron_sample_jars, zookeeper):
    ensemble = make_zookeeper_ensemble()
    scheduler = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                      run_processes=True)
    chain = Chain(tmp_path / "chain", ensemble.hosts, scheduler, run_module)
    chain.write_conf_dir()
    ok(topology(chain, heron_sample_jars, wait=True))
    ensemble.nodes[0].kill()
    paused = ok(topology(chain, heron_sample_jars, state="paused"))
    assert heron_verbs(paused) == ["deactivate"] and paused["state"] == "PAUSED"
    ensemble.nodes[1].kill()
    started = time.monotonic()
    lost = topology(chain, heron_sample_jars, state="paused", zk_timeout=3)
    assert lost["failed"] and ensemble.hosts in lost["msg"] and lost["commands"] == [], lost
    assert time.monotonic() - started < 60


def test_a_wait_that_times_out_says_what_is_missing(chain, heron_sample_jars):
    ok(topology(chain, heron_sample_jars, wait=True))
    # A TManager that lost its ZooKeeper session: its ephemeral location is gone, and the restart of container 1
    # does not bring it back (only container 0 runs the TManager).
    delete_node(chain, f"{chain.state_root}/tmanagers/{NAME}")
    started = time.monotonic()
    failed = topology(chain, heron_sample_jars, state="restarted", container=1, wait=True, wait_timeout=5)
    assert failed["failed"] and failed["error_type"] == "TopologyNotReady", failed
    assert "no TManager location" in failed["msg"] and "Aurora tasks: 0: RUNNING" in failed["msg"]
    assert failed["missing"] == ["no TManager location (container 0 has not registered its TManager)"]
    assert heron_verbs(failed) == ["restart"] and time.monotonic() - started < 60
