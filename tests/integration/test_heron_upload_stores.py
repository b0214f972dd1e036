"""heron_upload behaviour that every store must share, as tables over file://, S3 (moto) and HDFS (MiniDFSCluster):
concurrent versioned publishing, leftovers of killed runs, run as Ansible runs it."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import boto3
import pytest
import requests

from harness.collection import COLLECTIONS_ROOT, ensure_collection_path

# Its module-scoped fixtures are built once: every test of the file runs on the same pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("test_heron_upload_stores")

MIB = 1024 * 1024


@dataclass
class Store:
    """One store of the harness, seen from a test: the module arguments to reach it, a directory of its own,
    and what is in that directory (names, and leftovers of interrupted uploads)."""

    name: str
    directory_uri: str
    args: dict
    names: Callable[[], list[str]]
    exists: Callable[[str], bool]
    # S3 only: keys of the incomplete multipart uploads, all or only those that sent a part.
    incomplete_uploads: Callable[[bool], list[str]] | None = None

    def dest(self, name: str) -> str:
        return f"{self.directory_uri}/{name}"

    def leftovers(self, moved_only: bool = False) -> list[str]:
        """What interrupted uploads left: temporary files, or incomplete multipart uploads (``moved_only``:
        that sent a part)."""
        if self.incomplete_uploads is not None:
            return self.incomplete_uploads(moved_only)
        return [name for name in self.names() if name.endswith(".tmp")]


def file_store(tmp_path) -> Store:
    directory = tmp_path / "store"
    return Store("file", f"file://{directory}", {},
                 names=lambda: sorted(os.listdir(directory)) if directory.exists() else [],
                 exists=lambda uri: Path(uri[len("file://"):]).is_file())


def s3_store(server) -> Store:
    bucket = f"heron-{uuid.uuid4().hex[:12]}"
    client = server.client()
    client.create_bucket(Bucket=bucket)

    def exists(uri: str) -> bool:
        key = uri.split("/", 3)[3]
        return client.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) == 1

    return Store("s3", f"s3://{bucket}/packages",
                 {"endpoint_url": server.endpoint_url, "access_key": server.access_key,
                  "secret_key": server.secret_key, "region": server.region},
                 names=lambda: sorted(item["Key"].split("/", 1)[1] for item in
                                      client.list_objects_v2(Bucket=bucket).get("Contents", [])),
                 exists=exists,
                 incomplete_uploads=lambda moved_only: incomplete_uploads(client, bucket, moved_only))


def incomplete_uploads(client, bucket: str, moved_only: bool) -> list[str]:
    """moto reports a fixed Initiated time for every upload: only parts carry the real time an upload last moved,
    so a test waits for a part before it measures ages."""
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return [upload["Key"] for upload in uploads if not moved_only or
            client.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]).get("Parts")]


def hdfs_store(cluster) -> Store:
    directory = f"/heron/{uuid.uuid4().hex[:10]}"

    def webhdfs(op: str, path: str):
        return requests.get(f"{cluster.namenode_url.rstrip('/')}/webhdfs/v1{path}",
                            params={"op": op, "user.name": "root"}, timeout=30)

    def names() -> list[str]:
        response = webhdfs("LISTSTATUS", directory)
        if response.status_code == 404:
            return []
        return sorted(status["pathSuffix"] for status in response.json()["FileStatuses"]["FileStatus"])

    return Store("hdfs", f"hdfs://{directory}", {"namenode_url": [cluster.namenode_url]}, names=names,
                 exists=lambda uri: webhdfs("GETFILESTATUS", uri[len("hdfs://"):]).status_code == 200)


@pytest.fixture(params=["file", "s3", "hdfs"])
def store(request, tmp_path) -> Store:
    if request.param == "file":
        return file_store(tmp_path)
    if request.param == "s3":
        return s3_store(request.getfixturevalue("s3_server"))
    return hdfs_store(request.getfixturevalue("hdfs_cluster"))


def start_module(args: dict) -> subprocess.Popen:
    """The module in a process of its own, as Ansible starts it, for tests that kill it."""
    ensure_collection_path()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS_ROOT))
    process = subprocess.Popen(  # noqa: S603 - argument list
        [sys.executable, "-m", "ansible_collections.heron.aurora.plugins.modules.heron_upload", handle.name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    threading.Timer(30, os.unlink, [handle.name]).start()
    return process


def run_concurrently(run_module, argument_sets: list[dict]) -> list[dict]:
    results: list[dict] = [{} for dummy in argument_sets]

    def run(index: int) -> None:
        results[index] = run_module("heron_upload", argument_sets[index])

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(argument_sets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


GRACE = 15  # seconds; each run here takes a few, so no run outlives it, even on a loaded machine


def test_concurrent_versioned_runs_never_prune_what_another_publishes(store, run_module, tmp_path):
    """Rounds of three runs that publish three contents to the same dest at once with keep: 1. Every run's
    version must exist when the runs end; versions older than the grace period are still pruned."""
    rounds: list[list[str]] = []
    for number, pause in enumerate((0, 0, GRACE + 1)):
        time.sleep(pause)
        argument_sets = []
        for runner in range(3):
            src = tmp_path / f"topology-{number}-{runner}.tar.gz"
            src.write_bytes(os.urandom(64 * 1024))
            argument_sets.append(dict(store.args, src=str(src), dest=store.dest("topology.tar.gz"), versioned=True,
                                      keep=1, grace_period=GRACE))
        results = run_concurrently(run_module, argument_sets)
        for result in results:
            assert not result.get("failed") and result["changed"], result
        uris = [result["uri"] for result in results]
        assert len(set(uris)) == 3
        missing = [uri for uri in uris if not store.exists(uri)]
        assert missing == [], f"round {number}: versions returned by runs but gone when they ended: {missing}"
        rounds.append(uris)
    # The last round came more than the grace period after the others: their versions were pruned.
    assert sorted(uri.rsplit("/", 1)[1] for uri in rounds[-1]) == [
        name for name in store.names() if not name.endswith(".sha256")]


def wait_for(condition: Callable[[], object], process: subprocess.Popen, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the module ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.01)


def test_leftovers_of_a_killed_upload_are_removed_by_a_later_run(store, run_module, tmp_path):
    big = tmp_path / "big.tar.gz"
    with open(big, "wb") as out:  # sparse: costs no disk, still streams
        out.truncate(2048 * MIB)
    dest = store.dest("heron-core.tar.gz")
    process = start_module(dict(store.args, src=str(big), dest=dest, part_size="5MiB", timeout=60))
    try:
        wait_for(lambda: store.leftovers(moved_only=True), process, "upload in progress")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    left = store.leftovers()
    assert left, "the killed run left nothing behind to clean"

    small = tmp_path / "small.tar.gz"
    small.write_bytes(b"small" * 1000)
    young = run_module("heron_upload", dict(store.args, src=str(small), dest=dest))
    assert young["changed"] and not young.get("failed"), young
    assert store.leftovers() == left, "leftovers younger than grace_period may belong to a live run: kept"

    time.sleep(2)
    old = run_module("heron_upload", dict(store.args, src=str(small), dest=dest, overwrite="always",
                                          grace_period=1))
    assert old["changed"] and not old.get("failed") and not old.get("warnings"), old
    assert store.leftovers() == [] and store.exists(old["uri"])


# --- answers that are not the store's: TLS that does not verify, servers that are not S3 or WebHDFS ----------------

def self_signed_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """The TLS proxy's certificate and key, and an unrelated CA to put into the *_CA_BUNDLE variables."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = self_signed_certificate(directory, "proxy")
    other, dummy = self_signed_certificate(directory, "other-ca")
    return {"cert": cert, "key": key, "other_ca": other}


