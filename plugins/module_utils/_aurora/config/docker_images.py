# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``{{docker.image[NAME][TAG]}}`` binding of the config language: each such reference becomes the image pinned
to its digest, ``NAME@sha256:...``, as the stock client's Docker binding helper resolves it.

The registry is the cluster's ``docker_registry`` in clusters.json (Docker Hub when unset). It is asked with the
Docker Registry HTTP API v2: ``HEAD /v2/`` (is it a v2 registry), then ``HEAD /v2/NAME/manifests/TAG`` accepting a
schema 2 manifest, whose ``Docker-Content-Digest`` header is the digest. A 401 with a ``Bearer`` challenge is
answered with an anonymous token from the challenge's realm, as the stock client does; a registry that wants
basic credentials, or still refuses with the token, cannot be used, as with the stock client. A registry other
than Docker Hub is named in the result (``HOST:PORT/NAME@DIGEST``) so that the agents pull from it.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

try:
    from pystachio import Ref
    from pystachio.matcher import Any as AnyComponent
    from pystachio.matcher import Matcher
except ImportError:  # the loader reports the missing library before anything here runs
    Ref = AnyComponent = Matcher = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora.discovery import checked_url, load_clusters
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraConfigError,
    AuroraMissingLibrary,
)

log = logging.getLogger(__name__)

DEFAULT_DOCKER_REGISTRY = "https://registry-1.docker.io"
DOCKER_REGISTRY_KEY = "docker_registry"  # the clusters.json key
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DIGEST_HEADER = "Docker-Content-Digest"
REGISTRY_TIMEOUT_SECS = 60.0
_CHALLENGE_PARAMETER = re.compile(r'(\w+)="([^"]*)"')


def docker_image_refs(job: Any) -> list[tuple[str, str]]:
    """(name, tag) of every ``{{docker.image[name][tag]}}`` the job refers to, each once, in a stable order."""
    matcher = Matcher("docker").image[AnyComponent][AnyComponent]
    return sorted({(str(match[2]), str(match[3])) for match in matcher.match(job)})


def bind_docker_images(job: Any, registry: Callable[[], "DockerRegistry"]) -> Any:
    """``job`` with every ``{{docker.image[name][tag]}}`` bound to the image its registry pins that tag to.
    ``registry`` is asked for only when the job has such a reference."""
    found = docker_image_refs(job)
    if not found:
        return job
    resolver = registry()
    return job.bind({Ref.from_address(f"docker.image[{name}][{tag}]"): resolver.resolve(name, tag)
                     for name, tag in found})


def registry_url(cluster_name: str, clusters: Mapping[str, Any]) -> str:
    """The docker_registry of the job's cluster; AuroraConfigError for a cluster clusters.json does not name
    (the stock client needs the cluster's entry for this binding too)."""
    if cluster_name not in clusters:
        known = ", ".join(sorted(clusters)) or "none"
        raise AuroraConfigError(f"{{{{docker.image[...]}}}} needs the job's cluster {cluster_name!r} in clusters.json, "
                                f"for its {DOCKER_REGISTRY_KEY} (known clusters: {known})")
    url = clusters[cluster_name].extra.get(DOCKER_REGISTRY_KEY) or DEFAULT_DOCKER_REGISTRY
    return checked_url(f"clusters.json: cluster {cluster_name}: {DOCKER_REGISTRY_KEY}", str(url), AuroraConfigError)


def cluster_registry(cluster_name: str, timeout: float | None, clusters_file: str | None = None,
                     environ: Mapping[str, str] | None = None) -> "DockerRegistry":
    """The Docker registry of the job's cluster, from clusters.json (``clusters_file``, else the default files)."""
    return DockerRegistry(registry_url(cluster_name, load_clusters(clusters_file, environ)), timeout=timeout)


