"""The binary host: nginx from Debian serving a directory over HTTP on loopback."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

from .service import Service, ServiceError, free_port

HEALTH_PATH = "/.harness-health"


class HttpServer(Service):
    name = "nginx"
    host = "127.0.0.1"

    def __init__(self, workdir: Path, root: Path | None = None, port: int | None = None) -> None:
        super().__init__(workdir)
        self.port = port or free_port()
        self.root = Path(root) if root else self.workdir / "www"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def prepare(self) -> None:
        if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
            raise ServiceError("nginx is missing: install Debian's nginx-light package")
        self.root.mkdir(parents=True, exist_ok=True)
        (self.workdir / "tmp").mkdir(exist_ok=True)
        tmp = self.workdir / "tmp"
        (self.workdir / "nginx.conf").write_text(f"""\
worker_processes 1;
pid {self.workdir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.workdir}/access.log;
    client_body_temp_path {tmp}/client;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    server {{
        listen {self.host}:{self.port};
        root {self.root};
        autoindex on;
        location = {HEALTH_PATH} {{ return 200 "ok\\n"; }}
    }}
}}
""")

    def command(self) -> list[str]:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        # -e keeps nginx away from /var/log/nginx before it has read our configuration.
        return [nginx, "-p", str(self.workdir), "-e", "stderr", "-c", str(self.workdir / "nginx.conf"),
                "-g", "daemon off; user root;"]

    def healthy(self) -> bool:
        with urllib.request.urlopen(self.base_url + HEALTH_PATH, timeout=2) as response:  # noqa: S310
            return response.status == 200

    def endpoints(self) -> dict:
        return {"base_url": self.base_url, "root": str(self.root)}
