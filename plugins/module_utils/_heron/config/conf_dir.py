# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole conf dir: render every file, validate the lot (heron.aurora from a temporary copy), then put the changed
files in place. Nothing is written at the final path before everything has been validated."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from ansible_collections.heron.aurora.plugins.module_utils._heron.config import (
    aurora_template,
    fetch,
    validation,
    writer,
    yaml_files,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.options import (
    JOB_TEMPLATE,
    RELEASE_FILES,
    SECRET_FILE_MODE,
    YAML_FILES,
    ConfDirOptions,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.uris import scheme_of
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.versions import HeronVersion


@dataclass
class Plan:
    """What the conf dir should hold, validated, compared with what it holds."""

    options: ConfDirOptions
    changes: list[writer.FileChange]
    missing: list[str] = field(default_factory=list)
    fetch_commands: list[fetch.FetchCommand] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(change.changed for change in self.changes)

    def diffs(self) -> list[dict]:
        return [change.diff() for change in self.changes if change.changed]

    def apply(self) -> list[str]:
        return writer.apply(self.options.path, self.changes)


def _template_content(options: ConfDirOptions) -> bytes:
    if not options.heron_aurora_template:
        return aurora_template.render(options)
    try:
        with open(os.path.expanduser(options.heron_aurora_template), "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise HeronConfigError(f"cannot read heron_aurora_template {options.heron_aurora_template}: {exc.strerror}",
                               option="heron_aurora_template") from None


def _release_files(options: ConfDirOptions) -> tuple[dict[str, bytes], list[str]]:
    """The release files to copy, and those that are neither copied nor present."""
    if options.release_conf_dir:
        copied = {}
        for name in RELEASE_FILES:
            source = os.path.join(os.path.expanduser(options.release_conf_dir), name)
            try:
                with open(source, "rb") as handle:
                    copied[name] = handle.read()
            except OSError as exc:
                raise HeronConfigError(f"release_conf_dir has no readable {name} ({source}: {exc.strerror}); give "
                                       "the conf dir of a Heron release, e.g. ~/.heron/conf/aurora",
                                       option="release_conf_dir") from None
        return copied, []
    missing = [name for name in RELEASE_FILES if not os.path.isfile(os.path.join(options.path, name))]
    return {}, missing


def render(options: ConfDirOptions) -> tuple[dict[str, bytes], list[str]]:
    """Every file this module writes, by name, and the release files that are missing."""
    files = {name: yaml_files.dump(keys) for name, keys in yaml_files.file_keys(options).items()}
    if options.scheduler == "aurora":
        files[JOB_TEMPLATE] = _template_content(options)
    copied, missing = _release_files(options)
    files.update(copied)
    return files, missing


def _validate(options: ConfDirOptions, files: dict[str, bytes]) -> list[fetch.FetchCommand]:
    """Every file checked from ``files``; heron.aurora from a temporary copy, as the Aurora config loader reads a
    path (so an include() in an operator's template must be absolute: Heron reads it from the conf dir)."""
    parsed = {name: yaml_files.load(files[name], name) for name in YAML_FILES}
    validation.check_yaml_files(parsed, options.scheduler)
    for name in RELEASE_FILES:
        present = os.path.join(options.path, name)
        if name in files:
            yaml_files.load(files[name], name)
        elif os.path.isfile(present):
            with open(present, "rb") as handle:
                yaml_files.load(handle.read(), name)
    if options.scheduler != "aurora":
        return []
    with tempfile.TemporaryDirectory(prefix="heron-conf-") as staging:
        template = os.path.join(staging, JOB_TEMPLATE)
        with open(template, "wb") as handle:
            handle.write(files[JOB_TEMPLATE])
        return validation.checked_fetch_commands(
            template, options.cluster, options.core_package_uri, options.fetch_check_topology_uri, options.version,
            option="heron_aurora_template" if options.heron_aurora_template else None)


def plan(options: ConfDirOptions) -> Plan:
    """Render and validate the conf dir; compare with the one in place."""
    files, missing = render(options)
    commands = _validate(options, files)
    mode = writer.parse_mode(options.mode)
    changes = []
    for name, data in files.items():
        file_mode = SECRET_FILE_MODE if name == "uploader.yaml" and options.uploader.holds_secret else mode
        display = yaml_files.masked if name == "uploader.yaml" else None
        changes.append(writer.FileChange.read(options.path, name, data, file_mode, display))
    return Plan(options=options, changes=changes, missing=missing, fetch_commands=commands)


def template_path(path: str) -> str:
    """A heron.aurora given as the file or as the conf dir that holds it."""
    path = os.path.abspath(os.path.expanduser(path))
    return os.path.join(path, JOB_TEMPLATE) if os.path.isdir(path) else path


def template_fetch_commands(path: str, core_package_uri: str, topology_package_uri: str | None = None,
                            cluster: str | None = None, bindings: dict | None = None,
                            version: str | None = None) -> list[fetch.FetchCommand]:
    """The fetch commands of an existing heron.aurora (a file, or the conf dir holding one) with the URIs bound;
    with ``version``, the template is first checked as heron_cluster_config checks its own."""
    template = template_path(path)
    if not os.path.isfile(template):
        raise HeronConfigError(f"there is no heron.aurora at {template}", option="path")
    scheme_of(core_package_uri, "core_package_uri")
    if topology_package_uri:
        scheme_of(topology_package_uri, "topology_package_uri")
    return validation.checked_fetch_commands(
        template, cluster or os.path.basename(os.path.dirname(template)), core_package_uri, topology_package_uri,
        HeronVersion.parse(version) if version else None, option="path",
        bindings={str(key): str(value) for key, value in (bindings or {}).items()})
