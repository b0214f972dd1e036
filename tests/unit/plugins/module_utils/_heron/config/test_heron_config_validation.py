"""Validation before anything is written: bad options and bad templates fail naming the option (and the file and key
where there is one) and leave the conf dir as it was; Heron's stock heron.aurora validates as an operator's template."""

from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.config import conf_dir, fetch
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.options import ConfDirOptions
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.uris import scheme_of

from .heron_config_cases import CLUSTER, STOCK_HERON_AURORA, conf_dir_options


def snapshot(root) -> dict:
    return {str(path): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def refused(tmp_path, option: str, words: str, **options) -> HeronConfigError:
    before = snapshot(tmp_path)
    with pytest.raises(HeronConfigError) as caught:
        conf_dir.plan(ConfDirOptions.from_dict(options)).apply()
    assert caught.value.option == option, caught.value
    assert words in str(caught.value)
    assert snapshot(tmp_path) == before
    return caught.value


@pytest.fixture
def existing(tmp_path):
    """A conf dir already in place, which a refused run must leave as it is."""
    conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path))).apply()
    return tmp_path / CLUSTER


def test_unknown_scheme(tmp_path, existing):
    refused(tmp_path, "core_package_uri", "unknown scheme 'ftp'",
            **conf_dir_options(tmp_path, core_package_uri="ftp://mirror/heron-core.tar.gz"))


def test_s3_without_bucket(tmp_path, existing):
    refused(tmp_path, "uploader.s3.bucket", "is required",
            **conf_dir_options(tmp_path, "s3", uploader={"s3": {"region": "eu-west-1"}}))


def test_access_key_without_secret_key(tmp_path, existing):
    refused(tmp_path, "uploader.s3.secret_key", "both or neither",
            **conf_dir_options(tmp_path, "s3", uploader={"s3": {"bucket": "b", "access_key": "AKIA"}}))


def test_conf_dir_named_differently_from_the_cluster(tmp_path, existing):
    error = refused(tmp_path, "path", "must be named after the cluster",
                    **conf_dir_options(tmp_path, path=str(tmp_path / "aurora")))
    assert str(tmp_path / CLUSTER) in str(error)


@pytest.mark.parametrize("root", ["/", "heron", "/heron/"])
def test_zookeeper_root_heron_cannot_use(tmp_path, existing, root):
    refused(tmp_path, "statemgr.zookeeper.root_path", "e.g. /heron",
            **conf_dir_options(tmp_path, statemgr={"zookeeper": {"connection_string": "zk1:2181", "root_path": root}}))


def test_aurora_with_the_local_state_manager(tmp_path, existing):
    refused(tmp_path, "statemgr", "use statemgr.zookeeper", **conf_dir_options(tmp_path, statemgr={"localfs": {}}))


def test_template_that_does_not_parse(tmp_path, existing):
    template = tmp_path / "broken.aurora"
    template.write_text("jobs = [Job(\n")
    error = refused(tmp_path, "heron_aurora_template", "SyntaxError",
                    **conf_dir_options(tmp_path, heron_aurora_template=str(template)))
    assert error.file == "heron.aurora"


def test_template_with_no_job(tmp_path, existing):
    template = tmp_path / "empty.aurora"
    template.write_text("jobs = []\n")
    refused(tmp_path, "heron_aurora_template", "defines no jobs",
            **conf_dir_options(tmp_path, heron_aurora_template=str(template)))


def test_template_with_parallel_processes(tmp_path, existing):
    template = tmp_path / "parallel.aurora"
    template.write_text(STOCK_HERON_AURORA.replace("SequentialTask(", "Task("))
    refused(tmp_path, "heron_aurora_template", "must run before",
            **conf_dir_options(tmp_path, heron_aurora_template=str(template)))


def test_stock_template_validates(tmp_path):
    template = tmp_path / "stock.aurora"
    template.write_text(STOCK_HERON_AURORA)
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(
        tmp_path, heron_aurora_template=str(template), fetch_check_topology_uri="http://pkgs/t/topology.tar.gz")))
    assert [c.command for c in plan.fetch_commands] == [
        "curl https://packages.example.org/heron/heron-core.tar.gz -o heron-core.tar.gz && tar zxf heron-core.tar.gz",
        "curl http://pkgs/t/topology.tar.gz -o topology.tar.gz && tar zxf topology.tar.gz"]
    plan.apply()
    assert (tmp_path / CLUSTER / "heron.aurora").read_text() == STOCK_HERON_AURORA


