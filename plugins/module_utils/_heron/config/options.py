# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a conf dir, checked for what no single key can tell: choices that do not fit together.

``ConfDirOptions.from_dict`` takes the module's options (a dict shaped like the module's argument spec, whose
defaults are the constants here) and raises HeronConfigError naming the option to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ansible_collections.heron.aurora.plugins.module_utils._heron.config import fetch as fetch_mod
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.uris import scheme_of
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.versions import HeronVersion

SCHEDULERS = ("aurora", "local")
UPLOADERS = ("hdfs", "s3", "http", "localfs")
STATE_MANAGERS = ("zookeeper", "localfs")
STATEFUL_STORAGES = ("localfs", "hdfs")
FETCH_CHOICES = ("auto",) + fetch_mod.TOOLS
YAML_FILES = ("scheduler.yaml", "client.yaml", "statemgr.yaml", "uploader.yaml", "packing.yaml",
              "downloader.yaml", "stateful.yaml")
# Long and release-specific: copied from a Heron release, never written from scratch.
RELEASE_FILES = ("heron_internals.yaml", "metrics_sinks.yaml")
JOB_TEMPLATE = "heron.aurora"

AURORA_JAVA_HOME = "/usr/lib/jvm/java-1.8.0-openjdk-amd64/"
LOCAL_JAVA_HOME = "${JAVA_HOME}"
LOCAL_WORKING_DIRECTORY = "${HOME}/.herondata/topologies/${CLUSTER}/${ROLE}/${TOPOLOGY}"
LOCALFS_STATE_ROOT = "${HOME}/.herondata/repository/state/${CLUSTER}"
LOCALFS_UPLOAD_DIRECTORY = "${HOME}/.herondata/repository/topologies/${CLUSTER}/${ROLE}/${TOPOLOGY}"
ZOOKEEPER_ROOT = "/heron"
STATEFUL_ROOT = "~/.herondata/checkpoints"
FILE_MODE = "0644"
SECRET_FILE_MODE = 0o600

TUNNEL_DEFAULTS = {"needed": False, "host": None, "connection_timeout_ms": 1000, "connection_retry_count": 2,
                   "retry_interval_ms": 1000, "verify_count": 10}
ZOOKEEPER_DEFAULTS = {"connection_string": None, "root_path": ZOOKEEPER_ROOT, "initialize_tree": True,
                      "session_timeout_ms": 30000, "connection_timeout_ms": 30000, "retry_count": 10,
                      "retry_interval_ms": 10000, "tunnel": None}
LOCALFS_STATE_DEFAULTS = {"root_path": LOCALFS_STATE_ROOT, "initialize_tree": True}
S3_DEFAULTS = {"bucket": None, "path_prefix": "/", "access_key": None, "secret_key": None, "aws_profile": None,
               "region": None, "endpoint_uri": None, "proxy_uri": None}
HDFS_DEFAULTS = {"config_directory": None, "topologies_directory_uri": None}
HTTP_DEFAULTS = {"uri": None}
LOCALFS_UPLOAD_DEFAULTS = {"directory": LOCALFS_UPLOAD_DIRECTORY}
PACKING_DEFAULTS = {"algorithm": None, "repacking_algorithm": None}
STATEFUL_DEFAULTS = {"storage": "localfs", "root_path": None, "classpath": None}
HEALTH_CHECK_DEFAULTS = {"endpoint": "/health", "expected_response": "ok", "expected_response_code": 200,
                         "initial_interval_secs": 30, "interval_secs": 10, "max_consecutive_failures": 2,
                         "timeout_secs": 5}
RESOURCES_DEFAULTS = {"cpu": "{{CPUS_PER_CONTAINER}}", "ram": "{{RAM_PER_CONTAINER}}",
                      "disk": "{{DISK_PER_CONTAINER}}"}
ANNOUNCE_PORTMAP = {"admin": "http", "health": "http"}
AURORA_DEFAULTS = {
    "controller_cli": True, "max_kill_attempts": 5, "kill_retry_interval_ms": 2000,
    "core_fetch": "auto", "topology_fetch": "auto", "curl_retries": 5, "hdfs_command": "hdfs",
    "aws_command": "aws", "s3_endpoint_url": None, "s3_region": None,
    "resources": None, "health_check": None, "announce_portmap": None, "production": False, "tier": None,
    "constraints": None, "metadata": None, "extra_processes": None,
}


