"""The heron CLI and heron-executor STAND-INS run through the whole chain for real: a conf dir written by
heron_cluster_config (ZooKeeper state, local-FS uploader, the stand-in heron-core release fetched from a path),
``heron submit`` of the sample jar (its main class run with HERON_OPTIONS), the collection's ``aurora`` command
against the stand-in scheduler, which runs the rendered fetch processes and the executor stand-in in sandboxes;
then the state read back from the real ZooKeeper with heron_topology_info, and through ``aurora job status``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from harness.collection import COLLECTIONS_ROOT, ensure_collection_path
from harness.hdfs import HDFS_COMMAND
from standins.heron.chain import CLUSTER, ENVIRONMENT, HERON, ROLE, Chain

TOPOLOGY = "WordCount"
JOB_KEY = f"{CLUSTER}/{ROLE}/{ENVIRONMENT}/{TOPOLOGY}"
LOCATION = f"{CLUSTER}/{ROLE}/{ENVIRONMENT}"
CLASS = "heron.aurora.sample.WordCount"
ROUND_ROBIN = "org.apache.heron.packing.roundrobin.RoundRobinPacking"
AWS_AGENT_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


@pytest.fixture
def chain(heron_chain):
    return heron_chain


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, (done.args, done.stdout, done.stderr)
    return done


def running_with_plan(chain: Chain, state: str):
    topologies = chain.info()
    if len(topologies) == 1 and topologies[0].get("state") == state and topologies[0].get("tmanager") \
            and topologies[0].get("physical_plan"):
        return topologies[0]
    return None


def test_submit_control_and_kill(chain, heron_sample_jars):
    jar = str(heron_sample_jars["v1"])
    ok(chain.heron("submit", LOCATION, jar, CLASS, TOPOLOGY))

    topology = chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")
    assert topology["name"] == TOPOLOGY and topology["containers"] == 2 and topology["instances"] == 3
    assert topology["tmanager"]["host"] == "127.0.0.1" and topology["tmanager"]["controller_port"] > 0
    assert not topology.get("stale"), topology
    assert chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING", 2: "RUNNING"}
    assert list((chain.uploads / TOPOLOGY).iterdir()) == [chain.uploads / TOPOLOGY / "topology.tar.gz"]

    ok(chain.heron("deactivate", LOCATION, TOPOLOGY))
    assert chain.info()[0]["state"] == "PAUSED"
    # As Heron's TManagerUtils: a topology already in the wanted state is a warning, not a call to the TManager.
    again = ok(chain.heron("deactivate", LOCATION, TOPOLOGY))
    assert "already in state PAUSED" in again.stderr and "TManager answered" not in again.stderr
    ok(chain.heron("activate", LOCATION, TOPOLOGY))
    assert chain.info()[0]["state"] == "RUNNING"

    second = chain.heron("submit", LOCATION, jar, CLASS, TOPOLOGY)
    assert second.returncode == 1 and f"Topology '{TOPOLOGY}' already exists" in second.stderr
    elsewhere = chain.heron("deactivate", f"{CLUSTER}/{ROLE}/prod", TOPOLOGY)
    assert elsewhere.returncode == 1, elsewhere.stderr
    assert f"Topology '{TOPOLOGY}' is running at {LOCATION}, not {CLUSTER}/{ROLE}/prod" in elsewhere.stderr
    assert chain.info()[0]["state"] == "RUNNING"

    ok(chain.heron("kill", LOCATION, TOPOLOGY))
    assert chain.znodes() == []
    assert chain.active_tasks(JOB_KEY) == {}
    assert chain.info() == []


def health(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:  # noqa: S310 - loopback
        return response.read().decode()


def tmanager_pid(chain: Chain) -> tuple:
    location = chain.info()[0].get("tmanager") or {}
    return location.get("controller_port"), location.get("server_port")


def test_restart_keeps_the_paused_state(chain, heron_sample_jars):
    """restart of all containers clears the TManager location first; the new TManager registers again and the
    stream managers re-register with it; the physical plan keeps the PAUSED state; restart of container 1 only
    leaves the TManager where it is."""
    ok(chain.heron("submit", "--deploy-deactivated", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    chain.wait_for(lambda: running_with_plan(chain, "PAUSED"), "the physical plan, PAUSED")
    before = tmanager_pid(chain)
    done = ok(chain.heron("restart", LOCATION, TOPOLOGY))
    assert f"Running aurora job restart {JOB_KEY} --batch-size 2147483647" in done.stderr
    chain.wait_for(lambda: tmanager_pid(chain)[0] not in (None, before[0]), "a new TManager location")
    chain.wait_for(lambda: running_with_plan(chain, "PAUSED"), "the physical plan after the restart")
    assert chain.wait_for(lambda: chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING", 2: "RUNNING"}, "RUNNING")
    ok(chain.heron("activate", LOCATION, TOPOLOGY))
    after = tmanager_pid(chain)
    done = ok(chain.heron("restart", LOCATION, TOPOLOGY, "1"))
    assert f"Running aurora job restart {JOB_KEY}/1 --batch-size 2147483647" in done.stderr
    assert tmanager_pid(chain) == after and chain.info()[0]["state"] == "RUNNING"
    ok(chain.heron("kill", LOCATION, TOPOLOGY))
    missing = chain.heron("restart", LOCATION, TOPOLOGY)
    assert missing.returncode == 1 and f"Topology '{TOPOLOGY}' does not exist" in missing.stderr


def test_update_component_parallelism(chain, heron_sample_jars):
    """heron update --component-parallelism: RoundRobinPacking's repack keeps the submitted instances per container
    (3 instances on 2 containers), so 5 instances take 4 containers, the 2 new ones added through Aurora; the
    TManager rewrites the physical plan from the new packing plan, a running topology is running again
    afterwards."""
    ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")
    done = ok(chain.heron("update", LOCATION, TOPOLOGY, "--component-parallelism", "count:4"))
    assert "DEACTIVATE completed successfully" in done.stderr and "ACTIVATE completed successfully" in done.stderr

    def updated():
        topology = running_with_plan(chain, "RUNNING")
        return topology if topology and topology["physical_plan"].get("instances") == 5 else None

    topology = chain.wait_for(updated, "the physical plan of the update")
    assert topology["containers"] == 4 and topology["instances"] == 5, topology
    assert topology["component_parallelism"] == {"word": 1, "count": 4}, topology
    assert f"Running aurora job add --wait-until RUNNING {JOB_KEY}/0 2 --verbose" in done.stderr
    assert chain.wait_for(lambda: chain.active_tasks(JOB_KEY) == {i: "RUNNING" for i in range(5)}, "5 Aurora tasks")
    same = chain.heron("update", LOCATION, TOPOLOGY, "--component-parallelism", "count:4")
    assert same.returncode == 1 and "is the same as the current topology parallelism" in same.stderr
    for bad, message in (("nope:2", "Invalid component name in update request: nope"),
                         ("count:0", "Invalid --component-parallelism"),
                         ("count", "Invalid syntax for component parallelism")):
        refused = chain.heron("update", LOCATION, TOPOLOGY, "--component-parallelism", bad)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    ok(chain.heron("kill", LOCATION, TOPOLOGY))


def test_stale_topology_without_execution_state(chain, heron_sample_jars):
    """The trap of a partial kill: the topologies node left without its execution state. submit says it already
    exists; kill goes through with a warning, as Heron lets it, and removes what is left; so does a kill of a
    topology that is not there at all (aurora job killall exits 0 for a missing job)."""
    ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")
    ok(chain.aurora("job", "killall", JOB_KEY, "--batch-size", "2147483647"))
    chain._read(lambda client: client.delete(f"{chain.state_root}/executionstate/{TOPOLOGY}"))
    again = chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert again.returncode == 1 and f"Topology '{TOPOLOGY}' already exists" in again.stderr
    cleaned = ok(chain.heron("kill", LOCATION, TOPOLOGY))
    assert f"Topology execution state for '{TOPOLOGY}' is not found" in cleaned.stderr
    assert chain.znodes() == []
    gone = ok(chain.heron("kill", LOCATION, TOPOLOGY))
    assert f"Topology {TOPOLOGY} does not exist. Cleaned up potential stale state." in gone.stderr
    refused = chain.heron("activate", LOCATION, TOPOLOGY)
    assert refused.returncode == 1 and f"Topology '{TOPOLOGY}' does not exist" in refused.stderr


def test_health_on_the_http_port_and_the_tmaster_names(chain, heron_sample_jars):
    """A conf dir for Heron 0.20.2 renders the executor's pre-0.20.3 flags: the TManager registers under tmasters;
    every container answers heron.aurora's health check (/health on the http port) with ok."""
    chain.write_conf_dir(heron_version="0.20.2-incubating")
    assert "--tmaster-controller-port" in (chain.config_path / CLUSTER / "heron.aurora").read_text()
    ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    topology = chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")
    assert "tmasters/WordCount" in chain.znodes() and "tmanagers/WordCount" not in chain.znodes(), topology
    done = chain.aurora("job", "status", JOB_KEY, "--write-json")
    document = json.loads(done.stdout)
    tasks = (document[0] if isinstance(document, list) else document)["active"]
    assert sorted(health(t["assignedTask"]["assignedPorts"]["http"]) for t in tasks) == ["ok", "ok", "ok"]
    ok(chain.heron("deactivate", LOCATION, TOPOLOGY))
    assert chain.info()[0]["state"] == "PAUSED"
    ok(chain.heron("kill", LOCATION, TOPOLOGY))
    assert chain.znodes() == []


