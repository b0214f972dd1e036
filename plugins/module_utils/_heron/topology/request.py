# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What heron_topology is asked for, checked before anything is contacted or run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import TopologyInvalid

# Heron refuses a topology name with '.' or '/' (TopologyUtils.verifyTopology) and Aurora takes job key parts of
# [\w.-] only, so a topology name, which is both, is made of ASCII letters, digits, '_' and '-'.
TOPOLOGY_NAME = re.compile(r"[A-Za-z0-9_-]+")
# Aurora's rule for the other job key parts (cluster, role, environment).
JOB_KEY_PART = re.compile(r"[A-Za-z0-9_.-]+")
# The files `heron submit` takes (facts section 5).
TOPOLOGY_FILE_SUFFIXES = (".jar", ".tar", ".tar.gz", ".pex", ".so", ".dylib")
STATES = ("running", "paused", "absent", "restarted")
REDEPLOY_CHOICES = ("on_change", "always", "never")


@dataclass(frozen=True)
class TopologyRequest:
    name: str
    cluster: str
    role: str
    environment: str
    state: str = "running"
    topology_file: str | None = None
    topology_class: str | None = None
    topology_args: tuple = ()
    config_properties: dict = field(default_factory=dict)
    deploy_deactivated: bool = False
    component_parallelism: dict = field(default_factory=dict)
    container: int | None = None
    redeploy: str = "on_change"
    rollback: bool = True
    recover_stale: bool = False
    wait: bool = False
    wait_timeout: float = 300.0

    @property
    def location(self) -> str:
        return f"{self.cluster}/{self.role}/{self.environment}"

    @property
    def job_key(self) -> str:
        return f"{self.location}/{self.name}"

    @property
    def deploys(self) -> bool:
        """Whether this state may submit the topology (and so needs what a submit needs)."""
        return self.state in ("running", "paused")

    @property
    def target_state(self) -> str | None:
        """Heron's name of the state asked for, for the states that name one."""
        return {"running": "RUNNING", "paused": "PAUSED"}.get(self.state)

    def validate(self) -> None:
        if self.state not in STATES:
            raise TopologyInvalid(f"state must be one of {', '.join(STATES)}, not {self.state!r}", option="state")
        if self.redeploy not in REDEPLOY_CHOICES:
            raise TopologyInvalid(f"redeploy must be one of {', '.join(REDEPLOY_CHOICES)}", option="redeploy")
        _check_name(self.name)
        for option in ("cluster", "role", "environment"):
            value = getattr(self, option)
            if not isinstance(value, str) or not JOB_KEY_PART.fullmatch(value):
                raise TopologyInvalid(f"{option} {value!r} is not a valid Aurora job key part: use ASCII letters, "
                                      "digits, '_', '-' and '.'", option=option)
        if self.deploys:
            self._validate_deployment()
        if self.container is not None and self.state != "restarted":
            raise TopologyInvalid("container selects what to restart and needs state=restarted", option="container")
        if self.container is not None and self.container < -1:
            raise TopologyInvalid(f"container {self.container} is not a container index: use 0 (the TManager's), "
                                  "1 and up, or -1 for all", option="container")
        problem = seconds_error("wait_timeout", self.wait_timeout)
        if problem:
            raise TopologyInvalid(problem, option="wait_timeout")

    def _validate_deployment(self) -> None:
        for option in ("topology_file", "topology_class"):
            if not getattr(self, option):
                raise TopologyInvalid(f"{option} is required with state={self.state}", option=option)
        if not self.topology_file.endswith(TOPOLOGY_FILE_SUFFIXES):
            raise TopologyInvalid(f"topology_file {self.topology_file!r} is not a file heron submit takes: its name "
                                  f"must end in {', '.join(TOPOLOGY_FILE_SUFFIXES)}", option="topology_file")
        for key in self.config_properties:
            if not key or "=" in key:
                raise TopologyInvalid(f"config_properties key {key!r} cannot be passed as --config-property "
                                      "KEY=VALUE: a key is not empty and has no '='", option="config_properties")
        for component, count in self.component_parallelism.items():
            if not component or ":" in component:
                raise TopologyInvalid(f"component_parallelism: {component!r} is not a component name (not empty, "
                                      "no ':')", option="component_parallelism")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise TopologyInvalid(f"component_parallelism: {component} must be a whole number of at least 1, "
                                      f"not {count!r}", option="component_parallelism")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not TOPOLOGY_NAME.fullmatch(name):
        raise TopologyInvalid(f"name {name!r} is not a topology name Heron and Aurora both accept: use ASCII "
                              "letters, digits, '_' and '-' (Heron refuses '.' and '/')", option="name")
