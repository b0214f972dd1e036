"""The binary_host role on this machine, with ansible-playbook: nginx of its own under a temporary prefix (there is no
systemd here, so the role starts it itself), HDFS (the harness's minicluster) and S3 (moto).

Each store is run twice, the second run changing nothing (and for http, reloading nothing); check mode writes
nothing; a changed tarball replaces the old one and its sha256 file follows; the URI the role exposes is fetched as
an Aurora agent would (curl, hdfs dfs -get, boto3) and compared by sha256. Argument-spec failures, a missing source and
a wrong sha256 fail before anything is written.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.collection import play_recap, run_playbook
from harness.service import free_port

PLAYBOOK = Path(__file__).parent / "playbooks" / "binary_host.yml"
URI_LINE = re.compile(r'"core package uri: (\S*)"')


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def succeeded(result) -> dict[str, int]:
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return play_recap(result.stdout)


def core_uri(result) -> str:
    found = URI_LINE.findall(result.stdout)
    assert found, result.stdout[-3000:]
    return found[-1]


def tree(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")) if root.exists() else []


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (nginx's workers when ``pid`` is its master)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class HttpHost:
    """The role's variables for an nginx instance under ``root``, and the means to look at and stop that instance."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def pid_file(self) -> Path:
        return self.root / "nginx" / "run" / "nginx.pid"

    def variables(self, src: Path, **extra) -> dict:
        return {
            "binary_host_core_src": str(src),
            "binary_host_http_root": str(self.root / "www"),
            "binary_host_nginx_prefix": str(self.root / "nginx"),
            "binary_host_http_listen_address": "127.0.0.1",
            "binary_host_http_port": self.port,
            "binary_host_http_advertised_host": "127.0.0.1",
            # pytest's temporary directories are private to root; nginx's default worker user could not read them.
            "binary_host_nginx_user": "root",
            "binary_host_download_dir": str(self.root / "cache"),
            **extra,
        }

    def master(self) -> int:
        return int(self.pid_file.read_text())

    def stop(self) -> None:
        try:
            pid = self.master()
        except (OSError, ValueError):
            return
        if not alive(pid):
            return
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def http_host(tmp_path):
    host = HttpHost(tmp_path / "host")
    yield host
    host.stop()


def curl(uri: str, target: Path) -> bytes:
    subprocess.run(["curl", "-fsS", "--max-time", "30", "-o", str(target), uri],  # noqa: S603, S607 - argument list
                   check=True, capture_output=True, timeout=60)
    return target.read_bytes()


def test_http_serves_the_tarball_and_reloads_only_on_a_config_change(tmp_path, http_host):
    src = tmp_path / "heron-core-0.20.5.tar.gz"
    src.write_bytes(os.urandom(256 * 1024))
    variables = http_host.variables(src)

    checked = succeeded(run_playbook(PLAYBOOK, variables, check_mode=True))
    assert checked["changed"] > 0
    assert not http_host.root.exists(), tree(http_host.root)

    first = run_playbook(PLAYBOOK, variables)
    assert succeeded(first)["changed"] > 0
    uri = core_uri(first)
    assert uri == f"http://127.0.0.1:{http_host.port}/heron/heron-core.tar.gz"
    assert curl(uri, tmp_path / "fetched-1") == src.read_bytes()
    assert curl(uri + ".sha256", tmp_path / "sha-1").decode() == f"{sha(src.read_bytes())}  heron-core.tar.gz\n"
    master = http_host.master()
    workers = children(master)
    assert workers

    second = run_playbook(PLAYBOOK, variables)
    assert succeeded(second)["changed"] == 0, second.stdout
    assert core_uri(second) == uri
    assert http_host.master() == master and children(master) == workers, "nginx was reloaded with nothing changed"

    src.write_bytes(os.urandom(300 * 1024))
    replaced = run_playbook(PLAYBOOK, variables)
    assert succeeded(replaced)["changed"] == 2, replaced.stdout  # the tarball and its sha256 file
    assert curl(uri, tmp_path / "fetched-2") == src.read_bytes()
    assert curl(uri + ".sha256", tmp_path / "sha-2").decode().split()[0] == sha(src.read_bytes())
    assert children(master) == workers, "a new tarball needs no reload"
    assert sorted(path.name for path in (http_host.root / "www" / "heron").iterdir()) == [
        "heron-core.tar.gz", "heron-core.tar.gz.sha256"], "no temporary file is left behind"

    # A configuration change reloads the same master: new workers, the new port, the same files.
    moved = dict(variables, binary_host_http_port=free_port())
    reloaded = run_playbook(PLAYBOOK, moved)
    assert succeeded(reloaded)["changed"] > 0
    assert "Reload the standalone nginx instance" in reloaded.stdout
    assert http_host.master() == master and children(master) - workers, "the new configuration needs a reload"
    new_uri = core_uri(reloaded)
    assert new_uri == f"http://127.0.0.1:{moved['binary_host_http_port']}/heron/heron-core.tar.gz"
    assert curl(new_uri, tmp_path / "fetched-3") == src.read_bytes()

    # nginx died and its pid was taken by another process (this one): a rerun starts it again.
    http_host.stop()
    http_host.pid_file.write_text(f"{os.getpid()}\n")
    restarted = run_playbook(PLAYBOOK, moved)
    assert succeeded(restarted)["changed"] == 1, restarted.stdout
    assert http_host.master() != os.getpid() and alive(http_host.master())
    assert curl(new_uri, tmp_path / "fetched-4") == src.read_bytes()


