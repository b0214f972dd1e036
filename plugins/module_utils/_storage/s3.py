# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3:// store through boto3: the object's sha256 is recorded in its user metadata (``x-amz-meta-sha256``).

Objects no larger than one part go up in a single PUT; larger ones as a multipart upload whose parts are read
straight from the file by a few threads (at most ``concurrency`` parts in memory), and which is aborted on any
failure, so a reader sees either the previous object or the complete new one. botocore's own retries are
turned off: every call goes through the one retry policy of retry.py, bounded by the task's ``timeout``.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import re
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import quote

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import (
    PutResult,
    StorageBackend,
    StoredObject,
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
    CHUNK_SIZE,
    SourceDigest,
    SourceFile,
    VerifiedDownload,
    clean_digest,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.retry import describe, retry_call
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location, check_service_url

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        HTTPClientError,
        IncompleteReadError,
        InvalidRegionError,
        NoCredentialsError,
        PartialCredentialsError,
        ProfileNotFound,
        SSLError,
    )
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.parsers import ResponseParserError
except ImportError:  # pragma: no cover - reported at run time through MissingLibrary
    boto3 = None

T = TypeVar("T")

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB
MAX_PART_SIZE = 5 * 1024 * MIB
MAX_PARTS = 10000
DEFAULT_PART_SIZE = 8 * MIB
DEFAULT_CONCURRENCY = 4
METADATA_KEY = "sha256"

THROTTLING_CODES = frozenset({
    "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
    "RequestTimeout", "InternalError", "ServiceUnavailable", "RequestThrottled",
})
CREDENTIAL_CODES = frozenset({
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
    "InvalidClientTokenId", "AuthorizationHeaderMalformed",
})
REGION_CODES = frozenset({"PermanentRedirect", "IllegalLocationConstraintException", "301", "InvalidRegion"})
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    profile: str | None = None
    encryption: str | None = None
    kms_key_id: str | None = None
    validate_certs: bool = True
    ca_bundle: str | None = None
    part_size: int = DEFAULT_PART_SIZE
    concurrency: int = DEFAULT_CONCURRENCY
    create_bucket: bool = False
    addressing_style: str = "auto"
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    @property
    def verify(self) -> bool | str:
        """What botocore verifies TLS with, given explicitly so that AWS_CA_BUNDLE cannot override it."""
        return (self.ca_bundle or True) if self.validate_certs else False


def validate_settings(settings: S3Settings) -> None:
    """Reject combinations that cannot work, naming the option; nothing is contacted."""
    if settings.part_size < MIN_PART_SIZE or settings.part_size > MAX_PART_SIZE:
        raise InvalidInput("part_size", f"part_size must be between {MIN_PART_SIZE} (5 MiB) and {MAX_PART_SIZE} "
                                        f"(5 GiB) bytes, S3's limits for a multipart part; got {settings.part_size}")
    if settings.concurrency < 1:
        raise InvalidInput("concurrency", "concurrency must be at least 1")
    if bool(settings.access_key) != bool(settings.secret_key):
        raise InvalidInput("access_key", "access_key and secret_key go together: give both or neither")
    if settings.kms_key_id and settings.encryption != "aws:kms":
        raise InvalidInput("kms_key_id", "kms_key_id needs encryption: aws:kms")
    if settings.encryption not in (None, "AES256", "aws:kms"):
        raise InvalidInput("encryption", "encryption must be AES256 or aws:kms")
    if settings.endpoint_url:
        check_service_url(settings.endpoint_url, "endpoint_url", "give access_key and secret_key instead")
    # fullmatch: botocore's own check lets a trailing newline through, into the signed Authorization header.
    if settings.region and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", settings.region):
        raise InvalidInput("region", f"region {settings.region!r} is not a region name, such as eu-west-1")


def is_transient(exc: BaseException) -> bool:
    if boto3 is None:
        return False
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = exc.response.get("Error", {}).get("Code", "")
        return status >= 500 or status == 429 or code in THROTTLING_CODES
    if isinstance(exc, SSLError):
        return False
    return isinstance(exc, (HTTPClientError, BotoConnectionError, IncompleteReadError, ConnectionError))


