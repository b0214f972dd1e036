# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The topology files heron_topology keeps, so that any controller can roll a failed redeploy back to the file that
ran before: ``<package_store>/<cluster>/<role>/<environment>/<name>/<sha256>/<file name>``, written once per
content (an unchanged file is not sent again), read back with its digest checked."""

from __future__ import annotations

import os
import posixpath
from typing import Callable

from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import TopologyError
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.request import TopologyRequest
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import StorageBackend
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import StorageError
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import SourceFile
from ansible_collections.heron.aurora.plugins.module_utils._storage.sync import SyncOptions, ensure_present
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location, parse_dest


class PackageError(TopologyError):
    """A topology file could not be kept in, or read back from, the package store."""


class PackageStore:
    def __init__(self, store_uri: str, backend_for: Callable[[Location], StorageBackend]) -> None:
        self.store_uri = store_uri.rstrip("/")
        self._backend_for = backend_for
        self._backends: dict[str, StorageBackend] = {}
        # Checked now, before anything runs: a store URI that cannot hold files fails the run at its start.
        self.location_of("probe")

    def location_of(self, relative: str, option: str = "package_store") -> Location:
        return _checked(lambda: parse_dest(f"{self.store_uri}/{relative}", option=option))

    def keep(self, request: TopologyRequest, sha256: str) -> str:
        """Store ``request.topology_file`` (once per content); its URI."""
        name = posixpath.basename(request.topology_file)
        relative = "/".join((request.cluster, request.role, request.environment, request.name, sha256, name))
        location = self.location_of(relative)

        def put() -> dict:
            source = SourceFile.open_checked(request.topology_file, option="topology_file")
            return ensure_present(self._backend(location), source, location, SyncOptions(), check_mode=False)

        return _checked(put)["uri"]

    def fetch(self, uri: str, directory: str) -> str:
        """Download a kept file into ``directory`` under its own name; the local path."""
        location = _checked(lambda: parse_dest(uri, option="package_store"))
        destination = os.path.join(directory, location.name)
        _checked(lambda: self._backend(location).download(location, destination))
        return destination

    def _backend(self, location: Location) -> StorageBackend:
        if location.scheme not in self._backends:
            self._backends[location.scheme] = self._backend_for(location)
        return self._backends[location.scheme]

    def close(self) -> None:
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()


def _checked(operation: Callable):
    try:
        return operation()
    except StorageError as exc:
        raise PackageError(str(exc), option=exc.option or "package_store") from None