def test_stock_template_is_refused_for_a_tmaster_release(tmp_path):
    template = tmp_path / "stock.aurora"
    template.write_text(STOCK_HERON_AURORA)
    refused(tmp_path, "heron_aurora_template", "passes --server-port, --tmanager-controller-port",
            **conf_dir_options(tmp_path, version="0.20.2-incubating", heron_aurora_template=str(template)))


def test_template_missing_an_executor_port(tmp_path):
    template = tmp_path / "noport.aurora"
    template.write_text(STOCK_HERON_AURORA.replace(" --checkpoint-manager-port={{thermos.ports[ckptmgr_port]}}", ""))
    refused(tmp_path, "heron_aurora_template", "--checkpoint-manager-port",
            **conf_dir_options(tmp_path, heron_aurora_template=str(template)))


@pytest.mark.parametrize("left_out, words", [
    (" --shard={{mesos.instance}}", "--shard={{mesos.instance}}"),
    (" {{TOPOLOGY_ARGUMENTS}}", "{{TOPOLOGY_ARGUMENTS}}"),
])
def test_template_whose_executor_misses_a_heron_argument(tmp_path, left_out, words):
    text = STOCK_HERON_AURORA.replace(f"'{left_out}'", "''")
    assert text != STOCK_HERON_AURORA
    template = tmp_path / "noargs.aurora"
    template.write_text(text)
    refused(tmp_path, "heron_aurora_template", words,
            **conf_dir_options(tmp_path, heron_aurora_template=str(template)))


@pytest.mark.parametrize("key, local_class", [
    ("heron.class.scheduler", "org.apache.heron.scheduler.local.LocalScheduler"),
    ("heron.class.launcher", "org.apache.heron.scheduler.local.LocalLauncher")])
def test_extra_that_swaps_an_aurora_class_for_a_local_one(tmp_path, existing, key, local_class):
    error = refused(tmp_path, "extra", f"{key} must be the Aurora",
                    **conf_dir_options(tmp_path, extra={"scheduler.yaml": {key: local_class}}))
    assert (error.file, error.key) == ("scheduler.yaml", key)


def test_template_with_a_fixed_instance_count(tmp_path):
    text = STOCK_HERON_AURORA.replace("instances = '{{NUM_CONTAINERS}}'", "instances = 2")
    assert text != STOCK_HERON_AURORA
    template = tmp_path / "fixed.aurora"
    template.write_text(text)
    refused(tmp_path, "heron_aurora_template", "instances = '{{NUM_CONTAINERS}}'",
            **conf_dir_options(tmp_path, heron_aurora_template=str(template)))


def test_extra_that_removes_a_required_key_names_file_and_key(tmp_path, existing):
    error = refused(tmp_path, "extra", "heron.uploader.http.uri",
                    **conf_dir_options(tmp_path, extra={"uploader.yaml": {"heron.uploader.http.uri": None}}))
    assert (error.file, error.key) == ("uploader.yaml", "heron.uploader.http.uri")


def test_release_files_copied_or_reported_missing(tmp_path):
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path)))
    assert plan.missing == ["heron_internals.yaml", "metrics_sinks.yaml"]
    release = tmp_path / "release"
    release.mkdir()
    (release / "heron_internals.yaml").write_text("heron.logging.directory: log-files\n")
    (release / "metrics_sinks.yaml").write_text("sinks: [file-sink]\n")
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path, release_conf_dir=str(release))))
    assert plan.missing == []
    plan.apply()
    assert (tmp_path / CLUSTER / "metrics_sinks.yaml").read_text() == "sinks: [file-sink]\n"
    # Present and not given again: left alone, not missing.
    assert conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path))).missing == []


def test_release_dir_without_the_files(tmp_path):
    refused(tmp_path, "release_conf_dir", "heron_internals.yaml",
            **conf_dir_options(tmp_path, release_conf_dir=str(tmp_path)))


def test_second_plan_changes_nothing_and_a_mode_change_is_a_change(tmp_path):
    options = ConfDirOptions.from_dict(conf_dir_options(tmp_path))
    conf_dir.plan(options).apply()
    assert not conf_dir.plan(options).changed
    os.chmod(tmp_path / CLUSTER / "client.yaml", 0o600)
    plan = conf_dir.plan(options)
    assert [c.name for c in plan.changes if c.changed] == ["client.yaml"]
    assert "mode 0600 -> 0644" in plan.diffs()[0]["prepared"]


@pytest.mark.parametrize("uri", ["file:///srv/a b/x.tar.gz", "file:///srv/$(touch x)/x.tar.gz",
                                 "file:///srv/`touch x`/x.tar.gz", "file:///srv/a;touch x/x.tar.gz",
                                 "file:///srv/it's/x.tar.gz", "hdfs:///it's $(touch x)/x.tar.gz",
                                 "s3://bucket/it's `touch x`;/x.tar.gz"])