def test_http_from_a_url_with_its_sha256(tmp_path, http_host, http_server):
    release = http_server.root / f"release-{uuid.uuid4().hex[:8]}" / "heron-core.tar.gz"
    release.parent.mkdir(parents=True)
    release.write_bytes(os.urandom(128 * 1024))
    url = f"{http_server.base_url}/{release.parent.name}/heron-core.tar.gz"
    variables = http_host.variables(url, binary_host_core_sha256=sha(release.read_bytes()).upper(),
                                    binary_host_http_path="dist/core")

    checked = run_playbook(PLAYBOOK, variables, check_mode=True)
    assert succeeded(checked)["changed"] > 0
    assert not http_host.root.exists(), tree(http_host.root)

    first = run_playbook(PLAYBOOK, variables)
    assert succeeded(first)["changed"] > 0
    uri = core_uri(first)
    assert uri == f"http://127.0.0.1:{http_host.port}/dist/core/heron-core.tar.gz"
    assert curl(uri, tmp_path / "fetched") == release.read_bytes()
    assert succeeded(run_playbook(PLAYBOOK, variables))["changed"] == 0


def test_bad_options_or_a_wrong_source_write_nothing(tmp_path, http_host, http_server):
    src = tmp_path / "heron-core.tar.gz"
    src.write_bytes(b"not the release you want")
    release = http_server.root / f"wrong-{uuid.uuid4().hex[:8]}.tar.gz"
    release.write_bytes(b"neither is this one")
    hdfs = {"binary_host_store": "hdfs", "binary_host_upload_dest": "hdfs:///nowhere/heron-core.tar.gz",
            "binary_host_upload_options": {"namenode_url": ["http://127.0.0.1:1"]}}
    s3 = {"binary_host_store": "s3", "binary_host_upload_dest": "s3://nowhere/heron-core.tar.gz"}
    cases = {
        "missing": (http_host.variables(tmp_path / "absent.tar.gz"), "does not exist"),
        "wrong sha256": (http_host.variables(src, binary_host_core_sha256="0" * 64),
                         "has sha256 " + sha(src.read_bytes())),
        "wrong sha256 on the host": (http_host.variables(src, binary_host_core_sha256="0" * 64,
                                                         binary_host_core_src_remote=True), "on the host"),
        "url without sha256": (http_host.variables(f"{http_server.base_url}/{release.name}"),
                               "binary_host_core_sha256 is required"),
        "hdfs, wrong sha256": (http_host.variables(src, binary_host_core_sha256="f" * 64, **hdfs), "has sha256"),
        "s3, missing": (http_host.variables(tmp_path / "absent.tar.gz", **s3), "does not exist"),
        "http path out of the root": (http_host.variables(src, binary_host_http_path="heron/../.."),
                                      "binary_host_http_path must be"),
        "upload to another store": (http_host.variables(src, **dict(s3, binary_host_upload_dest="hdfs:///x.tar.gz")),
                                    "binary_host_upload_dest must be a s3:// URI"),
    }
    for name, (variables, message) in cases.items():
        result = run_playbook(PLAYBOOK, variables)
        assert result.returncode != 0, name
        assert message in result.stdout + result.stderr, (name, result.stdout[-3000:])
        assert not http_host.root.exists(), (name, tree(http_host.root))

    # A URL whose content is not the sha256 given: get_url checks before it moves the download into place, so only
    # the empty download directory exists.
    wrong_url = http_host.variables(f"{http_server.base_url}/{release.name}", binary_host_core_sha256="a" * 64)
    result = run_playbook(PLAYBOOK, wrong_url)
    assert result.returncode != 0
    assert "checksum" in (result.stdout + result.stderr).lower(), result.stdout[-3000:]
    assert tree(http_host.root) == ["cache"]


