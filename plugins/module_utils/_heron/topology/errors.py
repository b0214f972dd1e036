# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of a topology's lifecycle. Each says what state the topology was left in."""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError


class TopologyError(HeronError):
    """Base of the lifecycle errors; ``details`` is plain data for the module result."""

    def __init__(self, message: str, option: str | None = None, **details: object) -> None:
        super().__init__(message, option=option)
        self.details = details


class TopologyInvalid(TopologyError):
    """The request cannot be carried out as given; nothing was contacted or changed."""


class TopologyStale(TopologyError):
    """Heron's nodes of the topology are incomplete or belong to a job that is gone (the "already exists" trap)."""


class TopologyConflict(TopologyError):
    """The state found does not allow what was asked (another cluster/role/environment, nothing to restart...)."""


class DeployFailed(TopologyError):
    """A submit failed; ``details`` says whether it was rolled back and what runs now."""


class TopologyNotReady(TopologyError):
    """wait: the topology did not come up within wait_timeout; ``details`` says what is missing."""
