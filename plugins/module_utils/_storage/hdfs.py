# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hdfs:// store through WebHDFS (the ``hdfs`` library, HdfsCLI).

A file is streamed in chunks to a temporary name in the destination's directory, gets its sha256 recorded
(extended attribute ``user.sha256``, or a sidecar ``<name>.sha256`` where the NameNode has xattrs turned
off), its owner/group/mode, and only then is renamed over the destination in one NameNode operation
(RENAME with ``renameoptions=OVERWRITE``), so readers never see a partial file.

Several NameNode URLs may be given for HA: the library moves on from a standby (StandbyException) or an
unreachable NameNode to the next URL and stays with the one that answered.
"""

from __future__ import annotations

import contextlib
import getpass
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import (
    PutResult,
    StorageBackend,
    StoredObject,
    octal_mode,
    store_clock,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    DigestMismatch,
    InvalidInput,
    MissingLibrary,
    ObjectMissing,
    StorageError,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import (
    HashingChunks,
    SourceDigest,
    SourceFile,
    VerifiedDownload,
    clean_digest,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.retry import describe, retry_call
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import (
    CONTROL_CHARACTER,
    Location,
    check_service_url,
)

try:
    import requests
    from hdfs.client import InsecureClient, _Request
    from hdfs.util import HdfsError
except ImportError:  # pragma: no cover - reported at run time through MissingLibrary
    InsecureClient = None

XATTR_NAME = "user.sha256"
SIDECAR_SUFFIX = ".sha256"
# Temporary names of uploads in progress: .NAME.<12 hex digits>.tmp beside the destination.
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.tmp$")
# The body goes out with chunked transfer encoding, which copies each chunk once more to frame it: small
# chunks keep that copy in the CPU cache (4 MiB chunks measured 30% slower on 1 GiB, bench/upload_bench.py).
CHUNK_SIZE = 128 * 1024
TRANSIENT_REMOTE_EXCEPTIONS = frozenset({
    "RetriableException", "StandbyException", "SafeModeException", "ObserverRetryOnActiveException",
})
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
XATTRS_DISABLED_HINTS = ("xattrs.enabled", "XAttrs has been disabled", "Support for XAttrs")


class WebHdfsError(StorageError):
    """A WebHDFS call answered with an error status."""

    def __init__(self, message: str, status: int = 0, remote_exception: str | None = None,
                 option: str | None = None) -> None:
        super().__init__(message, option=option)
        self.status = status
        self.remote_exception = remote_exception

    @property
    def xattrs_disabled(self) -> bool:
        return any(hint in self.message for hint in XATTRS_DISABLED_HINTS)


@dataclass(frozen=True)
class HdfsSettings:
    namenode_urls: list[str] = field(default_factory=list)
    user: str | None = None
    kerberos: bool = False
    validate_certs: bool = True
    ca_bundle: str | None = None
    owner: str | None = None
    group: str | None = None
    mode: Any = None
    checksum_store: str = "auto"
    chunk_size: int = CHUNK_SIZE
    connect_timeout: float = 10.0
    request_timeout: float = 60.0

    @property
    def verify(self) -> bool | str:
        """What requests verifies TLS with, passed on every request: a Session's own setting would give way to
        REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE from the environment."""
        return (self.ca_bundle or True) if self.validate_certs else False


def normalize_mode(mode: Any) -> str | None:
    """HDFS permissions are octal: 0644, '0644', '644' and '0o644' all mean rw-r--r--."""
    if mode is None or mode == "":
        return None
    value = octal_mode(mode)
    if value is None:
        raise InvalidInput("mode", f"mode '{mode}' is not an octal permission; HDFS takes octal modes "
                                   "such as '0644' (quote it in YAML)")
    if value < 0 or value > 0o1777:
        raise InvalidInput("mode", f"mode {mode!r} is out of range for HDFS (0000 to 1777)")
    return format(value, "o")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, WebHdfsError):
        return exc.status in TRANSIENT_STATUS or exc.remote_exception in TRANSIENT_REMOTE_EXCEPTIONS
    if InsecureClient is not None:
        if isinstance(exc, HdfsError):
            return getattr(exc, "exception", None) in TRANSIENT_REMOTE_EXCEPTIONS
        if isinstance(exc, requests.exceptions.SSLError):
            return False
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            requests.exceptions.ChunkedEncodingError)):
            return True
    return isinstance(exc, ConnectionError)


def _operation(method: str, name: str, **request_options) -> Callable:
    """A WebHDFS operation bound to nothing: call it as ``op(client, path, strict=False, **params)``."""
    return _Request(method, **request_options).to_method(name)


def permanent_failure(exc: BaseException, what: str, settings: HdfsSettings) -> StorageError:
    """The error to report for a request that cannot succeed by retrying it (TLS, an invalid URL or header)."""
    if isinstance(exc, requests.exceptions.SSLError):
        option = "ca_bundle" if settings.ca_bundle else "validate_certs"
        return InvalidInput(option, f"WebHDFS {what}: TLS with the NameNode or DataNode failed "
                                    f"({describe(exc)}): set ca_bundle to the CA that signed its certificate, or "
                                    "validate_certs: false for a test cluster")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.URLRequired,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return InvalidInput("namenode_url", f"WebHDFS {what}: the URL is not usable ({describe(exc)}): check "
                                            "namenode_url")
    return StorageError(f"WebHDFS {what} failed: {describe(exc)}")


class HdfsBackend(StorageBackend):
    name = "hdfs"

    def __init__(self, deadline: Deadline, settings: HdfsSettings) -> None:
        super().__init__(deadline)
        if InsecureClient is None:
            raise MissingLibrary("hdfs", "the hdfs:// backend needs the hdfs Python library (HdfsCLI) on the "
                                         "managed host")
        if not settings.namenode_urls:
            raise InvalidInput("namenode_url", "namenode_url is required for hdfs:// destinations: the WebHDFS "
                                               "base URL of the NameNode(s), for example http://namenode:9870")
        for url in settings.namenode_urls:
            check_service_url(url, "namenode_url", "use hdfs_user or kerberos")
        if settings.user is not None and CONTROL_CHARACTER.search(settings.user):
            raise InvalidInput("hdfs_user", "hdfs_user contains a control character (a newline from a YAML '|' "
                                            "block?): give the plain user name")
        if settings.checksum_store not in ("auto", "xattr", "sidecar"):
            raise InvalidInput("checksum_store", "checksum_store must be auto, xattr or sidecar")
        self.settings = settings
        self.mode = normalize_mode(settings.mode)
        self.client = self._make_client(settings)
        verify = settings.verify
        self._ops = {
            "status": _operation("GET", "GETFILESTATUS", verify=verify),
            "list": _operation("GET", "LISTSTATUS", verify=verify),
            "mkdirs": _operation("PUT", "MKDIRS", verify=verify),
            "create": _operation("PUT", "CREATE", allow_redirects=False, verify=verify),
            "open": _operation("GET", "OPEN", verify=verify),
            "read": _operation("GET", "OPEN", stream=True, verify=verify),
            "rename": _operation("PUT", "RENAME", verify=verify),
            "delete": _operation("DELETE", "DELETE", verify=verify),
            "set_owner": _operation("PUT", "SETOWNER", verify=verify),
            "set_permission": _operation("PUT", "SETPERMISSION", verify=verify),
            "get_xattrs": _operation("GET", "GETXATTRS", verify=verify),
            "set_xattr": _operation("PUT", "SETXATTR", verify=verify),
        }
        self._use_sidecar = settings.checksum_store == "sidecar"

    @staticmethod
    def _make_client(settings: HdfsSettings):
        session = requests.Session()
        url = ";".join(u.rstrip("/") for u in settings.namenode_urls)
        timeout = (settings.connect_timeout, settings.request_timeout)
        if settings.kerberos:
            try:
                from hdfs.ext.kerberos import KerberosClient
            except ImportError:
                raise MissingLibrary("requests-kerberos", "kerberos: true needs the requests-kerberos Python "
                                                          "library on the managed host", option="kerberos") from None
            return KerberosClient(url, proxy=settings.user or None, session=session, timeout=timeout)
        return InsecureClient(url, user=settings.user or getpass.getuser(), session=session, timeout=timeout)

    # --- plumbing -------------------------------------------------------------------------------------
    def _request(self, op: str, path: str, what: str, **params):
        """One NameNode call with retries; returns the response, or None for a missing path."""
        def attempt():
            try:
                response = self._ops[op](self.client, path, strict=False, **params)
            except requests.exceptions.RequestException as exc:
                if is_transient(exc):
                    raise
                raise permanent_failure(exc, f"{what} {path}", self.settings) from None
            except HdfsError as exc:
                # Raised by the library itself: after every NameNode was tried, or for HTTP 401.
                remote = getattr(exc, "exception", None)
                if remote in TRANSIENT_REMOTE_EXCEPTIONS:
                    raise
                raise WebHdfsError(f"WebHDFS {what} {path} failed: {exc}", remote_exception=remote) from None
            if response.status_code == 404:
                return None
            if not response.ok and response.status_code not in (307,):
                raise _error_from(response, f"{what} {path}")
            return response

        return retry_call(attempt, is_transient=is_transient, deadline=self.deadline, what=f"WebHDFS {what}")

    @staticmethod
    def _json(response, key: str) -> Any:
        """``key`` of a WebHDFS JSON answer; anything else answering 200 is not a NameNode."""
        try:
            return response.json()[key]
        except (ValueError, KeyError, TypeError):
            raise StorageError(f"the server at namenode_url answered HTTP {response.status_code} without the JSON a "
                               f"WebHDFS NameNode sends (no '{key}'): give the NameNode's WebHDFS address, for "
                               "example http://NAMENODE:9870", option="namenode_url") from None

    def _file_status(self, path: str) -> dict | None:
        response = self._request("status", path, "GETFILESTATUS")
        return None if response is None else self._json(response, "FileStatus")

    def _regular_file_status(self, location: Location) -> dict | None:
        status = self._file_status(location.path)
        if status is not None and status["type"] != "FILE":
            raise InvalidInput("dest", f"dest {location.uri} is a directory; give the full path of the file")
        return status

    def _fully_qualified(self, location: Location, path: str) -> str:
        return Location("hdfs", location.container, path).uri

    # --- interface ------------------------------------------------------------------------------------
    def prepare(self, location: Location, check_mode: bool) -> bool:
        directory = location.directory or "/"
        status = self._file_status(directory)
        if status is not None:
            if status["type"] != "DIRECTORY":
                raise InvalidInput("dest", f"{self._fully_qualified(location, directory)} (the directory of dest) "
                                           "is a file")
            return False
        if not check_mode:
            response = self._request("mkdirs", directory, "MKDIRS")
            if response is None or not self._json(response, "boolean"):
                raise StorageError(f"could not create directory {self._fully_qualified(location, directory)}")
        return True

    def stat(self, location: Location) -> StoredObject | None:
        status = self._regular_file_status(location)
        if status is None:
            return None
        return StoredObject(location, int(status["length"]), self._recorded_digest(location.path),
                            status["modificationTime"] / 1000.0)

    def put(self, source: SourceFile, location: Location, digest: SourceDigest) -> PutResult:
        temp_path = f"{location.directory or ''}/.{location.name}.{uuid.uuid4().hex[:12]}.tmp"
        chunks = digest.stream(self.settings.chunk_size)
        try:
            retry_call(lambda: self._write(chunks, temp_path), is_transient=is_transient,
                       deadline=self.deadline, what=f"WebHDFS write of {temp_path}")
            source.check_unchanged(chunks.bytes_read)
            sha256 = chunks.hexdigest
            recorded_in_xattr = not self._use_sidecar and self._record_in_xattr(temp_path, sha256)
            self._apply_attributes(temp_path, {}, check_mode=False)
            if not recorded_in_xattr:
                # The old sidecar must not outlive the old file: if the new sidecar cannot be written after the
                # rename, no sidecar (upload again next time) is safe, a stale one would vouch for other content.
                self._remove_sidecar(location.path)
            self._rename_over(temp_path, location.path)
        except BaseException:
            self._remove_quietly(temp_path)
            raise
        if recorded_in_xattr:
            self._remove_sidecar(location.path)
        else:
            self._write_sidecar(location, sha256)
        return PutResult(sha256, chunks.bytes_read, chunks.bytes_read)

    def download(self, location: Location, destination: str) -> StoredObject:
        with VerifiedDownload(location.uri, destination) as target:
            status = self._file_status(location.path)
            if status is None:
                raise ObjectMissing(location.uri)
            if status["type"] != "FILE":
                raise StorageError(f"{location.uri} is a directory: only files can be downloaded")
            recorded = self._recorded_digest(location.path)
            if recorded is None:
                raise DigestMismatch(location.uri, None, None)
            retry_call(lambda: self._read(location, target), is_transient=is_transient, deadline=self.deadline,
                       what=f"WebHDFS read of {location.uri}")
            sha256 = target.commit(recorded)
        return StoredObject(location, target.size, sha256, status["modificationTime"] / 1000.0)

    def delete(self, location: Location) -> bool:
        if self._regular_file_status(location) is None:
            return False
        self._request("delete", location.path, "DELETE", recursive="false")
        self._remove_sidecar(location.path)
        return True

    def list_matching(self, location: Location, pattern: re.Pattern,
                      leftovers_older_than: float | None = None) -> list[StoredObject]:
        listing = self._list_directory(location)
        if listing is None:
            return []
        statuses, now = listing
        if leftovers_older_than is not None:
            self._remove_listed_leftovers(location, statuses, pattern, now - leftovers_older_than)
        return [StoredObject(location.with_name(status["pathSuffix"]), int(status["length"]), None,
                             status["modificationTime"] / 1000.0)
                for status in statuses if status["type"] == "FILE" and pattern.match(status["pathSuffix"])]

    def remove_leftovers(self, location: Location, names: re.Pattern, older_than: float) -> None:
        try:
            listing = self._list_directory(location)
        except StorageError as exc:
            self._warn_leftovers_remain(location, exc)
            return
        if listing is not None:
            statuses, now = listing
            self._remove_listed_leftovers(location, statuses, names, now - older_than)

    def ensure_attributes(self, location: Location, check_mode: bool) -> bool:
        status = self._file_status(location.path)
        if status is None:
            return False
        return self._apply_attributes(location.path, status, check_mode)

    def close(self) -> None:
        self.client._session.close()

    # --- listing --------------------------------------------------------------------------------------
    def _list_directory(self, location: Location) -> tuple[list[dict], float] | None:
        """The FileStatus of every entry in ``location``'s directory and the NameNode's time, or None when the
        directory does not exist."""
        response = self._request("list", location.directory or "/", "LISTSTATUS")
        if response is None:
            return None
        return self._json(response, "FileStatuses")["FileStatus"], store_clock(response.headers.get("Date"))

    def _remove_listed_leftovers(self, location: Location, statuses: list[dict], names: re.Pattern,
                                 cutoff: float) -> None:
        directory = (location.directory or "/").rstrip("/")
        try:
            for status in statuses:
                match = TEMP_NAME.match(status["pathSuffix"])
                if (match and names.match(match.group("name")) and status["type"] == "FILE"
                        and status["modificationTime"] / 1000.0 < cutoff):
                    self._request("delete", f"{directory}/{status['pathSuffix']}", "DELETE", recursive="false")
        except StorageError as exc:
            self._warn_leftovers_remain(location, exc)

    def _warn_leftovers_remain(self, location: Location, exc: StorageError) -> None:
        self.warnings.append(f"could not remove the leftovers of interrupted uploads in "
                             f"{self._fully_qualified(location, location.directory or '/')}: {exc}")

    # --- writing --------------------------------------------------------------------------------------
    def _write(self, chunks: HashingChunks, path: str) -> None:
        params: dict[str, Any] = {"permission": self.mode} if self.mode else {}
        try:
            self._create(path, iter(chunks), f"write of {path} to the DataNode (are the DataNodes up?)", **params)
        except requests.exceptions.RequestException as exc:
            raise type(exc)(f"streaming {path} to the DataNode failed after {chunks.bytes_read} bytes "
                            f"(is a DataNode up?): {describe(exc)}") from exc

    def _create(self, path: str, data: Any, what: str, **params) -> None:
        """CREATE (or overwrite) ``path`` with ``data``, sent to the DataNode the NameNode redirects to."""
        response = self._request("create", path, "CREATE", overwrite="true", **params)
        target = response.headers.get("location") if response is not None else None
        if not target:
            raise StorageError(f"the NameNode did not redirect CREATE {path} to a DataNode, as WebHDFS does: is "
                               "namenode_url the NameNode's WebHDFS address?", option="namenode_url")
        try:
            written = self.client._request(method="PUT", url=target, data=data, verify=self.settings.verify)
        except requests.exceptions.RequestException as exc:
            if is_transient(exc):
                raise
            raise permanent_failure(exc, what, self.settings) from None
        if not written.ok:
            raise _error_from(written, what)

    # --- reading --------------------------------------------------------------------------------------
    def _read(self, location: Location, target: VerifiedDownload) -> None:
        """OPEN ``location`` (the NameNode redirects to a DataNode) and stream its bytes into ``target``."""
        target.restart()
        response = self._request("read", location.path, "OPEN")
        if response is None:
            raise ObjectMissing(location.uri)
        with contextlib.closing(response):
            try:
                for chunk in response.iter_content(self.settings.chunk_size):
                    target.write(chunk)
            except requests.exceptions.RequestException as exc:
                raise type(exc)(f"reading {location.path} from the DataNode failed after {target.size} bytes "
                                f"(is a DataNode up?): {describe(exc)}") from exc

    def _rename_over(self, temp_path: str, final_path: str) -> None:
        # OVERWRITE makes the NameNode replace an existing file in the same operation (Hadoop's rename2).
        if self._request("rename", temp_path, "RENAME", destination=final_path, renameoptions="OVERWRITE") is None:
            raise StorageError(f"could not rename {temp_path} over {final_path}: the temporary file is gone "
                               "(removed by someone else?); run the task again")

    def _remove_quietly(self, path: str) -> None:
        # Within what is left of the budget: a temporary file left behind is removed by a later run.
        try:
            self._request("delete", path, "DELETE", recursive="false")
        except Exception as exc:  # noqa: BLE001 - the original failure is what the task reports
            self.warnings.append(f"could not remove the temporary file {path}; a later run removes it once it is "
                                 f"older than grace_period: {describe(exc)}")

    def _apply_attributes(self, path: str, status: dict, check_mode: bool) -> bool:
        changed = False
        owner, group = self.settings.owner, self.settings.group
        if (owner and status.get("owner") != owner) or (group and status.get("group") != group):
            changed = True
            if not check_mode:
                params = {key: value for key, value in (("owner", owner), ("group", group)) if value}
                self._request("set_owner", path, "SETOWNER", **params)
        if self.mode and (not status or int(status.get("permission", "0"), 8) != int(self.mode, 8)):
            changed = True
            if not check_mode:
                self._request("set_permission", path, "SETPERMISSION", permission=self.mode)
        return changed

    # --- recorded digests -----------------------------------------------------------------------------
    def _recorded_digest(self, path: str) -> str | None:
        if not self._use_sidecar:
            try:
                digest = self._read_xattr(path)
            except WebHdfsError as exc:
                if not exc.xattrs_disabled or self.settings.checksum_store == "xattr":
                    raise
                self._use_sidecar = True
            else:
                if digest is not None or self.settings.checksum_store == "xattr":
                    return digest
        return self._read_sidecar(path)

    def _read_xattr(self, path: str) -> str | None:
        response = self._request("get_xattrs", path, "GETXATTRS", encoding="text")
        if response is None:
            return None
        for entry in self._json(response, "XAttrs"):
            if entry.get("name") == XATTR_NAME:
                return clean_digest(str(entry.get("value") or "").strip('"'))
        return None

    def _record_in_xattr(self, path: str, digest: str) -> bool:
        """Set user.sha256 on ``path``; False when the NameNode has xattrs turned off (and auto allows a sidecar)."""
        try:
            self._request("set_xattr", path, "SETXATTR", flag="CREATE",
                          **{"xattr.name": XATTR_NAME, "xattr.value": f'"{digest}"'})
        except WebHdfsError as exc:
            if exc.xattrs_disabled and self.settings.checksum_store == "auto":
                self._use_sidecar = True
                return False
            if exc.xattrs_disabled:
                raise StorageError(f"the NameNode has extended attributes turned off "
                                   f"(dfs.namenode.xattrs.enabled=false): set checksum_store to auto or sidecar "
                                   f"({exc})", option="checksum_store") from None
            raise
        return True

    def _read_sidecar(self, path: str) -> str | None:
        response = self._request("open", path + SIDECAR_SUFFIX, "OPEN")
        if response is None:
            return None
        return clean_digest(response.content[:200].decode("ascii", "replace").split(" ")[0])

    def _write_sidecar(self, location: Location, digest: str) -> None:
        content = f"{digest}  {location.name}\n".encode("ascii")
        path = location.path + SIDECAR_SUFFIX

        retry_call(lambda: self._create(path, content, f"write of {path}"), is_transient=is_transient,
                   deadline=self.deadline, what=f"WebHDFS write of {path}")

    def _remove_sidecar(self, path: str) -> None:
        if self.settings.checksum_store == "xattr":
            return
        # DELETE of a missing path answers {"boolean": false}: no need to look first.
        self._request("delete", path + SIDECAR_SUFFIX, "DELETE", recursive="false")


def _error_from(response, what: str) -> WebHdfsError:
    remote = None
    message = ""
    try:
        body = response.json()["RemoteException"]
        remote, message = body.get("exception"), body.get("message", "")
    except (ValueError, KeyError, TypeError):
        # Not a NameNode's error answer (a proxy's page, say): its body may echo the request, so only its reason.
        message = f"{response.reason or 'no reason given'} (not a WebHDFS error answer)"
    option = None
    if response.status_code == 401:
        option = "hdfs_user"
        message = f"authentication failed ({message or 'HTTP 401'}): check hdfs_user or the Kerberos ticket"
    elif remote == "IllegalArgumentException" and ('"user.name"' in message or '"doas"' in message):
        option = "hdfs_user"
        message += (" (the NameNode takes the user names that match its dfs.webhdfs.user.provider.user.pattern): "
                    "check hdfs_user")
    elif remote == "AccessControlException":
        option = "hdfs_user"
        message += ": give hdfs_user a user allowed to write there, or change the directory's permissions"
    return WebHdfsError(f"WebHDFS {what} failed with HTTP {response.status_code}"
                        f"{' ' + remote if remote else ''}: {message}", response.status_code, remote, option)
