"""ZooKeeper from Debian's ``zookeeper`` package: one standalone node, or an ensemble of three on loopback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Sequence

from .service import Service, ServiceError, free_port

ZOOKEEPER_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar")
QUORUM_MODES = ("leader", "follower")


def four_letter_word(host: str, port: int, word: str, timeout: float = 2.0) -> str:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(word.encode())
        chunks = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return b"".join(chunks).decode(errors="replace")
            chunks.append(chunk)


def server_mode(host: str, port: int) -> str:
    for line in four_letter_word(host, port, "srvr").splitlines():
        if line.startswith("Mode:"):
            return line.split(":", 1)[1].strip()
    return ""


class ZooKeeperNode(Service):
    """One ZooKeeper server; part of an ensemble when ``peers`` lists every member as
    (id, quorum port, election port)."""

    name = "zookeeper"
    host = "127.0.0.1"

    def __init__(self, workdir: Path, myid: int = 1, client_port: int | None = None,
                 peers: Sequence[tuple[int, int, int]] = ()) -> None:
        self.name = f"zookeeper-{myid}"
        super().__init__(workdir)
        self.myid = myid
        self.client_port = client_port or free_port()
        self.peers = list(peers)
        self.data_dir = self.workdir / "data"

    @property
    def hosts(self) -> str:
        return f"{self.host}:{self.client_port}"

    def prepare(self) -> None:
        for jar in ZOOKEEPER_JARS:
            if not Path(jar).exists():
                raise ServiceError(f"{jar} is missing: install Debian's zookeeper and libslf4j-java packages")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            "tickTime=500",
            "initLimit=20",
            "syncLimit=10",
            f"dataDir={self.data_dir}",
            f"clientPort={self.client_port}",
            f"clientPortAddress={self.host}",
            "admin.enableServer=false",
            "4lw.commands.whitelist=srvr,ruok,mntr,stat",
        ]
        if self.peers:
            (self.data_dir / "myid").write_text(f"{self.myid}\n")
            lines += [f"server.{sid}={self.host}:{quorum}:{election}" for sid, quorum, election in self.peers]
        (self.workdir / "zoo.cfg").write_text("\n".join(lines) + "\n")

    def command(self) -> list[str]:
        return ["java", "-Xmx192m", "-Xss512k", "-cp", ":".join(ZOOKEEPER_JARS),
                "-Dzookeeper.jmx.log4j.disable=true",
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(self.workdir / "zoo.cfg")]

    def healthy(self) -> bool:
        mode = server_mode(self.host, self.client_port)
        return mode in QUORUM_MODES if self.peers else mode == "standalone"

    def endpoints(self) -> dict:
        return {"hosts": self.hosts}


class ZooKeeperEnsemble:
    """Three ZooKeeper nodes forming one quorum; healthy when one leader and two followers answer."""

    name = "zookeeper-ensemble"

    def __init__(self, workdir: Path, size: int = 3) -> None:
        peers = [(sid, free_port(), free_port()) for sid in range(1, size + 1)]
        self.nodes = [ZooKeeperNode(Path(workdir) / f"node{sid}", sid, peers=peers)
                      for sid, _quorum, _election in peers]

    @property
    def hosts(self) -> str:
        return ",".join(node.hosts for node in self.nodes)

    @property
    def running(self) -> bool:
        return all(node.running for node in self.nodes)

    def start(self, timeout: float = 90.0) -> "ZooKeeperEnsemble":
        # A node is healthy only once a quorum exists, so all must be launched before any health wait.
        for node in self.nodes:
            node.launch()
        try:
            for node in self.nodes:
                node.wait_healthy(timeout)
        except ServiceError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def check_alive(self) -> None:
        for node in self.nodes:
            node.check_alive()

    def endpoints(self) -> dict:
        return {"hosts": self.hosts}

    def __enter__(self) -> "ZooKeeperEnsemble":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
