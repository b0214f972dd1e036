"""The {{docker.image[name][tag]}} binding: which references it finds, and the registry conversation for the cases a
registry without authentication cannot show (tests/integration/test_aurora_cli_language.py runs it against a real
registry): a Bearer challenge answered with an anonymous token, and the challenges and answers it refuses. The
registry here is a scripted HTTP endpoint on loopback that records what it was asked."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.docker_images import (
    DEFAULT_DOCKER_REGISTRY,
    DockerRegistry,
    bind_docker_images,
    docker_image_refs,
    registry_url,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import evaluate
from ansible_collections.heron.aurora.plugins.module_utils._aurora.discovery import Cluster
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError

DIGEST = "sha256:" + "ab" * 32
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


class Registry:
    """Answers by path from ``routes``: {(method, path): (status, headers, body)}; records each request."""

    def __init__(self, routes: dict) -> None:
        self.routes = routes
        self.requests: list[dict] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                registry.requests.append({"method": self.command, "path": parts.path,
                                          "query": dict(urllib.parse.parse_qsl(parts.query)),
                                          "headers": dict(self.headers)})
                status, headers, body = registry.answer(self.command, parts.path, self.headers)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = _answer  # noqa: N815 - http.server's names

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, path: str, headers) -> tuple:
        route = self.routes.get((method, path))
        if route is None:
            return 404, {}, b""
        return route(headers) if callable(route) else route


@pytest.fixture
def make_registry():
    started = []

    def make(routes: dict) -> Registry:
        registry = Registry(routes)
        started.append(registry)
        return registry

    yield make
    for registry in started:
        registry.server.shutdown()
        registry.server.server_close()


def bearer_routes(registry_holder: dict, token: str = "anon-token") -> dict:  # noqa: S107 - a test token
    def challenge(scope: str):
        def answer(headers):
            if headers.get("Authorization") == f"Bearer {token}":
                return 200, {"Docker-Content-Digest": DIGEST}, b""
            realm = f"{registry_holder['url']}/token"
            return 401, {"Www-Authenticate": f'Bearer realm="{realm}",service="registry.test",scope="{scope}"'}, b""
        return answer

    def v2(headers):
        if headers.get("Authorization") == f"Bearer {token}":
            return 200, {}, b""
        return 401, {"Www-Authenticate": f'Bearer realm="{registry_holder["url"]}/token",service="registry.test"'}, b""

    return {("HEAD", "/v2/"): v2,
            ("HEAD", "/v2/team/app/manifests/1.2"): challenge("repository:team/app:pull,push"),
            ("GET", "/token"): (200, {"Content-Type": "application/json"}, json.dumps({"token": token}).encode())}


# --- which references ------------------------------------------------------------------------------------

def test_the_references_found_each_once():
    [job] = evaluate(content="""
task = Task(name='t', processes=[Process(name='p', cmdline='run {{docker.image[team/app][1.2]}} {{other}}')])
jobs = [Job(cluster='c', role='r', environment='e', name='n', task=task,
            container=Docker(image='{{docker.image[team/app][1.2]}}'),
            contact='{{docker.image[library/python][2.7]}}')]
""")
    assert docker_image_refs(job) == [("library/python", "2.7"), ("team/app", "1.2")]


def test_a_job_without_references_never_asks_for_a_registry():
    [job] = evaluate(content="jobs = [Job(cluster='c', role='r', environment='e', name='n', "
                             "task=Task(name='t', processes=[Process(name='p', cmdline='x')]))]")

    def no_registry():
        raise AssertionError("the registry was asked for")

    assert bind_docker_images(job, no_registry) is job


def test_the_registry_is_the_clusters_docker_registry_or_docker_hub():
    clusters = {"c": Cluster(name="c", extra={"docker_registry": "https://registry.example.com:5000/"}),
                "hub": Cluster(name="hub")}
    assert registry_url("c", clusters) == "https://registry.example.com:5000"
    assert registry_url("hub", clusters) == DEFAULT_DOCKER_REGISTRY
    with pytest.raises(AuroraConfigError, match="needs the job's cluster 'other' in clusters.json"):
        registry_url("other", clusters)
    with pytest.raises(AuroraConfigError, match="docker_registry"):
        registry_url("bad", {"bad": Cluster(name="bad", extra={"docker_registry": "ftp://r"})})


# --- the registry conversation ---------------------------------------------------------------------------

def test_a_bearer_challenge_is_answered_with_an_anonymous_token(make_registry):
    holder: dict = {}
    registry = make_registry(bearer_routes(holder))
    holder["url"] = registry.url
    resolved = DockerRegistry(registry.url).resolve("team/app", "1.2")
    assert resolved == f"{registry.url.split('//')[1]}/team/app@{DIGEST}"
    manifest_asks = [r for r in registry.requests if r["path"].endswith("/manifests/1.2")]
    assert [r["headers"].get("Accept") for r in manifest_asks] == [MANIFEST_V2, MANIFEST_V2]
    assert manifest_asks[-1]["headers"]["Authorization"] == "Bearer anon-token"
    token_asks = [r for r in registry.requests if r["path"] == "/token"]
    # The scope keeps its comma: the challenge's parameters are quoted strings.
    assert token_asks[-1]["query"] == {"service": "registry.test", "scope": "repository:team/app:pull,push"}
    assert all("Authorization" not in r["headers"] for r in token_asks)


@pytest.mark.parametrize(("routes", "message"), [
    ({("HEAD", "/v2/"): (404, {}, b"")}, "is not a Docker registry v2"),
    ({("HEAD", "/v2/"): (401, {"Www-Authenticate": 'Basic realm="r"'}, b"")},
     "wants basic authorization, which is not supported"),
    ({("HEAD", "/v2/"): (401, {}, b"")}, "without a Www-Authenticate challenge"),
    ({("HEAD", "/v2/"): (401, {"Www-Authenticate": 'Negotiate x'}, b"")}, "unknown auth challenge"),
    ({("HEAD", "/v2/"): (200, {}, b""), ("HEAD", "/v2/team/app/manifests/1.2"): (404, {}, b"")},
     "answered 404 Not Found for its manifest"),
    ({("HEAD", "/v2/"): (200, {}, b""), ("HEAD", "/v2/team/app/manifests/1.2"): (200, {}, b"")},
     "gave no Docker-Content-Digest"),
])
def test_what_the_stock_client_cannot_use_is_a_config_error(make_registry, routes, message):
    registry = make_registry(routes)
    with pytest.raises(AuroraConfigError, match=message):
        DockerRegistry(registry.url).resolve("team/app", "1.2")


def test_a_repository_that_refuses_the_anonymous_token_is_private(make_registry):
    holder: dict = {}
    routes = bearer_routes(holder)
    routes[("HEAD", "/v2/team/app/manifests/1.2")] = lambda headers: (
        401, {"Www-Authenticate": f'Bearer realm="{holder["url"]}/token",service="registry.test"'}, b"")
    registry = make_registry(routes)
    holder["url"] = registry.url
    with pytest.raises(AuroraConfigError, match=r"docker image team/app:1.2: private Docker repository"):
        DockerRegistry(registry.url).resolve("team/app", "1.2")


def test_an_unreachable_registry_is_a_config_error():
    with pytest.raises(AuroraConfigError, match="cannot reach the Docker registry at 127.0.0.1:9"):
        DockerRegistry("http://127.0.0.1:9", timeout=5).resolve("team/app", "1.2")
