"""Where Heron's ZooKeeper is (statemgr.yaml and the zk_* options), and the fingerprint record (no network)."""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import StateConfigError, StateError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import (
    Fingerprint,
    FingerprintInvalid,
    compute_fingerprint,
    fingerprint_inputs,
    fingerprint_path,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.statemgr import zookeeper_options

CURATOR = "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager"


def _conf(tmp_path, text: str, cluster: str = "devcluster"):
    directory = tmp_path / cluster
    directory.mkdir(parents=True)
    (directory / "statemgr.yaml").write_text(text)
    return str(tmp_path)


def test_statemgr_yaml_gives_hosts_and_root(tmp_path):
    config_path = _conf(tmp_path, f"heron.class.state.manager: {CURATOR}\n"
                                  'heron.statemgr.connection.string: "zk1:2181,zk2:2181"\n'
                                  'heron.statemgr.root.path: "/heron/${CLUSTER}/"\n')
    options = zookeeper_options(cluster="devcluster", config_path=config_path, zk_timeout=7)
    assert (options.hosts, options.root, options.timeout) == ("zk1:2181,zk2:2181", "/heron/devcluster", 7)


def test_options_override_the_file(tmp_path):
    config_path = _conf(tmp_path, "heron.statemgr.connection.string: zk1:2181\nheron.statemgr.root.path: /heron\n")
    options = zookeeper_options(cluster="devcluster", config_path=config_path, zk_hosts="other:2181")
    assert (options.hosts, options.root) == ("other:2181", "/heron")
    options = zookeeper_options(cluster="devcluster", config_path=config_path, zk_root="/elsewhere")
    assert (options.hosts, options.root) == ("zk1:2181", "/elsewhere")


def test_zk_hosts_alone_needs_no_file():
    options = zookeeper_options(zk_hosts="zk1:2181")
    assert (options.hosts, options.root) == ("zk1:2181", "/heron")


def test_the_local_state_manager_is_refused(tmp_path):
    config_path = _conf(tmp_path, "heron.class.state.manager: "
                                  "org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n"
                                  "heron.statemgr.connection.string: LOCALMODE\n")
    with pytest.raises(StateConfigError) as caught:
        zookeeper_options(cluster="devcluster", config_path=config_path)
    assert "LocalFileSystemStateManager" in str(caught.value) and caught.value.option == "config_path"


@pytest.mark.parametrize("text, option, words", [
    ("heron.statemgr.root.path: /heron\n", "zk_hosts", "does not set heron.statemgr.connection.string"),
    ("heron.statemgr.connection.string: [a, b]\n", "config_path", "must be a string"),
    ("- a list\n", "config_path", "not a YAML mapping"),
    ("heron.statemgr.connection.string: zk:2181\nheron.statemgr.root.path: ${HOME}/x\n", "zk_root", "token"),
    ("key: [unclosed\n", "config_path", "cannot read"),
])
def test_bad_statemgr_yaml_names_the_fix(tmp_path, text, option, words):
    config_path = _conf(tmp_path, text)
    with pytest.raises(StateConfigError) as caught:
        zookeeper_options(cluster="devcluster", config_path=config_path)
    assert caught.value.option == option
    assert words in str(caught.value)


def test_missing_cluster_dir_reads_like_the_heron_cli(tmp_path):
    with pytest.raises(StateConfigError) as caught:
        zookeeper_options(cluster="nocluster", config_path=str(tmp_path))
    assert str(caught.value).startswith(f"Cluster config directory '{tmp_path / 'nocluster'}' does not exist")


def test_neither_cluster_nor_hosts(tmp_path):
    with pytest.raises(StateConfigError) as caught:
        zookeeper_options()
    assert caught.value.option == "cluster"


def test_fingerprint_is_the_sha256_of_the_canonical_inputs():
    inputs = fingerprint_inputs("ab" * 32, "a.B", ["x", 2], {"k": 1, "a": "b"})
    assert inputs == {"topology_file_sha256": "ab" * 32, "topology_class": "a.B", "topology_args": ["x", "2"],
                      "config_properties": {"k": "1", "a": "b"}}
    record = compute_fingerprint(inputs, topology_id="t1")
    canonical = ('{"config_properties":{"a":"b","k":"1"},"topology_args":["x","2"],"topology_class":"a.B",'
                 f'"topology_file_sha256":"{"ab" * 32}"}}')
    assert record.sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    reordered = fingerprint_inputs("ab" * 32, "a.B", ["x", "2"], {"a": "b", "k": "1"})
    assert compute_fingerprint(reordered).sha256 == record.sha256
    assert compute_fingerprint(fingerprint_inputs("ab" * 32, "a.B", ["2", "x"])).sha256 != record.sha256


def test_fingerprint_record_round_trips_and_rejects_other_data():
    record = compute_fingerprint(fingerprint_inputs("cd" * 32, "a.B"), topology_id="t1", package_uri="s3://b/k")
    assert Fingerprint.from_json(record.to_json(), "/p") == record
    assert json.loads(record.to_json())["format"] == 1
    for data in (b"not json", b"[]", b'{"format": 2, "sha256": "x", "inputs": {}}', b'{"format": 1}'):
        with pytest.raises(FingerprintInvalid):
            Fingerprint.from_json(data, "/p")


@pytest.mark.parametrize("segments", [("c", "r", "e", "a/b"), ("", "r", "e", "n"), ("c", "..", "e", "n")])
def test_fingerprint_path_refuses_what_is_not_one_segment(segments):
    with pytest.raises(StateError):
        fingerprint_path(*segments)
    assert fingerprint_path("c", "r", "e", "n") == "/heron-aurora/c/r/e/n"
