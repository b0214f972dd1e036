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


def parse_dest(dest: str, option: str = "dest") -> Location:
    """Split ``dest`` into a Location, or raise InvalidInput that says how to write it."""
    if not dest or not dest.strip():
        raise InvalidInput(option, f"{option} is empty: give a URI such as s3://BUCKET/KEY, "
                                   "hdfs://NAMESERVICE/PATH or file:///ABSOLUTE/PATH")
    parts = urlsplit(dest.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        shown = f"scheme '{parts.scheme}'" if parts.scheme else "no scheme"
        raise InvalidInput(option, f"{option} '{dest}' has {shown}; supported schemes are s3://BUCKET/KEY, "
                                   "hdfs://NAMESERVICE/PATH and file:///ABSOLUTE/PATH")
    if parts.query or parts.fragment:
        raise InvalidInput(option, f"{option} '{dest}' has a query or fragment ('?' or '#'); "
                                   "a destination is a plain location")
    return {"s3": _parse_s3, "hdfs": _parse_hdfs, "file": _parse_file}[scheme](dest, parts, option)


def _parse_s3(dest: str, parts, option: str) -> Location:
    bucket = parts.netloc
    key = parts.path.lstrip("/")
    if not bucket:
        raise InvalidInput(option, f"{option} '{dest}' names no bucket: write s3://BUCKET/KEY")
    if not _BUCKET_NAME.match(bucket) or ".." in bucket:
        raise InvalidInput(option, f"{option} '{dest}': '{bucket}' is not a valid S3 bucket name "
                                   "(3-63 characters: lower-case letters, digits, dots and hyphens)")
    if not key:
        raise InvalidInput(option, f"{option} '{dest}' names no object key: write s3://{bucket}/PATH/NAME")
    if key.endswith("/"):
        raise InvalidInput(option, f"{option} '{dest}' ends with '/': give the object's full key, "
                                   "including its file name")
    return Location("s3", bucket, key)


def _parse_hdfs(dest: str, parts, option: str) -> Location:
    path = parts.path
    if not path or path == "/":
        raise InvalidInput(option, f"{option} '{dest}' names no path: write hdfs://NAMESERVICE/DIR/NAME "
                                   "(or hdfs:///DIR/NAME for the default file system)")
    return Location("hdfs", parts.netloc, _checked_absolute_path(dest, path, option))


def _parse_file(dest: str, parts, option: str) -> Location:
    if parts.netloc not in ("", "localhost"):
        raise InvalidInput(option, f"{option} '{dest}' is a relative path or names a host ('{parts.netloc}'): "
                                   "a file URI needs an absolute path, file:///ABSOLUTE/PATH")
    if not parts.path.startswith("/"):
        raise InvalidInput(option, f"{option} '{dest}' holds a relative path: write file:///ABSOLUTE/PATH")
    return Location("file", "", _checked_absolute_path(dest, unquote(parts.path), option))


def _checked_absolute_path(dest: str, path: str, option: str) -> str:
    if path.endswith("/"):
        raise InvalidInput(option, f"{option} '{dest}' ends with '/': give the full path, including the file name")
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise InvalidInput(option, f"{option} '{dest}' contains '.' or '..' segments: give a normalised path")
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
