"""heron_upload as Ansible runs it, without a store: documentation against the argument spec, and bad input
refused with the option named and nothing changed."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.heron.aurora.plugins.doc_fragments import _storage_hdfs as storage_hdfs
from ansible_collections.heron.aurora.plugins.doc_fragments import _storage_s3 as storage_s3
from ansible_collections.heron.aurora.plugins.modules import heron_upload

from ...utils.collection import run_module


def documented_options() -> dict:
    options = {}
    for text in (storage_s3.ModuleDocFragment.DOCUMENTATION, storage_hdfs.ModuleDocFragment.DOCUMENTATION,
                 heron_upload.DOCUMENTATION):
        options.update(yaml.safe_load(text)["options"])
    return options


def test_every_option_is_documented_as_specified():
    spec, docs = heron_upload.argument_spec(), documented_options()
    assert set(spec) == set(docs)
    for name, entry in spec.items():
        doc = docs[name]
        assert doc.get("type", "str") == entry.get("type", "str"), name
        assert doc.get("default") == entry.get("default"), name
        assert doc.get("choices") == entry.get("choices"), name
        assert sorted(doc.get("aliases", [])) == sorted(entry.get("aliases", [])), name
        assert bool(doc.get("required")) == bool(entry.get("required")), name
        if entry.get("type") == "list":
            assert doc.get("elements") == entry.get("elements"), name


def test_secrets_are_no_log():
    spec = heron_upload.argument_spec()
    assert all(spec[name].get("no_log") for name in ("access_key", "secret_key", "session_token"))


def test_examples_and_return_are_yaml():
    examples = yaml.safe_load(heron_upload.EXAMPLES)
    assert all("heron.aurora.heron_upload" in task or "ansible.builtin.lineinfile" in task for task in examples)
    returned = yaml.safe_load(heron_upload.RETURN)
    for key in ("uri", "sha256", "size", "transferred_bytes", "previous_sha256", "backend", "versions"):
        assert key in returned


@pytest.fixture
def src(tmp_path):
    path = tmp_path / "heron-core.tar.gz"
    path.write_bytes(b"heron core" * 100)
    return path


def refused(args: dict, option: str, words: str, tmp_path) -> dict:
    before = sorted(os.listdir(tmp_path))
    result = run_module("heron_upload", args)
    assert result.get("failed"), result
    assert result.get("option") == option, result
    assert words in result["msg"], result["msg"]
    assert sorted(os.listdir(tmp_path)) == before
    return result


def test_missing_src(tmp_path):
    refused({"src": str(tmp_path / "nope.tar.gz"), "dest": f"file://{tmp_path}/out/x.tar.gz"}, "src",
            "does not exist", tmp_path)


def test_src_is_a_directory(tmp_path):
    refused({"src": str(tmp_path), "dest": f"file://{tmp_path}/out/x.tar.gz"}, "src", "is a directory", tmp_path)


def test_unsupported_scheme(src, tmp_path):
    refused({"src": str(src), "dest": "ftp://host/x.tar.gz"}, "dest", "scheme 'ftp'", tmp_path)


def test_relative_file_uri(src, tmp_path):
    refused({"src": str(src), "dest": "file://out/x.tar.gz"}, "dest", "relative path", tmp_path)


def test_empty_bucket(src, tmp_path):
    refused({"src": str(src), "dest": "s3:///x.tar.gz"}, "dest", "no bucket", tmp_path)


def test_keep_needs_versioned(src, tmp_path):
    refused({"src": str(src), "dest": f"file://{tmp_path}/out/x.tar.gz", "keep": 2}, "keep", "versioned", tmp_path)


def test_part_size_below_s3_minimum(src, tmp_path):
    refused({"src": str(src), "dest": "s3://heron-packages/x.tar.gz", "part_size": "1MiB",
             "endpoint_url": "http://127.0.0.1:9"}, "part_size", "5 MiB", tmp_path)


def test_concurrency_zero_is_refused_not_replaced(src, tmp_path):
    refused({"src": str(src), "dest": "s3://heron-packages/x.tar.gz", "concurrency": 0,
             "endpoint_url": "http://127.0.0.1:9"}, "concurrency", "at least 1", tmp_path)


def test_failure_without_an_option_to_blame_has_no_option_key(tmp_path):
    result = run_module("heron_upload", {"dest": "hdfs://ns/heron/x.tar.gz", "state": "absent", "timeout": 1,
                                         "namenode_url": "http://127.0.0.1:9"})
    assert result.get("failed") and "timeout" in result["msg"] and "option" not in result, result


def test_hdfs_needs_namenode_url(src, tmp_path):
    refused({"src": str(src), "dest": "hdfs://ns/heron/x.tar.gz"}, "namenode_url", "namenode_url is required",
            tmp_path)


def test_symbolic_mode_refused_for_hdfs(src, tmp_path):
    refused({"src": str(src), "dest": "hdfs://ns/heron/x.tar.gz", "namenode_url": "http://127.0.0.1:9",
             "mode": "u=rw"}, "mode", "octal", tmp_path)


def test_state_present_requires_src(tmp_path):
    result = run_module("heron_upload", {"dest": f"file://{tmp_path}/x.tar.gz"})
    assert result.get("failed") and "src" in result["msg"]
