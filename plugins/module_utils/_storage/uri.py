# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse destination URIs and derive content-addressed (versioned) names from them.

A versioned name keeps the whole extension, so that tools which look at it (``tar zxf``, Heron's
package-type detection) still work: ``heron-core.tar.gz`` with sha256 ``3fa9...`` becomes
``heron-core-3fa9c0d1e2b34f56.tar.gz`` (the first N hex digits, N = ``version_digest_length``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit

from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import InvalidInput

SCHEMES = ("s3", "hdfs", "file")

# Extensions of two parts that must stay together when a digest is put into a name.
COMPOUND_EXTENSIONS = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz4")

MIN_DIGEST_LENGTH = 8
FULL_DIGEST_LENGTH = 64

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class Location:
    """Where an object lives: ``container`` is the S3 bucket or the HDFS authority (empty for file and
    for ``hdfs:///``), ``path`` the S3 key (no leading slash) or the absolute HDFS / local path."""

    scheme: str
    container: str
    path: str

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)

    def with_name(self, name: str) -> "Location":
        return replace(self, path=posixpath.join(self.directory, name) if self.directory else name)

    @property
    def uri(self) -> str:
        if self.scheme == "s3":
            return f"s3://{self.container}/{self.path}"
        if self.scheme == "file":
            # curl decodes %XX in file URLs and refuses spaces; `hdfs dfs -get` and `aws s3 cp` take paths
            # and keys literally, so only file URIs are percent-encoded.
            return f"file://{quote(self.path, safe='/')}"
        return f"hdfs://{self.container}{self.path}"


# The longest a name may get in a file system (Linux NAME_MAX, HDFS's default max-component-length), the longest
# local path (PATH_MAX less its NUL), HDFS's limits on a path, and the longest S3 key (bytes of UTF-8).
MAX_NAME_BYTES = 255
MAX_FILE_PATH_BYTES = 4095
MAX_HDFS_PATH_CHARS = 8000
MAX_HDFS_PATH_DEPTH = 1000
MAX_S3_KEY_BYTES = 1024
# What a destination's name grows by on the way: a dash and up to 64 hex digits (versioned), and around the
# versioned name a temporary one (".", ".", up to 12 random characters, ".tmp").
NAME_GROWTH_BYTES = 1 + FULL_DIGEST_LENGTH + 18

CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_HDFS_AUTHORITY = re.compile(r"^[A-Za-z0-9._-]*(:[0-9]{1,5})?$")
_SERVICE_URL_SCHEMES = ("http", "https")


def embedded_credentials(url: str | None) -> list[str]:
    """What could be credentials in ``url`` (from '//' to the last '@', and its part after the first ':'), so
    that it can be hidden wherever the URL is shown; empty when there is none."""
    if not url or "@" not in url or "//" not in url:
        return []
    userinfo = url.split("//", 1)[1].rsplit("@", 1)[0]
    password = userinfo.partition(":")[2]
    return [text for text in (userinfo, password) if text]


def shown(url: str) -> str:
    """``url`` fit for a message: whatever could be credentials hidden, and control characters written as
    escapes instead of acting on the message."""
    for secret in embedded_credentials(url)[:1]:
        url = url.replace(f"//{secret}@", "//<credentials hidden>@", 1)
    return CONTROL_CHARACTER.sub(lambda match: f"\\x{ord(match.group()):02x}", url)


def _check_plain_text(url: str, option: str, what: str) -> None:
    if CONTROL_CHARACTER.search(url):
        raise InvalidInput(option, f"{option} '{shown(url)}' contains a control character (a tab, newline, ...): "
                                   f"{what} cannot hold one; remove it (a YAML '|' block adds a newline)")


def _check_no_credentials(url: str, netloc: str, option: str, where: str) -> None:
    if "@" in netloc:
        raise InvalidInput(option, f"{option} '{shown(url)}' carries credentials (user:password@): they would be "
                                   f"echoed in logs and returned; {where}")


