# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Package URIs as the fetch commands take them: which scheme, and which values cannot be fetched at all."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError

SCHEMES = ("http", "https", "hdfs", "s3", "file")
# What an RFC 3986 URI may hold; curl refuses the rest (spaces, backticks, quotes ...) unless percent-encoded.
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def scheme_of(uri: str, option: str) -> str:
    """The scheme of a package URI, checked to be one the fetch commands know and the value fetchable.

    A control character (a newline above all) is refused everywhere: the fetch commands read the bound URI from a
    here-document, one line long. http(s) URLs must be RFC 3986 (curl takes nothing else); HDFS paths, S3 keys and
    file paths are taken literally, spaces, quotes and ``$(...)`` included.
    """
    if not isinstance(uri, str) or not uri:
        raise HeronConfigError(f"{option} must be a non-empty URI", option=option)
    if _CONTROL.search(uri):
        raise HeronConfigError(f"{option} {uri!r} holds a control character (a newline?): no fetch command can "
                               "take it", option=option)
    scheme, _sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if not _sep or scheme not in SCHEMES:
        raise HeronConfigError(
            f"{option} {uri!r} has an unknown scheme {scheme!r}: use one of {', '.join(SCHEMES)} "
            "(http(s) is fetched with curl, hdfs with hdfs dfs -get, s3 with aws s3 cp, file with cp)", option=option)
    _check_location(scheme, uri, rest, option)
    return scheme


def _check_location(scheme: str, uri: str, rest: str, option: str) -> None:
    if scheme in ("http", "https"):
        if not _URL_CHARACTERS.match(uri):
            raise HeronConfigError(f"{option} {uri!r} holds characters a URL cannot (spaces, quotes, backticks ...): "
                                   "percent-encode them (a space is %20)", option=option)
        if not urlsplit(uri).netloc:
            raise HeronConfigError(f"{option} {uri!r} names no host", option=option)
    elif scheme == "s3":
        bucket, _slash, key = rest[2:].partition("/") if rest.startswith("//") else ("", "", "")
        if not bucket or not key:
            raise HeronConfigError(f"{option} {uri!r} must be s3://BUCKET/KEY", option=option)
    elif scheme == "hdfs":
        if not rest.startswith("//") or "/" not in rest[2:]:
            raise HeronConfigError(f"{option} {uri!r} must be hdfs://NAMESERVICE/PATH or hdfs:///PATH",
                                   option=option)
    elif scheme == "file":
        path = rest[2:] if rest.startswith("//") else rest
        if not path.startswith("/"):
            raise HeronConfigError(f"{option} {uri!r} must be file:///ABSOLUTE/PATH (no host)", option=option)
