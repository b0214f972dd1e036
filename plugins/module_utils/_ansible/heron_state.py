# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the heron_* modules share about Heron's state: the ZooKeeper options (doc fragment heron.aurora._zookeeper)
and the errors of module_utils._heron turned into fail_json results."""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError, HeronMissingLibrary
from ansible_collections.heron.aurora.plugins.module_utils._heron.state import statemgr
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import DEFAULT_TIMEOUT, ZooKeeperOptions

LIBRARY_URLS = {
    "kazoo": "https://pypi.org/project/kazoo/",
    "protobuf": "https://pypi.org/project/protobuf/",
    "PyYAML": "https://pypi.org/project/PyYAML/",
}


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
    if params["zk_timeout"] <= 0:
        raise HeronError(f"zk_timeout must be a positive number of seconds, not {params['zk_timeout']:g}",
                         option="zk_timeout")
    return statemgr.zookeeper_options(**{name: params.get(name) for name in zookeeper_argument_spec()})


def fail_from(module: Any, error: HeronError, **result: Any) -> None:
    """fail_json for an error of module_utils._heron, keeping what the module already knows in the result."""
    if isinstance(error, HeronMissingLibrary):
        module.fail_json(msg=missing_required_lib(error.library, url=LIBRARY_URLS.get(error.library)),
                         exception=error.message, **result)
    if error.option:
        result["option"] = error.option
    module.fail_json(msg=str(error), error_type=type(error).__name__, **result)
