# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible glue of the stores: argument specs of the store options (documented by the doc fragments _storage_s3
and _storage_hdfs), and the choice of backend for a destination URI."""

from __future__ import annotations

from typing import Any, Callable

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.formatters import human_to_bytes

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import StorageBackend
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import InvalidInput
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location

S3_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "endpoint_url": {"type": "str", "aliases": ["aws_endpoint_url", "s3_url"],
                     "fallback": (env_fallback, ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])},
    "region": {"type": "str", "aliases": ["aws_region"],
               "fallback": (env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])},
    "access_key": {"type": "str", "aliases": ["aws_access_key_id", "aws_access_key"], "no_log": True,
                   "fallback": (env_fallback, ["AWS_ACCESS_KEY_ID"])},
    "secret_key": {"type": "str", "aliases": ["aws_secret_access_key", "aws_secret_key"], "no_log": True,
                   "fallback": (env_fallback, ["AWS_SECRET_ACCESS_KEY"])},
    "session_token": {"type": "str", "aliases": ["aws_session_token", "security_token"], "no_log": True,
                      "fallback": (env_fallback, ["AWS_SESSION_TOKEN"])},
    "profile": {"type": "str", "aliases": ["aws_profile"], "fallback": (env_fallback, ["AWS_PROFILE"])},
    "encryption": {"type": "str", "choices": ["AES256", "aws:kms"]},
    "kms_key_id": {"type": "str"},
    "validate_certs": {"type": "bool", "default": True},
    "ca_bundle": {"type": "path", "fallback": (env_fallback, ["AWS_CA_BUNDLE"])},
    "part_size": {"type": "raw", "default": "8MiB"},
    "concurrency": {"type": "int", "default": 4},
    "create_bucket": {"type": "bool", "default": False},
    "addressing_style": {"type": "str", "default": "auto", "choices": ["auto", "path", "virtual"]},
}

HDFS_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "namenode_url": {"type": "list", "elements": "str"},
    "hdfs_user": {"type": "str"},
    "kerberos": {"type": "bool", "default": False},
    "checksum_store": {"type": "str", "default": "auto", "choices": ["auto", "xattr", "sidecar"]},
}

FILE_ATTRIBUTE_SPEC: dict[str, dict[str, Any]] = {
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "mode": {"type": "raw"},
}


def parse_size(value: Any, option: str) -> int:
    """Bytes from an int or a human-readable size ('64MiB', '8M', '16777216')."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        return human_to_bytes(text.replace("iB", "B"))
    except ValueError:
        raise InvalidInput(option, f"{option} '{value}' is not a size: use bytes or a unit, e.g. 64MiB") from None


def credential(value: str | None, option: str) -> str | None:
    """A credential without the whitespace around it (a YAML '|' block ends it with a newline). One that still
    holds a character an HTTP header cannot carry is refused, and the message does not show it."""
    if value is None:
        return None
    cleaned = value.strip()
    if any(not " " <= character <= "~" for character in cleaned):
        raise InvalidInput(option, f"{option} contains a control character or one outside printable ASCII, which "
                                   "no credential has: check the value given (it is not shown here)")
    return cleaned or None


def build_backend(location: Location, params: dict, deadline: Deadline,
                  set_file_attributes: Callable[[str], bool] | None = None) -> StorageBackend:
    """The backend serving ``location``'s scheme, configured from the module parameters (every option of the
    argument specs present, as AnsibleModule gives them). Nothing is contacted yet."""
    if location.scheme == "s3":
        from ansible_collections.heron.aurora.plugins.module_utils._storage.s3 import S3Backend, S3Settings

        return S3Backend(deadline, S3Settings(
            endpoint_url=params["endpoint_url"],
            region=params["region"],
            access_key=credential(params["access_key"], "access_key"),
            secret_key=credential(params["secret_key"], "secret_key"),
            session_token=credential(params["session_token"], "session_token"),
            profile=params["profile"],
            encryption=params["encryption"],
            kms_key_id=credential(params["kms_key_id"], "kms_key_id"),
            validate_certs=params["validate_certs"],
            ca_bundle=params["ca_bundle"],
            part_size=parse_size(params["part_size"], "part_size"),
            concurrency=params["concurrency"],
            create_bucket=params["create_bucket"],
            addressing_style=params["addressing_style"],
            connect_timeout=min(S3Settings.connect_timeout, deadline.seconds),
            read_timeout=min(S3Settings.read_timeout, deadline.seconds),
        ))
    if location.scheme == "hdfs":
        from ansible_collections.heron.aurora.plugins.module_utils._storage.hdfs import HdfsBackend, HdfsSettings

        return HdfsBackend(deadline, HdfsSettings(
            namenode_urls=_split_urls(params["namenode_url"]),
            user=params["hdfs_user"],
            kerberos=params["kerberos"],
            validate_certs=params["validate_certs"],
            ca_bundle=params["ca_bundle"],
            owner=params["owner"],
            group=params["group"],
            mode=params["mode"],
            checksum_store=params["checksum_store"],
            connect_timeout=min(HdfsSettings.connect_timeout, deadline.seconds),
            request_timeout=min(HdfsSettings.request_timeout, deadline.seconds),
        ))
    from ansible_collections.heron.aurora.plugins.module_utils._storage.localfs import LocalFileBackend, check_file_mode

    check_file_mode(params["mode"])
    return LocalFileBackend(deadline, set_file_attributes)


def _split_urls(value: Any) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    urls: list[str] = []
    for item in items:
        urls.extend(part.strip() for part in str(item).replace(";", ",").split(",") if part.strip())
    return urls
