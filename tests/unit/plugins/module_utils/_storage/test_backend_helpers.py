"""Pure helpers of the S3 and HDFS backends and of the option handling: no network."""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, SSLError

from ansible_collections.heron.aurora.plugins.module_utils._ansible.storage import _split_urls, parse_size
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage import hdfs, s3
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import octal_mode
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import InvalidInput, MissingLibrary
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location

MIB = 1024 * 1024


def client_error(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "PutObject")


@pytest.mark.parametrize("error, transient", [
    (client_error(503, "ServiceUnavailable"), True),
    (client_error(500, "InternalError"), True),
    (client_error(503, "SlowDown"), True),
    (client_error(400, "RequestTimeout"), True),
    (client_error(429, "TooManyRequests"), True),
    (client_error(403, "InvalidAccessKeyId"), False),
    (client_error(404, "NoSuchBucket"), False),
    (EndpointConnectionError(endpoint_url="http://x"), True),
    (ConnectionClosedError(endpoint_url="http://x"), True),
    (SSLError(endpoint_url="http://x", error="bad cert"), False),
    (ValueError("x"), False),
])
def test_s3_transient_classification(error, transient):
    assert s3.is_transient(error) is transient


def test_part_plan_covers_file_exactly():
    plan = list(s3.part_plan(12 * MIB + 1, 5 * MIB))
    assert plan == [(1, 0, 5 * MIB), (2, 5 * MIB, 5 * MIB), (3, 10 * MIB, 2 * MIB + 1)]
    assert list(s3.part_plan(0, 5 * MIB)) == []


def test_part_size_grows_to_stay_within_ten_thousand_parts():
    assert s3.effective_part_size(100 * MIB, 8 * MIB) == 8 * MIB
    big = 200 * 1024 * MIB
    size = s3.effective_part_size(big, 8 * MIB)
    assert size % MIB == 0 and big / size <= 10000 and size > 8 * MIB


@pytest.mark.parametrize("settings, option", [
    (s3.S3Settings(part_size=4 * MIB), "part_size"),
    (s3.S3Settings(concurrency=0), "concurrency"),
    (s3.S3Settings(access_key="AKIAEXAMPLE"), "access_key"),
    (s3.S3Settings(kms_key_id="alias/x"), "kms_key_id"),
])
def test_s3_settings_refused(settings, option):
    with pytest.raises(InvalidInput) as caught:
        s3.validate_settings(settings)
    assert caught.value.option == option


@pytest.mark.parametrize("mode, expected", [
    ("0644", "644"), ("644", "644"), ("0o640", "640"), (0o755, "755"), (420, "644"), ("1777", "1777"), (None, None),
])
def test_hdfs_modes(mode, expected):
    assert hdfs.normalize_mode(mode) == expected


@pytest.mark.parametrize("mode", ["u=rw,g=r", "0999", "12345", 0o7777])
def test_hdfs_modes_refused(mode):
    with pytest.raises(InvalidInput) as caught:
        hdfs.normalize_mode(mode)
    assert caught.value.option == "mode"


@pytest.mark.parametrize("mode, bits", [
    ("0644", 0o644), ("644", 0o644), ("0o640", 0o640), (" 0O750 ", 0o750), (0o755, 0o755), ("17777", 0o17777),
    ("u=rw,g=r", None), ("0999", None), ("0o", None), ("", None), (True, None), ("rw-r--r--", None),
])
def test_one_octal_parser_for_every_store(mode, bits):
    assert octal_mode(mode) == bits


@pytest.mark.parametrize("error, transient", [
    (hdfs.WebHdfsError("x", 503), True),
    (hdfs.WebHdfsError("x", 403, "StandbyException"), True),
    (hdfs.WebHdfsError("x", 403, "SafeModeException"), True),
    (hdfs.WebHdfsError("x", 403, "AccessControlException"), False),
    (hdfs.WebHdfsError("x", 500, "IOException"), False),
    (requests.exceptions.ConnectionError("reset"), True),
    (requests.exceptions.ChunkedEncodingError("cut"), True),
    (requests.exceptions.SSLError("bad cert"), False),
])
def test_hdfs_transient_classification(error, transient):
    assert hdfs.is_transient(error) is transient


