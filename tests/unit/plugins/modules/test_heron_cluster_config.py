"""heron_cluster_config and heron_aurora_fetch_commands as Ansible runs them: documentation against the argument
spec, a second run changes nothing, check mode changes nothing and shows the diff, bad input names the option and
touches nothing, secrets stay out of the output."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.heron.aurora.plugins.modules import heron_cluster_config

from ...utils.collection import run_module

CLUSTER = "devcluster"


def options(root, **overrides) -> dict:
    args = {
        "path": str(root / CLUSTER), "cluster": CLUSTER, "heron_version": "0.20.5-incubating",
        "core_package_uri": "hdfs:///heron/dist/heron-core.tar.gz",
        "statemgr": {"zookeeper": {"connection_string": "zk1:2181,zk2:2181"}},
        "uploader": {"s3": {"bucket": "heron-packages", "region": "eu-west-1", "access_key": "AKIAEXAMPLEKEY",
                            "secret_key": "very-secret-value"}},
    }
    args.update(overrides)
    return args


def _compare(spec: dict, docs: dict, where: str) -> None:
    assert set(spec) == set(docs), where
    for name, entry in spec.items():
        doc = docs[name]
        here = f"{where}.{name}"
        assert doc.get("type", "str") == entry.get("type", "str"), here
        assert doc.get("default") == entry.get("default"), here
        assert doc.get("choices") == entry.get("choices"), here
        assert bool(doc.get("required")) == bool(entry.get("required")), here
        assert doc.get("elements") == entry.get("elements"), here
        if "options" in entry:
            _compare(entry["options"], doc["suboptions"], here)


def test_every_option_is_documented_as_specified():
    _compare(heron_cluster_config.argument_spec(), yaml.safe_load(heron_cluster_config.DOCUMENTATION)["options"],
             "options")


def test_secrets_are_no_log():
    s3 = heron_cluster_config.argument_spec()["uploader"]["options"]["s3"]["options"]
    assert s3["access_key"]["no_log"] and s3["secret_key"]["no_log"]


def snapshot(root) -> dict:
    return {str(p): (p.read_bytes(), p.stat().st_mode) for p in root.rglob("*") if p.is_file()}


def test_check_mode_then_run_then_no_change(tmp_path):
    args = options(tmp_path)
    checked = run_module("heron_cluster_config", args, check_mode=True, diff=True)
    assert checked["changed"] and not checked.get("failed"), checked
    assert not (tmp_path / CLUSTER).exists()
    diffs = {d["after_header"]: d["prepared"] for d in checked["diff"]}
    assert "+heron.class.scheduler: org.apache.heron.scheduler.aurora.AuroraScheduler" in \
        diffs[str(tmp_path / CLUSTER / "scheduler.yaml")]
    assert len(checked["written"]) == 8

    first = run_module("heron_cluster_config", args, diff=True)
    assert first["changed"] and sorted(first["written"]) == sorted(checked["written"])
    assert first["job_template"] == str(tmp_path / CLUSTER / "heron.aurora")
    assert first["missing"] == ["heron_internals.yaml", "metrics_sinks.yaml"]
    assert [c["process"] for c in first["fetch_commands"]] == ["fetch_heron_system"]
    assert 'hdfs dfs -get "$uri" heron-core.tar.gz' in first["fetch_commands"][0]["command"]
    assert oct((tmp_path / CLUSTER / "uploader.yaml").stat().st_mode & 0o777) == "0o600"
    for text in (json.dumps(checked), json.dumps(first)):
        assert "very-secret-value" not in text and "AKIAEXAMPLEKEY" not in text

    before = snapshot(tmp_path)
    second = run_module("heron_cluster_config", args, diff=True)
    assert not second["changed"] and second["written"] == [] and second["diff"] == []
    rechecked = run_module("heron_cluster_config", args, check_mode=True)
    assert not rechecked["changed"]
    assert snapshot(tmp_path) == before


def test_changed_option_shows_in_the_diff_and_only_that_file_changes(tmp_path):
    run_module("heron_cluster_config", options(tmp_path))
    before = snapshot(tmp_path)
    changed = options(tmp_path, aurora={"max_kill_attempts": 9})
    checked = run_module("heron_cluster_config", changed, check_mode=True, diff=True)
    assert checked["changed"] and checked["written"] == [str(tmp_path / CLUSTER / "scheduler.yaml")]
    assert "-heron.scheduler.job.max.kill.attempts: 5\n+heron.scheduler.job.max.kill.attempts: 9" in \
        checked["diff"][0]["prepared"]
    assert snapshot(tmp_path) == before
    applied = run_module("heron_cluster_config", changed)
    assert applied["written"] == [str(tmp_path / CLUSTER / "scheduler.yaml")]


@pytest.mark.parametrize("overrides, option, words", [
    ({"core_package_uri": "ftp://mirror/heron-core.tar.gz"}, "core_package_uri", "unknown scheme"),
    ({"uploader": {"s3": {"region": "eu-west-1"}}}, "uploader.s3.bucket", "is required"),
    ({"uploader": {"s3": {"bucket": "b", "access_key": "AKIAEXAMPLEKEY"}}}, "uploader.s3.secret_key",
     "both or neither"),
    ({"cluster": "prod"}, "path", "must be named after the cluster"),
    ({"statemgr": {"localfs": {}}}, "statemgr", "use statemgr.zookeeper"),
])
def test_bad_input_names_the_option_and_touches_nothing(tmp_path, overrides, option, words):
    run_module("heron_cluster_config", options(tmp_path))
    before = snapshot(tmp_path)
    result = run_module("heron_cluster_config", options(tmp_path, **overrides))
    assert result.get("failed") and result.get("option") == option, result
    assert words in result["msg"]
    assert snapshot(tmp_path) == before


def test_bad_templates_are_refused(tmp_path):
    for name, text, words in (("broken.aurora", "jobs = [Job(\n", "SyntaxError"),
                              ("none.aurora", "jobs = []\n", "defines no jobs")):
        (tmp_path / name).write_text(text)
        result = run_module("heron_cluster_config", options(tmp_path, heron_aurora_template=str(tmp_path / name)))
        assert result.get("failed") and result["option"] == "heron_aurora_template", result
        assert words in result["msg"] and result["file"] == "heron.aurora"
    assert not (tmp_path / CLUSTER).exists()


def test_two_uploaders_are_refused_by_the_argument_spec(tmp_path):
    result = run_module("heron_cluster_config", options(
        tmp_path, uploader={"http": {"uri": "http://x/upload"}, "localfs": {"directory": "/srv"}}))
    assert result.get("failed") and "mutually exclusive" in result["msg"]
    assert not (tmp_path / CLUSTER).exists()


def test_fetch_commands_module_reads_a_written_template(tmp_path):
    run_module("heron_cluster_config", options(tmp_path))
    result = run_module("heron_aurora_fetch_commands", {
        "path": str(tmp_path / CLUSTER), "core_package_uri": "hdfs:///other/heron-core.tar.gz",
        "topology_package_uri": "https://s3.eu-west-1.amazonaws.com/heron-packages/t/topology.tar.gz",
        "heron_version": "0.20.5-incubating"})
    assert not result.get("failed") and not result["changed"], result
    assert result["path"] == str(tmp_path / CLUSTER / "heron.aurora")
    core, topology = result["fetch_commands"]
    assert "hdfs:///other/heron-core.tar.gz" in core["command"] and core["expect"] == ["heron-core/bin/heron-executor"]
    assert '"s3://$key" topology.tar.gz' in topology["command"]
    wrong = run_module("heron_aurora_fetch_commands", {
        "path": str(tmp_path / CLUSTER), "core_package_uri": "http://x/heron-core.tar.gz",
        "heron_version": "0.20.2-incubating"})
    assert wrong.get("failed") and "tmanager" in wrong["msg"] and wrong["option"] == "path"
    assert os.listdir(tmp_path) == [CLUSTER]