class DockerRegistry:
    """One Docker registry (v2 HTTP API), asked for the digests of image tags."""

    def __init__(self, url: str, timeout: float = REGISTRY_TIMEOUT_SECS) -> None:
        if not HAS_REQUESTS:
            raise AuroraMissingLibrary("requests", REQUESTS_IMPORT_ERROR)
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self._checked = False

    def resolve(self, name: str, tag: str) -> str:
        """``NAME@DIGEST`` (``HOST/NAME@DIGEST`` for a registry other than Docker Hub) of the image tag."""
        image = f"{name}:{tag}"
        self._check_v2()
        url = f"{self.url}/v2/{name}/manifests/{tag}"
        headers = {"Accept": MANIFEST_V2}
        response = self._head(url, headers)
        if response.status_code == 401:
            headers.update(self._authorization(response, image))
            response = self._head(url, headers)
            if response.status_code == 401:
                raise AuroraConfigError(f"docker image {image}: private Docker repository ({self.url} refuses an "
                                        "anonymous token)")
        if response.status_code != 200:
            raise AuroraConfigError(f"docker image {image}: {self.url} answered {response.status_code} "
                                    f"{response.reason} for its manifest")
        digest = response.headers.get(DIGEST_HEADER)
        if not digest:
            raise AuroraConfigError(f"docker image {image}: {self.url} gave no {DIGEST_HEADER} for its manifest")
        reference = f"{name}@{digest}"
        if self.url != DEFAULT_DOCKER_REGISTRY:
            reference = f"{urlsplit(self.url).netloc}/{reference}"
        log.info("Resolved %s:%s => %s", name, tag, reference)  # the stock client's progress line
        return reference

    def _check_v2(self) -> None:
        if self._checked:
            return
        url = f"{self.url}/v2/"
        response = self._head(url, {})
        if response.status_code == 401:
            response = self._head(url, self._authorization(response, "the registry"))
        if response.status_code != 200:
            raise AuroraConfigError(f"{self.url} is not a Docker registry v2 (it answered {response.status_code} "
                                    f"{response.reason} for /v2/)")
        self._checked = True

    def _authorization(self, response: Any, what: str) -> dict:
        """The Authorization header that answers the 401's challenge: an anonymous Bearer token."""
        challenge = response.headers.get("Www-Authenticate")
        if not challenge:
            raise AuroraConfigError(f"{what}: {self.url} answered 401 without a Www-Authenticate challenge")
        scheme, _space, parameters = challenge.partition(" ")
        if scheme.lower() == "basic":
            raise AuroraConfigError(f"{what}: {self.url} wants basic authorization, which is not supported: "
                                    f"{challenge}")
        if scheme.lower() != "bearer":
            raise AuroraConfigError(f"{what}: {self.url} sent an unknown auth challenge: {challenge}")
        fields = dict(_CHALLENGE_PARAMETER.findall(parameters))
        realm = fields.pop("realm", None)
        if not realm:
            raise AuroraConfigError(f"{what}: {self.url}'s challenge names no realm to get a token from: {challenge}")
        fields.pop("error", None)
        token_response = self._request("GET", realm, {}, params=fields)
        try:
            token = token_response.json().get("token") if token_response.status_code == 200 else None
        except ValueError:
            token = None
        if not token:
            raise AuroraConfigError(f"{what}: no token from {realm} (it answered {token_response.status_code} "
                                    f"{token_response.reason})")
        return {"Authorization": f"Bearer {token}"}

    def _head(self, url: str, headers: Mapping[str, str]) -> Any:
        return self._request("HEAD", url, headers)

    def _request(self, method: str, url: str, headers: Mapping[str, str], **kwargs: Any) -> Any:
        # No credentials ever: an auth that adds nothing keeps requests from taking them from ~/.netrc.
        try:
            return self.session.request(method, url, headers=dict(headers), timeout=self.timeout,
                                        allow_redirects=method != "HEAD", auth=_no_credentials, **kwargs)
        except requests.RequestException as error:
            raise AuroraConfigError(f"cannot reach the Docker registry at {urlsplit(url).netloc}: "
                                    f"{type(error).__name__}") from None


def _no_credentials(request: Any) -> Any:
    return request
