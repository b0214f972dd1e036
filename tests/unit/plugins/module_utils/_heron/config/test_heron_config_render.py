"""The conf dir rendered for each storage choice and for Heron releases on both sides of 0.17.6 (the package move)
and 0.20.3 (tmaster -> tmanager): the YAML keys against heron-aurora-facts.md section 1, heron.aurora loaded through
the collection's Aurora config loader with Heron's bindings (section 2), and the fetch tool each scheme needs."""

from __future__ import annotations

import ast

import pytest
import yaml

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job
from ansible_collections.heron.aurora.plugins.module_utils._heron.config import conf_dir
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.options import ConfDirOptions
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.validation import heron_bindings

from .heron_config_cases import CLUSTER, STORAGE_CHOICES, conf_dir_options

VERSIONS = ["0.17.5", "0.17.6", "0.20.2-incubating", "0.20.3-incubating", "0.20.5-incubating"]

# heron-aurora-facts.md section 1, per file.
SCHEDULER_TUNNEL_KEYS = {"heron.scheduler.is.tunnel.needed", "heron.scheduler.tunnel.connection.timeout.ms",
                         "heron.scheduler.tunnel.connection.retry.count", "heron.scheduler.tunnel.retry.interval.ms",
                         "heron.scheduler.tunnel.verify.count"}
AURORA_SCHEDULER_KEYS = {"heron.class.scheduler", "heron.class.launcher", "heron.package.core.uri",
                         "heron.directory.sandbox.java.home", "heron.scheduler.is.service",
                         "heron.scheduler.job.max.kill.attempts", "heron.scheduler.job.kill.retry.interval.ms",
                         "heron.class.scheduler.aurora.controller.cli", "heron.scheduler.job.template"}
CLIENT_KEYS = {"heron.package.core.uri", "heron.config.is.role.required", "heron.config.is.env.required"}
PACKING_KEYS = {"heron.class.packing.algorithm", "heron.class.repacking.algorithm"}
ZOOKEEPER_KEYS = {"heron.class.state.manager", "heron.statemgr.connection.string", "heron.statemgr.root.path",
                  "heron.statemgr.zookeeper.is.initialize.tree", "heron.statemgr.zookeeper.session.timeout.ms",
                  "heron.statemgr.zookeeper.connection.timeout.ms", "heron.statemgr.zookeeper.retry.count",
                  "heron.statemgr.zookeeper.retry.interval.ms", "heron.statemgr.is.tunnel.needed",
                  "heron.statemgr.tunnel.connection.timeout.ms", "heron.statemgr.tunnel.connection.retry.count",
                  "heron.statemgr.tunnel.retry.interval.ms", "heron.statemgr.tunnel.verify.count"}
UPLOADER_KEYS = {
    "http": {"heron.class.uploader", "heron.uploader.http.uri"},
    "hdfs": {"heron.class.uploader", "heron.uploader.hdfs.config.directory",
             "heron.uploader.hdfs.topologies.directory.uri"},
    "s3": {"heron.class.uploader", "heron.uploader.s3.bucket", "heron.uploader.s3.path_prefix",
           "heron.uploader.s3.access_key", "heron.uploader.s3.secret_key", "heron.uploader.s3.region"},
    "file": {"heron.class.uploader", "heron.uploader.localfs.file.system.directory"},
}
UPLOADER_CLASSES = {"http": "uploader.http.HttpUploader", "hdfs": "uploader.hdfs.HdfsUploader",
                    "s3": "uploader.s3.S3Uploader", "file": "uploader.localfs.LocalFileSystemUploader"}
# The download command of the core package for each scheme (the seed document and facts section 2).
CORE_FETCH = {"http": 'curl --fail --silent --show-error --location --retry 5 -o heron-core.tar.gz --url "$uri"',
              "hdfs": 'hdfs dfs -get "$uri" heron-core.tar.gz',
              "s3": 'aws --region eu-west-1 s3 cp --only-show-errors "$uri" heron-core.tar.gz',
              "file": 'cp -- "$path" heron-core.tar.gz'}
TOPOLOGY_FETCH = {"http": "curl --fail", "hdfs": 'hdfs dfs -get "$uri" topology.tar.gz',
                  "s3": 's3 cp --only-show-errors "s3://$key" topology.tar.gz', "file": 'cp -- "$path" topology.tar.gz'}
TMANAGER_FLAGS = ["--server-port", "--tmanager-controller-port", "--tmanager-stats-port",
                  "--metricscache-manager-server-port"]
TMASTER_FLAGS = ["--master-port", "--tmaster-controller-port", "--tmaster-stats-port",
                 "--metricscache-manager-master-port"]


def written(tmp_path, scheme: str, version: str, **overrides) -> dict:
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path, scheme, version, **overrides)))
    plan.apply()
    return {change.name: change.after.decode() for change in plan.changes}


