# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Heron's ZooKeeper is, as the heron CLI finds it: the cluster's statemgr.yaml in
``<config_path>/<cluster>/``, whose connection string and root the ZooKeeper options can override."""

from __future__ import annotations

import os
import traceback
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronMissingLibrary
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import StateConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import (
    DEFAULT_ROOT,
    DEFAULT_TIMEOUT,
    ZooKeeperOptions,
)

STATEMGR_FILE = "statemgr.yaml"
STATE_MANAGER_KEY = "heron.class.state.manager"
CONNECTION_KEY = "heron.statemgr.connection.string"
ROOT_KEY = "heron.statemgr.root.path"
ZOOKEEPER_STATE_MANAGERS = (
    "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager",
    "com.twitter.heron.statemgr.zookeeper.curator.CuratorStateManager",  # Heron before 0.17.6
)
DEFAULT_CONFIG_PATH = "~/.heron/conf"


def zookeeper_options(cluster: str | None = None, config_path: str | None = None, zk_hosts: str | None = None,
                      zk_root: str | None = None, zk_timeout: float = DEFAULT_TIMEOUT, zk_auth: str | None = None,
                      zk_use_tls: bool = False, zk_ca_file: str | None = None, zk_cert_file: str | None = None,
                      zk_key_file: str | None = None) -> ZooKeeperOptions:
    """The options of one session.

    The cluster's statemgr.yaml is read when config_path is given or zk_hosts is not (config_path then defaults to
    ~/.heron/conf, as for the heron CLI), unless zk_hosts and zk_root together make it unnecessary; zk_hosts and
    zk_root win over the file. Without a file and without zk_root the root is Heron's usual /heron.
    """
    hosts, root = zk_hosts, zk_root
    if (config_path or not zk_hosts) and not (zk_hosts and zk_root):
        if not cluster:
            raise StateConfigError(f"set cluster (and config_path, if not {DEFAULT_CONFIG_PATH}) to read the "
                                   f"cluster's {STATEMGR_FILE}, or zk_hosts", option="cluster")
        path, file_hosts, file_root = read_statemgr(config_path or DEFAULT_CONFIG_PATH, cluster)
        if not (hosts or file_hosts):
            raise StateConfigError(f"{path} does not set {CONNECTION_KEY}: set it there or set zk_hosts",
                                   option="zk_hosts")
        hosts, root = hosts or file_hosts, root or file_root
    root = root or DEFAULT_ROOT
    if not root.startswith("/"):
        raise StateConfigError(f"the state root {root!r} is not an absolute ZooKeeper path", option="zk_root")
    if zk_use_tls and bool(zk_cert_file) != bool(zk_key_file):
        raise StateConfigError("zk_cert_file and zk_key_file go together", option="zk_cert_file")
    return ZooKeeperOptions(hosts=hosts, root=root.rstrip("/") or "/", timeout=zk_timeout, auth=zk_auth,
                            use_tls=zk_use_tls, ca_file=zk_ca_file, cert_file=zk_cert_file, key_file=zk_key_file)


def read_statemgr(config_path: str, cluster: str) -> tuple[str, str | None, str | None]:
    """The path of ``<config_path>/<cluster>/statemgr.yaml``, its connection string and its root (None where
    unset)."""
    cluster_dir = os.path.join(os.path.expanduser(config_path), cluster)
    if not os.path.isdir(cluster_dir):
        raise StateConfigError(f"Cluster config directory '{cluster_dir}' does not exist (config_path {config_path}, "
                               f"cluster {cluster})", option="config_path")
    path = os.path.join(cluster_dir, STATEMGR_FILE)
    settings = _load_yaml(path)
    manager = settings.get(STATE_MANAGER_KEY)
    if manager is not None and manager not in ZOOKEEPER_STATE_MANAGERS:
        raise StateConfigError(
            f"{path} sets {STATE_MANAGER_KEY} to {manager}: Heron keeps this cluster's state outside ZooKeeper, "
            f"which this collection cannot read; use {ZOOKEEPER_STATE_MANAGERS[0]}", option="config_path")
    hosts = _string(settings, CONNECTION_KEY, path)
    root = _string(settings, ROOT_KEY, path)
    if root is not None:
        root = _substitute_cluster(root, cluster, path)
    return path, hosts, root


def _load_yaml(path: str) -> dict:
    try:
        import yaml
    except ImportError:
        raise HeronMissingLibrary("PyYAML", traceback.format_exc(), f"to read {path}") from None
    try:
        with open(path, encoding="utf-8") as handle:
            loaded: Any = yaml.safe_load(handle)
    except FileNotFoundError:
        raise StateConfigError(f"{path} does not exist: the cluster conf dir has no {STATEMGR_FILE}",
                               option="config_path") from None
    except (OSError, yaml.YAMLError) as exc:
        raise StateConfigError(f"cannot read {path}: {exc}", option="config_path") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise StateConfigError(f"{path} is not a YAML mapping of Heron settings", option="config_path")
    return loaded


def _string(settings: dict, key: str, path: str) -> str | None:
    value = settings.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise StateConfigError(f"{key} in {path} must be a string, not {value!r}", option="config_path")
    return value.strip()


def _substitute_cluster(root: str, cluster: str, path: str) -> str:
    root = root.replace("${CLUSTER}", cluster)
    if "${" in root or root.startswith("~"):
        raise StateConfigError(f"{ROOT_KEY} in {path} ({root}) uses a token other than ${{CLUSTER}}: set zk_root",
                               option="zk_root")
    return root
