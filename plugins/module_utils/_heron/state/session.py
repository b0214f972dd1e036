# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ZooKeeper session (kazoo) per module run, with every call bounded by the same timeout.

kazoo reconnects to another member of the ensemble by itself; what this module adds is a deadline on getting a
session and on each call, and errors that name the hosts instead of a kazoo traceback.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronMissingLibrary
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.errors import (
    ZooKeeperAuthFailed,
    ZooKeeperUnavailable,
)

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import (
        AuthFailedError,
        KazooException,
        NoAuthError,
        NodeExistsError,
        NoNodeError,
        NotEmptyError,
    )
    from kazoo.handlers.threading import KazooTimeoutError
    from kazoo.retry import KazooRetry
    from kazoo.security import ACL, Id
except ImportError:
    KAZOO_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    KAZOO_IMPORT_ERROR = None

DEFAULT_ROOT = "/heron"
DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class ZooKeeperOptions:
    """Where Heron's state is and how to reach it. ``auth`` is ``user:password`` for the digest scheme."""

    hosts: str
    root: str = DEFAULT_ROOT
    timeout: float = DEFAULT_TIMEOUT
    auth: str | None = None
    use_tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


class ZooKeeperSession:
    """The calls the state package makes, each (a batch of reads too) within ``timeout`` seconds; a missing node is
    None or []."""

    def __init__(self, client: Any, options: ZooKeeperOptions) -> None:
        self._client = client
        self.options = options

    def get(self, path: str) -> bytes | None:
        return self.get_many([path])[path]

    def get_many(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """The data of each node of ``paths`` (None where there is none), all asked for at once: one round trip."""
        return {path: None if found is None else found[0]
                for path, found in self._collect(paths, self._client.get_async, "read").items()}

    def children(self, path: str) -> list[str]:
        return self.children_many([path])[path]

    def children_many(self, paths: Iterable[str]) -> dict[str, list[str]]:
        """The children of each node of ``paths``, sorted ([] where there is no node), all asked for at once."""
        return {path: sorted(found or [])
                for path, found in self._collect(paths, self._client.get_children_async, "list").items()}

    def _collect(self, paths: Iterable[str], request: Callable[[str], Any], verb: str) -> dict[str, Any]:
        """Send ``request`` for every path before waiting for any answer, then collect the answers, all within one
        ``timeout``; a missing node gives None."""
        pending = [(path, request(path)) for path in dict.fromkeys(paths)]
        deadline = time.monotonic() + self.options.timeout
        answers = {}
        for path, async_result in pending:
            try:
                answers[path] = self._wait(async_result, verb, path, max(deadline - time.monotonic(), 0.0))
            except NoNodeError:
                answers[path] = None
        return answers

    def create_or_set(self, path: str, data: bytes) -> None:
        """Create ``path`` (and its parents) with ``data``, or replace the data of an existing node."""
        try:
            self._wait(self._client.create_async(path, data, makepath=True), "create", path)
        except NodeExistsError:
            self._wait(self._client.set_async(path, data), "write", path)

    def acl(self, path: str) -> list[tuple[str, str, int]] | None:
        """The node's ACL as (scheme, id, permission bits) entries; None when there is no node."""
        try:
            entries, _stat = self._wait(self._client.get_acls_async(path), "read the ACL of", path)
        except NoNodeError:
            return None
        return [(entry.id.scheme, entry.id.id, entry.perms) for entry in entries]

    def create(self, path: str, acl: list[tuple[str, str, int]] | None = None) -> bool:
        """Create an empty node (its parent must exist), with ``acl`` or ZooKeeper's open ACL; False when it was
        there already."""
        try:
            self._wait(self._client.create_async(path, b"", acl=_kazoo_acl(acl)), "create", path)
        except NodeExistsError:
            return False
        return True

    def set_acl(self, path: str, acl: list[tuple[str, str, int]]) -> None:
        self._wait(self._client.set_acls_async(path, _kazoo_acl(acl)), "set the ACL of", path)

    def delete(self, path: str) -> bool:
        """Delete the node at ``path`` (it must have no children); False when there was none."""
        try:
            self._wait(self._client.delete_async(path), "delete", path)
        except NoNodeError:
            return False
        return True

    def _wait(self, async_result: Any, verb: str, path: str, timeout: float | None = None) -> Any:
        try:
            return async_result.get(timeout=self.options.timeout if timeout is None else timeout)
        except KazooTimeoutError:
            raise ZooKeeperUnavailable(
                f"ZooKeeper at {self.options.hosts} did not answer within {self.options.timeout:g} seconds "
                f"to {verb} {path} (lost quorum or connection?)", option="zk_hosts") from None
        except NoAuthError:
            raise ZooKeeperAuthFailed(
                f"ZooKeeper at {self.options.hosts} refused to {verb} {path}: not allowed by the node's ACL "
                "with these credentials (check zk_auth)", option="zk_auth") from None
        except (NoNodeError, NodeExistsError, NotEmptyError):
            raise
        except KazooException as exc:
            raise ZooKeeperUnavailable(
                f"ZooKeeper at {self.options.hosts} failed to {verb} {path}: {type(exc).__name__} {exc}",
                option="zk_hosts") from None


@contextlib.contextmanager
def zookeeper_session(options: ZooKeeperOptions) -> Iterator[ZooKeeperSession]:
    """A started session for the ``with`` block, closed after it; fails within ``options.timeout`` seconds."""
    if KAZOO_IMPORT_ERROR is not None:
        raise HeronMissingLibrary("kazoo", KAZOO_IMPORT_ERROR, "to reach ZooKeeper")
    client = KazooClient(**_client_arguments(options))
    try:
        client.start(timeout=options.timeout)
    except KazooTimeoutError:
        client.close()
        raise ZooKeeperUnavailable(
            f"no ZooKeeper session with {options.hosts} (zk_hosts) within {options.timeout:g} seconds (zk_timeout): "
            "no server answered, or the servers that answered have no quorum", option="zk_hosts") from None
    except AuthFailedError:
        client.close()
        raise ZooKeeperAuthFailed(f"ZooKeeper at {options.hosts} refused the credentials of zk_auth",
                                  option="zk_auth") from None
    except (OSError, ValueError) as exc:  # a TLS file that cannot be read, a malformed host list
        client.close()
        raise ZooKeeperUnavailable(f"cannot connect to ZooKeeper at {options.hosts}: {exc}",
                                   option="zk_hosts") from None
    try:
        yield ZooKeeperSession(client, options)
    finally:
        client.stop()
        client.close()


def _kazoo_acl(acl: list[tuple[str, str, int]] | None) -> list | None:
    return None if acl is None else [ACL(perms, Id(scheme, identity)) for scheme, identity, perms in acl]


def _client_arguments(options: ZooKeeperOptions) -> dict:
    arguments: dict = {
        "hosts": options.hosts,
        "timeout": options.timeout,
        # Keep trying the members of the ensemble until start()'s deadline, with short pauses.
        "connection_retry": KazooRetry(max_tries=-1, delay=0.1, max_delay=1.0),
    }
    if options.auth:
        arguments["auth_data"] = [("digest", options.auth)]
    if options.use_tls:
        arguments.update(use_ssl=True, verify_certs=True, ca=options.ca_file, certfile=options.cert_file,
                         keyfile=options.key_file)
    return arguments
