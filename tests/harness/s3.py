"""An S3 API on loopback: moto in server mode, reached by boto3 through ``endpoint_url`` like any S3 service."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

from .service import Service, free_port

ACCESS_KEY = "harness-access-key"
SECRET_KEY = "harness-secret-key"
REGION = "us-east-1"


class S3Server(Service):
    name = "s3"
    host = "127.0.0.1"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        super().__init__(workdir)
        self.port = port or free_port()
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.region = REGION

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        # moto ships its server as a module of the same interpreter that runs the tests.
        return [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)]

    def environment(self) -> dict:
        return {"MOTO_ALLOW_NONEXISTENT_REGION": "false"}

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=2) as response:  # noqa: S310
            return response.status == 200

    def client(self, **config):
        """A boto3 S3 client with short timeouts, so a lost endpoint fails a test instead of hanging it."""
        import boto3
        from botocore.config import Config

        settings = {"connect_timeout": 3, "read_timeout": 30, "retries": {"max_attempts": 2, "mode": "standard"}}
        settings.update(config)
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region,
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(**settings),
        )

    def endpoints(self) -> dict:
        return {"endpoint_url": self.endpoint_url, "access_key": self.access_key,
                "secret_key": self.secret_key, "region": self.region}
