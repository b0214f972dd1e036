# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules report about a topology, made from its znodes (reader.TopologyNodes): plain data only."""

from __future__ import annotations

from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._heron.state.messages import state_name
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.reader import TopologyNodes

PARALLELISM_KEY = "topology.component.parallelism"
STMGRS_KEY = "topology.stmgrs"
# The nodes a completed submit leaves (Heron writes them in this order, then creates the Aurora job, then
# the scheduler location). pplans and tmanagers appear only once the TManager runs, so they are not required.
SUBMITTED_DIRS = ("topologies", "packingplans", "executionstate", "schedulers")


def topology_view(nodes: TopologyNodes) -> dict:
    topology = nodes.get("topologies")
    physical_plan = nodes.get("pplans")
    execution = nodes.get("executionstate")
    packing = nodes.get("packingplans")
    definition = physical_plan.topology if physical_plan is not None else topology
    view: dict[str, Any] = {
        "name": nodes.name,
        "id": _topology_id(nodes),
        **_state(nodes),
        **_execution(execution),
        "spouts": [spout.comp.name for spout in definition.spouts] if definition is not None else [],
        "bolts": [bolt.comp.name for bolt in definition.bolts] if definition is not None else [],
        "component_parallelism": _parallelism(definition, packing),
        "containers": _containers(packing, definition),
        "instances": _instances(packing, definition),
        "resources": _resources(packing),
        "physical_plan": _physical_plan(physical_plan),
        "tmanager": _tmanager(nodes),
        "scheduler": _scheduler(nodes.get("schedulers")),
        "fingerprint": _fingerprint(nodes),
        "fingerprint_error": nodes.fingerprint_error,
    }
    view.update(_staleness(nodes))
    return view


def _topology_ids(nodes: TopologyNodes) -> dict:
    """The topology id each node that records one holds, by directory."""
    ids = {}
    for directory, found in nodes.found.items():
        if directory == "topologies":
            ids[directory] = found.id
        elif directory == "pplans":
            ids[directory] = found.topology.id
        elif directory in ("executionstate", "tmanagers", "tmasters"):
            ids[directory] = found.topology_id
    return ids


def _topology_id(nodes: TopologyNodes) -> str | None:
    ids = _topology_ids(nodes)
    return next((ids[directory] for directory in ("topologies", "executionstate", "pplans") if directory in ids),
                None)


def _state(nodes: TopologyNodes) -> dict:
    """The live state: the physical plan's, which the TManager rewrites on (de)activate, else the submitted one.

    A physical plan that exists but does not decode leaves the live state unknown: the submitted state may be stale.
    """
    if "pplans" in nodes.unreadable:
        return {"state": None, "state_source": None}
    for directory in ("pplans", "topologies"):
        found = nodes.get(directory)
        if found is not None:
            definition = found.topology if directory == "pplans" else found
            return {"state": state_name(definition.state), "state_source": directory}
    return {"state": None, "state_source": None}


def _execution(execution: Any) -> dict:
    if execution is None:
        return dict.fromkeys(("cluster", "role", "environment", "submission_user", "submission_time", "release"))
    release = None
    if execution.HasField("release_state"):
        state = execution.release_state
        release = {"username": state.release_username, "tag": state.release_tag, "version": state.release_version}
    return {
        "cluster": execution.cluster,
        "role": execution.role,
        "environment": execution.environ,
        "submission_user": execution.submission_user if execution.HasField("submission_user") else None,
        "submission_time": execution.submission_time if execution.HasField("submission_time") else None,
        "release": release,
    }


def _config_value(config: Any, key: str) -> str | None:
    for pair in config.kvs:
        if pair.key == key and pair.HasField("value"):
            return pair.value
    return None


