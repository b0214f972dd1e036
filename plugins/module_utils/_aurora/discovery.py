# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the Aurora scheduler is: clusters.json files, and the leader's announcement in ZooKeeper."""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import KazooException, NoNodeError
except ImportError:
    HAS_KAZOO = False
    KAZOO_IMPORT_ERROR: str | None = traceback.format_exc()

    class KazooException(Exception):  # type: ignore[no-redef]
        pass

    class NoNodeError(KazooException):  # type: ignore[no-redef]
        pass
else:
    HAS_KAZOO = True
    KAZOO_IMPORT_ERROR = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraDiscoveryError,
    AuroraError,
    AuroraInvalidParameter,
    AuroraMissingLibrary,
    AuroraNoLeader,
    AuroraZooKeeperUnreachable,
)

DEFAULT_CONFIG_ROOT = "/etc/aurora"
USER_CONFIG_DIR = "~/.aurora"
CLUSTERS_FILE_NAME = "clusters.json"
DEFAULT_ZK_PORT = 2181
MEMBER_PREFIX = "member_"
ZK_TIMEOUT_SECS = 10.0


def checked_url(option: str, url: str, error: type[AuroraError] = AuroraInvalidParameter) -> str:
    """``url`` without a trailing slash if it is a plain http(s) URL, else ``error`` naming ``option``.

    A URL with credentials (``user:password@host``) is refused without repeating it: it would be printed in every
    message and log line that names the scheduler."""
    if "@" in url:  # anywhere: a password with a "/" in it would end the netloc early
        raise error(f"{option} must not contain credentials (user:password@): give them with username and password "
                    "(AURORA_USERNAME, AURORA_PASSWORD) or in ~/.netrc")
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        raise error(f"{option} {url!r} contains a control character")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise error(f"{option} {url!r} must be an http:// or https:// URL with a host, "
                    "for example http://aurora.example.org:8081")
    if parts.query or parts.fragment:
        raise error(f"{option} {url!r} must not have a query (?...) or fragment (#...): give the scheduler's base URL")
    if not _has_valid_port(parts):
        raise error(f"{option} {url!r} has an invalid port")
    return url.rstrip("/")


def _has_valid_port(parts: Any) -> bool:
    try:
        return parts.port != 0  # None without a port; raises for a port that is not a number from 0 to 65535
    except ValueError:
        return False


@dataclass(frozen=True)
class Cluster:
    """One entry of clusters.json. Keys we do not use are kept in ``extra``."""

    name: str
    zk: str | None = None
    zk_port: int = DEFAULT_ZK_PORT
    scheduler_zk_path: str | None = None
    scheduler_uri: str | None = None
    auth_mechanism: str = "UNAUTHENTICATED"
    proxy_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], source: str) -> "Cluster":
        known = {"name", "zk", "zk_port", "scheduler_zk_path", "scheduler_uri", "auth_mechanism", "proxy_url"}
        try:
            zk_port = int(entry.get("zk_port") or DEFAULT_ZK_PORT)
        except (TypeError, ValueError):
            raise AuroraDiscoveryError(
                f"{source}: cluster {entry.get('name')}: zk_port {entry.get('zk_port')!r} is not a number") from None
        return cls(
            name=str(entry["name"]),
            zk=entry.get("zk") or None,
            zk_port=zk_port,
            scheduler_zk_path=entry.get("scheduler_zk_path") or None,
            scheduler_uri=entry.get("scheduler_uri") or None,
            auth_mechanism=str(entry.get("auth_mechanism") or "UNAUTHENTICATED").upper(),
            proxy_url=entry.get("proxy_url") or None,
            extra={k: v for k, v in entry.items() if k not in known},
        )

    @property
    def zk_hosts(self) -> str:
        """The connection string for kazoo: each host of ``zk`` with ``zk_port`` unless it names its own port."""
        hosts = [host.strip() for host in (self.zk or "").split(",") if host.strip()]
        return ",".join(host if ":" in host else f"{host}:{self.zk_port}" for host in hosts)


def default_cluster_files(environ: Mapping[str, str] | None = None) -> list[str]:
    """Where the stock client looks, in order; a later file overrides clusters of the same name."""
    environ = os.environ if environ is None else environ
    root = environ.get("AURORA_CONFIG_ROOT") or DEFAULT_CONFIG_ROOT
    return [os.path.join(root, CLUSTERS_FILE_NAME),
            os.path.join(os.path.expanduser(USER_CONFIG_DIR), CLUSTERS_FILE_NAME)]


def read_clusters_file(path: str) -> list[Cluster]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise AuroraDiscoveryError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise AuroraDiscoveryError(f"{path} is not valid JSON: {exc}") from None
    if isinstance(document, dict):
        entries = list(document.values())
    elif isinstance(document, list):
        entries = document
    else:
        raise AuroraDiscoveryError(f"{path} must hold a list (or a map) of clusters")
    clusters = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise AuroraDiscoveryError(f"{path}: each cluster must be a JSON object, got {type(entry).__name__}")
        if "name" in entry:  # as the stock client does, entries without a name are ignored
            clusters.append(Cluster.from_entry(entry, path))
    return clusters


def load_clusters(clusters_file: str | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Cluster]:
    """Clusters by name: from ``clusters_file`` alone when given, else from the default files that exist."""
    if clusters_file:
        paths = [clusters_file]
    else:
        paths = [path for path in default_cluster_files(environ) if os.path.exists(path)]
    clusters: dict[str, Cluster] = {}
    for path in paths:
        for cluster in read_clusters_file(path):
            clusters[cluster.name] = cluster
    return clusters


