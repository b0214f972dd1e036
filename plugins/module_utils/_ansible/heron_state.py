# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the heron_* modules share about Heron's state: the ZooKeeper options (doc fragment heron.aurora._zookeeper),
and fail_from (of heron_errors, the one for every heron_* module) for the errors of module_utils._heron."""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._ansible.heron_errors import fail_from
from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError
from ansible_collections.heron.aurora.plugins.module_utils._heron.state import statemgr
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import DEFAULT_TIMEOUT, ZooKeeperOptions

__all__ = ["fail_from", "zookeeper_argument_spec", "zookeeper_options"]


def zookeeper_argument_spec() -> dict:
    return {
        "cluster": {"type": "str"},
        "config_path": {"type": "path"},
        "zk_hosts": {"type": "str"},
        "zk_root": {"type": "str"},
        "zk_timeout": {"type": "float", "default": DEFAULT_TIMEOUT},
        "zk_auth": {"type": "str", "no_log": True},
        "zk_use_tls": {"type": "bool", "default": False},
        "zk_ca_file": {"type": "path"},
        "zk_cert_file": {"type": "path"},
        "zk_key_file": {"type": "path"},
    }


def zookeeper_options(params: dict) -> ZooKeeperOptions:
    """The ZooKeeperOptions of the module's parameters (reading the cluster's statemgr.yaml as needed)."""
    problem = seconds_error("zk_timeout", params["zk_timeout"])
    if problem:
        raise HeronError(problem, option="zk_timeout")
    return statemgr.zookeeper_options(**{name: params.get(name) for name in zookeeper_argument_spec()})