def test_argument_spec_failures_change_nothing(tmp_path, http_host):
    src = tmp_path / "heron-core.tar.gz"
    src.write_bytes(b"core")
    cases = [
        ({key: value for key, value in http_host.variables(src).items() if key != "binary_host_core_src"},
         "missing required arguments: binary_host_core_src"),
        (http_host.variables(src, binary_host_http_port="eighty"), "binary_host_http_port"),
        (http_host.variables(src, binary_host_store="ftp"), "binary_host_store"),
        (http_host.variables(src, binary_host_upload_options={"namenode_url": ["http://x"], "src": "/x"}),
         "binary_host_upload_options.src"),
    ]
    for variables, message in cases:
        result = run_playbook(PLAYBOOK, variables)
        output = result.stdout + result.stderr
        assert result.returncode != 0, variables
        assert "Validation of arguments failed" in output, output[-3000:]
        assert message in output, output[-3000:]
        assert not http_host.root.exists(), tree(http_host.root)


def test_hdfs_upload_is_idempotent_and_replaces_a_changed_tarball(tmp_path, hdfs_cluster):
    src = tmp_path / "heron-core.tar.gz"
    src.write_bytes(os.urandom(200 * 1024))
    dest = f"{hdfs_cluster.fs_uri}/binary-host-{uuid.uuid4().hex[:8]}/heron-core.tar.gz"
    variables = {
        "binary_host_store": "hdfs",
        "binary_host_core_src": str(src),
        "binary_host_download_dir": str(tmp_path / "cache"),
        "binary_host_upload_dest": dest,
        "binary_host_upload_options": {"namenode_url": [hdfs_cluster.namenode_url], "mode": "0644"},
    }

    checked = run_playbook(PLAYBOOK, variables, check_mode=True)
    assert succeeded(checked)["changed"] > 0
    assert core_uri(checked) == dest
    assert not (tmp_path / "cache").exists()
    assert subprocess.run([hdfs_cluster.hdfs_command, "dfs", "-test", "-e", dest],  # noqa: S603 - argument list
                          capture_output=True, timeout=120, check=False).returncode != 0

    first = run_playbook(PLAYBOOK, variables)
    assert succeeded(first)["changed"] > 0
    assert core_uri(first) == dest
    second = run_playbook(PLAYBOOK, variables)
    assert succeeded(second)["changed"] == 0, second.stdout

    src.write_bytes(os.urandom(210 * 1024))
    assert succeeded(run_playbook(PLAYBOOK, variables))["changed"] > 0
    fetched = tmp_path / "fetched.tar.gz"
    subprocess.run([hdfs_cluster.hdfs_command, "dfs", "-get", dest, str(fetched)],  # noqa: S603 - argument list
                   check=True, capture_output=True, timeout=120)
    assert sha(fetched.read_bytes()) == sha(src.read_bytes())


def test_s3_versioned_upload_from_the_host(tmp_path, s3_server):
    src = tmp_path / "heron-core.tar.gz"
    src.write_bytes(os.urandom(150 * 1024))
    bucket = f"heron-{uuid.uuid4().hex[:12]}"
    variables = {
        "binary_host_store": "s3",
        "binary_host_core_src": str(src),
        "binary_host_core_src_remote": True,
        "binary_host_core_sha256": sha(src.read_bytes()),
        "binary_host_upload_dest": f"s3://{bucket}/core/heron-core.tar.gz",
        "binary_host_upload_versioned": True,
        "binary_host_upload_keep": 2,
        "binary_host_upload_options": {
            "endpoint_url": s3_server.endpoint_url, "region": s3_server.region, "access_key": s3_server.access_key,
            "secret_key": s3_server.secret_key, "create_bucket": True, "addressing_style": "path"},
    }
    client = s3_server.client()

    checked = run_playbook(PLAYBOOK, variables, check_mode=True)
    assert succeeded(checked)["changed"] > 0
    assert bucket not in [entry["Name"] for entry in client.list_buckets()["Buckets"]]

    first = run_playbook(PLAYBOOK, variables)
    assert succeeded(first)["changed"] > 0
    uri = core_uri(first)
    assert uri == f"s3://{bucket}/core/heron-core-{sha(src.read_bytes())[:16]}.tar.gz"
    second = run_playbook(PLAYBOOK, variables)
    assert succeeded(second)["changed"] == 0, second.stdout
    assert core_uri(second) == uri
    for run in (checked, first, second):
        assert s3_server.secret_key not in run.stdout + run.stderr

    body = client.get_object(Bucket=bucket, Key=uri.split("/", 3)[3])["Body"].read()
    assert sha(body) == sha(src.read_bytes())

    src.write_bytes(os.urandom(160 * 1024))
    changed = run_playbook(PLAYBOOK, dict(variables, binary_host_core_sha256=sha(src.read_bytes())))
    assert succeeded(changed)["changed"] > 0
    new_uri = core_uri(changed)
    assert new_uri != uri and new_uri.endswith(f"-{sha(src.read_bytes())[:16]}.tar.gz")
    keys = sorted(entry["Key"] for entry in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted([uri.split("/", 3)[3], new_uri.split("/", 3)[3]]), "the earlier release stays for a rollback"
