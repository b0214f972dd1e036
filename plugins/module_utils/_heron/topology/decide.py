# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision of one run: from the request, what was observed and the fingerprint of what is asked for, the
actions to take, in order. Pure: it reads nothing and runs nothing, so that check mode and the real run agree.

Actions: ``clean`` (remove a stale topology: `heron kill` when Heron can, else its Aurora job and Heron's nodes),
``kill``, ``submit``, ``redeploy`` (kill, then submit, rolled back on failure), ``update`` (component parallelism),
``activate``, ``deactivate``, ``restart`` and ``forget`` (remove the collection's fingerprint record).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import Fingerprint
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import (
    TopologyConflict,
    TopologyInvalid,
    TopologyStale,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.observed import Observed
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.request import TopologyRequest


@dataclass
class Plan:
    actions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    parallelism: dict = field(default_factory=dict)  # the changes `update` applies, when known before a submit

    def add(self, action: str, reason: str) -> None:
        self.actions.append(action)
        self.reasons.append(reason)

    @property
    def submits(self) -> bool:
        return "submit" in self.actions or "redeploy" in self.actions


def decide(request: TopologyRequest, observed: Observed, desired: Fingerprint | None) -> Plan:
    plan = Plan()
    _check_location(request, observed)
    if request.state == "absent":
        return _absent(plan, observed)
    if observed.stale:
        if not request.recover_stale:
            raise TopologyStale(
                f"topology {request.name} has stale state: {'; '.join(observed.stale_reasons)}. heron submit would "
                "fail with \"already exists\" and heron kill may not remove it: set recover_stale=true to clean "
                "Heron's nodes of this topology (and its Aurora job) before going on",
                option="recover_stale", stale=observed.stale_report())
        plan.add("clean", "stale: " + "; ".join(observed.stale_reasons))
        return _from_nothing(plan, request)
    if request.state == "restarted":
        if not observed.submitted:
            raise TopologyConflict(f"topology {request.name} is not deployed, so there is nothing to restart: deploy "
                                   "it with state=running first", option="state")
        target = "all containers" if request.container in (None, -1) else f"container {request.container}"
        plan.add("restart", f"restart of {target} asked for")
        return plan
    if not observed.exists:
        return _from_nothing(plan, request)
    reason = _redeploy_reason(request, observed, desired)
    if reason:
        plan.add("redeploy", reason)
        _after_submit(plan, request)
        return plan
    changes = parallelism_changes(request.component_parallelism, observed.parallelism)
    if changes:
        plan.parallelism = changes
        plan.add("update", "component parallelism differs: " + ", ".join(
            f"{name} {observed.parallelism.get(name)} -> {count}" for name, count in sorted(changes.items())))
    if observed.state != request.target_state:
        verb = "activate" if request.target_state == "RUNNING" else "deactivate"
        plan.add(verb, f"the topology is {observed.state}")
    return plan


def _absent(plan: Plan, observed: Observed) -> Plan:
    if observed.killable and not observed.stale:
        plan.add("kill", "the topology is deployed")
    elif observed.exists:
        plan.add("clean", "stale: " + "; ".join(observed.stale_reasons))
    if observed.fingerprint is not None:
        plan.add("forget", "the fingerprint record remains")
    return plan


def _from_nothing(plan: Plan, request: TopologyRequest) -> Plan:
    if request.state == "restarted":
        raise TopologyConflict(f"topology {request.name} is not deployed, so there is nothing to restart",
                               option="state")
    plan.add("submit", "the topology is not deployed")
    _after_submit(plan, request)
    return plan


def _after_submit(plan: Plan, request: TopologyRequest) -> None:
    """A submit of a topology meant to run with deploy_deactivated goes up paused, then is activated once ready."""
    if request.state == "running" and request.deploy_deactivated:
        plan.add("activate", "deployed deactivated, activated once every instance is up")


def _check_location(request: TopologyRequest, observed: Observed) -> None:
    location = observed.submitted_to
    if location is not None and location != (request.cluster, request.role, request.environment):
        raise TopologyConflict(
            f"topology {request.name} runs in {'/'.join(location)}, not in {request.location}: a topology name is "
            "unique in a cluster's state; kill it there first, or pick another name", option="name")


def _redeploy_reason(request: TopologyRequest, observed: Observed, desired: Fingerprint | None) -> str | None:
    record = observed.fingerprint
    if request.redeploy == "always":
        return "redeploy=always"
    if request.redeploy == "never" or desired is None:
        return None
    if record is None:
        return "no fingerprint is recorded for the running topology (it was not deployed by heron_topology)"
    if record.topology_id != observed.topology_id:
        return (f"the fingerprint record describes submission {record.topology_id}, not the running "
                f"{observed.topology_id}")
    if record.sha256 != desired.sha256:
        return "the fingerprint changed: " + ", ".join(changed_inputs(record.inputs, desired.inputs))
    return None


def changed_inputs(before: dict, after: dict) -> list[str]:
    names = sorted(set(before) | set(after))
    return [name for name in names if before.get(name) != after.get(name)] or ["format"]


def parallelism_changes(wanted: dict, current: dict) -> dict:
    """The components whose parallelism differs from ``wanted``; a name the topology lacks is an error."""
    unknown = sorted(set(wanted) - set(current))
    if unknown:
        raise TopologyInvalid(f"component_parallelism names {', '.join(unknown)}, which the topology does not have: "
                              f"its components are {', '.join(sorted(current)) or 'none'}",
                              option="component_parallelism")
    return {name: count for name, count in wanted.items() if current.get(name) != count}