class TlsProxy:
    """Test tool: TLS with a self-signed certificate in front of a plain HTTP server of the harness (it stands in
    for no service: every byte goes to the real server once the handshake succeeds)."""

    def __init__(self, upstream_port: int, cert: Path, key: Path) -> None:
        self.upstream_port = upstream_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        self.handshakes_failed = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, dummy = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(30)
        try:
            client = self.context.wrap_socket(connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshakes_failed += 1
            connection.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.close()

    def __enter__(self) -> "TlsProxy":
        return self

    def __exit__(self, *exc_info) -> None:
        self.listener.close()


class NotAStore(http.server.BaseHTTPRequestHandler):
    """Answers every request with 200 and a web page, as a mistyped endpoint (a proxy, a web server) does."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"<html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's handler names

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def not_a_store():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotAStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["s3", "hdfs"])
def remote_store(request) -> tuple[Store, int, str]:
    """A store reached over HTTP, the port of its server, and the option that names its URL."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        return s3_store(server), server.port, "endpoint_url"
    cluster = request.getfixturevalue("hdfs_cluster")
    return hdfs_store(cluster), int(cluster.namenode_url.rsplit(":", 1)[1].strip("/")), "namenode_url"


def with_url(store: Store, url_option: str, url: str, **args) -> dict:
    return dict(store.args, **{url_option: [url] if url_option == "namenode_url" else url}, **args)


BUDGET = 60


def test_tls_that_does_not_verify_fails_at_once_naming_the_option(remote_store, certificates, run_module, tmp_path):
    store, port, url_option = remote_store
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"tls" * 1000)
    with TlsProxy(port, certificates["cert"], certificates["key"]) as proxy:
        started = time.monotonic()
        result = run_module("heron_upload", with_url(store, url_option, proxy.url, src=str(src),
                                                     dest=store.dest("x.tar.gz"), timeout=BUDGET))
        elapsed = time.monotonic() - started
    assert result.get("failed") and result["option"] in ("validate_certs", "ca_bundle"), result
    assert "certificate verification failed" in result["msg"] and "failed unexpectedly" not in result["msg"]
    assert elapsed < BUDGET / 2, f"a certificate failure was retried for {elapsed:.0f} s"
    assert proxy.handshakes_failed and store.names() == []


