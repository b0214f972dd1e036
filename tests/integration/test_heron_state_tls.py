"""heron_topology_info over TLS: a real ZooKeeper (Debian's, with its Netty) serving a TLS client port that requires
a client certificate, with a CA and certificates made for the test."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kazoo.client import KazooClient

from harness.service import free_port
from harness.zookeeper import ZOOKEEPER_JARS, ZooKeeperNode
from standins.heron import znodes

# Its module-scoped fixtures are built once: every test of the file runs on the same pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("test_heron_state_tls")

# The Netty that Debian's libzookeeper-java depends on; ZooKeeper's TLS port needs its Netty connection factory.
NETTY_JARS = tuple(f"/usr/share/java/netty-{name}.jar" for name in
                   ("buffer", "codec", "common", "handler", "resolver", "transport", "transport-native-unix-common"))


class TlsZooKeeperNode(ZooKeeperNode):
    """A standalone node with a plain client port (for the health check) and a TLS one requiring client certs."""

    def __init__(self, workdir: Path, certificates: dict) -> None:
        super().__init__(workdir)
        self.secure_port = free_port()
        self.certificates = certificates

    @property
    def secure_hosts(self) -> str:
        return f"{self.host}:{self.secure_port}"

    def prepare(self) -> None:
        super().prepare()
        for jar in NETTY_JARS:
            if not Path(jar).exists():
                pytest.fail(f"{jar} is missing: install Debian's libnetty-java (a dependency of zookeeper)")
        with open(self.workdir / "zoo.cfg", "a") as config:
            config.write("\n".join([
                "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
                f"secureClientPort={self.secure_port}",
                f"secureClientPortAddress={self.host}",
                f"ssl.keyStore.location={self.certificates['server_pem']}",
                "ssl.keyStore.type=PEM",
                f"ssl.trustStore.location={self.certificates['ca']}",
                "ssl.trustStore.type=PEM",
                "ssl.clientAuth=need",
            ]) + "\n")

    def command(self) -> list[str]:
        command = super().command()
        command[command.index("-cp") + 1] = ":".join(ZOOKEEPER_JARS + NETTY_JARS)
        return command


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key, issuer: str, issuer_key, ca: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        loopback = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([loopback]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("heron-aurora test CA", ca_key, "heron-aurora test CA", ca_key, ca=True)
    files = {"ca": directory / "ca.pem"}
    files["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    for who in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(f"heron-aurora test {who}", key, "heron-aurora test CA", ca_key)
        files[f"{who}_key"] = directory / f"{who}.key"
        files[f"{who}_key"].write_bytes(_pem_key(key))
        files[f"{who}_cert"] = directory / f"{who}.crt"
        files[f"{who}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["server_pem"] = directory / "server.pem"
    # ZooKeeper's PEM key store: the key, then its certificate.
    files["server_pem"].write_bytes(files["server_key"].read_bytes() + files["server_cert"].read_bytes())
    return {name: str(path) for name, path in files.items()}


@pytest.fixture
def tls_zookeeper(tmp_path, certificates):
    node = TlsZooKeeperNode(tmp_path / "zk-tls", certificates)
    node.start()
    yield node
    node.stop()


def test_state_is_read_over_tls_with_a_client_certificate(run_module, tls_zookeeper, certificates, heron_definition):
    client = KazooClient(hosts=tls_zookeeper.hosts, timeout=10)  # the plain port, to write the sample
    client.start(timeout=30)
    try:
        znodes.HeronZnodes(client, "/heron").submit(znodes.submission(znodes.our_classes, heron_definition()))
    finally:
        client.stop()
        client.close()
    tls = {"zk_hosts": tls_zookeeper.secure_hosts, "zk_use_tls": True, "zk_ca_file": certificates["ca"],
           "zk_timeout": 10}

    result = run_module("heron_topology_info", {**tls, "zk_cert_file": certificates["client_cert"],
                                                "zk_key_file": certificates["client_key"]})
    assert not result.get("failed"), result
    assert [view["name"] for view in result["topologies"]] == ["WordCount"]

    without_certificate = run_module("heron_topology_info", {**tls, "zk_timeout": 3})
    assert without_certificate["failed"] and without_certificate["option"] == "zk_hosts"
    assert tls_zookeeper.secure_hosts in without_certificate["msg"]

    half = run_module("heron_topology_info", {**tls, "zk_cert_file": certificates["client_cert"]})
    assert half["failed"] and half["option"] == "zk_cert_file"