def effective_part_size(size: int, part_size: int) -> int:
    """The configured part size, raised (in whole MiB) when the file would need more than 10000 parts."""
    needed = math.ceil(size / MAX_PARTS)
    if needed <= part_size:
        return part_size
    return math.ceil(needed / MIB) * MIB


def part_plan(size: int, part_size: int) -> Iterator[tuple[int, int, int]]:
    """(part number, offset, length) for every part of a file of ``size`` bytes."""
    number, offset = 1, 0
    while offset < size:
        length = min(part_size, size - offset)
        yield number, offset, length
        number += 1
        offset += length


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Backend(StorageBackend):
    name = "s3"

    def __init__(self, deadline: Deadline, settings: S3Settings) -> None:
        super().__init__(deadline)
        if boto3 is None:
            raise MissingLibrary("boto3", "the s3:// backend needs the boto3 Python library on the managed host")
        validate_settings(settings)
        self.settings = settings
        self.client = self._make_client(settings)

    # --- connection -----------------------------------------------------------------------------------
    @staticmethod
    def _make_client(settings: S3Settings):
        try:
            session = boto3.session.Session(
                aws_access_key_id=settings.access_key or None,
                aws_secret_access_key=settings.secret_key or None,
                aws_session_token=settings.session_token or None,
                region_name=settings.region or None,
                profile_name=None if settings.access_key else (settings.profile or None),
            )
        except ProfileNotFound as exc:
            raise InvalidInput("profile", f"profile: {exc}") from None
        config = Config(
            retries={"mode": "standard", "total_max_attempts": 1},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_pool_connections=max(10, settings.concurrency + 2),
            s3={"addressing_style": settings.addressing_style},
            signature_version="s3v4",
            user_agent_extra="heron.aurora",
        )
        try:
            return session.client("s3", endpoint_url=settings.endpoint_url or None, config=config,
                                  verify=settings.verify)
        except InvalidRegionError:
            raise InvalidInput("region",
                               f"region '{settings.region}' is not a region name, such as eu-west-1") from None
        except ValueError as exc:
            raise InvalidInput("endpoint_url", f"endpoint_url is not usable: {describe(exc)}") from None

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        """One S3 call with retries. A ClientError (the store's answer) goes to the caller, which knows what
        an error code means there; anything else that is not worth retrying becomes a message at once."""
        try:
            return retry_call(operation, is_transient=is_transient, deadline=self.deadline, what=f"S3 {what}")
        except (NoCredentialsError, PartialCredentialsError):
            raise InvalidInput("access_key", "no usable AWS credentials: set access_key and secret_key, or profile, "
                                             "or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_PROFILE environment "
                                             "variables") from None
        except SSLError as exc:
            option = "ca_bundle" if self.settings.ca_bundle else "validate_certs"
            raise InvalidInput(option, f"S3 {what}: TLS with the endpoint failed ({describe(exc)}): set ca_bundle "
                                       "to the CA that signed its certificate, or validate_certs: false for a test "
                                       "endpoint") from None
        except ResponseParserError:
            raise self._not_s3(what) from None
        except (ClientError, StorageError):
            raise
        except (BotoCoreError, ValueError, OSError) as exc:
            raise StorageError(f"S3 {what} failed: {describe(exc)}") from None

    def _not_s3(self, what: str) -> InvalidInput:
        where = "endpoint_url" if self.settings.endpoint_url else "the AWS endpoint"
        return InvalidInput("endpoint_url", f"S3 {what}: the server at {where} answered without what an S3 API "
                                            "sends: is endpoint_url the URL of an S3 API?")

    def _fail(self, what: str, location: Location, exc: Exception) -> StorageError:
        if isinstance(exc, ClientError):
            code = _error_code(exc)
            if code in REGION_CODES or (code == "AuthorizationHeaderMalformed" and "region" in describe(exc)):
                return InvalidInput("region", f"bucket {location.container} is in another region than "
                                              f"'{self.client.meta.region_name}': set region ({describe(exc)})")
            if code in CREDENTIAL_CODES:
                return InvalidInput("access_key", f"S3 rejected the credentials while trying to {what} "
                                                  f"{location.uri} ({code}): check access_key, secret_key, "
                                                  "session_token or profile")
            if code in ("AccessDenied", "403"):
                return InvalidInput("access_key", f"S3 denied access while trying to {what} {location.uri}: the "
                                                  "credentials were rejected, or they lack the permission "
                                                  "(check access_key, secret_key, session_token or profile)")
            if (code in ("KMS.NotFoundException", "KMS.DisabledException", "InvalidArgument")
                    and self.settings.encryption):
                return InvalidInput("kms_key_id" if self.settings.kms_key_id else "encryption",
                                    f"S3 refused the server-side encryption settings: {describe(exc)}")
        if isinstance(exc, StorageError):
            return exc
        return StorageError(f"S3 {what} {location.uri} failed: {describe(exc)}")

    # --- interface ------------------------------------------------------------------------------------
    def prepare(self, location: Location, check_mode: bool) -> bool:
        bucket = location.container
        try:
            self._call("head bucket", lambda: self.client.head_bucket(Bucket=bucket))
            return False
        except ClientError as exc:
            if _error_code(exc) not in NOT_FOUND_CODES:
                raise self._fail("reach bucket", location, exc) from None
        if not self.settings.create_bucket:
            raise InvalidInput("dest", f"bucket '{bucket}' does not exist: create it first, or set "
                                       "create_bucket: true")
        if not check_mode:
            self._create_bucket(location)
        return True

    def _create_bucket(self, location: Location) -> None:
        arguments: dict[str, Any] = {"Bucket": location.container}
        region = self.client.meta.region_name
        if region and region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._call("create bucket", lambda: self.client.create_bucket(**arguments))
        except ClientError as exc:
            if _error_code(exc) != "BucketAlreadyOwnedByYou":
                raise self._fail("create bucket for", location, exc) from None

    def stat(self, location: Location) -> StoredObject | None:
        try:
            head = self._call("HEAD", lambda: self.client.head_object(Bucket=location.container, Key=location.path))
        except ClientError as exc:
            if _error_code(exc) in NOT_FOUND_CODES:
                return None
            raise self._fail("read", location, exc) from None
        if not all(key in head for key in ("ETag", "ContentLength", "LastModified")):
            raise self._not_s3("HEAD")
        recorded = head.get("Metadata", {}).get(METADATA_KEY)
        return StoredObject(location, int(head["ContentLength"]), clean_digest(recorded),
                            head["LastModified"].timestamp())

    def put(self, source: SourceFile, location: Location, digest: SourceDigest) -> PutResult:
        # S3 takes the metadata when the upload starts, so the whole digest comes first.
        sha256 = digest.result()
        source.check_unchanged()
        extra = {"Metadata": {METADATA_KEY: sha256}}
        extra.update(self._encryption_arguments())
        try:
            if source.size <= self.settings.part_size:
                self._put_single(source, location, extra, sha256)
            else:
                self._put_multipart(source, location, extra, sha256)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("upload to", location, exc) from None
        return PutResult(sha256, source.size, source.size)

    def download(self, location: Location, destination: str) -> StoredObject:
        with VerifiedDownload(location.uri, destination) as target:
            def attempt() -> dict:
                target.restart()
                answer = self.client.get_object(Bucket=location.container, Key=location.path)
                with contextlib.closing(answer["Body"]) as body:
                    # What the bytes are checked against comes with them: the object cannot be replaced in between.
                    if clean_digest(answer.get("Metadata", {}).get(METADATA_KEY)) is None:
                        raise DigestMismatch(location.uri, None, None)
                    for chunk in body.iter_chunks(CHUNK_SIZE):
                        target.write(chunk)
                return answer

            try:
                answer = self._call(f"GET of {location.uri}", attempt)
            except ClientError as exc:
                if _error_code(exc) in NOT_FOUND_CODES:
                    raise ObjectMissing(location.uri) from None
                raise self._fail("download", location, exc) from None
            if "LastModified" not in answer:
                raise self._not_s3(f"GET of {location.uri}")
            sha256 = target.commit(clean_digest(answer["Metadata"][METADATA_KEY]))
        return StoredObject(location, target.size, sha256, answer["LastModified"].timestamp())

    def delete(self, location: Location) -> bool:
        if self.stat(location) is None:
            return False
        try:
            self._call("DELETE", lambda: self.client.delete_object(Bucket=location.container, Key=location.path))
        except ClientError as exc:
            raise self._fail("delete", location, exc) from None
        return True

    def list_matching(self, location: Location, pattern: re.Pattern,
                      leftovers_older_than: float | None = None) -> list[StoredObject]:
        if leftovers_older_than is not None:
            # Incomplete multipart uploads are not listed with the objects: this is a listing of its own.
            self.remove_leftovers(location, pattern, leftovers_older_than)
        prefix = f"{location.directory}/" if location.directory else ""
        found: list[StoredObject] = []
        token = None
        while True:
            arguments = {"Bucket": location.container, "Prefix": prefix, "Delimiter": "/"}
            if token:
                arguments["ContinuationToken"] = token
            try:
                page = self._call("LIST", lambda arguments=arguments: self.client.list_objects_v2(**arguments))
            except ClientError as exc:
                if _error_code(exc) in NOT_FOUND_CODES:
                    return []
                raise self._fail("list", location, exc) from None
            if "KeyCount" not in page:
                raise self._not_s3("LIST")
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix):]
                if pattern.match(name):
                    found.append(StoredObject(location.with_name(name), int(item["Size"]), None,
                                              item["LastModified"].timestamp()))
            if not page.get("IsTruncated"):
                return found
            token = page.get("NextContinuationToken")

    def remove_leftovers(self, location: Location, names: re.Pattern, older_than: float) -> None:
        prefix = f"{location.directory}/" if location.directory else ""
        arguments = {"Bucket": location.container, "Prefix": prefix}
        try:
            while True:
                page = self._call("list multipart uploads", lambda: self.client.list_multipart_uploads(**arguments))
                cutoff = store_clock(page["ResponseMetadata"].get("HTTPHeaders", {}).get("date")) - older_than
                for upload in page.get("Uploads", []):
                    name = upload["Key"][len(prefix):]
                    # An upload started after the cutoff cannot have been idle since: no need to list its parts.
                    if ("/" not in name and names.match(name) and upload["Initiated"].timestamp() < cutoff
                            and self._last_activity(location, upload) < cutoff):
                        self._abort(location.with_name(name), upload["UploadId"])
                if not page.get("IsTruncated"):
                    return
                arguments.update(KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"])
        except (ClientError, BotoCoreError, StorageError) as exc:
            self.warnings.append(f"could not look for incomplete multipart uploads of {location.uri} left by "
                                 f"interrupted runs: {describe(exc)}")

    def _last_activity(self, location: Location, upload: dict) -> float:
        """When an incomplete upload last moved: its newest part, or its start when it has none. A live upload
        keeps adding parts, however long it has been going."""
        latest = upload["Initiated"].timestamp()
        arguments = {"Bucket": location.container, "Key": upload["Key"], "UploadId": upload["UploadId"]}
        while True:
            page = self._call("list parts", lambda: self.client.list_parts(**arguments))
            latest = max([latest] + [part["LastModified"].timestamp() for part in page.get("Parts", [])])
            if not page.get("IsTruncated"):
                return latest
            arguments["PartNumberMarker"] = page["NextPartNumberMarker"]

    def public_url(self, location: Location) -> str | None:
        key = quote(location.path, safe="/~")
        if self.settings.endpoint_url:
            return f"{self.settings.endpoint_url.rstrip('/')}/{location.container}/{key}"
        region = self.client.meta.region_name or "us-east-1"
        return f"https://{location.container}.s3.{region}.amazonaws.com/{key}"

    def close(self) -> None:
        self.client.close()

    # --- uploads --------------------------------------------------------------------------------------
    def _encryption_arguments(self) -> dict[str, str]:
        if not self.settings.encryption:
            return {}
        arguments = {"ServerSideEncryption": self.settings.encryption}
        if self.settings.kms_key_id:
            arguments["SSEKMSKeyId"] = self.settings.kms_key_id
        return arguments

    def _checksum_algorithm(self) -> str | None:
        # Same default as boto3's managed transfers: CRC32 per part unless checksums are turned off.
        if getattr(self.client.meta.config, "request_checksum_calculation", "when_supported") == "when_supported":
            return "CRC32"
        return None

    def _put_single(self, source: SourceFile, location: Location, extra: dict, sha256: str) -> None:
        # S3 checks the body against this checksum and stores nothing on a mismatch, which happens when src
        # is rewritten while it is sent.
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")

        def attempt():
            with open(source.path, "rb") as body:
                return self.client.put_object(Bucket=location.container, Key=location.path, Body=body,
                                              ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum, **extra)

        if "ETag" not in self._call("PUT", attempt):
            raise self._not_s3("PUT")

    def _put_multipart(self, source: SourceFile, location: Location, extra: dict, sha256: str) -> None:
        checksum = self._checksum_algorithm()
        create_arguments = dict(Bucket=location.container, Key=location.path, **extra)
        if checksum:
            create_arguments["ChecksumAlgorithm"] = checksum
        upload_id = self._call("create multipart upload",
                               lambda: self.client.create_multipart_upload(**create_arguments))["UploadId"]
        try:
            parts = self._upload_parts(source, location, upload_id, checksum)
            source.check_unchanged()
            self._complete(location, upload_id, parts, source.size, sha256)
        except BaseException:
            self._abort(location, upload_id)
            raise

    def _upload_parts(self, source: SourceFile, location: Location, upload_id: str,
                      checksum: str | None) -> list[dict]:
        part_size = effective_part_size(source.size, self.settings.part_size)
        plan = part_plan(source.size, part_size)
        done_parts: list[dict] = []
        failure: BaseException | None = None
        with open(source.path, "rb") as handle, ThreadPoolExecutor(self.settings.concurrency) as pool:
            fd = handle.fileno()

            def submit_next(running: set[Future]) -> None:
                item = next(plan, None)
                if item is not None:
                    running.add(pool.submit(self._upload_part, fd, location, upload_id, item, checksum))

            running: set[Future] = set()
            for _slot in range(self.settings.concurrency):
                submit_next(running)
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    error = future.exception()
                    if error is not None:
                        failure = failure or error
                    else:
                        done_parts.append(future.result())
                    if failure is None:
                        submit_next(running)
        if failure is not None:
            raise failure
        return sorted(done_parts, key=lambda part: part["PartNumber"])

    def _upload_part(self, fd: int, location: Location, upload_id: str, item: tuple[int, int, int],
                     checksum: str | None) -> dict:
        number, offset, length = item
        body = os.pread(fd, length, offset)
        if len(body) != length:
            raise StorageError("src became shorter while it was being uploaded; run the task again")
        arguments = dict(Bucket=location.container, Key=location.path, UploadId=upload_id, PartNumber=number,
                         Body=body)
        if checksum:
            arguments["ChecksumAlgorithm"] = checksum
        response = self._call(f"upload of part {number}", lambda: self.client.upload_part(**arguments))
        part = {"PartNumber": number, "ETag": response["ETag"]}
        if checksum and response.get(f"Checksum{checksum}"):
            part[f"Checksum{checksum}"] = response[f"Checksum{checksum}"]
        return part

    def _complete(self, location: Location, upload_id: str, parts: list[dict], size: int, sha256: str) -> None:
        attempts = []

        def attempt():
            attempts.append(1)
            return self.client.complete_multipart_upload(
                Bucket=location.container, Key=location.path, UploadId=upload_id, MultipartUpload={"Parts": parts},
            )

        try:
            self._call("complete multipart upload", attempt)
        except ClientError as exc:
            # A retried completion finds the upload gone when the first attempt did complete it.
            if _error_code(exc) != "NoSuchUpload" or len(attempts) < 2:
                raise
            stored = self.stat(location)
            if stored is None or stored.sha256 != sha256 or stored.size != size:
                raise

    def _abort(self, location: Location, upload_id: str) -> None:
        # Within what is left of the task's budget (one attempt when nothing is): an upload left incomplete
        # is aborted by a later run once it is older than grace_period.
        try:
            self._call("abort multipart upload", lambda: self.client.abort_multipart_upload(
                Bucket=location.container, Key=location.path, UploadId=upload_id))
        except ClientError as exc:
            if _error_code(exc) != "NoSuchUpload":  # gone already: another run aborted it
                self.warnings.append(f"could not abort multipart upload {upload_id} of {location.uri}; a later "
                                     f"run aborts it once it is older than grace_period: {describe(exc)}")
        except Exception as exc:  # noqa: BLE001 - the original failure is what the task reports
            self.warnings.append(f"could not abort multipart upload {upload_id} of {location.uri}; a later run "
                                 f"aborts it once it is older than grace_period: {describe(exc)}")
