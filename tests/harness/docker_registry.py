"""A Docker registry on loopback: Debian's docker-registry (the Docker distribution registry, HTTP API v2), storing
in its work directory, without authentication. ``push_image`` puts a small image into it over the same HTTP API a
``docker push`` uses, so tests need no Docker engine."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

from .service import Service, ServiceError, free_port

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def _digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


class DockerRegistry(Service):
    name = "docker-registry"
    host = "127.0.0.1"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        super().__init__(workdir)
        self.port = port or free_port()
        self.debug_port = free_port()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def prepare(self) -> None:
        if not shutil.which("docker-registry"):
            raise ServiceError("docker-registry is missing: install Debian's docker-registry package")
        (self.workdir / "storage").mkdir(exist_ok=True)
        # JSON is YAML: the registry reads this as its config.yml.
        (self.workdir / "config.yml").write_text(json.dumps({
            "version": 0.1,
            "log": {"level": "info"},
            "storage": {"filesystem": {"rootdirectory": str(self.workdir / "storage")}},
            "http": {"addr": f"{self.host}:{self.port}", "debug": {"addr": f"{self.host}:{self.debug_port}"}},
        }))

    def command(self) -> list[str]:
        return [shutil.which("docker-registry") or "docker-registry", "serve", str(self.workdir / "config.yml")]

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/v2/", timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200

    def endpoints(self) -> dict:
        return {"url": self.url}

    # --- content ------------------------------------------------------------------------------------
    def push_image(self, name: str, tag: str, content: bytes = b"harness layer") -> str:
        """Push a one-layer image as NAME:TAG; return its manifest's digest, as the registry reports it."""
        rootfs = {"type": "layers", "diff_ids": [_digest(content)]}
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": rootfs}, sort_keys=True).encode()
        for blob in (config, content):
            self._upload_blob(name, blob)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_V2,
            "config": {"mediaType": CONFIG_V1, "size": len(config), "digest": _digest(config)},
            "layers": [{"mediaType": LAYER, "size": len(content), "digest": _digest(content)}],
        }, indent=3).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/v2/{name}/manifests/{tag}", data=manifest, method="PUT", headers={"Content-Type": MANIFEST_V2})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            digest = response.headers["Docker-Content-Digest"]
        if digest != _digest(manifest):
            raise ServiceError(f"the registry took the manifest of {name}:{tag} as {digest}, not {_digest(manifest)}")
        return digest

    def _upload_blob(self, name: str, blob: bytes) -> None:
        start = urllib.request.Request(f"{self.url}/v2/{name}/blobs/uploads/", data=b"", method="POST")  # noqa: S310
        with urllib.request.urlopen(start, timeout=10) as response:  # noqa: S310 - loopback
            location = urllib.parse.urljoin(self.url, response.headers["Location"])
        separator = "&" if "?" in location else "?"
        finish = urllib.request.Request(  # noqa: S310 - loopback
            f"{location}{separator}digest={_digest(blob)}", data=blob, method="PUT",
            headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(finish, timeout=10) as response:  # noqa: S310 - loopback
            if response.status != 201:
                raise ServiceError(f"the registry did not take a blob of {name}: {response.status}")
