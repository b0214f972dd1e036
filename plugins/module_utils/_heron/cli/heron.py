# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The heron CLI verbs a topology's lifecycle needs, as argument lists (facts section 5), each run through
runner.run_command and remembered in ``commands`` so that a module can report what ran."""

from __future__ import annotations

import os
from typing import Mapping, Sequence

from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.runner import CommandResult, run_command
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError


class HeronCli:
    """``heron <verb> --config-path <config_path> [flags] <cluster>/<role>/<environment> ...``"""

    def __init__(self, executable: str, config_path: str, cluster: str, role: str, environment: str,
                 timeout: float, env: Mapping[str, str] | None = None) -> None:
        self.executable = executable
        self.config_path = config_path
        self.cluster = cluster
        self.location = f"{cluster}/{role}/{environment}"
        self.timeout = timeout
        self.env = env
        self.commands: list[list[str]] = []

    def check_conf_dir(self) -> None:
        """The heron CLI refuses a cluster without its conf dir; say so before anything runs."""
        path = os.path.join(os.path.expanduser(self.config_path), self.cluster)
        if not os.path.isfile(os.path.join(path, "heron.aurora")):
            raise HeronError(f"the cluster conf dir {path} is missing or has no heron.aurora: write it with "
                             "heron.aurora.heron_cluster_config, or point config_path at the directory that holds it",
                             option="config_path")

    def submit(self, topology_file: str, topology_class: str, topology_args: Sequence[str] = (),
               config_properties: Mapping[str, str] | None = None, deactivated: bool = False) -> CommandResult:
        flags = [item for key, value in sorted((config_properties or {}).items())
                 for item in ("--config-property", f"{key}={value}")]
        if deactivated:
            flags.append("--deploy-deactivated")
        return self._run("submit", flags, [topology_file, topology_class, *topology_args])

    def kill(self, name: str) -> CommandResult:
        return self._run("kill", [], [name])

    def activate(self, name: str) -> CommandResult:
        return self._run("activate", [], [name])

    def deactivate(self, name: str) -> CommandResult:
        return self._run("deactivate", [], [name])

    def restart(self, name: str, container: int | None = None) -> CommandResult:
        return self._run("restart", [], [name] + ([] if container is None else [str(container)]))

    def update_parallelism(self, name: str, parallelism: Mapping[str, int]) -> CommandResult:
        flags = [item for component, count in sorted(parallelism.items())
                 for item in ("--component-parallelism", f"{component}:{count}")]
        return self._run("update", flags, [name])

    def _run(self, verb: str, flags: list[str], operands: list[str]) -> CommandResult:
        argv = [self.executable, verb, "--config-path", self.config_path, *flags, self.location, *operands]
        self.commands.append(argv)
        return run_command(argv, timeout=self.timeout, env=self.env)
