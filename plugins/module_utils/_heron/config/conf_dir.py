# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole conf dir: render every file, validate the lot in a temporary directory, then put the changed files
in place. Nothing is written at the final path before everything has been validated."""

from __future__ import annotations

import os
import shutil
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


def _validate(options: ConfDirOptions, files: dict[str, bytes], staging: str) -> list[fetch.FetchCommand]:
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
    template = os.path.join(staging, JOB_TEMPLATE)
    option = "heron_aurora_template" if options.heron_aurora_template else None
    uris = {fetch.CORE_PACKAGE.binding: options.core_package_uri}
    if options.fetch_check_topology_uri:
        uris[fetch.TOPOLOGY_PACKAGE.binding] = options.fetch_check_topology_uri
    bindings = validation.heron_bindings(options.cluster, options.core_package_uri, options.fetch_check_topology_uri)
    job = validation.load_template(template, bindings, option)
    validation.check_template(job, options.version, options.cluster, option)
    return validation.fetch_commands(job, uris)


def plan(options: ConfDirOptions) -> Plan:
    """Render and validate the conf dir in a temporary directory; compare with the one in place."""
    files, missing = render(options)
    staging = tempfile.mkdtemp(prefix="heron-conf-")
    try:
        for name, data in files.items():
            with open(os.path.join(staging, name), "wb") as handle:
                handle.write(data)
        commands = _validate(options, files, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
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
    cluster = cluster or os.path.basename(os.path.dirname(os.path.abspath(template)))
    uris = {fetch.CORE_PACKAGE.binding: core_package_uri}
    scheme_of(core_package_uri, "core_package_uri")
    if topology_package_uri:
        scheme_of(topology_package_uri, "topology_package_uri")
        uris[fetch.TOPOLOGY_PACKAGE.binding] = topology_package_uri
    all_bindings = validation.heron_bindings(cluster, core_package_uri, topology_package_uri)
    all_bindings.update({str(k): str(v) for k, v in (bindings or {}).items()})
    all_bindings.update(uris)
    job = validation.load_template(template, all_bindings, option="path")
    if version:
        validation.check_template(job, HeronVersion.parse(version), cluster, option="path")
    return validation.fetch_commands(job, uris)