def find_cluster(name: str, clusters_file: str | None = None, environ: Mapping[str, str] | None = None) -> Cluster:
    clusters = load_clusters(clusters_file, environ)
    if name not in clusters:
        searched = clusters_file or " and ".join(default_cluster_files(environ))
        known = ", ".join(sorted(clusters)) or "none"
        raise AuroraDiscoveryError(
            f"unknown Aurora cluster {name!r} (looked in {searched}; known clusters: {known}); "
            "give scheduler_url, or clusters_file with an entry for it")
    return cluster_with_checks(clusters[name])


def cluster_with_checks(cluster: Cluster) -> Cluster:
    for option, url in (("scheduler_uri", cluster.scheduler_uri), ("proxy_url", cluster.proxy_url)):
        if url:
            checked_url(f"clusters.json: cluster {cluster.name}: {option}", url, AuroraDiscoveryError)
    if cluster.zk and not cluster.scheduler_zk_path:
        raise AuroraDiscoveryError(f"cluster {cluster.name} sets zk but not scheduler_zk_path")
    if not cluster.zk and not cluster.scheduler_uri:
        raise AuroraDiscoveryError(f"cluster {cluster.name} sets neither zk nor scheduler_uri")
    return cluster


def _sequence(member: str) -> int:
    suffix = member[len(MEMBER_PREFIX):]
    return int(suffix) if suffix.isdigit() else -1


def endpoint_url(announcement: Mapping[str, Any]) -> str:
    """The scheduler's HTTP base URL from a member node's JSON (https preferred, as the stock client does)."""
    additional = announcement.get("additionalEndpoints") or {}
    for scheme in ("https", "http"):
        endpoint = additional.get(scheme)
        if endpoint and endpoint.get("host") and endpoint.get("port"):
            return checked_url("the announced endpoint", f"{scheme}://{endpoint['host']}:{int(endpoint['port'])}")
    service = announcement.get("serviceEndpoint") or {}
    if service.get("host") and service.get("port"):
        return checked_url("the announced endpoint", f"http://{service['host']}:{int(service['port'])}")
    raise ValueError("the announcement names no http endpoint")


def leader_from_zookeeper(hosts: str, path: str, timeout: float = ZK_TIMEOUT_SECS,
                          client_factory: Callable[..., Any] | None = None) -> str:
    """The URL of the leading scheduler: the member_ node with the lowest sequence under ``path``."""
    if client_factory is None:
        if not HAS_KAZOO:
            raise AuroraMissingLibrary("kazoo", KAZOO_IMPORT_ERROR)
        client_factory = KazooClient
    zk = client_factory(hosts=hosts, timeout=timeout, read_only=True)
    try:
        try:
            zk.start(timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - kazoo's timeout type depends on its handler
            raise AuroraZooKeeperUnreachable(
                f"cannot reach ZooKeeper at {hosts}: {exc or type(exc).__name__}") from None
        return _read_leader(zk, hosts, path)
    finally:
        try:
            zk.stop()
            zk.close()
        except Exception:  # noqa: BLE001, S110 - closing a client that never connected must not hide the real error
            pass


def _read_leader(zk: Any, hosts: str, path: str) -> str:
    try:
        members = sorted((m for m in zk.get_children(path) if m.startswith(MEMBER_PREFIX)), key=_sequence)
    except NoNodeError:
        raise AuroraNoLeader(f"no scheduler has registered in ZooKeeper {hosts}: {path} does not exist") from None
    except KazooException as exc:
        raise AuroraZooKeeperUnreachable(f"cannot list {path} in ZooKeeper {hosts}: {exc}") from None
    problems = []
    for member in members:
        try:
            data, _stat = zk.get(f"{path.rstrip('/')}/{member}")
        except NoNodeError:  # the member left between listing and reading
            continue
        try:
            announcement = json.loads(data.decode("utf-8"))
            if str(announcement.get("status", "ALIVE")).upper() != "ALIVE":
                problems.append(f"{member} is {announcement.get('status')}")
                continue
            return endpoint_url(announcement)
        except (ValueError, AttributeError, TypeError, AuroraInvalidParameter) as exc:
            problems.append(f"{member}: {exc}")
    detail = f" ({'; '.join(problems)})" if problems else ""
    raise AuroraNoLeader(f"no scheduler leader is registered under {path} in ZooKeeper {hosts}{detail}")


class SchedulerLocator:
    """Gives the scheduler's base URL; ``refresh`` forgets a cached ZooKeeper answer (after a failover)."""

    def __init__(self, scheduler_url: str | None = None, cluster: Cluster | None = None,
                 zk_timeout: float = ZK_TIMEOUT_SECS) -> None:
        if not scheduler_url and cluster is None:
            raise AuroraDiscoveryError("give scheduler_url or a cluster to find the scheduler")
        self.cluster = cluster
        self._fixed = checked_url("scheduler_url", scheduler_url) if scheduler_url else None
        self._zk_timeout = zk_timeout
        self._cached: str | None = None

    @property
    def uses_zookeeper(self) -> bool:
        return self._fixed is None and self.cluster is not None and bool(self.cluster.zk)

    def url(self) -> str:
        if self._fixed:
            return self._fixed
        if self._cached is None:
            if self.cluster.zk:
                self._cached = leader_from_zookeeper(self.cluster.zk_hosts, self.cluster.scheduler_zk_path,
                                                     self._zk_timeout)
            else:
                self._cached = self.cluster.scheduler_uri.rstrip("/")  # checked by cluster_with_checks
        return self._cached

    def refresh(self) -> None:
        self._cached = None