def yaml_of(files: dict, name: str) -> dict:
    return yaml.safe_load(files[name])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scheme", sorted(STORAGE_CHOICES))
def test_yaml_keys_match_heron(tmp_path, scheme, version):
    files = written(tmp_path, scheme, version)
    package = "org.apache.heron" if version >= "0.17.6" else "com.twitter.heron"
    scheduler = yaml_of(files, "scheduler.yaml")
    assert set(scheduler) == AURORA_SCHEDULER_KEYS | SCHEDULER_TUNNEL_KEYS
    assert scheduler["heron.class.scheduler"] == f"{package}.scheduler.aurora.AuroraScheduler"
    assert scheduler["heron.class.launcher"] == f"{package}.scheduler.aurora.AuroraLauncher"
    assert scheduler["heron.scheduler.is.service"] is False
    assert scheduler["heron.package.core.uri"] == STORAGE_CHOICES[scheme]["core_package_uri"]
    assert scheduler["heron.scheduler.job.template"] == str(tmp_path / CLUSTER / "heron.aurora")
    assert (scheduler["heron.scheduler.job.max.kill.attempts"], scheduler["heron.scheduler.job.kill.retry.interval.ms"]
            ) == (5, 2000)
    client = yaml_of(files, "client.yaml")
    assert set(client) == CLIENT_KEYS and client["heron.package.core.uri"] == scheduler["heron.package.core.uri"]
    statemgr = yaml_of(files, "statemgr.yaml")
    assert set(statemgr) == ZOOKEEPER_KEYS
    assert statemgr["heron.class.state.manager"] == f"{package}.statemgr.zookeeper.curator.CuratorStateManager"
    uploader = yaml_of(files, "uploader.yaml")
    assert set(uploader) == UPLOADER_KEYS[scheme]
    assert uploader["heron.class.uploader"] == f"{package}.{UPLOADER_CLASSES[scheme]}"
    packing = yaml_of(files, "packing.yaml")
    assert packing == {key: f"{package}.packing.roundrobin.RoundRobinPacking" for key in PACKING_KEYS}
    assert yaml_of(files, "downloader.yaml")["heron.downloader.registry"]["http"] == \
        f"{package}.downloader.HttpDownloader"
    assert yaml_of(files, "stateful.yaml")["heron.statefulstorage.classname"].startswith(package)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scheme", sorted(STORAGE_CHOICES))
def test_heron_aurora_loads_with_herons_bindings(tmp_path, scheme, version):
    written(tmp_path, scheme, version)
    job = load_job(str(tmp_path / CLUSTER / "heron.aurora"), bindings=heron_bindings(CLUSTER))
    config = job.job_configuration(api.load_api(), owner="heron")
    assert job.job_key == f"{CLUSTER}/heron/devel/ValidationTopology"
    assert config.instanceCount == 3 and config.taskConfig.isService
    ports = job.named_ports()
    executor = [p for p in job.raw.task().processes() if str(p.name()) == "launch_heron_executor"][0]
    cmdline = str(executor.cmdline())
    new = version >= "0.20.3"
    for flag in TMANAGER_FLAGS:
        assert (flag + "=" in cmdline) is new, flag
    for flag in TMASTER_FLAGS:
        assert (flag + "=" in cmdline) is not new, flag
    expected_ports = {"port1", "port2", "port3", "port4", "http", "scheduler", "metricscachemgr_statsport",
                      "ckptmgr_port", "yourkit",
                      "metricscachemgr_serverport" if new else "metricscachemgr_masterport"}
    assert set(ports) == expected_ports
    names = [str(p.name()) for p in job.raw.task().processes()]
    assert names == ["fetch_heron_system", "fetch_user_package", "launch_heron_executor", "discover_profiler_port"]


def test_heron_aurora_defines_the_stock_module_variables(tmp_path):
    template = written(tmp_path, "hdfs", "0.20.5-incubating")["heron.aurora"]
    constants = {node.targets[0].id: node.value.value for node in ast.parse(template).body
                 if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)}
    assert constants == {"heron_core_release_uri": "{{CORE_PACKAGE_URI}}",
                         "heron_topology_jar_uri": "{{TOPOLOGY_PACKAGE_URI}}",
                         "core_release_file": "heron-core.tar.gz", "topology_package_file": "topology.tar.gz"}