def merged(defaults: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict:
    """``given`` over ``defaults``, where a None in ``given`` means 'not set'."""
    result = dict(defaults)
    for key, value in (given or {}).items():
        if value is not None:
            result[key] = value
    return result


def _exactly_one(value: Mapping[str, Any] | None, choices: tuple[str, ...], option: str) -> tuple[str, dict]:
    chosen = [name for name in choices if (value or {}).get(name) is not None]
    if len(chosen) != 1:
        raise HeronConfigError(f"{option} takes exactly one of {', '.join(choices)}; got "
                               f"{', '.join(chosen) if chosen else 'none'}", option=option)
    return chosen[0], dict(value[chosen[0]])


@dataclass
class Tunnel:
    needed: bool
    host: str | None
    connection_timeout_ms: int
    connection_retry_count: int
    retry_interval_ms: int
    verify_count: int

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None, option: str) -> "Tunnel":
        tunnel = cls(**merged(TUNNEL_DEFAULTS, value))
        if tunnel.needed and not tunnel.host:
            raise HeronConfigError(f"{option}.host is required when {option}.needed is true", option=f"{option}.host")
        return tunnel


@dataclass
class StateManager:
    kind: str
    settings: dict
    tunnel: Tunnel | None = None

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None) -> "StateManager":
        kind, given = _exactly_one(value, STATE_MANAGERS, "statemgr")
        if kind == "localfs":
            return cls(kind, merged(LOCALFS_STATE_DEFAULTS, given))
        settings = merged(ZOOKEEPER_DEFAULTS, given)
        if not settings["connection_string"]:
            raise HeronConfigError("statemgr.zookeeper.connection_string is required, e.g. zk1:2181,zk2:2181,zk3:2181",
                                   option="statemgr.zookeeper.connection_string")
        root = settings["root_path"]
        # Heron appends "/<dir>/<name>" to the root, so "/" would give "//topologies/...", which ZooKeeper refuses.
        if not root.startswith("/") or root.endswith("/"):
            raise HeronConfigError(f"statemgr.zookeeper.root_path {root!r} must be an absolute ZooKeeper path "
                                   "other than / and without a trailing slash, e.g. /heron",
                                   option="statemgr.zookeeper.root_path")
        return cls(kind, settings, Tunnel.from_dict(settings.pop("tunnel"), "statemgr.zookeeper.tunnel"))


@dataclass
class Uploader:
    kind: str
    settings: dict

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None) -> "Uploader":
        kind, given = _exactly_one(value, UPLOADERS, "uploader")
        defaults = {"hdfs": HDFS_DEFAULTS, "s3": S3_DEFAULTS, "http": HTTP_DEFAULTS,
                    "localfs": LOCALFS_UPLOAD_DEFAULTS}[kind]
        uploader = cls(kind, merged(defaults, given))
        getattr(uploader, f"_check_{kind}")()
        return uploader

    def _require(self, key: str, example: str) -> Any:
        if not self.settings.get(key):
            option = f"uploader.{self.kind}.{key}"
            raise HeronConfigError(f"{option} is required, e.g. {example}", option=option)
        return self.settings[key]

    def _check_hdfs(self) -> None:
        self._require("config_directory", "/etc/hadoop/conf")
        uri = self._require("topologies_directory_uri", "hdfs:///heron/topologies/${CLUSTER}")
        if not uri.startswith("hdfs://"):
            raise HeronConfigError(f"uploader.hdfs.topologies_directory_uri {uri!r} must be an hdfs:// URI: the "
                                   "HDFS uploader returns hdfs:// URIs, which agents fetch with hdfs dfs -get",
                                   option="uploader.hdfs.topologies_directory_uri")

    def _check_s3(self) -> None:
        self._require("bucket", "heron-topologies")
        keys = [self.settings[name] for name in ("access_key", "secret_key")]
        if any(keys) and not all(keys):
            missing = "secret_key" if keys[0] else "access_key"
            raise HeronConfigError(f"uploader.s3.{missing} is required with uploader.s3."
                                   f"{'access_key' if keys[0] else 'secret_key'}: Heron takes both or neither",
                                   option=f"uploader.s3.{missing}")
        if any(keys) and self.settings["aws_profile"]:
            raise HeronConfigError("uploader.s3.aws_profile and uploader.s3.access_key/secret_key exclude each "
                                   "other: give one", option="uploader.s3.aws_profile")

    def _check_http(self) -> None:
        uri = self._require("uri", "http://heron-apiserver:9000/api/v1/file/upload")
        if not uri.startswith(("http://", "https://")):
            raise HeronConfigError(f"uploader.http.uri {uri!r} must be an http(s) URL", option="uploader.http.uri")

    def _check_localfs(self) -> None:
        self._require("directory", LOCALFS_UPLOAD_DIRECTORY)

    @property
    def holds_secret(self) -> bool:
        return bool(self.settings.get("secret_key"))

    @property
    def topology_fetch_tool(self) -> str:
        """How agents fetch what this uploader stored, from the kind of URI it hands to Heron."""
        return {"hdfs": "hdfs", "s3": "aws_s3_url", "http": "curl", "localfs": "cp"}[self.kind]