def check_service_url(url: str, option: str, credentials_hint: str) -> None:
    """An http(s) base URL of a service (S3 endpoint, WebHDFS NameNode): no credentials, query or fragment."""
    _check_plain_text(url, option, "a URL")
    parts = urlsplit(url)
    _check_no_credentials(url, parts.netloc, option, credentials_hint)
    if parts.scheme.lower() not in _SERVICE_URL_SCHEMES:
        raise InvalidInput(option, f"{option} '{shown(url)}' is not an http:// or https:// URL")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1:
        # Not echoed: an authority that does not parse may be user:password with a '/' in the password.
        raise InvalidInput(option, f"{option} needs a host and, optionally, a numeric port: "
                                   f"{parts.scheme}://HOST[:PORT][/PATH]")
    if parts.query or parts.fragment:
        raise InvalidInput(option, f"{option} '{shown(url)}' has a query or fragment ('?' or '#'); give the "
                                   "service's base URL only")


def parse_dest(dest: str, option: str = "dest") -> Location:
    """Split ``dest`` into a Location, or raise InvalidInput that says how to write it."""
    dest = (dest or "").strip(" ")
    if not dest:
        raise InvalidInput(option, f"{option} is empty: give a URI such as s3://BUCKET/KEY, "
                                   "hdfs://NAMESERVICE/PATH or file:///ABSOLUTE/PATH")
    # Before parsing: urlsplit drops tabs and newlines silently, and the file would land elsewhere.
    _check_plain_text(dest, option, "a destination")
    parts = urlsplit(dest)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        found = f"scheme '{parts.scheme}'" if parts.scheme else "no scheme"
        raise InvalidInput(option, f"{option} '{shown(dest)}' has {found}; supported schemes are s3://BUCKET/KEY, "
                                   "hdfs://NAMESERVICE/PATH and file:///ABSOLUTE/PATH")
    _check_no_credentials(dest, parts.netloc, option, "give credentials in their own options (access_key and "
                                                      "secret_key, hdfs_user or kerberos)")
    if parts.query or parts.fragment:
        raise InvalidInput(option, f"{option} '{shown(dest)}' has a query or fragment ('?' or '#'); "
                                   "a destination is a plain location")
    return {"s3": _parse_s3, "hdfs": _parse_hdfs, "file": _parse_file}[scheme](shown(dest), parts, option)


def _parse_s3(dest: str, parts, option: str) -> Location:
    bucket = parts.netloc
    key = parts.path.lstrip("/")
    if not bucket:
        raise InvalidInput(option, f"{option} '{dest}' names no bucket: write s3://BUCKET/KEY")
    if not _BUCKET_NAME.match(bucket) or ".." in bucket:
        # Not echoed: what stands there may be KEY:SECRET whose secret holds a '/'.
        raise InvalidInput(option, f"{option} does not start with a valid S3 bucket name (3-63 characters: "
                                   "lower-case letters, digits, dots and hyphens): write s3://BUCKET/KEY")
    if not key:
        raise InvalidInput(option, f"{option} '{dest}' names no object key: write s3://{bucket}/PATH/NAME")
    if key.endswith("/"):
        raise InvalidInput(option, f"{option} '{dest}' ends with '/': give the object's full key, "
                                   "including its file name")
    if any(segment in (".", "..") for segment in key.split("/")):
        # S3 keeps them in the key, but URLs built from it (curl, the url return) resolve them to another key.
        raise InvalidInput(option, f"{option} '{dest}' contains '.' or '..' segments: give a normalised key")
    if len(key.encode("utf-8")) + NAME_GROWTH_BYTES > MAX_S3_KEY_BYTES:
        raise InvalidInput(option, f"{option} '{dest}': the key is too long; S3 takes keys of up to "
                                   f"{MAX_S3_KEY_BYTES} bytes, and {NAME_GROWTH_BYTES} of them are kept for "
                                   "versioned names")
    return Location("s3", bucket, key)


