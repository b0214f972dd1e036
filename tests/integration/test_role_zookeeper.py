"""The zookeeper role on this machine: several nodes, each an inventory host of the `zookeeper` group with its own
ports, directories and service name, run by the role's supervised service (there is no systemd here).

The ensemble forms with one leader; a second run changes nothing and restarts nothing; a configuration change rolls
through the nodes one at a time while a client keeps reading and writing; the ensemble grows from three nodes to five
and back with the client still working; bad ids and a wrong archive digest fail before anything changes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import tarfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_acl

from harness.collection import play_recap, run_playbook
from harness.service import free_port
from harness.zookeeper import server_mode

# Its module-scoped fixtures are built once: every test of the file runs on the same pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("test_role_zookeeper")

PLAYBOOK = Path(__file__).parent / "playbooks" / "zookeeper.yml"
# Jars the server needs that zookeeper.jar's manifest does not name: a logging binding, and Netty's codec for TLS.
DEBIAN_EXTRA_JARS = ("/usr/share/java/slf4j-simple.jar", "/usr/share/java/netty-codec.jar",
                     "/usr/share/java/netty-resolver.jar", "/usr/share/java/netty-transport-native-unix-common.jar")
# Small and fast for a shared two-core machine; the role's defaults are production values.
COMMON_VARS = {
    "ansible_connection": "local",
    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    "zookeeper_peer_address": "127.0.0.1",
    "zookeeper_listen_address": "127.0.0.1",
    "zookeeper_manage_user": False,
    "zookeeper_user": "root",
    "zookeeper_user_group": "root",
    "zookeeper_heap_size": "96m",
    "zookeeper_jvm_options": ["-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"],
    "zookeeper_tick_time": 500,
    "zookeeper_init_limit": 20,
    "zookeeper_sync_limit": 10,
    "zookeeper_serve_timeout": 90,
}
# After the first two runs have exercised the package installation, later runs skip it (apt takes seconds per host).
INSTALLED = {"zookeeper_packages": []}


@dataclass
class Node:
    name: str
    zookeeper_id: int
    root: Path
    client_port: int
    quorum_port: int
    election_port: int

    @property
    def ctl(self) -> Path:
        return self.root / "sbin" / f"zk-{self.name}-ctl"

    @property
    def config(self) -> Path:
        return self.root / "conf" / "zoo.cfg"

    def host_vars(self) -> dict:
        return {
            "zookeeper_id": self.zookeeper_id,
            "zookeeper_service_name": f"zk-{self.name}",
            "zookeeper_client_port": self.client_port,
            "zookeeper_quorum_port": self.quorum_port,
            "zookeeper_election_port": self.election_port,
            "zookeeper_config_dir": str(self.root / "conf"),
            "zookeeper_data_dir": str(self.root / "data"),
            "zookeeper_data_log_dir": str(self.root / "datalog"),
            "zookeeper_log_dir": str(self.root / "log"),
            "zookeeper_run_dir": str(self.root / "run"),
            "zookeeper_sbin_dir": str(self.root / "sbin"),
        }

    def pid(self) -> int | None:
        try:
            pid = int((self.root / "run" / f"zk-{self.name}.pid").read_text())
        except (OSError, ValueError):
            return None
        return pid if Path(f"/proc/{pid}").exists() else None

    def mode(self) -> str:
        try:
            return server_mode("127.0.0.1", self.client_port)
        except OSError:
            return ""


class Cluster:
    """Up to five nodes under one directory; each run writes an inventory of the members it is given."""

    def __init__(self, root: Path, size: int = 5) -> None:
        self.root = root
        self.nodes = [Node(f"zk{i}", i, root / f"zk{i}", free_port(), free_port(), free_port())
                      for i in range(1, size + 1)]

    def inventory(self, members: list[Node], leaving: list[Node] = (), **group_vars) -> Path:
        hosts = {node.name: node.host_vars() for node in members}
        for node in leaving:
            hosts[node.name] = dict(node.host_vars(), zookeeper_state="absent")
        path = self.root / f"inventory-{time.monotonic_ns()}.json"
        path.write_text(json.dumps({"zookeeper": {"hosts": hosts, "vars": dict(COMMON_VARS, **group_vars)}}))
        return path

    def run(self, members: list[Node], leaving: list[Node] = (), check: bool = False, **group_vars):
        return run_playbook(PLAYBOOK, {}, check_mode=check, inventory=self.inventory(members, leaving, **group_vars))

    def pids(self, members: list[Node]) -> dict[str, int | None]:
        return {node.name: node.pid() for node in members}

    def stop(self) -> None:
        for node in self.nodes:
            pid = node.pid()
            if pid is None:
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            while node.pid() is not None and time.monotonic() < deadline:
                time.sleep(0.2)
            if node.pid() is not None:
                os.kill(pid, signal.SIGKILL)


def succeeded(result) -> None:
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def modes(members: list[Node]) -> list[str]:
    return sorted(node.mode() for node in members)


def one_leader(members: list[Node]) -> list[str]:
    return sorted(["leader"] + ["follower"] * (len(members) - 1))


class ClientLoad(threading.Thread):
    """A client that writes then reads back a counter as fast as it can, through kazoo's retry of connection losses
    (a session survives the restart of the server it is connected to). An operation that still fails, because the
    quorum is gone for longer than the retry deadline or the session expired, is an error."""

    def __init__(self, hosts: str) -> None:
        super().__init__(daemon=True)
        retry = {"max_tries": -1, "delay": 0.05, "max_delay": 0.5}
        self.client = KazooClient(hosts=hosts, timeout=15, connection_retry=retry,
                                  command_retry=dict(retry, deadline=10))
        self.ops = 0
        self.errors: list[str] = []
        self._stopping = threading.Event()

    def run(self) -> None:
        path = "/role-test/counter"
        self.client.retry(self.client.ensure_path, path)
        value = 0
        while not self._stopping.is_set():
            value += 1
            try:
                self.client.retry(self.client.set, path, str(value).encode())
                data, _stat = self.client.retry(self.client.get, path)
                if data != str(value).encode():
                    self.errors.append(f"read {data!r} after writing {value}")
                self.ops += 2
            except Exception as exc:  # noqa: BLE001 - every failure the client sees is what the test counts
                self.errors.append(repr(exc))
            time.sleep(0.02)

    def __enter__(self) -> "ClientLoad":
        self.client.start(timeout=30)
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self.join(timeout=30)
        self.client.stop()
        self.client.close()


class QuorumWatch(threading.Thread):
    """Samples the nodes; records the most that were not running at the same moment. (Not serving is no measure:
    when the leader restarts, every follower stops serving for the election that follows.)"""

    def __init__(self, members: list[Node]) -> None:
        super().__init__(daemon=True)
        self.members = members
        self.most_down = 0
        self.samples = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            down = sum(node.pid() is None for node in self.members)
            self.most_down = max(self.most_down, down)
            self.samples += 1
            time.sleep(0.1)

    def __enter__(self) -> "QuorumWatch":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self.join(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("zookeeper-role"))
    try:
        yield cluster
    finally:
        cluster.stop()
        assert all(node.pid() is None for node in cluster.nodes), "a ZooKeeper node outlived the tests"


@pytest.fixture(scope="module")
def three_nodes(cluster):
    members = cluster.nodes[:3]
    first = cluster.run(members)
    succeeded(first)
    return members, first


def test_three_nodes_form_one_ensemble_and_a_second_run_changes_nothing(cluster, three_nodes):
    members, first = three_nodes
    assert all(play_recap(first.stdout, node.name)["changed"] > 0 for node in members)
    assert modes(members) == one_leader(members)
    assert "3 nodes, leader zk" in first.stdout
    for node in members:
        assert (node.root / "data" / "myid").read_text() == str(node.zookeeper_id)
        servers = [line for line in node.config.read_text().splitlines() if line.startswith("server.")]
        assert servers == [f"server.{peer.zookeeper_id}=127.0.0.1:{peer.quorum_port}:{peer.election_port}"
                           for peer in members]
    pids = cluster.pids(members)
    assert all(pids.values())

    second = cluster.run(members)
    succeeded(second)
    assert [play_recap(second.stdout, node.name)["changed"] for node in members] == [0, 0, 0], second.stdout
    assert cluster.pids(members) == pids, "a run without a change restarted a node"


def test_a_config_change_restarts_one_node_at_a_time_while_a_client_keeps_working(cluster, three_nodes):
    members, _first = three_nodes
    pids = cluster.pids(members)
    configs = {node.name: node.config.read_text() for node in members}
    change = dict(INSTALLED, zookeeper_tick_time=400, zookeeper_autopurge_purge_interval=1)

    checked = cluster.run(members, check=True, **change)
    succeeded(checked)
    assert all(play_recap(checked.stdout, node.name)["changed"] > 0 for node in members), checked.stdout
    assert {node.name: node.config.read_text() for node in members} == configs
    assert cluster.pids(members) == pids, "check mode restarted a node"

    hosts = ",".join(f"127.0.0.1:{node.client_port}" for node in members)
    with ClientLoad(hosts) as load, QuorumWatch(members) as watch:
        result = cluster.run(members, **change)
        time.sleep(1)
    succeeded(result)
    restarted = cluster.pids(members)
    assert all(restarted[name] not in (None, pid) for name, pid in pids.items()), (pids, restarted)
    assert load.errors == [] and load.ops > 100, (load.ops, load.errors[:5])
    assert watch.samples > 20 and watch.most_down == 1, f"{watch.most_down} nodes were down at once"
    assert all("tickTime=400" in node.config.read_text().splitlines() for node in members)
    assert modes(members) == one_leader(members)


# The host whose id is wrong fails in the role's argument spec validation where the spec can tell (type, presence);
# every host then fails in the role's own check of the whole group, which names the hosts.
@pytest.mark.parametrize(("host", "variable", "value", "spec_message", "message"), [
    ("zk2", "zookeeper_id", "two", "argument 'zookeeper_id' is of type str and we were unable to convert to int",
     "Host zk2 needs zookeeper_id set in the inventory to a whole number from 1 to 255 (it is two)"),
    ("zk3", "zookeeper_id", None, "missing required arguments: zookeeper_id",
     "Host zk3 needs zookeeper_id set in the inventory to a whole number from 1 to 255 (it is not set)"),
    ("zk3", "zookeeper_id", 1, None, "zookeeper_id 1 is used by zk1 and zk3"),
    ("zk1", "zookeeper_id", 256, None,
     "Host zk1 needs zookeeper_id set in the inventory to a whole number from 1 to 255"),
    ("zk2", "zookeeper_election_port", "zk1's", None, "Several nodes of the ensemble would listen on 127.0.0.1:"),
], ids=["wrong-type", "missing", "duplicate", "out-of-range", "shared-election-port"])
def test_bad_inventories_fail_at_role_start_and_change_nothing(cluster, three_nodes, host, variable, value,
                                                               spec_message, message):
    members, _first = three_nodes
    pids = cluster.pids(members)
    configs = {node.name: node.config.stat().st_mtime_ns for node in members}
    inventory = json.loads(cluster.inventory(members).read_text())
    hosts = inventory["zookeeper"]["hosts"]
    if value is None:
        del hosts[host][variable]
    else:
        hosts[host][variable] = hosts["zk1"][variable] if value == "zk1's" else value
    path = cluster.root / "bad-inventory.json"
    path.write_text(json.dumps(inventory))

    result = run_playbook(PLAYBOOK, {}, inventory=path)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-4000:]
    assert spec_message is None or spec_message in result.stdout, result.stdout[-4000:]
    assert all(play_recap(result.stdout, node.name)["changed"] == 0 for node in members)
    assert {node.name: node.config.stat().st_mtime_ns for node in members} == configs
    assert cluster.pids(members) == pids


def test_the_ensemble_grows_to_five_and_back_to_three_keeping_its_quorum(cluster, three_nodes):
    members, _first = three_nodes
    five = cluster.nodes[:5]
    hosts = ",".join(f"127.0.0.1:{node.client_port}" for node in five)
    with ClientLoad(hosts) as load:
        grown = cluster.run(five, **INSTALLED)
        succeeded(grown)
        assert modes(five) == one_leader(five)
        assert "5 nodes, leader zk" in grown.stdout
        assert "server.5=" in members[0].config.read_text()

        # The leader leaves, with one other node: the harder case, where the leadership has to move first.
        leader = next(node for node in five if node.mode() == "leader")
        leaving = [leader, next(node for node in five[3:] if node is not leader)]
        staying = [node for node in five if node not in leaving]
        shrunk = cluster.run(staying, leaving=leaving, **INSTALLED)
        succeeded(shrunk)
        time.sleep(1)
    assert f"changed: [{leader.name}]" in shrunk.stdout.split("Restart the leaving leader", 1)[1].split("TASK", 1)[0]
    assert modes(staying) == one_leader(staying)
    assert "3 nodes, leader zk" in shrunk.stdout
    assert all(node.pid() is None for node in leaving), "a node that left still runs"
    assert all(f"server.{node.zookeeper_id}=" not in staying[0].config.read_text() for node in leaving)
    assert all((node.root / "data" / "myid").exists() for node in leaving), "the data of a node that left must stay"
    assert load.errors == [] and load.ops > 100, (load.ops, load.errors[:5])

    again = cluster.run(staying, **INSTALLED)
    succeeded(again)
    assert [play_recap(again.stdout, node.name)["changed"] for node in staying] == [0, 0, 0], again.stdout


def test_an_archive_with_another_sha512_is_refused_before_anything_is_installed(tmp_path):
    archive = tmp_path / "apache-zookeeper-3.8.4-bin.tar.gz"
    archive.write_bytes(b"not the release")
    node = Node("zk1", 1, tmp_path / "zk1", free_port(), free_port(), free_port())
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"zookeeper": {"hosts": {"zk1": node.host_vars()}, "vars": dict(
        COMMON_VARS, zookeeper_install_method="archive", zookeeper_archive_src=str(archive),
        zookeeper_archive_sha512=hashlib.sha512(b"the release").hexdigest(),
        zookeeper_install_dir=str(tmp_path / "opt"))}}))

    result = run_playbook(PLAYBOOK, {}, inventory=inventory)
    assert result.returncode != 0
    assert f"has sha512 {hashlib.sha512(b'not the release').hexdigest()}" in result.stdout, result.stdout[-4000:]
    assert "nothing was installed" in result.stdout
    assert not (tmp_path / "opt").exists() and not node.root.exists()


@pytest.fixture
def lone_node(tmp_path):
    node = Node("zk1", 1, tmp_path / "zk1", free_port(), free_port(), free_port())
    try:
        yield node
    finally:
        pid = node.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


def make_tls_material(directory: Path, password: str) -> dict[str, Path]:
    """A self-signed certificate for 127.0.0.1 as PEM files (for the client) and as the server's PKCS12 keystore and
    truststore, made with openssl and the JDK's keytool."""
    files = {name: directory / name for name in ("key.pem", "cert.pem", "keystore.p12", "truststore.p12")}
    commands = [
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(files["key.pem"]), "-out", str(files["cert.pem"])],
        ["openssl", "pkcs12", "-export", "-name", "zookeeper", "-in", str(files["cert.pem"]),
         "-inkey", str(files["key.pem"]), "-out", str(files["keystore.p12"]), "-passout", f"pass:{password}"],
        ["keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", str(files["cert.pem"]), "-storetype", "PKCS12",
         "-keystore", str(files["truststore.p12"]), "-storepass", password],
    ]
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    return files


