"""The uploaders of the heron CLI STAND-IN (tests only), as Heron's do it (facts section 1): each is made, and its
settings checked, before the submit checks anything else; ``upload`` returns the URI the containers fetch;
``undo`` runs when the launch fails; ``close`` always runs last."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from .context import Context, HeronError, log

PREVIOUS_PREFIX = "previous_"  # the S3 uploader's backup of the package it replaces
DEFAULT_S3_REGION = "us-west-2"  # the AWS SDK's Regions.DEFAULT_REGION, which Heron falls back to
# What java.net.URI accepts (RFC 2396 characters, % escapes): the HTTP uploader's response body must parse as one.
URI_CHARACTERS = re.compile(r"^[A-Za-z0-9\-_.!~*'();/?:@&=+$,\[\]#%]+$")


class Uploader:
    def __init__(self, context: Context, topology: str) -> None:
        self.context, self.topology = context, topology

    def setting(self, key: str) -> str:
        value = self.context.settings.get(key)
        return "" if value is None else self.context.substitute(str(value), self.topology)

    def upload(self, package: Path) -> str:
        raise NotImplementedError

    def undo(self) -> None:
        """Nothing to take back (Heron's HTTP uploader, for one, cannot)."""

    def close(self) -> None:
        """Nothing to release."""


class LocalFileSystemUploader(Uploader):
    def __init__(self, context: Context, topology: str) -> None:
        super().__init__(context, topology)
        self.target: Path | None = None

    def upload(self, package: Path) -> str:
        directory = Path(self.setting("heron.uploader.localfs.file.system.directory"))
        directory.mkdir(parents=True, exist_ok=True)
        self.target = directory / package.name
        shutil.copyfile(package, self.target)
        return self.target.as_uri()

    def undo(self) -> None:
        if self.target is not None:
            self.target.unlink(missing_ok=True)


class HdfsUploader(Uploader):
    """Shells out to ``hadoop --config D fs`` on the submitting machine, as Heron's does."""

    def __init__(self, context: Context, topology: str) -> None:
        super().__init__(context, topology)
        self.destination: str | None = None

    def upload(self, package: Path) -> str:
        directory = self.setting("heron.uploader.hdfs.topologies.directory.uri")
        self.destination = f"{directory}/{self.topology}-{self.context.role}-tag-0.tar.gz"
        if self.hadoop("-test", "-e", directory).returncode != 0:
            self.check(self.hadoop("-mkdir", "-p", directory))
        self.check(self.hadoop("-copyFromLocal", "-f", str(package), self.destination))
        return self.destination

    def hadoop(self, *args: str) -> subprocess.CompletedProcess:
        config = self.setting("heron.uploader.hdfs.config.directory")
        return subprocess.run(["hadoop", "--config", config, "fs", *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)

    @staticmethod
    def check(done: subprocess.CompletedProcess) -> None:
        if done.returncode != 0:
            raise HeronError(f"{' '.join(done.args)} failed: {done.stderr[-2000:]}")

    def undo(self) -> None:
        if self.destination is not None:
            self.hadoop("-rm", self.destination)


class S3Uploader(Uploader):
    """Heron's S3 uploader with boto3: path-style requests to ``heron.uploader.s3.uri`` when set; the package goes to
    ``<path_prefix>/<topology>/topology.tar.gz`` after a copy of any object already there to
    ``.../previous_topology.tar.gz``, which ``undo`` copies back and ``close`` deletes; the URI handed to Aurora is
    the object's path-style URL."""

    def __init__(self, context: Context, topology: str) -> None:
        super().__init__(context, topology)
        self.bucket = self.setting("heron.uploader.s3.bucket")
        if not self.bucket:
            raise HeronError("Missing heron.uploader.s3.bucket config value")
        access_key = self.setting("heron.uploader.s3.access_key")
        secret_key = self.setting("heron.uploader.s3.secret_key")
        profile = self.setting("heron.uploader.s3.aws_profile")
        credentials: dict = {}
        if access_key or secret_key:
            if profile:
                raise HeronError("Please provide access_key/secret_key or aws_profile, not both.")
            if not access_key:
                raise HeronError("Missing heron.uploader.s3.access_key config value")
            if not secret_key:
                raise HeronError("Missing heron.uploader.s3.secret_key config value")
            credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
        proxy = self.setting("heron.uploader.s3.proxy_uri")
        if proxy and not urllib.parse.urlsplit(proxy).hostname:
            raise HeronError(f"Invalid heron.uploader.s3.proxy_uri config value: {proxy}")
        self.region = self.setting("heron.uploader.s3.region") or DEFAULT_S3_REGION
        endpoint = self.setting("heron.uploader.s3.uri")
        if endpoint and "://" not in endpoint:
            endpoint = f"https://{endpoint}"  # the SDK's default protocol
        self.endpoint = endpoint or self.aws_endpoint(self.region)
        self.client = self.make_client(credentials, profile, proxy)
        prefix = self.setting("heron.uploader.s3.path_prefix") or "/"
        self.key = self.object_key(prefix, "topology.tar.gz")
        self.previous_key = self.object_key(prefix, PREVIOUS_PREFIX + "topology.tar.gz")

    @staticmethod
    def aws_endpoint(region: str) -> str:
        return "https://s3.amazonaws.com" if region == "us-east-1" else f"https://s3.{region}.amazonaws.com"

    def make_client(self, credentials: dict, profile: str, proxy: str):
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
        config = Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=60,
                        retries={"max_attempts": 2, "mode": "standard"},
                        proxies={"http": proxy, "https": proxy} if proxy else None)
        return session.client("s3", region_name=self.region, endpoint_url=self.endpoint, config=config,
                              **credentials)

    def object_key(self, prefix: str, filename: str) -> str:
        """Heron splits the prefix on '/' the way Java's String.split does (trailing empty parts dropped), then
        joins it, the topology name and the file name with '/': the default '/' gives '<topology>/<file>', a
        prefix 'a/b' gives 'a/b/<topology>/<file>' and '/a' gives '/a/<topology>/<file>'."""
        parts = prefix.split("/")
        while parts and not parts[-1]:
            parts.pop()
        return "/".join([*parts, self.topology, filename])

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise HeronError(f"S3 error on s3://{self.bucket}/{key}: {exc}") from None

    def upload(self, package: Path) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self.exists(self.key):
                self.copy(self.key, self.previous_key)
            self.client.upload_file(str(package), self.bucket, self.key)
        except (BotoCoreError, ClientError) as exc:
            raise HeronError(f"Error writing topology package to {self.bucket} {self.key}: {exc}") from None
        url = f"{self.endpoint.rstrip('/')}/{self.bucket}/{urllib.parse.quote(self.key, safe='/~')}"
        log(f"Package URL: {url}")
        return url

    def copy(self, source: str, target: str) -> None:
        self.client.copy_object(Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source})

    def undo(self) -> None:
        """Put the previous package back, when there was one; a first upload stays where it is, as with Heron."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self.exists(self.previous_key):
                self.copy(self.previous_key, self.key)
        except (BotoCoreError, ClientError, HeronError) as exc:
            log(f"SEVERE: Reverting to previous topology version failed: {exc}")

    def close(self) -> None:
        """Delete the backup, whether there is one or not (S3 answers a missing key's delete with success)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.previous_key)
        except (BotoCoreError, ClientError) as exc:
            log(f"could not delete s3://{self.bucket}/{self.previous_key}: {exc}")


class HttpUploader(Uploader):
    """Heron's HTTP uploader: one multipart POST of the package to ``heron.uploader.http.uri``, field ``file``; the
    response body, whatever the status, is the URI handed to Aurora, so it must parse as a URI; undo does nothing."""

    def __init__(self, context: Context, topology: str) -> None:
        super().__init__(context, topology)
        self.uri = self.setting("heron.uploader.http.uri")
        if not self.uri.strip():
            raise HeronError("heron.uploader.http.uri property must be set")

    def upload(self, package: Path) -> str:
        import requests

        try:
            with package.open("rb") as body:
                response = requests.post(self.uri, files={"file": (package.name, body, "application/octet-stream")},
                                         timeout=60)
            location = response.content.decode("utf-8", errors="replace")
        except (OSError, requests.RequestException) as exc:
            raise HeronError(f"Error uploading package to location: {package}: {exc}") from None
        if not URI_CHARACTERS.match(location):
            log(f"SEVERE: the upload answered {response.status_code} with a body that is not a URI: "
                f"{location[:300]!r}")
            raise HeronError(f"Error uploading package to location: {package}")
        return location


UPLOADERS = {cls.__name__: cls for cls in (LocalFileSystemUploader, HdfsUploader, S3Uploader, HttpUploader)}


def make_uploader(context: Context, topology: str) -> Uploader:
    name = str(context.settings.get("heron.class.uploader", ""))
    kind = UPLOADERS.get(name.rsplit(".", 1)[-1])
    if kind is None:
        raise HeronError(f"Failed to instantiate uploader class '{name}'")
    return kind(context, topology)
