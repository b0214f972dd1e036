# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible glue of the aurora_* modules: the connection options (doc fragment heron.aurora._aurora) as an
argument spec and as the library's ConnectionOptions, and the errors of module_utils._aurora as fail_json results."""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraError,
    AuroraMissingLibrary,
    AuroraTasksFailed,
    AuroraTimeout,
)

LIBRARY_URLS = {
    "thriftpy2": "https://pypi.org/project/thriftpy2/",
    "pystachio": "https://pypi.org/project/pystachio/",
    "kazoo": "https://pypi.org/project/kazoo/",
    "requests": "https://pypi.org/project/requests/",
    "requests-kerberos": "https://pypi.org/project/requests-kerberos/",
}


def connection_argument_spec() -> dict:
    return {
        "scheduler_url": {"type": "str", "fallback": (env_fallback, ["AURORA_SCHEDULER_URL"])},
        "cluster": {"type": "str"},
        "clusters_file": {"type": "path"},
        "auth": {"type": "str", "choices": ["none", "basic", "kerberos"]},
        "username": {"type": "str", "fallback": (env_fallback, ["AURORA_USERNAME"])},
        "password": {"type": "str", "no_log": True, "fallback": (env_fallback, ["AURORA_PASSWORD"])},
        "request_timeout": {"type": "float", "default": 300},
        "retry_budget": {"type": "float", "default": 600},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
    }


def connection_options(params: dict, cluster: str | None = None) -> Any:
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import ConnectionOptions

    return ConnectionOptions(
        scheduler_url=params.get("scheduler_url"), cluster=cluster or params.get("cluster"),
        clusters_file=params.get("clusters_file"), auth=params.get("auth"), username=params.get("username"),
        password=params.get("password"), timeout=params.get("request_timeout"), retry_budget=params["retry_budget"],
        validate_certs=params["validate_certs"], ca_path=params.get("ca_path"))


def fail_from(module: Any, error: AuroraError, **result: Any) -> None:
    """fail_json for an error of module_utils._aurora, keeping what the module already knows in the result."""
    if isinstance(error, AuroraMissingLibrary):
        module.fail_json(msg=missing_required_lib(error.library, url=LIBRARY_URLS.get(error.library)),
                         exception=error.import_error, **result)
    message = str(error)
    if isinstance(error, (AuroraTimeout, AuroraTasksFailed)):
        result["diagnosis"] = error.diagnosis
    if isinstance(error, AuroraTimeout) and module.params.get("wait_timeout") is not None:
        # The library's wait got what was left of wait_timeout after the steps before it, and says so.
        message += f" (wait_timeout is {module.params['wait_timeout']:g} s, counted from the start of the task)"
    module.fail_json(msg=message, error_type=type(error).__name__, **result)
