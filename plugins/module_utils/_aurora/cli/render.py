# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the ``aurora`` command prints things: task status (text and the stock client's JSON), instance ranges,
config differences, the inspected job, update timestamps."""

from __future__ import annotations

import datetime
import difflib
import json
from typing import Any, Iterable

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import spans
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import JobKey, readable_task


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, separators=(",", ": "), sort_keys=False)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def whole_seconds(millis: int | None) -> int:
    """Milliseconds since the epoch as the stock client (Python 2, integer division) turned them into seconds."""
    return (millis or 0) // 1000


def timestamp(millis: int | None) -> str:
    """Milliseconds since the epoch as an ISO date and time in UTC, without zone or fraction, as the stock client
    shows them."""
    moment = datetime.datetime.fromtimestamp(whole_seconds(millis), tz=datetime.timezone.utc)
    return moment.replace(tzinfo=None).isoformat()


def instance_ranges(instances: Iterable[int]) -> str:
    """[0, 1, 2, 5] -> '[0-2], [5]'."""
    return ", ".join(f"[{first}]" if first == last else f"[{first}-{last}]" for first, last in spans(instances))


# --- job status ------------------------------------------------------------------------------------

def _numeric_booleans(value: Any) -> Any:
    """Booleans as 1 and 0, as Thrift's simple JSON protocol (what the stock client serializes with) writes them."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return {key: _numeric_booleans(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numeric_booleans(item) for item in value]
    return value


def task_json(idl: Any, task: Any) -> dict:
    """A ScheduledTask as the stock client's ``job status --write-json`` has it: every field by name, statuses
    by name, booleans as 1 and 0 but isService and production, which it turns back into true and false."""
    plain = _numeric_booleans(api.to_plain(task))
    plain["status"] = api.enum_name(idl.ScheduleStatus, task.status)
    for event in plain.get("taskEvents", []):
        event["status"] = api.enum_name(idl.ScheduleStatus, event.get("status"))
    config = plain.get("assignedTask", {}).get("task", {})
    config["isService"] = bool(config.get("isService"))
    if "production" in config:
        config["production"] = bool(config["production"])
    return plain


def job_status_json(idl: Any, key: JobKey, active: list, inactive: list) -> dict:
    return {"job": str(key), "active": [task_json(idl, t) for t in active],
            "inactive": [task_json(idl, t) for t in inactive]}


def _resources_line(config: Any) -> str:
    """The stock client's resource line: CPU, RAM, Disk, a 'Port: name' per named port, GPU, in that order."""
    named = readable_task(config)["resources"] if config is not None else {}
    parts = []
    for field, label, unit in (("numCpus", "CPU", " core(s)"), ("ramMb", "RAM", " MB"), ("diskMb", "Disk", " MB"),
                               ("ports", "Port", ""), ("numGpus", "GPU", " GPU(s)")):
        values = named.get(field, []) if field == "ports" else [named[field]] if field in named else []
        parts += [f"{label}: {value}{unit}" for value in values]
    return ", ".join(parts)


def _task_text(idl: Any, task: Any) -> str:
    assigned = task.assignedTask
    config = assigned.task
    lines = [f"\tTask role: {config.job.role}, env: {config.job.environment}, name: {config.job.name}, "
             f"instance: {assigned.instanceId}, status: {api.enum_name(idl.ScheduleStatus, task.status)} "
             f"on {assigned.slaveHost}",
             f"\t  {_resources_line(config)}"]
    if assigned.assignedPorts:
        lines.append(f"\t  assigned ports: {dict(assigned.assignedPorts)}")
        lines.append(f"\t  failure count: {task.failureCount} (max {config.maxTaskFailures})")
    lines.append("\t  events:")
    for event in sorted(task.taskEvents or [], key=lambda e: e.timestamp or 0):
        when = datetime.datetime.fromtimestamp(whole_seconds(event.timestamp))
        lines.append(f"\t   {when} {api.enum_name(idl.ScheduleStatus, event.status)}: {event.message}")
    if config.metadata:
        lines.append("\t  metadata:")
        for item in sorted(config.metadata, key=lambda m: (m.key, m.value)):
            lines.append(f"\t\t  (key: '{item.key}', value: '{item.value}')")
    lines.append("")
    return "\n".join(lines)


def job_status_text(idl: Any, active: list, inactive: list) -> str:
    parts = [f"Active tasks ({len(active)}):\n"]
    parts += [_task_text(idl, task) for task in active]
    parts.append(f"Inactive tasks ({len(inactive)}):\n")
    parts += [_task_text(idl, task) for task in inactive]
    return "".join(parts)


# --- diff and inspect --------------------------------------------------------------------------------

def task_diff(remote: Any, local: Any) -> str:
    """A unified diff of two TaskConfigs (scheduler's first), executor data decoded, the owner left out."""
    def lines(config: Any) -> list[str]:
        return json.dumps(readable_task(config), indent=2, sort_keys=True).splitlines(keepends=True)

    text = "".join(difflib.unified_diff(lines(remote), lines(local), "scheduler", "config"))
    return text.rstrip("\n")


def inspect_text(job: dict, is_service: bool) -> str:
    """The parsed job, in the layout of the stock client's ``job inspect``."""
    lines = ["Job level information",
             f"  name:       '{job.get('name')}'",
             f"  role:       '{job.get('role')}'"]
    if job.get("contact"):
        lines.append(f"  contact:    '{job['contact']}'")
    lines += [f"  cluster:    '{job.get('cluster')}'", f"  instances:  '{job.get('instances')}'"]
    if job.get("cron_schedule"):
        lines += ["  cron:", f"    schedule: '{job['cron_schedule']}'",
                  f"    policy:   '{job.get('cron_collision_policy')}'"]
    if job.get("constraints"):
        lines.append("  constraints:")
        lines += [f"    '{name}': '{value}'" for name, value in job["constraints"].items()]
    lines += [f"  service:    {is_service}", f"  production: {bool(job.get('production'))}", ""]
    task = job.get("task", {})
    lines += ["Task level information", f"  name: '{task.get('name')}'"]
    orders = [c.get("order") or [] for c in task.get("constraints") or []]
    if orders:
        lines.append("  constraints:")
        lines += [f"  {' < '.join(order)}" for order in orders]
    lines.append("")
    for process in task.get("processes", []):
        lines.append(f"Process '{process.get('name')}':")
        lines += [f"  {flag}" for flag in ("daemon", "ephemeral", "final") if process.get(flag)]
        lines.append("  cmdline:")
        lines += [f"    {line}" for line in str(process.get("cmdline", "")).splitlines()]
        lines.append("")
    return "\n".join(lines)