def test_a_bound_uri_reaches_the_tool_literally(tmp_path, uri):
    # The here-document of each fetch command hands the URI over as it is; `echo` stands in for the tool here
    # (the integration tests run the real ones).
    for tool in ("curl", "hdfs", "aws_s3"):
        cmdline = fetch.fetch_cmdline(fetch.CORE_PACKAGE, tool, fetch.FetchTools())
        command = cmdline.split("\n")[:3] + ['printf "%s" "$uri"']
        script = "\n".join(command).replace("{{CORE_PACKAGE_URI}}", uri)
        out = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
        assert out.stdout == uri
        assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("uri, words", [
    ("http://host/a b.tar.gz", "percent-encode"), ("http://host/`x`.tar.gz", "percent-encode"),
    ("file:///srv/a\nb", "control character"), ("s3://bucket-only", "s3://BUCKET/KEY"),
    ("file://host/srv/x", "no host"), ("gopher://x/y", "unknown scheme")])
def test_uris_no_fetch_command_can_take(uri, words):
    with pytest.raises(HeronConfigError) as caught:
        scheme_of(uri, "core_package_uri")
    assert words in str(caught.value) and caught.value.option == "core_package_uri"


@pytest.mark.parametrize("version, words", [("0.16.5", "not supported"), ("latest", "not a Heron release number"),
                                            ("", "heron_version is required")])
def test_heron_versions_that_cannot_be_used(tmp_path, version, words):
    refused(tmp_path, "heron_version", words, **conf_dir_options(tmp_path, version=version))


def test_fetch_tool_override_for_public_s3_objects(tmp_path):
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(
        tmp_path, "s3", aurora={"topology_fetch": "curl"},
        fetch_check_topology_uri="https://s3.eu-west-1.amazonaws.com/heron-packages/topologies/T/topology.tar.gz")))
    topology = [c for c in plan.fetch_commands if c.process == fetch.TOPOLOGY_PROCESS][0]
    assert "curl --fail" in topology.command and "s3 cp" not in topology.command


def test_tmaster_era_template_validates_for_an_old_release(tmp_path):
    # The stock template as Heron shipped it before 0.20.3: tmaster flag names and the metrics cache master port.
    old = (STOCK_HERON_AURORA.replace("--server-port", "--master-port")
           .replace("--tmanager-", "--tmaster-")
           .replace("--metricscache-manager-server-port={{thermos.ports[metricscachemgr_serverport]}}",
                    "--metricscache-manager-master-port={{thermos.ports[metricscachemgr_masterport]}}"))
    template = tmp_path / "old.aurora"
    template.write_text(old)
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(
        tmp_path, version="0.17.8", heron_aurora_template=str(template))))
    assert [c.process for c in plan.fetch_commands] == [fetch.CORE_PROCESS]
    refused(tmp_path, "heron_aurora_template", "passes --master-port",
            **conf_dir_options(tmp_path, version="0.20.3-incubating", heron_aurora_template=str(template)))


@pytest.fixture
def evaluations(monkeypatch) -> list:
    """What each evaluation of a config saw: the files beside it (the Aurora config loader counts as one call)."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import loader

    seen = []
    real_evaluate = loader.evaluate

    def evaluate(path=None, **kwargs):
        seen.append(sorted(os.listdir(os.path.dirname(path))))
        return real_evaluate(path=path, **kwargs)

    monkeypatch.setattr(loader, "evaluate", evaluate)
    return seen


def test_a_conf_dir_run_loads_its_template_once_and_stages_only_it(tmp_path, evaluations):
    plan = conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(
        tmp_path, fetch_check_topology_uri="http://pkgs/t/topology.tar.gz")))
    assert [c.process for c in plan.fetch_commands] == [fetch.CORE_PROCESS, fetch.TOPOLOGY_PROCESS]
    assert evaluations == [["heron.aurora"]]


def test_the_fetch_commands_of_a_template_load_it_once_checked_or_not(tmp_path, evaluations):
    conf_dir.plan(ConfDirOptions.from_dict(conf_dir_options(tmp_path))).apply()
    core = "hdfs:///heron/dist/heron-core.tar.gz"
    checked = conf_dir.template_fetch_commands(str(tmp_path / CLUSTER), core, version="0.20.5-incubating")
    unchecked = conf_dir.template_fetch_commands(str(tmp_path / CLUSTER), core)
    assert [c.as_dict() for c in checked] == [c.as_dict() for c in unchecked]
    assert checked[0].uri == core
    assert len(evaluations) == 3  # the plan's, then one per call
