"""A real HDFS on loopback: one NameNode and one DataNode of Hadoop 3.4 in one small JVM.

The JVM runs our launcher tests/harness/hdfs/MiniHdfs.java on top of Hadoop's MiniDFSCluster, with WebHDFS,
extended attributes and permission checks on, as on a production cluster. Its jars come from Maven
(tests/harness/hdfs/pom.xml, resolved once into ~/.m2); the launcher is compiled into
<repo>/.cache/harness/hdfs/ whenever its source or the classpath changes.

Clients reach it in the two ways an Aurora agent does: WebHDFS at ``namenode_url`` and the ``hdfs`` command at
``hdfs_command`` (tests/harness/hdfs/bin/hdfs, Hadoop's own FsShell) with paths under ``fs_uri``.
The DataNode can be stopped and started while the NameNode keeps running (stop_datanode/start_datanode), so
tests can lose the storage in the middle of an upload.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import stat
import time
import urllib.request
from pathlib import Path
from typing import Iterator, Sequence

from .java import cache_lock, compile_sources, java_tool, resolved_classpath
from .service import Service, ServiceError, wait_for

HARNESS_DIR = Path(__file__).resolve().parent / "hdfs"
REPO_ROOT = HARNESS_DIR.parents[2]
CACHE_DIR = Path(os.environ.get("HDFS_HARNESS_CACHE", REPO_ROOT / ".cache" / "harness" / "hdfs"))
POM = HARNESS_DIR / "pom.xml"
LAUNCHER_SOURCE = HARNESS_DIR / "MiniHdfs.java"
LAUNCHER_CLASS = "MiniHdfs"
HDFS_COMMAND = HARNESS_DIR / "bin" / "hdfs"
SERVER_LOG_CONFIG = HARNESS_DIR / "log4j-server.properties"
CLASSPATH_FILE = CACHE_DIR / "classpath.txt"
CLASSES_DIR = CACHE_DIR / "classes"

HTTP_TIMEOUT = 5.0
JMX_NAMESYSTEM_STATE = "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"


# --- jars and launcher, prepared once and cached -------------------------------------------------

def prepare_classpath() -> str:
    """Resolve Hadoop's jars with Maven and compile the launcher, each only when its inputs changed.

    Returns the classpath of the launcher JVM. Safe to call from several processes at once.
    The `hdfs` script reads the same classpath file (CLASSPATH_FILE).
    """
    with cache_lock(CACHE_DIR):
        jars = resolved_classpath(POM, CLASSPATH_FILE)
        compile_sources([LAUNCHER_SOURCE], jars, CLASSES_DIR)
    return f"{CLASSES_DIR}{os.pathsep}{jars}"


# --- the cluster ------------------------------------------------------------------------------

class HdfsCluster(Service):
    """One NameNode and one DataNode in one JVM; data and ports survive stop()/start() of the same instance."""

    name = "hdfs"
    start_timeout = 120.0
    stop_timeout = 30.0
    datanode_timeout = 60.0
    control_timeout = 90.0

    def __init__(self, workdir: Path, rpc_port: int = 0, http_port: int = 0, heap: str = "384m") -> None:
        """Ports of 0 let the operating system choose; the chosen ones are kept for later restarts."""
        super().__init__(workdir)
        self.rpc_port = rpc_port
        self.http_port = http_port
        self.heap = heap
        self.data_dir = self.workdir / "data"
        self.ready_file = self.workdir / "ready.json"
        self.control_path = self.workdir / "control"
        self.results_path = self.workdir / "control.results"
        self.hdfs_command = str(HDFS_COMMAND)
        self.startup_seconds: float | None = None
        self._classpath: str | None = None
        self._ready: dict | None = None
        self._ports_in_use: tuple[int, int] | None = None
        self._command_ids = itertools.count(1)
        self._start_began = 0.0

    # --- where clients find it -----------------------------------------------------------------
    @property
    def namenode_url(self) -> str:
        """WebHDFS base URL (the NameNode's HTTP address)."""
        return f"http://127.0.0.1:{self._ready_value('http_port')}"

    @property
    def fs_uri(self) -> str:
        """File system URI for the `hdfs` command: hdfs://127.0.0.1:RPCPORT."""
        return f"hdfs://127.0.0.1:{self._ready_value('rpc_port')}"

    @property
    def superuser(self) -> str:
        """The user the NameNode runs as, which HDFS treats as its superuser."""
        return str(self._ready_value("user"))

    @property
    def hadoop_version(self) -> str:
        return str(self._ready_value("hadoop_version"))

    def endpoints(self) -> dict:
        return {
            "namenode_url": self.namenode_url,
            "fs_uri": self.fs_uri,
            "hdfs_command": self.hdfs_command,
            "superuser": self.superuser,
        }

    def _ready_value(self, key: str):
        if self._ready is None:
            raise ServiceError(f"{self.name} has not been started (no {self.ready_file})")
        return self._ready[key]

    # --- Service hooks ---------------------------------------------------------------------------
    def prepare(self) -> None:
        self._classpath = prepare_classpath()
        if self._ports_in_use is not None:
            # A restart keeps the ports, so that URLs handed out before stay valid.
            self.rpc_port, self.http_port = self._ports_in_use
        self._ready = None
        self.startup_seconds = None
        for stale in (self.ready_file, self.results_path):
            stale.unlink(missing_ok=True)
        if self.control_path.exists() and not stat.S_ISFIFO(self.control_path.stat().st_mode):
            self.control_path.unlink()
        if not self.control_path.exists():
            os.mkfifo(self.control_path, 0o600)
        self._start_began = time.monotonic()

    def command(self) -> Sequence[str]:
        return [
            java_tool("java"),
            f"-Xmx{self.heap}", "-Xms64m", "-Xss512k",
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djava.net.preferIPv4Stack=true",
            f"-Dlog4j.configuration=file:{SERVER_LOG_CONFIG}",
            f"-Dhdfs.harness.log.level={os.environ.get('HDFS_HARNESS_LOG_LEVEL', 'WARN')}",
            "-cp", self._classpath or "",
            LAUNCHER_CLASS,
            "--base-dir", str(self.data_dir),
            "--ready-file", str(self.ready_file),
            "--control", str(self.control_path),
            "--rpc-port", str(self.rpc_port),
            "--http-port", str(self.http_port),
            # Format only until a start got as far as the ready file: a restart finds its files again.
            "--format", "true" if self._ports_in_use is None else "false",
        ]

    def healthy(self) -> bool:
        if self._ready is None:
            if not self.ready_file.exists():
                return False
            self._ready = json.loads(self.ready_file.read_text())
            self._ports_in_use = (int(self._ready["rpc_port"]), int(self._ready["http_port"]))
        status = self._http_get(f"/webhdfs/v1/?op=GETFILESTATUS&user.name={self.superuser}")
        if status.get("FileStatus", {}).get("type") != "DIRECTORY" or self.live_datanodes() < 1:
            return False
        if self.startup_seconds is None:
            self.startup_seconds = time.monotonic() - self._start_began
        return True

    # --- DataNode control ------------------------------------------------------------------------
    def live_datanodes(self) -> int:
        """How many DataNodes the NameNode counts as live right now."""
        beans = self._http_get(JMX_NAMESYSTEM_STATE).get("beans", [])
        if not beans:
            raise ServiceError(f"{self.name}: the NameNode's JMX has no FSNamesystemState")
        return int(beans[0]["NumLiveDataNodes"])

    def stop_datanode(self, timeout: float | None = None) -> None:
        """Stop the DataNode; return once the NameNode counts no live DataNode (writes then fail at once)."""
        self._control("stop-datanode")
        self._wait_datanodes(lambda live: live == 0, "no live DataNode", timeout)

    def start_datanode(self, timeout: float | None = None) -> None:
        """Start the DataNode again; return once the NameNode counts it live (writes then succeed)."""
        self._control("start-datanode")
        self._wait_datanodes(lambda live: live >= 1, "a live DataNode", timeout)

    @contextlib.contextmanager
    def datanode_stopped(self) -> Iterator[None]:
        """Run a block with the DataNode stopped, and start it again however the block ends."""
        self.stop_datanode()
        try:
            yield
        finally:
            self.start_datanode()

    def _wait_datanodes(self, wanted, what: str, timeout: float | None) -> None:
        def reached() -> bool:
            self.check_alive()
            try:
                return wanted(self.live_datanodes())
            except (OSError, ValueError):
                return False

        budget = self.datanode_timeout if timeout is None else timeout
        if not wait_for(reached, budget, interval=0.2):
            raise self.error(f"NameNode did not report {what} within {budget:.0f} s")

    def _control(self, command: str) -> None:
        """Send one command to the launcher and wait, bounded, for its result line."""
        self.check_alive()
        if not self.running:
            raise ServiceError(f"{self.name} is not running")
        command_id = f"{os.getpid()}-{next(self._command_ids)}"
        deadline = time.monotonic() + self.control_timeout
        self._write_control_line(f"{command_id} {command}\n", deadline)
        while time.monotonic() < deadline:
            self.check_alive()
            result = self._control_result(command_id)
            if result == "ok":
                return
            if result is not None:
                raise self.error(f"refused '{command}': {result}")
            time.sleep(0.1)
        raise self.error(f"did not finish '{command}' within {self.control_timeout:.0f} s")

    def _write_control_line(self, line: str, deadline: float) -> None:
        # Non-blocking open fails (ENXIO) instead of hanging while the launcher is not reading the FIFO.
        while True:
            try:
                fd = os.open(self.control_path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                    raise self.error(f"control FIFO {self.control_path} not open for reading: {exc}") from exc
                self.check_alive()
                time.sleep(0.05)
                continue
            try:
                os.write(fd, line.encode())
                return
            finally:
                os.close(fd)

    def _control_result(self, command_id: str) -> str | None:
        try:
            lines = self.results_path.read_text().splitlines()
        except FileNotFoundError:
            return None
        for result_line in lines:
            found_id, separator, result = result_line.partition(" ")
            if separator and found_id == command_id:
                return result
        return None

    # --- HTTP ------------------------------------------------------------------------------------
    def _http_get(self, path: str) -> dict:
        with urllib.request.urlopen(self.namenode_url + path, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            return json.load(response)