def make_release_archive(directory: Path, version: str) -> Path:
    """A stand-in for Apache's release archive, which cannot be downloaded here: the layout of
    apache-zookeeper-<version>-bin.tar.gz (lib/ with the jars, conf/), filled with the jars of Debian's package. It
    exercises the role's archive path (digest, copy, unpack, the lib/* class path) but is not an Apache build."""
    with zipfile.ZipFile("/usr/share/java/zookeeper.jar") as jar:
        manifest = jar.read("META-INF/MANIFEST.MF").decode().replace("\r\n ", "").replace("\n ", "")
    class_path = next(line for line in manifest.splitlines() if line.startswith("Class-Path:")).split()[1:]
    # The manifest also names optional jars Debian does not install (jline, jetty): the server runs without them.
    jars = [jar for jar in ["/usr/share/java/zookeeper.jar", *class_path, *DEBIAN_EXTRA_JARS] if os.path.exists(jar)]
    top = f"apache-zookeeper-{version}-bin"
    archive = directory / f"{top}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for jar_path in jars:
            tar.add(os.path.realpath(jar_path), arcname=f"{top}/lib/{Path(jar_path).name}")
        conf = tarfile.TarInfo(f"{top}/conf")
        conf.type, conf.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(conf)
    return archive


def java_client(node: Node, jaas: Path, *command: str) -> subprocess.CompletedProcess:
    """ZooKeeper's own command line client, logging in with SASL through ``jaas``."""
    return subprocess.run(
        ["java", f"-Djava.security.auth.login.config={jaas}", "-cp",
         "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar", "org.apache.zookeeper.ZooKeeperMain",
         "-server", f"127.0.0.1:{node.client_port}", *command],
        capture_output=True, text=True, timeout=120, check=False)