def test_hdfs_uploader(chain, heron_sample_jars, hdfs_cluster):
    """The HDFS uploader (hadoop --config D fs ..., the harness's FsShell) and the agents' hdfs dfs -get."""
    directory = f"{hdfs_cluster.fs_uri}/heron/{uuid.uuid4().hex[:8]}/${{CLUSTER}}"
    chain.write_conf_dir(uploader={"hdfs": {"config_directory": str(HDFS_COMMAND.parents[1] / "conf"),
                                            "topologies_directory_uri": directory}})
    ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")
    uploaded = directory.replace("${CLUSTER}", CLUSTER) + f"/{TOPOLOGY}-{ROLE}-tag-0.tar.gz"
    listed = subprocess.run([str(HDFS_COMMAND), "dfs", "-test", "-e", uploaded], capture_output=True, timeout=300,
                            check=False)
    assert listed.returncode == 0, listed.stderr
    killed = ok(chain.heron("kill", "--verbose", LOCATION, TOPOLOGY))
    assert f"Running aurora job killall {JOB_KEY} --verbose --batch-size 2147483647" in killed.stderr
    assert chain.znodes() == [] and chain.active_tasks(JOB_KEY) == {}


@pytest.mark.parametrize("storage", ["localfs", "hdfs"])
def test_refused_submit_leaves_nothing(chain, heron_sample_jars, request, storage):
    if storage == "hdfs":
        hdfs_cluster = request.getfixturevalue("hdfs_cluster")
        directory = f"{hdfs_cluster.fs_uri}/heron/{uuid.uuid4().hex[:8]}"
        chain.write_conf_dir(uploader={"hdfs": {"config_directory": str(HDFS_COMMAND.parents[1] / "conf"),
                                                "topologies_directory_uri": directory}})
    # The scheduler takes only the environments prod, devel, test and staging<N>: createJob is refused, after the
    # topologies, packingplans and executionstate znodes were written and the package uploaded.
    done = chain.heron("submit", f"{CLUSTER}/{ROLE}/qa", str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert done.returncode == 1, done.stderr
    assert "Job environment qa doesn't match" in done.stderr and "Failed to launch topology" in done.stderr
    assert "aurora job killall devcluster/heron/qa/WordCount --batch-size 2147483647" in done.stderr
    assert chain.directories() == ["executionstate", "packingplans", "topologies"]  # written, then undone
    assert chain.znodes() == []
    if storage == "hdfs":
        uploaded = f"{directory}/{TOPOLOGY}-{ROLE}-tag-0.tar.gz"
        assert "Uploaded topology package to " + uploaded in done.stderr
        left = subprocess.run([str(HDFS_COMMAND), "dfs", "-test", "-e", uploaded], capture_output=True,
                              timeout=300, check=False)
        assert left.returncode == 1, "the uploader's undo left the package"
    else:
        assert "Uploaded topology package to file://" in done.stderr
        assert not (chain.uploads / TOPOLOGY / "topology.tar.gz").exists()


def test_missing_conf_dir_and_bad_usage(chain, heron_sample_jars):
    done = chain.heron("submit", f"nocluster/{ROLE}/{ENVIRONMENT}", str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert done.returncode == 1
    assert f"Cluster config directory '{chain.config_path / 'nocluster'}' does not exist" in done.stderr
    assert chain.heron("submit", LOCATION, "--no-such-flag").returncode == 1
    # --topology-main-jvm-property reaches the JVM that runs the main class: a class loader that does not exist
    # stops it, and the submit fails before anything is written.
    broken = chain.heron("submit", "--topology-main-jvm-property", "java.system.class.loader=no.such.Loader",
                         LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert broken.returncode == 1 and "-Djava.system.class.loader=no.such.Loader" in broken.stderr, broken.stderr
    assert chain.znodes() == []


# v1's packing: word (task 1) and count (tasks 2, 3) dealt over containers 1 and 2, as Heron's table shows it.
SUBMIT_TABLE = """\
Total number of containers: 2
Using packing class: org.apache.heron.packing.roundrobin.RoundRobinPacking
Container 1
CPU: 3.0, RAM: 4096 MB, Disk: 14336 MB
====================================================
| component | task ID | CPU | RAM (MB) | disk (MB) |
----------------------------------------------------
|      word |       1 | 1.0 |     1024 |      1024 |
|     count |       3 | 1.0 |     1024 |      1024 |
====================================================

Container 2
CPU: 2.0, RAM: 3072 MB, Disk: 14336 MB
====================================================
| component | task ID | CPU | RAM (MB) | disk (MB) |
----------------------------------------------------
|     count |       2 | 1.0 |     1024 |      1024 |
====================================================
"""


def test_submit_dry_run_prints_the_packing_plan_and_writes_nothing(chain, heron_sample_jars):
    jar = str(heron_sample_jars["v1"])
    table = ok(chain.heron("submit", "--dry-run", LOCATION, jar, CLASS, TOPOLOGY))
    assert table.stdout == SUBMIT_TABLE  # not a terminal: Heron's default format is the plain table
    assert f"Successfully launched topology '{TOPOLOGY}' in dry-run mode" in table.stderr
    document = json.loads(ok(chain.heron("submit", "--dry-run", "--dry-run-format", "json", LOCATION, jar, CLASS,
                                         TOPOLOGY)).stdout)
    assert document["packingClass"] == ROUND_ROBIN and document["topology"] == TOPOLOGY
    assert [[(c["component"], c["id"]) for c in container["components"]] for container in document["containers"]] \
        == [[("word", 1), ("count", 3)], [("count", 2)]]
    assert document["containers"][0]["resources"] == {"cpu": 3.0, "ram": 4 * 1024 ** 3, "disk": 14 * 1024 ** 3}
    raw = ok(chain.heron("submit", "--dry-run", "--dry-run-format", "raw", LOCATION, jar, CLASS, TOPOLOGY)).stdout
    assert raw.startswith(f"Packing class: {ROUND_ROBIN}\nTopology: {TOPOLOGY}\nPacking plan:\n{{plan-id: ")
    assert "{container-id: 2, instances-list: [{component-name: count, task-id: 2, component-index: 0, " \
           "instance-resource: {cpu: 1.000000, ram: ByteAmount{1.0 GB (1073741824 bytes)}" in raw
    colored = ok(chain.heron("submit", "--dry-run", "--dry-run-format", "colored_table", LOCATION, jar, CLASS,
                             TOPOLOGY)).stdout
    assert "\x1b[1mContainer 1\x1b[0m\n" in colored and "| \x1b[1mcomponent\x1b[0m |" in colored
    refused = chain.heron("submit", "--dry-run", "--dry-run-format", "yaml", LOCATION, jar, CLASS, TOPOLOGY)
    assert refused.returncode == 1
    assert "Invalid dry-run response format: yaml. Available formats: raw, table, colored_table, json" \
        in refused.stderr
    assert chain.znodes() == [] and not chain.uploads.exists() and chain.active_tasks(JOB_KEY) == {}


def with_containers(chain: Chain, count: int):
    topology = running_with_plan(chain, "RUNNING")
    if topology and topology["containers"] == count and len(topology["physical_plan"]["stmgrs"]) == count:
        return topology
    return None


def test_update_container_number(chain, heron_sample_jars):
    """Scale up with aurora job add (the new instance's id read from its stderr), scale down with aurora job kill
    of the containers the new round-robin plan leaves out; the TManager's physical plan follows, the topology runs
    again afterwards. --dry-run prints both plans and changes nothing."""
    ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    chain.wait_for(lambda: with_containers(chain, 2), "the physical plan")
    done = ok(chain.heron("update", LOCATION, TOPOLOGY, "--container-number", "3", "--dry-run",
                          "--dry-run-format", "json"))
    new, old = (json.loads(line) for line in done.stdout.splitlines()[1::2])
    assert done.stdout.splitlines()[::2] == ["New packing plan:", "Old packing plan:"]
    assert [len(c["components"]) for c in new["containers"]] == [1, 1, 1] and len(old["containers"]) == 2
    table = ok(chain.heron("update", LOCATION, TOPOLOGY, "--container-number", "3", "--dry-run")).stdout
    assert "Container 1 MODIFIED\nCPU: 2.0 (-33.33%), RAM: 3072 MB (-25.00%), Disk: 13312 MB (-7.14%)" in table
    assert "Container 3 NEW\n" in table and "Using repacking class: " + ROUND_ROBIN in table
    assert chain.info()[0]["containers"] == 2 and chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING",
                                                                                  2: "RUNNING"}

    up = ok(chain.heron("update", LOCATION, TOPOLOGY, "--container-number", "3"))
    assert f"Running aurora job add --wait-until RUNNING {JOB_KEY}/0 1 --verbose" in up.stderr
    chain.wait_for(lambda: with_containers(chain, 3), "the physical plan over 3 containers")
    assert chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING", 2: "RUNNING", 3: "RUNNING"}

    down = ok(chain.heron("update", "--verbose", LOCATION, TOPOLOGY, "--container-number", "1"))
    assert f"Running aurora job kill {JOB_KEY}/2,3 --verbose --batch-size 2147483647" in down.stderr
    topology = chain.wait_for(lambda: with_containers(chain, 1), "the physical plan over 1 container")
    assert topology["instances"] == 3 and chain.active_tasks(JOB_KEY) == {0: "RUNNING", 1: "RUNNING"}
    for args, message in ((["--container-number", "4"], "More containers (4) allocated than instances (3)."),
                          (["--container-number", "1"], "Both component parallelism request and container number "
                                                        "are the same as in the running topology."),
                          (["--container-number", "two"], "Invalid syntax for container number (value): two")):
        refused = chain.heron("update", LOCATION, TOPOLOGY, *args)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    ok(chain.heron("kill", LOCATION, TOPOLOGY))
    assert chain.active_tasks(JOB_KEY) == {}


def physical_plan(chain: Chain):
    data = chain._read(lambda client: client.get(f"{chain.state_root}/pplans/{TOPOLOGY}")[0])
    return messages.decode(messages.message_class("heron.proto.system.PhysicalPlan"), data)


def runtime_keys(config) -> dict:
    return {pair.key: pair.value for pair in config.kvs if pair.key.endswith(":runtime")}


def test_update_runtime_config(chain, heron_sample_jars):
    """--runtime-config goes to the TManager, which records name:runtime in the physical plan's topology or
    component config; Heron sends it even with --dry-run; the TManager refuses a component the topology lacks."""
    ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")
    done = ok(chain.heron("update", LOCATION, TOPOLOGY, "--runtime-config", "count:tuple.timeout:30",
                          "--runtime-config", "topology.debug:true"))
    assert "Runtime config updated" in done.stderr and f"Successfully update topology: {TOPOLOGY}" in done.stderr
    plan = physical_plan(chain)
    count = next(bolt.comp for bolt in plan.topology.bolts if bolt.comp.name == "count")
    assert runtime_keys(count.config) == {"tuple.timeout:runtime": "30"}
    assert runtime_keys(plan.topology.topology_config) == {"topology.debug:runtime": "true"}
    assert runtime_keys(plan.topology.spouts[0].comp.config) == {}
    again = ok(chain.heron("update", "--dry-run", LOCATION, TOPOLOGY, "--runtime-config", "count:tuple.timeout:45"))
    assert "in dry-run mode" in again.stderr
    count = next(bolt.comp for bolt in physical_plan(chain).topology.bolts if bolt.comp.name == "count")
    assert runtime_keys(count.config) == {"tuple.timeout:runtime": "45"}
    assert chain.info()[0]["state"] == "RUNNING"
    for args, message in (
            (["--runtime-config", "nosuch:k:v"], "Non OK HTTP response 400 from TManager for command "
                                                 "runtime_config/update"),
            (["--runtime-config", "debug"], "Invalid syntax for runtime config ([component:]<name:value>): debug"),
            (["--runtime-config", "a:b", "--component-parallelism", "count:3"], "can't be updated at the same time"),
            ([], "Missing arguments --component-parallelism or --runtime-config or --container-number")):
        refused = chain.heron("update", LOCATION, TOPOLOGY, *args)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    ok(chain.heron("kill", LOCATION, TOPOLOGY))


@pytest.fixture
def s3_chain(request, monkeypatch, s3_server, tmp_path):
    """The chain with agents that fetch from S3 with the AWS CLI and credentials of their own (the scheduler and
    its tasks inherit them); the heron CLI stand-in gets none from its environment, only the conf dir's keys."""
    if not shutil.which("aws"):
        pytest.fail("the AWS CLI is missing on PATH: scripts/test links it into .cache/agent-bin")
    agents = {"AWS_ACCESS_KEY_ID": s3_server.access_key, "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
              "AWS_DEFAULT_REGION": s3_server.region, "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
              "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"), "AWS_EC2_METADATA_DISABLED": "true"}
    for key, value in agents.items():
        monkeypatch.setenv(key, value)
    chain = request.getfixturevalue("heron_chain")
    for key in AWS_AGENT_VARIABLES:
        chain.env.pop(key)
    return chain


def test_s3_uploader(s3_chain, s3_server, heron_sample_jars):
    """Heron's S3 layout (<path_prefix>/<topology>/topology.tar.gz, path-style URL the agents fetch with aws s3
    cp); a refused launch puts the previous package back and the backup is gone afterwards."""
    chain, client = s3_chain, s3_server.client()
    bucket = f"heron-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    chain.write_conf_dir(uploader={"s3": {
        "bucket": bucket, "path_prefix": "topologies/${CLUSTER}", "access_key": s3_server.access_key,
        "secret_key": s3_server.secret_key, "region": s3_server.region, "endpoint_uri": s3_server.endpoint_url}})
    key = f"topologies/{CLUSTER}/{TOPOLOGY}/topology.tar.gz"

    def listed() -> list[str]:
        return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))

    done = ok(chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY))
    assert f"Uploaded topology package to {s3_server.endpoint_url}/{bucket}/{key}" in done.stderr
    chain.wait_for(lambda: running_with_plan(chain, "RUNNING"), "the physical plan")  # the agents fetched it
    assert listed() == [key]
    ok(chain.heron("kill", LOCATION, TOPOLOGY))
    first = client.get_object(Bucket=bucket, Key=key)["Body"].read()

    refused = chain.heron("submit", f"{CLUSTER}/{ROLE}/qa", str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert refused.returncode == 1 and "Job environment qa doesn't match" in refused.stderr
    assert f"Uploaded topology package to {s3_server.endpoint_url}/{bucket}/{key}" in refused.stderr
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == first and listed() == [key]
    assert chain.znodes() == []

    uploader_yaml = chain.config_path / CLUSTER / "uploader.yaml"
    settings = yaml.safe_load(uploader_yaml.read_text())
    del settings["heron.uploader.s3.bucket"]
    uploader_yaml.write_text(yaml.safe_dump(settings))
    missing = chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert missing.returncode == 1 and "Missing heron.uploader.s3.bucket config value" in missing.stderr
    assert chain.znodes() == []


def test_http_uploader_against_a_server_that_takes_no_upload(chain, heron_sample_jars, http_server):
    """Heron's HTTP uploader posts the package as the multipart field 'file' and takes the response body as the
    package's URI, whatever the status. The harness's nginx serves files and takes no upload: its error page is
    no URI, so the submit fails before any znode is written, as Heron's would."""
    chain.write_conf_dir(uploader={"http": {"uri": f"{http_server.base_url}/upload"}})
    done = chain.heron("submit", LOCATION, str(heron_sample_jars["v1"]), CLASS, TOPOLOGY)
    assert done.returncode == 1 and "Error uploading package to location: " in done.stderr, done.stderr
    assert "with a body that is not a URI" in done.stderr and chain.znodes() == []


def test_version():
    done = subprocess.run([str(HERON), "version"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "heron.build.version : 0.20.5-incubating" in done.stdout, done


def test_executor_rejects_unknown_and_mixed_flags(tmp_path):
    script = Path(__file__).parents[1] / "standins" / "heron" / "executor" / "heron_executor.py"
    base = ["--shard=0", "--topology-name=T", "--topology-id=T-1"]
    new = [f"--{flag}=1" for flag in ("server-port", "tmanager-controller-port", "tmanager-stats-port",
                                      "shell-port", "metrics-manager-port", "scheduler-port",
                                      "metricscache-manager-server-port", "metricscache-manager-stats-port",
                                      "checkpoint-manager-port")]
    ensure_collection_path()
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS_ROOT))
    for extra, error in ((["--no-such-flag=1"], "unrecognized arguments: --no-such-flag=1"),
                         (["--tmaster-controller-port=2"], "exactly those of one Heron version")):
        done = subprocess.run([sys.executable, str(script), *base, *new, *extra], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=60, check=False)
        assert done.returncode == 2 and error in done.stderr, done.stderr