@pytest.mark.parametrize("version", ["0.20.2-incubating", "0.20.5-incubating"])
def test_heron_aurora_task_and_job_fields_are_herons(tmp_path, version):
    written(tmp_path, "http", version)
    job = load_job(str(tmp_path / CLUSTER / "heron.aurora"), bindings=heron_bindings(CLUSTER)).raw
    task = job.task()
    assert str(task.name()) == "setup_and_run"
    processes = {str(p.name()): p for p in task.processes()}
    assert processes["launch_heron_executor"].max_failures().get() == 1
    assert str(processes["discover_profiler_port"].cmdline()) == "echo {{thermos.ports[yourkit]}} > yourkit.port"
    resources = task.resources()
    expected = ("1.0", str(2 * 1024 ** 3), str(5 * 1024 ** 3))
    assert (str(resources.cpu()), str(resources.ram()), str(resources.disk())) == expected
    assert (str(job.name()), str(job.role()), str(job.environment()), job.service().get(),
            job.instances().get()) == ("ValidationTopology", "heron", "devel", True, 3)
    announce = job.announce()
    assert str(announce.primary_port()) == "http"
    assert {str(k): str(v) for k, v in announce.portmap().get().items()} == {"admin": "http", "health": "http"}
    health = job.health_check_config()
    http = health.health_checker().http()
    assert (str(http.endpoint()), str(http.expected_response()), http.expected_response_code().get()) == \
        ("/health", "ok", 200)
    assert (health.initial_interval_secs().get(), health.interval_secs().get(),
            health.max_consecutive_failures().get(), health.timeout_secs().get()) == (30, 10, 2, 5)


@pytest.mark.parametrize("scheme", sorted(STORAGE_CHOICES))
def test_fetch_tool_follows_the_scheme(tmp_path, scheme):
    files = written(tmp_path, scheme, "0.20.5-incubating")
    template = files["heron.aurora"]
    assert repr(CORE_FETCH[scheme] + " && tar zxf heron-core.tar.gz")[1:-1] in template
    assert TOPOLOGY_FETCH[scheme] in template
    # Heron's bindings stay in the file for Heron to fill.
    for binding in ("{{CORE_PACKAGE_URI}}", "{{TOPOLOGY_PACKAGE_URI}}", "{{NUM_CONTAINERS}}", "{{EXECUTOR_BINARY}}"):
        assert binding in template


def test_local_scheduler_writes_no_job_template(tmp_path):
    files = written(tmp_path, "file", "0.20.5-incubating", scheduler="local",
                    statemgr={"localfs": {}}, uploader={"localfs": {}})
    assert "heron.aurora" not in files
    scheduler = yaml_of(files, "scheduler.yaml")
    assert scheduler["heron.class.scheduler"] == "org.apache.heron.scheduler.local.LocalScheduler"
    assert scheduler["heron.scheduler.local.working.directory"] == \
        "${HOME}/.herondata/topologies/${CLUSTER}/${ROLE}/${TOPOLOGY}"
    statemgr = yaml_of(files, "statemgr.yaml")
    assert statemgr["heron.statemgr.connection.string"] == "LOCALMODE"
    assert statemgr["heron.statemgr.localfs.is.initialize.file.tree"] is True


def test_aurora_choices_reach_the_job(tmp_path):
    written(tmp_path, "http", "0.20.5-incubating", aurora={
        "production": True, "tier": "preferred", "constraints": {"rack": "limit:1", "host": "!bad1"},
        "metadata": [{"key": "team", "value": "{{AURORA_METADATA_1}}"}],
        "extra_processes": [{"name": "fetch_jdk", "cmdline": "echo jdk"}],
        "resources": {"cpu": 2.0}})
    job = load_job(str(tmp_path / CLUSTER / "heron.aurora"), bindings=heron_bindings(CLUSTER))
    task = job.job_configuration(api.load_api(), owner="heron").taskConfig
    assert task.production and task.tier == "preferred"
    assert {(m.key, m.value) for m in task.metadata} == {("team", "metadata-1")}
    assert {c.name for c in task.constraints} == {"rack", "host"}
    assert {r.numCpus for r in task.resources if r.numCpus} == {2.0}
    names = [str(p.name()) for p in job.raw.task().processes()]
    assert names.index("fetch_jdk") == 2


def test_extra_keys_are_merged_last(tmp_path):
    files = written(tmp_path, "http", "0.20.5-incubating",
                    extra={"scheduler.yaml": {"heron.scheduler.job.max.kill.attempts": 9, "my.key": "v"}})
    scheduler = yaml_of(files, "scheduler.yaml")
    assert scheduler["heron.scheduler.job.max.kill.attempts"] == 9 and scheduler["my.key"] == "v"


def test_secrets_are_starred_in_the_diff_and_the_file_is_private(tmp_path):
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path, "s3")))
    uploader = [change for change in plan.changes if change.name == "uploader.yaml"][0]
    assert uploader.mode == 0o600
    assert b"example-secret" in uploader.after
    diff = uploader.diff()["prepared"]
    assert "example-secret" not in diff and "AKIAEXAMPLE" not in diff and "'********'" in diff