def _parse_hdfs(dest: str, parts, option: str) -> Location:
    if not _HDFS_AUTHORITY.match(parts.netloc):
        raise InvalidInput(option, f"{option}: the authority of an hdfs:// URI is a nameservice or HOST:PORT "
                                   "(hdfs://NAMESERVICE/PATH, or hdfs:///PATH for the default file system)")
    path = parts.path
    if not path or path == "/":
        raise InvalidInput(option, f"{option} '{dest}' names no path: write hdfs://NAMESERVICE/DIR/NAME "
                                   "(or hdfs:///DIR/NAME for the default file system)")
    path = _checked_absolute_path(dest, path, option)
    if len(path) > MAX_HDFS_PATH_CHARS or path.count("/") > MAX_HDFS_PATH_DEPTH:
        raise InvalidInput(option, f"{option} '{dest}' is too long or too deep for HDFS (at most "
                                   f"{MAX_HDFS_PATH_CHARS} characters and {MAX_HDFS_PATH_DEPTH} levels)")
    return Location("hdfs", parts.netloc, path)


def _parse_file(dest: str, parts, option: str) -> Location:
    if parts.netloc not in ("", "localhost"):
        raise InvalidInput(option, f"{option} '{dest}' is a relative path or names a host ('{parts.netloc}'): "
                                   "a file URI needs an absolute path, file:///ABSOLUTE/PATH")
    if not parts.path.startswith("/"):
        raise InvalidInput(option, f"{option} '{dest}' holds a relative path: write file:///ABSOLUTE/PATH")
    path = unquote(parts.path)
    if CONTROL_CHARACTER.search(path):
        raise InvalidInput(option, f"{option} '{dest}' decodes to a path with a control character (%00 to %1F "
                                   "or %7F), which no file name can hold")
    path = _checked_absolute_path(dest, path, option)
    if len(path.encode("utf-8")) + NAME_GROWTH_BYTES > MAX_FILE_PATH_BYTES:
        raise InvalidInput(option, f"{option} '{dest}' is too deep: a local path has at most "
                                   f"{MAX_FILE_PATH_BYTES} bytes, and {NAME_GROWTH_BYTES} of them are kept for "
                                   "versioned and temporary names")
    return Location("file", "", path)


def _checked_absolute_path(dest: str, path: str, option: str) -> str:
    if path.endswith("/"):
        raise InvalidInput(option, f"{option} '{dest}' ends with '/': give the full path, including the file name")
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise InvalidInput(option, f"{option} '{dest}' contains '.' or '..' segments: give a normalised path")
    longest = max(len(segment.encode("utf-8")) for segment in segments)
    if longest > MAX_NAME_BYTES or len(segments[-1].encode("utf-8")) + NAME_GROWTH_BYTES > MAX_NAME_BYTES:
        raise InvalidInput(option, f"{option} '{dest}' has a name too long for the file system: directory names "
                                   f"take at most {MAX_NAME_BYTES} bytes, the file name "
                                   f"{MAX_NAME_BYTES - NAME_GROWTH_BYTES} (room is kept for versioned and "
                                   "temporary names)")
    return re.sub(r"/{2,}", "/", path)


def split_extension(name: str) -> tuple[str, str]:
    """``heron-core.tar.gz`` -> (``heron-core``, ``.tar.gz``); ``topology.jar`` -> (``topology``, ``.jar``)."""
    lowered = name.lower()
    for extension in COMPOUND_EXTENSIONS:
        if lowered.endswith(extension) and len(name) > len(extension):
            return name[: -len(extension)], name[-len(extension):]
    stem, extension = posixpath.splitext(name)
    return stem, extension


def versioned_name(name: str, sha256: str, digest_length: int) -> str:
    stem, extension = split_extension(name)
    return f"{stem}-{sha256[:digest_length]}{extension}"


def version_name_pattern(name: str) -> re.Pattern:
    """Matches every versioned name of ``name``, whatever digest length wrote it."""
    stem, extension = split_extension(name)
    return re.compile(
        rf"^{re.escape(stem)}-(?P<digest>[0-9a-f]{{{MIN_DIGEST_LENGTH},{FULL_DIGEST_LENGTH}}}){re.escape(extension)}$"
    )


def versioned_location(location: Location, sha256: str, digest_length: int) -> Location:
    return location.with_name(versioned_name(location.name, sha256, digest_length))