def test_a_node_from_a_release_archive_with_tls_sasl_and_the_digest_super_user(tmp_path, lone_node):
    secret = "keystore-secret-41"
    sasl_password = "sasl-secret-42"
    super_password = "super-secret-43"
    tls = make_tls_material(tmp_path, secret)
    secure_port = free_port()
    super_digest = base64.b64encode(hashlib.sha1(f"super:{super_password}".encode()).digest()).decode()  # noqa: S324 - ZooKeeper digest is SHA-1
    inventory = tmp_path / "inventory.json"
    archive = make_release_archive(tmp_path, "3.8.0")
    inventory.write_text(json.dumps({"zookeeper": {"hosts": {"zk1": lone_node.host_vars()}, "vars": dict(
        COMMON_VARS, zookeeper_install_method="archive", zookeeper_version="3.8.0", zookeeper_java_packages=[],
        zookeeper_archive_src=str(archive), zookeeper_archive_sha512=hashlib.sha512(archive.read_bytes()).hexdigest(),
        zookeeper_install_dir=str(tmp_path / "opt"),
        zookeeper_tls_enabled=True, zookeeper_secure_client_port=secure_port,
        zookeeper_tls_keystore_path=str(tls["keystore.p12"]), zookeeper_tls_keystore_password=secret,
        zookeeper_tls_truststore_path=str(tls["truststore.p12"]), zookeeper_tls_truststore_password=secret,
        zookeeper_sasl_enabled=True, zookeeper_sasl_users={"heron": sasl_password},
        zookeeper_super_digest=f"super:{super_digest}")}}))

    result = run_playbook(PLAYBOOK, {}, inventory=inventory, env={"ANSIBLE_DIFF_ALWAYS": "1"})
    succeeded(result)
    assert "1 nodes, leader zk1" in result.stdout
    for password in (secret, sasl_password, super_password, super_digest):
        assert password not in result.stdout + result.stderr, "a secret was logged"
    release_lib = tmp_path / "opt" / "apache-zookeeper-3.8.0-bin" / "lib"
    assert (release_lib / "zookeeper.jar").is_file()
    assert f"{release_lib}/*" in Path(f"/proc/{lone_node.pid()}/cmdline").read_text()
    pid = lone_node.pid()
    second = run_playbook(PLAYBOOK, {}, inventory=inventory)
    succeeded(second)
    assert play_recap(second.stdout, "zk1")["changed"] == 0, second.stdout
    assert lone_node.pid() == pid

    admin = KazooClient(hosts=f"127.0.0.1:{secure_port}", use_ssl=True, verify_certs=True, ca=str(tls["cert.pem"]),
                        certfile=str(tls["cert.pem"]), keyfile=str(tls["key.pem"]),
                        auth_data=[("digest", f"super:{super_password}")])
    admin.start(timeout=30)
    try:
        admin.create("/sasl-only", b"for heron", acl=[make_acl("sasl", "heron", all=True)])
        assert admin.get("/sasl-only")[0] == b"for heron", "the super user passes every ACL"
    finally:
        admin.stop()
        admin.close()

    anonymous = KazooClient(hosts=f"127.0.0.1:{lone_node.client_port}")
    anonymous.start(timeout=30)
    try:
        with pytest.raises(NoAuthError):
            anonymous.get("/sasl-only")
    finally:
        anonymous.stop()
        anonymous.close()

    jaas = tmp_path / "client.jaas"
    jaas.write_text('Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n'
                    f'  username="heron"\n  password="{sasl_password}";\n}};\n')
    read = java_client(lone_node, jaas, "get", "/sasl-only")
    assert "for heron" in read.stdout, read.stdout + read.stderr[-3000:]
    jaas.write_text(jaas.read_text().replace(sasl_password, "wrong"))
    refused = java_client(lone_node, jaas, "get", "/sasl-only")
    assert "for heron" not in refused.stdout
