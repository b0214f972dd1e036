"""Destination URIs: what parses, what is refused (naming the option), and versioned names."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import InvalidInput
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import (
    Location,
    check_service_url,
    parse_dest,
    split_extension,
    version_name_pattern,
    versioned_location,
    versioned_name,
)

DIGEST = "3fa9c0d1e2b34f5611b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"


@pytest.mark.parametrize("dest, expected", [
    ("s3://heron-packages/core/heron-core.tar.gz", Location("s3", "heron-packages", "core/heron-core.tar.gz")),
    ("S3://heron-packages/a.jar", Location("s3", "heron-packages", "a.jar")),
    ("hdfs://heron-ns/heron/dist/core.tar.gz", Location("hdfs", "heron-ns", "/heron/dist/core.tar.gz")),
    ("hdfs://nn1:8020/x.tar.gz", Location("hdfs", "nn1:8020", "/x.tar.gz")),
    ("hdfs:///heron//x.tar.gz", Location("hdfs", "", "/heron/x.tar.gz")),
    ("file:///srv/heron/core.tar.gz", Location("file", "", "/srv/heron/core.tar.gz")),
    ("file://localhost/srv/core.tar.gz", Location("file", "", "/srv/core.tar.gz")),
    ("file:///srv/heron%20packages/core.tar.gz", Location("file", "", "/srv/heron packages/core.tar.gz")),
    ("file:///srv/heron packages/core.tar.gz", Location("file", "", "/srv/heron packages/core.tar.gz")),
    ("hdfs://ns/heron%20packages/x.tar.gz", Location("hdfs", "ns", "/heron%20packages/x.tar.gz")),
    ("s3://heron-packages/a%20b.tar.gz", Location("s3", "heron-packages", "a%20b.tar.gz")),
])
def test_parses(dest, expected):
    assert parse_dest(dest) == expected


@pytest.mark.parametrize("dest, uri", [
    ("s3://heron-packages/core/a.tar.gz", "s3://heron-packages/core/a.tar.gz"),
    ("hdfs://heron-ns/a/b.tar.gz", "hdfs://heron-ns/a/b.tar.gz"),
    ("hdfs:///a/b.tar.gz", "hdfs:///a/b.tar.gz"),
    ("file://localhost/a/b.tar.gz", "file:///a/b.tar.gz"),
    ("file:///srv/heron packages/a&b.tar.gz", "file:///srv/heron%20packages/a%26b.tar.gz"),
    ("file:///srv/heron%20packages/a.tar.gz", "file:///srv/heron%20packages/a.tar.gz"),
])
def test_uri_round_trip(dest, uri):
    assert parse_dest(dest).uri == uri


@pytest.mark.parametrize("dest, words", [
    ("", "empty"),
    ("/srv/heron/core.tar.gz", "no scheme"),
    ("http://host/x.tar.gz", "scheme 'http'"),
    ("s3:///key.tar.gz", "no bucket"),
    ("s3://heron-packages", "no object key"),
    ("s3://heron-packages/", "no object key"),
    ("s3://heron-packages/dir/", "ends with '/'"),
    ("s3://Bad_Bucket/x", "valid S3 bucket name"),
    ("hdfs://ns", "names no path"),
    ("hdfs://ns/dir/", "ends with '/'"),
    ("hdfs://ns/a/../b.tar.gz", "'..'"),
    ("file:///srv/%2E%2E/b.tar.gz", "'..'"),
    ("file://relative/path.tar.gz", "relative path"),
    ("file:relative.tar.gz", "relative path"),
    ("s3://heron-packages/x.tar.gz?versionId=1", "query"),
])
def test_refuses_naming_dest(dest, words):
    with pytest.raises(InvalidInput) as caught:
        parse_dest(dest)
    assert caught.value.option == "dest"
    assert words in str(caught.value)


@pytest.mark.parametrize("name, parts", [
    ("heron-core.tar.gz", ("heron-core", ".tar.gz")),
    ("heron-core-0.20.5.tar.gz", ("heron-core-0.20.5", ".tar.gz")),
    ("topology.jar", ("topology", ".jar")),
    ("topology.pex", ("topology", ".pex")),
    ("bundle.TAR.XZ", ("bundle", ".TAR.XZ")),
    ("noextension", ("noextension", "")),
    (".tar.gz", (".tar", ".gz")),
])
def test_split_extension(name, parts):
    assert split_extension(name) == parts


def test_versioned_name_keeps_whole_extension():
    assert versioned_name("heron-core.tar.gz", DIGEST, 16) == "heron-core-3fa9c0d1e2b34f56.tar.gz"
    assert versioned_name("topology.jar", DIGEST, 64) == f"topology-{DIGEST}.jar"


def test_versioned_location_stays_in_directory():
    location = versioned_location(parse_dest("s3://heron-packages/core/heron-core.tar.gz"), DIGEST, 8)
    assert location.uri == "s3://heron-packages/core/heron-core-3fa9c0d1.tar.gz"
    top = versioned_location(parse_dest("s3://heron-packages/heron-core.tar.gz"), DIGEST, 8)
    assert top.path == "heron-core-3fa9c0d1.tar.gz"


def test_version_pattern_matches_only_versions_of_that_name():
    pattern = version_name_pattern("heron-core.tar.gz")
    for length in (8, 16, 64):
        assert pattern.match(versioned_name("heron-core.tar.gz", DIGEST, length))
    for other in ("heron-core.tar.gz", "heron-core-3fa9c0d1.tar.gz.sha256", ".heron-core-3fa9c0d1.tar.gz.x.tmp",
                  "heron-core-3fa9c0d.tar.gz", "heron-core-extra-3fa9c0d1.tar.gz", "heron-3fa9c0d1.tar.gz",
                  "heron-core-3FA9C0D1.tar.gz"):
        assert not pattern.match(other), other


LONG = "n" * 256


@pytest.mark.parametrize("dest, words, hidden", [
    # Credentials in the URI: refused, and not repeated (also when the secret holds a '/').
    ("s3://AKIAEXAMPLE:s3cr3tK3y@heron-packages/x.tar.gz", "credentials", "s3cr3tK3y"),
    ("s3://AKIAEXAMPLE:s3cr/3tK3y@heron-packages/x.tar.gz", "bucket name", "s3cr"),
    ("s3://AKIAEXAMPLE/s3cr3tK3y@heron-packages/x.tar.gz", "bucket name", "s3cr3tK3y"),
    ("hdfs://heron:hunter2@ns/heron/x.tar.gz", "credentials", "hunter2"),
    ("hdfs://heron:hun/ter2@ns/heron/x.tar.gz", "authority", "hun"),
    ("file://heron:hunter2@localhost/srv/x.tar.gz", "credentials", "hunter2"),
    # Control characters that urlsplit would drop, and %00 that no file name can hold.
    ("s3://heron-packages/core\t/x.tar.gz", "control character", "\t"),
    ("file:///srv/heron\n/x.tar.gz", "control character", "\n"),
    ("hdfs://ns/heron/x.tar.gz\r", "control character", "\r"),
    ("file:///srv/x%00.tar.gz", "control character", "\x00"),
    ("file:///srv/x%0a.tar.gz", "control character", "\n"),
    # S3 keys whose URL would resolve to another key.
    ("s3://heron-packages/core/./x.tar.gz", "'.' or '..'", None),
    ("s3://heron-packages/../x.tar.gz", "'.' or '..'", None),
    ("s3://heron-packages/core/../x.tar.gz", "'.' or '..'", None),
    # Names and paths too long for the store, with room kept for versioned and temporary names.
    (f"file:///srv/{LONG}/x.tar.gz", "too long", None),
    (f"file:///srv/{'n' * 200}.tar.gz", "too long", None),
    (f"hdfs://ns/heron/{LONG}.tar.gz", "too long", None),
    ("file:///" + "/".join(["d" * 200] * 25) + "/x.tar.gz", "too deep", None),
    ("hdfs://ns/" + "a/" * 1001 + "x.tar.gz", "too long or too deep", None),
    ("s3://heron-packages/" + "k/" * 480 + "x.tar.gz", "too long", None),
])
def test_refuses_naming_dest_without_repeating_secrets(dest, words, hidden):
    with pytest.raises(InvalidInput) as caught:
        parse_dest(dest)
    assert caught.value.option == "dest" and words in str(caught.value), str(caught.value)
    if hidden:
        assert hidden not in str(caught.value)


@pytest.mark.parametrize("url, words, hidden", [
    ("ftp://s3.example.com", "http:// or https://", None),
    ("s3.example.com:9000", "http:// or https://", None),
    ("http://AKIAEXAMPLE:s3cr3t@s3.example.com", "credentials", "s3cr3t"),
    ("http://AKIAEXAMPLE:s3c/r3t@s3.example.com", "HOST[:PORT]", "s3c"),
    ("https://s3.example.com:9x9", "HOST[:PORT]", None),
    ("https://:9000", "HOST[:PORT]", None),
    ("https://s3.example.com/?region=x", "query", None),
    ("https://s3.example.com/#x", "query or fragment", None),
    ("https://s3.example\n.com", "control character", "\n"),
])
def test_service_urls_refused(url, words, hidden):
    with pytest.raises(InvalidInput) as caught:
        check_service_url(url, "endpoint_url", "give access_key and secret_key instead")
    assert caught.value.option == "endpoint_url" and words in str(caught.value), str(caught.value)
    if hidden:
        assert hidden not in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000", "https://s3.eu-west-1.amazonaws.com",
                                 "https://gateway.example.com:8443/gateway/default", "http://[::1]:9870/"])
def test_service_urls_accepted(url):
    check_service_url(url, "namenode_url", "")