@dataclass
class AuroraJob:
    """The choices of the generated heron.aurora and the Aurora keys of scheduler.yaml."""

    settings: dict
    fetch_tools: fetch_mod.FetchTools
    resources: dict
    health_check: dict
    announce_portmap: dict
    constraints: dict
    metadata: list
    extra_processes: list

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None, uploader: Uploader) -> "AuroraJob":
        settings = merged(AURORA_DEFAULTS, value)
        s3 = uploader.settings if uploader.kind == "s3" else {}
        tools = fetch_mod.FetchTools(
            curl_retries=settings["curl_retries"], hdfs_command=settings["hdfs_command"],
            aws_command=settings["aws_command"],
            s3_endpoint_url=settings["s3_endpoint_url"] or s3.get("endpoint_uri"),
            s3_region=settings["s3_region"] or s3.get("region"))
        job = cls(settings=settings, fetch_tools=tools,
                  resources=merged(RESOURCES_DEFAULTS, settings["resources"]),
                  health_check=merged(HEALTH_CHECK_DEFAULTS, settings["health_check"]),
                  announce_portmap=dict(settings["announce_portmap"] or ANNOUNCE_PORTMAP),
                  constraints={str(k): str(v) for k, v in (settings["constraints"] or {}).items()},
                  metadata=[dict(item) for item in settings["metadata"] or []],
                  extra_processes=[dict(item) for item in settings["extra_processes"] or []])
        job._check()
        return job

    def _check(self) -> None:
        for option in ("core_fetch", "topology_fetch"):
            if self.settings[option] not in FETCH_CHOICES:
                raise HeronConfigError(f"aurora.{option} must be one of {', '.join(FETCH_CHOICES)}",
                                       option=f"aurora.{option}")
        reserved = {package.process for package in fetch_mod.PACKAGES} | {fetch_mod.EXECUTOR_PROCESS,
                                                                          fetch_mod.PROFILER_PROCESS}
        names = []
        for index, process in enumerate(self.extra_processes):
            if not process.get("name") or not process.get("cmdline"):
                raise HeronConfigError(f"aurora.extra_processes[{index}] needs a name and a cmdline",
                                       option="aurora.extra_processes")
            if process["name"] in reserved or process["name"] in names:
                raise HeronConfigError(f"aurora.extra_processes[{index}]: the process name {process['name']!r} "
                                       "is taken", option="aurora.extra_processes")
            names.append(process["name"])
        for index, item in enumerate(self.metadata):
            if not item.get("key") or item.get("value") is None:
                raise HeronConfigError(f"aurora.metadata[{index}] needs a key and a value", option="aurora.metadata")


