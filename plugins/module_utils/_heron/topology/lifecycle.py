# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One heron_topology run: observe, decide, check everything a change needs, then carry the plan out through the
heron CLI, recording the fingerprint of every successful submit, and rolling a failed redeploy back."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from typing import Callable

from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.heron import HeronCli
from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.runner import CommandError, CommandFailed
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import (
    Fingerprint,
    compute_fingerprint,
    delete_fingerprint,
    fingerprint_inputs,
    write_fingerprint,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import HeronState
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.session import ZooKeeperSession
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.aurora_jobs import TopologyJobs
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.decide import (
    Plan,
    decide,
    parallelism_changes,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import (
    DeployFailed,
    TopologyError,
    TopologyInvalid,
)
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.observed import Observed
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.packages import PackageStore
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.readiness import wait_until_ready
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.request import TopologyRequest
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import StorageError
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import SourceFile, sha256_file

# Every directory `heron kill` clears of a topology's node (facts section 4); a stale topology's are cleared the same.
HERON_TOPOLOGY_DIRS = ("tmanagers", "tmasters", "metricscaches", "packingplans", "pplans", "schedulers",
                       "executionstate", "topologies")
# What a failed submit may raise: the CLI failing, timing out or missing, or the checks after it.
SUBMIT_FAILURES = (CommandError, TopologyError)
NEW_SUBMISSION = "(a new submission)"


def desired_fingerprint(request: TopologyRequest) -> Fingerprint | None:
    """The fingerprint of what a deploying state asks for (the topology file read and hashed); None otherwise."""
    if not request.deploys:
        return None
    try:
        digest = sha256_file(SourceFile.open_checked(request.topology_file, option="topology_file").path)
    except StorageError as exc:
        raise TopologyInvalid(str(exc), option="topology_file") from None
    return compute_fingerprint(fingerprint_inputs(digest, request.topology_class, request.topology_args,
                                                  request.config_properties))


class TopologyLifecycle:
    def __init__(self, request: TopologyRequest, desired: Fingerprint | None, session: ZooKeeperSession, root: str,
                 cli: Callable[[], HeronCli], aurora: TopologyJobs, packages: PackageStore | None = None,
                 check_mode: bool = False, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.request = request
        self.session = session
        self.heron_state = HeronState(session, root)
        self._make_cli = cli
        self._cli: HeronCli | None = None
        self.aurora = aurora
        self.packages = packages
        self.check_mode = check_mode
        self._sleep, self._clock = sleep, clock
        self.desired = desired
        self.previous_file: str | None = None
        self.actions: list[str] = []
        self.warnings: list[str] = []

    # --- reading ------------------------------------------------------------------------------------
    @property
    def cli(self) -> HeronCli:
        if self._cli is None:
            self._cli = self._make_cli()
        return self._cli

    @property
    def commands(self) -> list[list[str]]:
        return self._cli.commands if self._cli is not None else []

    def observe(self, with_aurora: bool = True) -> Observed:
        request = self.request
        nodes = self.heron_state.read(request.name, (request.cluster, request.role, request.environment))
        if nodes.fingerprint_error:
            self.warnings.append(f"{nodes.fingerprint_error}; it is treated as no record and replaced by the next "
                                 "submit")
        tasks = self.aurora.active_tasks(request.job_key) if with_aurora and "topologies" in nodes.found else None
        return Observed(nodes, nodes.fingerprint, tasks)

    # --- the run -------------------------------------------------------------------------------------
    def run(self) -> dict:
        request = self.request
        before = self.observe()
        plan = decide(request, before, self.desired)
        result: dict = {"reasons": plan.reasons}
        if before.stale:
            result["stale"] = before.stale_report()
        if self.check_mode or not plan.actions:
            self.actions = list(plan.actions)
            return self._result(result, before, before, self._predicted(before, plan))
        work = tempfile.mkdtemp(prefix="heron-topology-")
        try:
            self._preflight(plan, before, work)
            after = self._execute(plan, before)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return self._result(result, before, after, after.summary())

    def _preflight(self, plan: Plan, before: Observed, work: str) -> None:
        """Everything a change needs, checked before the first command that changes anything."""
        self.cli.check_conf_dir()
        if not plan.submits:
            return
        kept = self.packages.keep(self.request, self.desired.inputs["topology_file_sha256"]) if self.packages else None
        self.desired = dataclasses.replace(self.desired, package_uri=kept)
        if "redeploy" in plan.actions and self.request.rollback:
            self.previous_file = self._fetch_previous(before.fingerprint, work)

    def _fetch_previous(self, previous: Fingerprint | None, work: str) -> str:
        if previous is None or not previous.package_uri or self.packages is None:
            why = ("its deployment was not recorded by heron_topology" if previous is None
                   else "its topology file was not kept" if not previous.package_uri
                   else "package_store is not set")
            raise TopologyInvalid(
                f"a redeploy of {self.request.name} could not be rolled back, because {why}: set package_store (a "
                "directory URI every controller can read) so that topology files are kept, or rollback=false to "
                "redeploy without a way back; nothing was changed", option="package_store")
        return self.packages.fetch(previous.package_uri, work)

    def _execute(self, plan: Plan, before: Observed) -> Observed:
        request = self.request
        current = before
        submitted = False
        for action in plan.actions:
            if action == "clean":
                self._clean(current)
            elif action == "kill":
                self.cli.kill(request.name)
            elif action == "forget":
                delete_fingerprint(self.session, request.cluster, request.role, request.environment, request.name)
            elif action == "submit":
                current, submitted = self._submit(request.topology_file, self.desired, self._deactivated()), True
            elif action == "redeploy":
                current, submitted = self._redeploy(before), True
            elif action == "update":
                self.cli.update_parallelism(request.name, plan.parallelism)
            elif action in ("activate", "deactivate"):
                if submitted:  # deployed deactivated: the TManager that takes the call must be up first
                    self._wait("PAUSED")
                getattr(self.cli, action)(request.name)
            elif action == "restart":
                self.cli.restart(request.name, request.container)
            self.actions.append(action)
        if submitted and request.component_parallelism:
            current = self._update_after_submit()
        if request.wait and request.state != "absent":
            target = request.target_state or (before.state if request.state == "restarted" else None)
            return self._wait(target)
        return self.observe(with_aurora=False) if self.actions else current

    def _deactivated(self) -> bool:
        return self.request.state == "paused" or self.request.deploy_deactivated

    def _submit(self, topology_file: str, record: Fingerprint, deactivated: bool) -> Observed:
        inputs = record.inputs
        self.cli.submit(topology_file, inputs["topology_class"], inputs["topology_args"],
                        inputs["config_properties"], deactivated=deactivated)
        observed = self.observe(with_aurora=False)
        if not observed.submitted:
            raise DeployFailed(
                f"heron submit succeeded, but ZooKeeper has no topology {self.request.name}: the main class "
                f"{inputs['topology_class']} submitted it under another name (topology_args usually gives the name; "
                "it must be the name option)", option="name")
        write_fingerprint(self.session, self.request.cluster, self.request.role, self.request.environment,
                          self.request.name, dataclasses.replace(record, topology_id=observed.topology_id))
        return observed

    def _redeploy(self, before: Observed) -> Observed:
        self.cli.kill(self.request.name)
        try:
            return self._submit(self.request.topology_file, self.desired, self._deactivated())
        except SUBMIT_FAILURES as failure:
            return self._roll_back(before, failure)

    def _roll_back(self, before: Observed, failure: Exception) -> Observed:
        name = self.request.name
        if not self.request.rollback:
            raise DeployFailed(f"the redeploy of {name} failed after the previous deployment was killed, and "
                               f"rollback is false: topology {name} is now ABSENT. The failure: {failure}",
                               state="ABSENT", rolled_back=False)
        previous = before.fingerprint
        try:
            leftover = self.observe()
            if leftover.exists:
                self._clean(leftover)
            restored = self._submit(self.previous_file, previous, deactivated=before.state == "PAUSED")
        except SUBMIT_FAILURES as second:
            raise DeployFailed(f"the redeploy of {name} failed: {failure}\nThe rollback to the previous deployment "
                               f"(fingerprint {previous.sha256}) failed too: {second}\nTopology {name} is now ABSENT.",
                               state="ABSENT", rolled_back=False) from None
        self.actions.append("rollback")
        raise DeployFailed(f"the redeploy of {name} failed and was rolled back: the previous deployment (fingerprint "
                           f"{previous.sha256}) runs again as {restored.topology_id}, {restored.state}. The failure: "
                           f"{failure}", state=restored.state, rolled_back=True, topology_id=restored.topology_id)

    def _clean(self, observed: Observed) -> None:
        """Remove a topology whatever is left of it: `heron kill` (Heron lets a kill through on partial state), and
        when that fails, its Aurora job and then Heron's nodes of this topology (and no other)."""
        request = self.request
        try:
            self.cli.kill(request.name)
            return
        except CommandFailed as exc:
            self.warnings.append(f"heron kill could not remove the stale topology, so its Aurora job and nodes are "
                                 f"removed directly: {exc}")
        tasks = observed.aurora_tasks
        if tasks is None:
            tasks = self.aurora.active_tasks(request.job_key)
        if tasks:
            self.aurora.kill(request.job_key)
        for directory in HERON_TOPOLOGY_DIRS:
            self.session.delete(self.heron_state.path(directory, request.name))

    def _update_after_submit(self) -> Observed:
        """component_parallelism against what the new submission's main class chose, once it runs."""
        current = self.observe(with_aurora=False)
        changes = parallelism_changes(self.request.component_parallelism, current.parallelism)
        if not changes:
            return current
        self._wait(None)
        self.cli.update_parallelism(self.request.name, changes)
        self.actions.append("update")
        return self.observe(with_aurora=False)

    def _wait(self, target_state: str | None) -> Observed:
        return wait_until_ready(lambda: self.observe(with_aurora=False), target_state, self.request.wait_timeout,
                                lambda: self.aurora.active_tasks(self.request.job_key),
                                sleep=self._sleep, clock=self._clock)

    # --- reporting ------------------------------------------------------------------------------------
    def _predicted(self, before: Observed, plan: Plan) -> dict:
        """What the summary would be after the plan (check mode)."""
        after = before.summary()
        request = self.request
        if request.state == "absent":
            return {"state": "ABSENT", "topology_id": None, "fingerprint": None, "component_parallelism": {}}
        if plan.submits:
            after.update(state=request.target_state, topology_id=NEW_SUBMISSION, fingerprint=self.desired.sha256,
                         component_parallelism=dict(request.component_parallelism))
            return after
        after["component_parallelism"] = dict(after["component_parallelism"], **plan.parallelism)
        if request.target_state:
            after["state"] = request.target_state
        return after

    def _result(self, result: dict, before: Observed, after: Observed, after_summary: dict) -> dict:
        view = after.view
        result.update(
            changed=bool(self.actions),
            actions=self.actions,
            commands=self.commands,
            state=after_summary["state"],
            topology_id=view["id"] if after.exists else None,
            submission_time=view["submission_time"],
            submission_user=view["submission_user"],
            release=view["release"],
            containers=view["containers"],
            instances=view["instances"],
            component_parallelism=view["component_parallelism"],
            tmanager=view["tmanager"],
            fingerprint=after.fingerprint.as_dict() if after.fingerprint is not None else None,
            diff={"before": before.summary(), "after": after_summary},
        )
        if self.desired is not None:
            result["desired_fingerprint"] = self.desired.sha256
        return result
