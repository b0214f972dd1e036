"""heron_upload as Ansible runs it, without a store: documentation against the argument spec, and bad input
refused with the option named and nothing changed."""

from __future__ import annotations

import json
import os
import stat

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
    assert "failed unexpectedly" not in result["msg"] and "Traceback" not in result["_stderr"], result
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


SECRET = "Secr3tValueNobodyMaySee"
NOT_LISTENING = "http://127.0.0.1:9"


def s3(**args) -> dict:
    return dict({"dest": "s3://heron-packages/x.tar.gz", "endpoint_url": NOT_LISTENING, "timeout": 5}, **args)


def hdfs(**args) -> dict:
    return dict({"dest": "hdfs://ns/heron/x.tar.gz", "namenode_url": NOT_LISTENING, "timeout": 5}, **args)


REFUSED = [
    # (arguments besides src, option named, words of the message, text that must appear nowhere)
    (s3(dest=f"s3://AKIAEXAMPLE:{SECRET}@heron-packages/x.tar.gz"), "dest", "credentials", SECRET),
    (s3(dest=f"s3://AKIAEXAMPLE:{SECRET[:5]}/{SECRET[5:]}@heron-packages/x.tar.gz"), "dest", "bucket name", SECRET[5:]),
    (hdfs(dest=f"hdfs://heron:{SECRET}@ns/heron/x.tar.gz"), "dest", "credentials", SECRET),
    ({"dest": f"file://heron:{SECRET}@localhost/srv/x.tar.gz"}, "dest", "credentials", SECRET),
    (s3(endpoint_url=f"http://AKIAEXAMPLE:{SECRET}@127.0.0.1:9"), "endpoint_url", "credentials", SECRET),
    (hdfs(namenode_url=[f"http://heron:{SECRET}@127.0.0.1:9"]), "namenode_url", "credentials", SECRET),
    (s3(access_key="AKIAEXAMPLE", secret_key=f"{SECRET[:4]}\n{SECRET[4:]}"), "secret_key", "control character",
     SECRET[4:]),
    (s3(access_key=f"AKIA\x07{SECRET}", secret_key="x"), "access_key", "control character", SECRET),
    (s3(access_key="AKIAEXAMPLE", secret_key="x", session_token=f"t\u00f6ken{SECRET}"), "session_token",
     "printable ASCII", SECRET),
    (hdfs(hdfs_user="heron\nroot"), "hdfs_user", "control character", None),
    # Other URLs than a service's base URL.
    (s3(endpoint_url="ftp://127.0.0.1:9"), "endpoint_url", "http:// or https://", None),
    (s3(endpoint_url="https://127.0.0.1:9/?region=eu"), "endpoint_url", "query", None),
    (s3(endpoint_url="https://127.0.0.1:99999"), "endpoint_url", "numeric port", None),
    (hdfs(namenode_url=["hdfs://127.0.0.1:8020"]), "namenode_url", "http:// or https://", None),
    (hdfs(namenode_url=["http://127.0.0.1:9870/#x"]), "namenode_url", "query or fragment", None),
    (s3(region="eu west 1"), "region", "not a region name", None),
    (s3(region="eu-west-1\n"), "region", "not a region name", None),
    # Destinations that would land elsewhere or cannot exist.
    ({"dest": "file:///srv/heron\t/x.tar.gz"}, "dest", "control character", None),
    ({"dest": "file:///srv/heron/x.tar.gz\n"}, "dest", "control character", None),
    ({"dest": "file:///srv/x%00.tar.gz"}, "dest", "control character", None),
    (s3(dest="s3://heron-packages/core/../x.tar.gz"), "dest", "'.' or '..'", None),
    (s3(dest="s3://heron-packages/./x.tar.gz"), "dest", "'.' or '..'", None),
    ({"dest": f"file:///srv/{'n' * 256}/x.tar.gz"}, "dest", "too long", None),
    ({"dest": "file:///" + "/".join(["d" * 200] * 25) + "/x.tar.gz"}, "dest", "too deep", None),
    (hdfs(dest=f"hdfs://ns/heron/{'n' * 250}.tar.gz"), "dest", "too long", None),
    # Numbers out of range.
    ({"dest": "file:///srv/x.tar.gz", "mode": "77777"}, "mode", "out of range", None),
    ({"dest": "file:///srv/x.tar.gz", "mode": 0o17777}, "mode", "out of range", None),
    ({"dest": "file:///srv/x.tar.gz", "mode": "rw-r--r--"}, "mode", "is neither octal", None),
    ({"dest": "file:///srv/x.tar.gz", "timeout": 0}, "timeout", "positive", None),
    ({"dest": "file:///srv/x.tar.gz", "timeout": -5}, "timeout", "positive", None),
    ({"dest": "file:///srv/x.tar.gz", "versioned": True, "keep": 1, "grace_period": -1}, "grace_period",
     "0 or more", None),
    # Anything but a regular file at dest (reading it to hash it would block or never end).
    ({"dest": "file:///dev/null"}, "dest", "not a regular file", None),
]


@pytest.mark.parametrize("args, option, words, secret", REFUSED)
def test_refused_naming_the_option_and_showing_no_secret(src, tmp_path, args, option, words, secret):
    result = refused(dict(args, src=str(src)), option, words, tmp_path)
    if secret:
        assert secret not in json.dumps(result), result


def test_fifo_as_dest_is_refused_without_blocking(src, tmp_path):
    fifo = tmp_path / "x.tar.gz"
    os.mkfifo(fifo)
    for args in ({"src": str(src), "dest": f"file://{fifo}"}, {"dest": f"file://{fifo}", "state": "absent"}):
        result = run_module("heron_upload", args, timeout=60)
        assert result.get("failed") and result["option"] == "dest" and "not a regular file" in result["msg"], result
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