@dataclass
class ConfDirOptions:
    path: str
    cluster: str
    version: HeronVersion
    scheduler: str
    core_package_uri: str
    java_home: str
    statemgr: StateManager
    uploader: Uploader
    aurora: AuroraJob | None
    scheduler_tunnel: Tunnel
    local_working_directory: str
    packing: dict
    stateful: dict
    role_required: bool = True
    env_required: bool = True
    release_conf_dir: str | None = None
    heron_aurora_template: str | None = None
    extra: dict = field(default_factory=dict)
    mode: Any = FILE_MODE
    fetch_check_topology_uri: str | None = None

    @property
    def job_template_path(self) -> str | None:
        return os.path.join(self.path, JOB_TEMPLATE) if self.scheduler == "aurora" else None

    @classmethod
    def from_dict(cls, params: Mapping[str, Any]) -> "ConfDirOptions":
        path = os.path.abspath(os.path.expanduser(_required(params, "path")))
        cluster = _required(params, "cluster")
        if os.path.basename(os.path.normpath(path)) != cluster:
            raise HeronConfigError(
                f"the conf dir {path} must be named after the cluster {cluster!r}: Heron reads "
                f"<config path>/<cluster>/, so use path: {os.path.join(os.path.dirname(path), cluster)}",
                option="path")
        scheduler = params.get("scheduler") or "aurora"
        if scheduler not in SCHEDULERS:
            raise HeronConfigError(f"scheduler must be one of {', '.join(SCHEDULERS)}", option="scheduler")
        core_uri = _required(params, "core_package_uri")
        scheme_of(core_uri, "core_package_uri")
        statemgr = StateManager.from_dict(params.get("statemgr"))
        if scheduler == "aurora" and statemgr.kind == "localfs":
            raise HeronConfigError(
                "statemgr.localfs cannot serve scheduler aurora: the containers run on other machines and must "
                "reach the state in ZooKeeper; use statemgr.zookeeper", option="statemgr")
        uploader = Uploader.from_dict(params.get("uploader"))
        aurora = AuroraJob.from_dict(params.get("aurora"), uploader) if scheduler == "aurora" else None
        stateful = merged(STATEFUL_DEFAULTS, params.get("stateful"))
        if stateful["storage"] not in STATEFUL_STORAGES:
            raise HeronConfigError(f"stateful.storage must be one of {', '.join(STATEFUL_STORAGES)}",
                                   option="stateful.storage")
        if stateful["storage"] == "hdfs" and not (stateful["root_path"] and stateful["classpath"]):
            raise HeronConfigError("stateful.storage hdfs needs stateful.root_path and stateful.classpath "
                                   "(the Hadoop classpath, e.g. $(hadoop --config /etc/hadoop/conf classpath))",
                                   option="stateful")
        extra = dict(params.get("extra") or {})
        unknown = sorted(set(extra) - set(YAML_FILES))
        if unknown:
            raise HeronConfigError(f"extra names files this module does not write: {', '.join(unknown)}; it takes "
                                   f"{', '.join(YAML_FILES)}", option="extra")
        for name, keys in extra.items():
            if not isinstance(keys, Mapping):
                raise HeronConfigError(f"extra[{name!r}] must be a dict of keys", option="extra")
        topology_uri = params.get("fetch_check_topology_uri")
        if topology_uri:
            scheme_of(topology_uri, "fetch_check_topology_uri")
        template = params.get("heron_aurora_template")
        if template and scheduler != "aurora":
            raise HeronConfigError("heron_aurora_template is for scheduler aurora only", option="heron_aurora_template")
        return cls(
            path=path, cluster=cluster, version=HeronVersion.parse(_required(params, "heron_version")),
            scheduler=scheduler, core_package_uri=core_uri,
            java_home=params.get("java_home") or (AURORA_JAVA_HOME if scheduler == "aurora" else LOCAL_JAVA_HOME),
            statemgr=statemgr, uploader=uploader, aurora=aurora,
            scheduler_tunnel=Tunnel.from_dict(params.get("scheduler_tunnel"), "scheduler_tunnel"),
            local_working_directory=params.get("local_working_directory") or LOCAL_WORKING_DIRECTORY,
            packing=merged(PACKING_DEFAULTS, params.get("packing")), stateful=stateful,
            role_required=_flag(params, "role_required"), env_required=_flag(params, "env_required"),
            release_conf_dir=params.get("release_conf_dir"), heron_aurora_template=template, extra=extra,
            mode=params.get("mode") or FILE_MODE, fetch_check_topology_uri=topology_uri)


def _required(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise HeronConfigError(f"{name} is required", option=name)
    return value


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name)
    return True if value is None else bool(value)