@pytest.mark.parametrize("settings, bundles", [
    ({"validate_certs": False}, "other_ca"),   # validate_certs: false is not overridden by the environment
    ({"ca_bundle": "cert"}, "other_ca"),       # nor ca_bundle
])
def test_tls_settings_win_over_the_environment(remote_store, certificates, run_module, tmp_path, settings, bundles):
    store, port, url_option = remote_store
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"tls" * 1000)
    settings = {key: str(certificates[value]) if key == "ca_bundle" else value for key, value in settings.items()}
    unrelated = str(certificates[bundles])
    env = {"AWS_CA_BUNDLE": unrelated, "REQUESTS_CA_BUNDLE": unrelated, "CURL_CA_BUNDLE": unrelated}
    with TlsProxy(port, certificates["cert"], certificates["key"]) as proxy:
        result = run_module("heron_upload", with_url(store, url_option, proxy.url, src=str(src),
                                                     dest=store.dest("x.tar.gz"), **settings), env=env)
    assert not result.get("failed") and result["changed"], result
    assert store.exists(result["uri"])


def test_a_server_that_is_not_the_store_is_named(remote_store, not_a_store, run_module, tmp_path):
    store, dummy, url_option = remote_store
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"not a store" * 100)
    started = time.monotonic()
    result = run_module("heron_upload", with_url(store, url_option, not_a_store, src=str(src),
                                                 dest=store.dest("x.tar.gz"), timeout=BUDGET))
    assert result.get("failed") and result["option"] == url_option, result
    assert "failed unexpectedly" not in result["msg"] and time.monotonic() - started < BUDGET / 2


def test_a_server_that_never_answers_is_given_up_within_the_budget(remote_store, run_module, tmp_path):
    """Connections are accepted (by the kernel) and never answered: every call is bounded by timeout."""
    store, dummy, url_option = remote_store
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"silence" * 100)
    with socket.create_server(("127.0.0.1", 0), backlog=64) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = run_module("heron_upload", with_url(store, url_option, url, src=str(src), dest=store.dest("x.tar.gz"),
                                                     timeout=5))
        elapsed = time.monotonic() - started
    assert result.get("failed") and "timeout" in result["msg"], result
    assert elapsed < 5 * 6, f"a 5 s budget took {elapsed:.0f} s"


# --- credentials ------------------------------------------------------------------------------------------------

@dataclass
class Credentials:
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str


@pytest.fixture
def private_s3(make_s3_server) -> Credentials:
    """A moto instance of its own that checks every request's credentials, with one IAM user allowed all."""
    server = make_s3_server()
    server.client().create_bucket(Bucket="heron-private")
    iam = boto3.client("iam", endpoint_url=server.endpoint_url, region_name=server.region,
                       aws_access_key_id=server.access_key, aws_secret_access_key=server.secret_key)
    iam.create_user(UserName="heron")
    iam.put_user_policy(UserName="heron", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="heron")["AccessKey"]
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{server.endpoint_url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=30).close()  # noqa: S310 - loopback test server
    return Credentials(server.endpoint_url, server.region, key["AccessKeyId"], key["SecretAccessKey"])


def test_credentials_from_a_yaml_block_are_used_without_their_newline(private_s3, run_module, tmp_path):
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"block" * 100)
    args = {"src": str(src), "dest": "s3://heron-private/x.tar.gz", "endpoint_url": private_s3.endpoint_url,
            "region": private_s3.region, "access_key": private_s3.access_key + "\n",
            "secret_key": private_s3.secret_key + "\n"}
    result = run_module("heron_upload", args)
    assert not result.get("failed") and result["changed"], result
    text = json.dumps(result)
    assert private_s3.secret_key not in text and private_s3.access_key not in text


@pytest.mark.parametrize("access_key, secret_key", [
    (None, "Wr0ngSecretFromAYamlBlock\n"),  # the user's own access key

    ("AKIAUNKNOWNKEY0000\n", "Wr0ngSecretFromAYamlBlock"),
])
def test_rejected_credentials_are_not_shown(private_s3, run_module, tmp_path, access_key, secret_key):
    access_key = access_key or private_s3.access_key + "\n"
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"wrong" * 100)
    result = run_module("heron_upload", {"src": str(src), "dest": "s3://heron-private/x.tar.gz",
                                         "endpoint_url": private_s3.endpoint_url, "region": private_s3.region,
                                         "access_key": access_key, "secret_key": secret_key})
    assert result.get("failed") and result["option"] == "access_key", result
    text = json.dumps(result)
    for secret in (access_key.strip(), secret_key.strip(), "Authorization", "Credential="):
        assert secret not in text, secret
