# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The YAML files of a conf dir, as dicts of Heron's keys, written out with PyYAML, and the keys Heron needs."""

from __future__ import annotations

import traceback
from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_YAML = True
    YAML_IMPORT_ERROR = None

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import (
    HeronConfigError,
    HeronConfigMissingLibrary,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.options import ConfDirOptions, Tunnel

HEADER = ("# Written by heron.aurora.heron_cluster_config: edit the task's options, not this file;\n"
          "# a change made here is overwritten on the next run.\n")
SECRET_KEYS = ("heron.uploader.s3.access_key", "heron.uploader.s3.secret_key")

# The socket settings between the checkpoint manager and its storage, as Heron ships them.
CKPTMGR_NETWORK = {
    "heron.ckptmgr.network.write.batch.size.bytes": 32768,
    "heron.ckptmgr.network.write.batch.time.ms": 16,
    "heron.ckptmgr.network.read.batch.size.bytes": 32768,
    "heron.ckptmgr.network.read.batch.time.ms": 16,
    "heron.ckptmgr.network.options.socket.send.buffer.size.bytes": 655360,
    "heron.ckptmgr.network.options.socket.receive.buffer.size.bytes": 655360,
    "heron.ckptmgr.network.options.maximum.packetsize.bytes": 10485760,
}


def require_yaml() -> None:
    if not HAS_YAML:
        raise HeronConfigMissingLibrary("PyYAML", YAML_IMPORT_ERROR, "to write a Heron conf dir")


def _tunnel_keys(prefix: str, tunnel: Tunnel) -> dict:
    keys = {
        f"heron.{prefix}.is.tunnel.needed": tunnel.needed,
        f"heron.{prefix}.tunnel.connection.timeout.ms": tunnel.connection_timeout_ms,
        f"heron.{prefix}.tunnel.connection.retry.count": tunnel.connection_retry_count,
        f"heron.{prefix}.tunnel.retry.interval.ms": tunnel.retry_interval_ms,
        f"heron.{prefix}.tunnel.verify.count": tunnel.verify_count,
    }
    if tunnel.host:
        keys[f"heron.{prefix}.tunnel.host"] = tunnel.host
    return keys


def scheduler_yaml(options: ConfDirOptions) -> dict:
    version = options.version
    if options.scheduler == "local":
        keys = {
            "heron.class.scheduler": version.java_class("scheduler.local.LocalScheduler"),
            "heron.class.launcher": version.java_class("scheduler.local.LocalLauncher"),
            "heron.scheduler.local.working.directory": options.local_working_directory,
            "heron.package.core.uri": options.core_package_uri,
            "heron.directory.sandbox.java.home": options.java_home,
        }
    else:
        aurora = options.aurora.settings
        keys = {
            "heron.class.scheduler": version.java_class("scheduler.aurora.AuroraScheduler"),
            "heron.class.launcher": version.java_class("scheduler.aurora.AuroraLauncher"),
            "heron.package.core.uri": options.core_package_uri,
            "heron.directory.sandbox.java.home": options.java_home,
            "heron.scheduler.is.service": False,
            "heron.scheduler.job.max.kill.attempts": aurora["max_kill_attempts"],
            "heron.scheduler.job.kill.retry.interval.ms": aurora["kill_retry_interval_ms"],
            "heron.class.scheduler.aurora.controller.cli": aurora["controller_cli"],
            "heron.scheduler.job.template": options.job_template_path,
        }
    keys.update(_tunnel_keys("scheduler", options.scheduler_tunnel))
    return keys


def client_yaml(options: ConfDirOptions) -> dict:
    return {
        "heron.package.core.uri": options.core_package_uri,
        "heron.config.is.role.required": options.role_required,
        "heron.config.is.env.required": options.env_required,
    }


def statemgr_yaml(options: ConfDirOptions) -> dict:
    statemgr, version = options.statemgr, options.version
    settings = statemgr.settings
    if statemgr.kind == "localfs":
        return {
            "heron.class.state.manager": version.java_class("statemgr.localfs.LocalFileSystemStateManager"),
            "heron.statemgr.connection.string": "LOCALMODE",
            "heron.statemgr.root.path": settings["root_path"],
            "heron.statemgr.localfs.is.initialize.file.tree": settings["initialize_tree"],
        }
    keys = {
        "heron.class.state.manager": version.java_class("statemgr.zookeeper.curator.CuratorStateManager"),
        "heron.statemgr.connection.string": settings["connection_string"],
        "heron.statemgr.root.path": settings["root_path"],
        "heron.statemgr.zookeeper.is.initialize.tree": settings["initialize_tree"],
        "heron.statemgr.zookeeper.session.timeout.ms": settings["session_timeout_ms"],
        "heron.statemgr.zookeeper.connection.timeout.ms": settings["connection_timeout_ms"],
        "heron.statemgr.zookeeper.retry.count": settings["retry_count"],
        "heron.statemgr.zookeeper.retry.interval.ms": settings["retry_interval_ms"],
    }
    keys.update(_tunnel_keys("statemgr", statemgr.tunnel))
    return keys


def uploader_yaml(options: ConfDirOptions) -> dict:
    uploader, version = options.uploader, options.version
    settings = uploader.settings
    if uploader.kind == "hdfs":
        return {
            "heron.class.uploader": version.java_class("uploader.hdfs.HdfsUploader"),
            "heron.uploader.hdfs.config.directory": settings["config_directory"],
            "heron.uploader.hdfs.topologies.directory.uri": settings["topologies_directory_uri"],
        }
    if uploader.kind == "http":
        return {"heron.class.uploader": version.java_class("uploader.http.HttpUploader"),
                "heron.uploader.http.uri": settings["uri"]}
    if uploader.kind == "localfs":
        return {"heron.class.uploader": version.java_class("uploader.localfs.LocalFileSystemUploader"),
                "heron.uploader.localfs.file.system.directory": settings["directory"]}
    keys = {"heron.class.uploader": version.java_class("uploader.s3.S3Uploader"),
            "heron.uploader.s3.bucket": settings["bucket"],
            "heron.uploader.s3.path_prefix": settings["path_prefix"]}
    optional = {"access_key": "heron.uploader.s3.access_key", "secret_key": "heron.uploader.s3.secret_key",
                "aws_profile": "heron.uploader.s3.aws_profile", "region": "heron.uploader.s3.region",
                "endpoint_uri": "heron.uploader.s3.uri", "proxy_uri": "heron.uploader.s3.proxy_uri"}
    keys.update({key: settings[name] for name, key in optional.items() if settings[name]})
    return keys


def packing_yaml(options: ConfDirOptions) -> dict:
    round_robin = options.version.java_class("packing.roundrobin.RoundRobinPacking")
    return {"heron.class.packing.algorithm": options.packing["algorithm"] or round_robin,
            "heron.class.repacking.algorithm": options.packing["repacking_algorithm"] or round_robin}


def downloader_yaml(options: ConfDirOptions) -> dict:
    http = options.version.java_class("downloader.HttpDownloader")
    return {"heron.downloader.registry": {"http": http, "https": http,
                                          "file": options.version.java_class("downloader.FileDownloader")}}


def stateful_yaml(options: ConfDirOptions) -> dict:
    stateful, version = options.stateful, options.version
    if stateful["storage"] == "hdfs":
        keys = {"heron.statefulstorage.classname": version.java_class("statefulstorage.hdfs.HDFSStorage"),
                "heron.statefulstorage.config": {
                    "heron.statefulstorage.classpath": stateful["classpath"],
                    "heron.statefulstorage.hdfs.root.path": stateful["root_path"]}}
    else:
        keys = {"heron.statefulstorage.classname":
                version.java_class("statefulstorage.localfs.LocalFileSystemStorage"),
                "heron.statefulstorage.config": {
                    "heron.statefulstorage.localfs.root.path": stateful["root_path"] or
                    "~/.herondata/checkpoints"}}
    keys.update(CKPTMGR_NETWORK)
    return keys


BUILDERS = {
    "scheduler.yaml": scheduler_yaml, "client.yaml": client_yaml, "statemgr.yaml": statemgr_yaml,
    "uploader.yaml": uploader_yaml, "packing.yaml": packing_yaml, "downloader.yaml": downloader_yaml,
    "stateful.yaml": stateful_yaml,
}


def file_keys(options: ConfDirOptions) -> dict[str, dict]:
    """Every generated YAML file as a dict of keys, with the operator's ``extra`` keys merged in last."""
    files = {name: build(options) for name, build in BUILDERS.items()}
    for name, keys in options.extra.items():
        files[name].update(keys)
    return files


def dump(keys: dict) -> bytes:
    require_yaml()
    text = yaml.safe_dump(keys, default_flow_style=False, sort_keys=False, allow_unicode=True, width=1000)
    return (HEADER + text).encode("utf-8")


def load(data: bytes, name: str) -> Any:
    require_yaml()
    try:
        return yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise HeronConfigError(f"{name} is not valid YAML: {exc}", file=name) from None


def masked(data: bytes) -> str:
    """The text of a YAML file with its secret values starred out, for diffs."""
    lines = []
    for line in data.decode("utf-8", "replace").splitlines(keepends=True):
        key = line.split(":", 1)[0].strip()
        if key in SECRET_KEYS and ":" in line:
            line = f"{line.split(':', 1)[0]}: '********'\n"
        lines.append(line)
    return "".join(lines)
