"""heron_upload against a real HDFS (the harness's MiniDFSCluster), through WebHDFS, run as Ansible runs it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
import uuid

import pytest
import requests

from harness.faultproxy import Fault, FaultProxy
from harness.service import free_port

MIB = 1024 * 1024


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def webhdfs(cluster, op: str, path: str, method: str = "GET", **params):
    params = dict(params, op=op, **{"user.name": "root"})
    return requests.request(method, f"{cluster.namenode_url.rstrip('/')}/webhdfs/v1{path}", params=params,
                            timeout=30, allow_redirects=True)


def listing(cluster, directory: str) -> list[str]:
    response = webhdfs(cluster, "LISTSTATUS", directory)
    if response.status_code == 404:
        return []
    return sorted(status["pathSuffix"] for status in response.json()["FileStatuses"]["FileStatus"])


def xattr(cluster, path: str) -> str | None:
    entries = webhdfs(cluster, "GETXATTRS", path, encoding="text").json().get("XAttrs", [])
    values = [entry["value"].strip('"') for entry in entries if entry["name"] == "user.sha256"]
    return values[0] if values else None


def fetch_as_an_agent_would(cluster, uri: str, target) -> bytes:
    """`hdfs dfs -get <uri> <file>`, the fetch command heron.aurora runs on the Aurora agents."""
    subprocess.run([cluster.hdfs_command, "dfs", "-get", uri, str(target)], check=True, capture_output=True,  # noqa: S603 - argument list, no shell
                   timeout=120)
    return target.read_bytes()


def unique_dir() -> str:
    return f"/heron/{uuid.uuid4().hex[:10]}"


def test_upload_rerun_change(hdfs_cluster, run_module, tmp_path):
    directory = unique_dir()
    src = tmp_path / "heron-core.tar.gz"
    src.write_bytes(os.urandom(3 * MIB + 11))
    dest = f"{hdfs_cluster.fs_uri}{directory}/heron-core.tar.gz"
    args = {"src": str(src), "dest": dest, "namenode_url": [hdfs_cluster.namenode_url], "mode": "0640"}

    first = run_module("heron_upload", args)
    assert not first.get("failed"), first
    assert first["changed"] and first["uri"] == dest and first["backend"] == "hdfs"
    assert first["transferred_bytes"] == src.stat().st_size and first["sha256"] == sha(src)
    assert xattr(hdfs_cluster, f"{directory}/heron-core.tar.gz") == sha(src)
    assert webhdfs(hdfs_cluster, "GETFILESTATUS", f"{directory}/heron-core.tar.gz").json()["FileStatus"][
        "permission"] == "640"
    assert fetch_as_an_agent_would(hdfs_cluster, first["uri"], tmp_path / "fetched-1") == src.read_bytes()

    again = run_module("heron_upload", args)
    assert not again["changed"] and again["transferred_bytes"] == 0 and again["previous_sha256"] == sha(src)

    old = sha(src)
    src.write_bytes(os.urandom(3 * MIB + 11))
    changed = run_module("heron_upload", args, diff=True)
    assert changed["changed"] and changed["previous_sha256"] == old and changed["sha256"] == sha(src)
    assert changed["diff"]["before"]["sha256"] == old
    assert fetch_as_an_agent_would(hdfs_cluster, changed["uri"], tmp_path / "fetched-2") == src.read_bytes()
    assert listing(hdfs_cluster, directory) == ["heron-core.tar.gz"]


def test_check_mode_sends_nothing(hdfs_cluster, run_module, tmp_path):
    directory = unique_dir()
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"check mode" * 1000)
    args = {"src": str(src), "dest": f"hdfs://{directory}/x.tar.gz", "namenode_url": [hdfs_cluster.namenode_url]}
    result = run_module("heron_upload", args, check_mode=True, diff=True)
    assert result["changed"] and result["transferred_bytes"] == 0 and result["sha256"] == sha(src)
    assert webhdfs(hdfs_cluster, "GETFILESTATUS", directory).status_code == 404


def test_sidecar_versioned_keep_and_absent(hdfs_cluster, run_module, tmp_path):
    directory = unique_dir()
    src = tmp_path / "topology.tar.gz"
    args = {"src": str(src), "dest": f"hdfs://{directory}/topology.tar.gz", "namenode_url": [hdfs_cluster.namenode_url],
            "versioned": True, "keep": 2, "checksum_store": "sidecar", "grace_period": 0}
    uris = []
    host, port = hdfs_cluster.namenode_url.split("//")[1].split(":")
    for content in (b"one", b"two", b"three"):
        src.write_bytes(content * 1000)
        if content != b"three":
            result = run_module("heron_upload", args)
        else:
            # What a killed upload of some version left, two hours ago: the listing of the versions removes it, and
            # that one listing is all the run makes of the directory.
            leftover = f"{directory}/.topology-0123456789abcdef.tar.gz.0123456789ab.tmp"
            requests.put(f"{hdfs_cluster.namenode_url}/webhdfs/v1{leftover}", data=b"partial", timeout=30,
                         params={"op": "CREATE", "user.name": "root"}).raise_for_status()
            webhdfs(hdfs_cluster, "SETTIMES", leftover, method="PUT",
                    modificationtime=str(int((time.time() - 7200) * 1000))).raise_for_status()
            with FaultProxy(host, int(port)) as observer:
                result = run_module("heron_upload", dict(args, namenode_url=[observer.url]))
            assert sum("op=LISTSTATUS" in record.info.target for record in observer.records) == 1
        assert not result.get("failed"), result
        assert result["uri"] == f"hdfs://{directory}/topology-{sha(src)[:16]}.tar.gz"
        uris.append(result["uri"])
    names = [uri.rsplit("/", 1)[1] for uri in uris]
    assert result["pruned"] == [uris[0]]
    assert listing(hdfs_cluster, directory) == sorted([names[1], names[1] + ".sha256", names[2], names[2] + ".sha256"])
    sidecar = webhdfs(hdfs_cluster, "OPEN", f"{directory}/{names[2]}.sha256").text
    assert sidecar == f"{sha(src)}  {names[2]}\n"
    assert not run_module("heron_upload", args)["changed"]

    absent = run_module("heron_upload", {"dest": f"hdfs://{directory}/topology.tar.gz", "state": "absent",
                                         "versioned": True, "namenode_url": [hdfs_cluster.namenode_url]})
    assert sorted(absent["removed"]) == sorted(uris[1:])
    assert listing(hdfs_cluster, directory) == []


def test_unreachable_first_namenode_is_skipped(hdfs_cluster, run_module, tmp_path):
    directory = unique_dir()
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"ha" * 5000)
    dead = f"http://127.0.0.1:{free_port()}"
    result = run_module("heron_upload", {"src": str(src), "dest": f"hdfs://{directory}/x.tar.gz",
                                         "namenode_url": [dead, hdfs_cluster.namenode_url]})
    assert not result.get("failed"), result
    assert result["changed"] and xattr(hdfs_cluster, f"{directory}/x.tar.gz") == sha(src)


STANDBY_ANSWER = (b'{"RemoteException": {"exception": "StandbyException", "javaClassName": '
                  b'"org.apache.hadoop.ipc.StandbyException", "message": "Operation category READ is not supported in '
                  b'state standby"}}')


def test_standby_namenode_is_skipped(hdfs_cluster, run_module, tmp_path):
    """The first NameNode answers every call as a standby does; the module moves on to the active one."""
    directory = unique_dir()
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"standby" * 5000)
    host, port = hdfs_cluster.namenode_url.split("//")[1].split(":")

    def standby_plan(info):
        return Fault(status=403, body=STANDBY_ANSWER, content_type="application/json")

    with FaultProxy(host, int(port), plan=standby_plan) as standby:
        result = run_module("heron_upload", {"src": str(src), "dest": f"hdfs://{directory}/x.tar.gz",
                                             "namenode_url": [standby.url, hdfs_cluster.namenode_url]})
    assert not result.get("failed"), result
    assert result["changed"] and standby.injected, "the standby was never asked"
    assert xattr(hdfs_cluster, f"{directory}/x.tar.gz") == sha(src)


def test_datanode_stopped_mid_upload(make_hdfs_cluster, run_module, tmp_path):
    cluster = make_hdfs_cluster()
    directory = unique_dir()
    src = tmp_path / "big.tar.gz"
    with open(src, "wb") as out:  # sparse: costs no disk, still streams 1 GiB
        out.truncate(1024 * MIB)
    args = {"src": str(src), "dest": f"hdfs://{directory}/big.tar.gz", "namenode_url": [cluster.namenode_url],
            "timeout": 30}
    outcome = {}
    upload = threading.Thread(target=lambda: outcome.update(run_module("heron_upload", args)))
    upload.start()
    # The temporary file appears in the directory when the NameNode accepts CREATE, before the data flows.
    deadline = time.monotonic() + 120
    while not any(name.endswith(".tmp") for name in listing(cluster, directory)):
        assert upload.is_alive() and time.monotonic() < deadline, outcome
        time.sleep(0.05)
    cluster.stop_datanode()
    upload.join(300)
    assert outcome.get("failed"), outcome
    assert "DataNode" in outcome["msg"] or "datanode" in outcome["msg"], outcome["msg"]
    assert listing(cluster, directory) == [], outcome["msg"]


ACCESS_DENIED = (b'{"RemoteException": {"exception": "AccessControlException", "javaClassName": '
                 b'"org.apache.hadoop.security.AccessControlException", "message": "Permission denied"}}')


def test_sidecar_never_vouches_for_content_it_was_not_written_for(hdfs_cluster, run_module, tmp_path):
    """The sidecar of a new upload cannot be written (the NameNode refuses its CREATE) after the new file
    replaced the old one: the old sidecar must be gone by then, so a rerun with the old content uploads it
    again instead of trusting a digest that no longer describes the file."""
    directory = unique_dir()
    src = tmp_path / "topology.tar.gz"
    host, port = hdfs_cluster.namenode_url.split("//")[1].split(":")
    args = {"src": str(src), "dest": f"hdfs://{directory}/topology.tar.gz", "checksum_store": "sidecar",
            "namenode_url": [hdfs_cluster.namenode_url]}
    old = b"old content" * 1000
    src.write_bytes(old)
    assert run_module("heron_upload", args)["changed"]

    def refuse_sidecar_create(info):
        if "op=CREATE" in info.target and ".sha256" in info.target.split("?")[0]:
            return Fault(status=403, body=ACCESS_DENIED, content_type="application/json")
        return None

    src.write_bytes(b"new content" * 1000)  # same size as the old content
    with FaultProxy(host, int(port), plan=refuse_sidecar_create) as proxy:
        failed = run_module("heron_upload", dict(args, namenode_url=[proxy.url]))
    assert failed.get("failed") and proxy.injected, failed
    assert listing(hdfs_cluster, directory) == ["topology.tar.gz"]  # new file in place, no sidecar, no temp

    src.write_bytes(old)
    again = run_module("heron_upload", args)
    assert again["changed"] and again["previous_sha256"] is None, again
    assert webhdfs(hdfs_cluster, "OPEN", f"{directory}/topology.tar.gz").content == old


@pytest.mark.parametrize("user, words", [
    ("j\u00fcrgen", "user.provider.user.pattern"),   # not Latin-1 safe for every store, refused by the NameNode
    ("\u7528\u6237", "user.provider.user.pattern"),
    ("nobody", "allowed to write there"),
])
def test_users_the_namenode_refuses_are_named(hdfs_cluster, run_module, tmp_path, user, words):
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"user" * 1000)
    result = run_module("heron_upload", {"src": str(src), "dest": f"hdfs://{unique_dir()}/x.tar.gz",
                                         "namenode_url": [hdfs_cluster.namenode_url], "hdfs_user": user})
    assert result.get("failed") and result["option"] == "hdfs_user" and words in result["msg"], result