class FakeResponse:
    def __init__(self, status, body, reason="Service Unavailable"):
        self.status_code = status
        self._body = body
        self.reason = reason
        self.text = body if isinstance(body, str) else ""

    def json(self):
        if isinstance(self._body, dict):
            return self._body
        raise ValueError("not json")


def test_webhdfs_error_from_remote_exception():
    message = ("The XAttr operation has been rejected.  Support for XAttrs has been disabled by setting"
               " dfs.namenode.xattrs.enabled to false.")
    body = {"RemoteException": {"exception": "IOException", "message": message}}
    error = hdfs._error_from(FakeResponse(403, body), "SETXATTR /x")
    assert error.status == 403 and error.remote_exception == "IOException" and error.xattrs_disabled
    plain = hdfs._error_from(FakeResponse(503, "<html>busy: PUT /x?op=CREATE&delegation=TOKEN</html>"), "CREATE /x")
    assert plain.status == 503 and "Service Unavailable" in str(plain) and hdfs.is_transient(plain)
    assert "TOKEN" not in str(plain)
    auth = hdfs._error_from(FakeResponse(401, "no"), "GETFILESTATUS /")
    assert "hdfs_user" in str(auth)


def test_hdfs_backend_needs_namenode_url():
    with pytest.raises(InvalidInput) as caught:
        hdfs.HdfsBackend(None, hdfs.HdfsSettings(namenode_urls=[]))
    assert caught.value.option == "namenode_url"
    with pytest.raises(InvalidInput):
        hdfs.HdfsBackend(None, hdfs.HdfsSettings(namenode_urls=["namenode:9870"]))


@pytest.mark.parametrize("value, expected", [
    (8388608, 8 * MIB), ("8388608", 8 * MIB), ("8MiB", 8 * MIB), ("64MB", 64 * MIB), ("64M", 64 * MIB),
    ("1GiB", 1024 * MIB),
])
def test_parse_size(value, expected):
    assert parse_size(value, "part_size") == expected


def test_parse_size_refused():
    with pytest.raises(InvalidInput) as caught:
        parse_size("lots", "part_size")
    assert caught.value.option == "part_size"


def test_namenode_urls_split():
    urls = _split_urls(["http://a:9870", "http://b:9870;http://c:9870"])
    assert urls == ["http://a:9870", "http://b:9870", "http://c:9870"]
    assert _split_urls(None) == []


def test_kerberos_without_requests_kerberos_names_the_library(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "requests_kerberos", None)
    monkeypatch.delitem(__import__("sys").modules, "hdfs.ext.kerberos", raising=False)
    with pytest.raises(MissingLibrary) as caught:
        hdfs.HdfsBackend(None, hdfs.HdfsSettings(namenode_urls=["http://namenode:9870"], kerberos=True))
    assert caught.value.library == "requests-kerberos" and caught.value.option == "kerberos"


@pytest.mark.parametrize("code, message, option", [
    ("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.",
     "region"),
    ("AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; "
                                     "expecting 'eu-west-1'", "region"),
    ("IllegalLocationConstraintException", "The eu-west-1 location constraint is incompatible", "region"),
    ("AuthorizationHeaderMalformed", "The authorization header is malformed; the Credential is mal-formed",
     "access_key"),
    ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", "access_key"),
    ("SignatureDoesNotMatch", "The request signature we calculated does not match", "access_key"),
    ("AccessDenied", "Access Denied", "access_key"),
])
def test_s3_error_answers_name_the_option_to_fix(code, message, option):
    backend = s3.S3Backend(Deadline(5), s3.S3Settings(endpoint_url="http://127.0.0.1:9", region="us-east-1",
                                                      access_key="AKIAEXAMPLE", secret_key="s3cr3t"))
    answer = ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                         "PutObject")
    error = backend._fail("upload to", Location("s3", "heron-packages", "x.tar.gz"), answer)
    assert error.option == option and "s3cr3t" not in str(error)


@pytest.mark.parametrize("settings, verify", [
    (dict(), True),
    (dict(validate_certs=False), False),
    (dict(validate_certs=False, ca_bundle="/etc/ca.pem"), False),  # ca_bundle falls back to AWS_CA_BUNDLE
    (dict(ca_bundle="/etc/ca.pem"), "/etc/ca.pem"),
])
def test_tls_verification_is_what_the_options_say(settings, verify):
    assert s3.S3Settings(**settings).verify == verify
    assert hdfs.HdfsSettings(**settings).verify == verify