def _parallelism(definition: Any, packing: Any = None) -> dict:
    """Each component's parallelism: its instances in the packing plan, which `heron update` rewrites (the
    topologies node keeps the submitted definition), else its config in the definition."""
    if definition is None:
        return {}
    components = [spout.comp for spout in definition.spouts] + [bolt.comp for bolt in definition.bolts]
    found = {}
    for component in components:
        value = _config_value(component.config, PARALLELISM_KEY)
        found[component.name] = int(value) if value is not None and value.isdigit() else None
    if packing is not None:
        packed: dict = {}
        for container in packing.container_plans:
            for instance in container.instance_plans:
                packed[instance.component_name] = packed.get(instance.component_name, 0) + 1
        found.update({name: packed.get(name, 0) for name in found})
    return found


def _containers(packing: Any, definition: Any) -> int | None:
    if packing is not None:
        return len(packing.container_plans)
    if definition is None:
        return None
    value = _config_value(definition.topology_config, STMGRS_KEY)
    return int(value) if value is not None and value.isdigit() else 1


def _instances(packing: Any, definition: Any) -> int | None:
    if packing is not None:
        return sum(len(container.instance_plans) for container in packing.container_plans)
    counts = _parallelism(definition).values()
    return sum(counts) if counts and None not in counts else None


def _resource(resource: Any) -> dict:
    return {"cpu": resource.cpu, "ram": resource.ram, "disk": resource.disk}


def _resources(packing: Any) -> dict | None:
    if packing is None:
        return None
    containers = []
    for container in sorted(packing.container_plans, key=lambda plan: plan.id):
        containers.append({
            "id": container.id,
            "required": _resource(container.requiredResource),
            "scheduled": _resource(container.scheduledResource) if container.HasField("scheduledResource") else None,
            "instances": [{"component": instance.component_name, "task_id": instance.task_id,
                           "component_index": instance.component_index, **_resource(instance.resource)}
                          for instance in container.instance_plans],
        })
    total = {key: sum(container["required"][key] for container in containers) for key in ("cpu", "ram", "disk")}
    return {"packing_plan_id": packing.id, "containers": containers, "total_required": total}


def _physical_plan(physical_plan: Any) -> dict | None:
    if physical_plan is None:
        return None
    return {
        "stmgrs": [{"id": stmgr.id, "host": stmgr.host_name, "data_port": stmgr.data_port,
                    "shell_port": stmgr.shell_port if stmgr.HasField("shell_port") else None}
                   for stmgr in physical_plan.stmgrs],
        "instances": len(physical_plan.instances),
    }


def _tmanager(nodes: TopologyNodes) -> dict | None:
    directory = nodes.tmanager_dir
    if directory is None:
        return None
    location = nodes.get(directory)
    return {"host": location.host, "controller_port": location.controller_port, "server_port": location.server_port,
            "stats_port": location.stats_port if location.HasField("stats_port") else None,
            "topology_id": location.topology_id, "znode": directory}


def _scheduler(location: Any) -> dict | None:
    if location is None:
        return None
    return {"http_endpoint": location.http_endpoint, "job_page_links": list(location.job_page_link)}


def _fingerprint(nodes: TopologyNodes) -> dict | None:
    if nodes.fingerprint is None:
        return None
    record = nodes.fingerprint.as_dict()
    record["current"] = record["topology_id"] is not None and record["topology_id"] == _topology_id(nodes)
    return record


def _staleness(nodes: TopologyNodes) -> dict:
    missing = [directory for directory in SUBMITTED_DIRS
               if directory not in nodes.found and directory not in nodes.unreadable]
    reasons = [f"{directory}/{nodes.name} is missing" for directory in missing]
    reasons += [f"{directory}/{nodes.name} cannot be decoded: {why}" for directory, why in nodes.unreadable.items()]
    ids = _topology_ids(nodes)
    distinct = {value for value in ids.values() if value}
    if len(distinct) > 1:
        reasons.append("the nodes belong to different submissions: "
                       + ", ".join(f"{directory} has {value}" for directory, value in sorted(ids.items()) if value))
    return {"stale": bool(reasons), "missing": missing, "stale_reasons": reasons}
