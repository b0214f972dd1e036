# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks the stock client makes on a job's thermos Task before it sends the job (its ThermosTaskValidator):
process names, the plan the executor would run (order() constraints, daemon, ephemeral and final processes)
and references that stay unbound once the executor's values are in.

Each error message is the stock client's ("Task is invalid: ..."), then what is at fault in this config.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError

# Thermos makes a directory of each process name: not empty, not starting with '.' or '/', no '/' in it.
PROCESS_NAME = re.compile(r"^[^./][^/]*$")
# Stand-ins for what the executor fills in on the agent, to see what else stays unbound.
PLACEHOLDER_TASK_ID = "dummy_task_id"
PLACEHOLDER_USER = "dummy_user"
PLACEHOLDER_PORT = 31337


def _invalid(problem: str, detail: str = "") -> AuroraConfigError:
    return AuroraConfigError(f"Task is invalid: {problem}" + (f" ({detail})" if detail else ""))


def _flag(process: Any, name: str) -> bool:
    return bool(getattr(process, name)().get())


def check_task(task: Any) -> None:
    """AuroraConfigError unless ``task`` (interpolated, with mesos.* bound) has valid process names, passes its
    type check and makes a valid plan."""
    processes = list(task.processes())
    for process in processes:
        name = str(process.name().get())
        if not PROCESS_NAME.match(name):
            raise _invalid(f"Task has invalid process: Invalid process name: {name}",
                           "a process name must not be empty, start with '.' or contain '/'")
    typecheck = task.check()
    if not typecheck.ok():
        raise _invalid(f"Failed to fully evaluate task: {typecheck.message()}")
    orders = [list(constraint.order().get()) if constraint.has_order() else [] for constraint in task.constraints()]
    # Thermos runs the final processes as a plan of their own after the others: an order() may not mix them.
    for final in (False, True):
        group = {str(process.name().get()): process for process in processes if _flag(process, "final") is final}
        _check_plan(group, orders)


def _check_plan(processes: dict[str, Any], orders: list[list[str]]) -> None:
    """One plan of the executor (the final processes, or all others): each order() names only processes of
    that plan or none of them, obeys the daemon and ephemeral rules, and the orders together have no cycle."""
    depends_on: dict[str, set[str]] = {name: set() for name in processes}
    for names in orders:
        known = [name for name in names if name in processes]
        if not names or (known and len(known) != len(names)):
            raise _invalid("Task has invalid plan: Invalid process dependencies!", _order_fault(names, processes))
        if not known:  # every name is of the other plan (or of no process): not this plan's concern
            continue
        for before, after in zip(names, names[1:]):
            if _flag(processes[before], "daemon"):
                raise _invalid(f"Task has invalid plan: Process {after} may not depend upon daemon process {before}")
            if _flag(processes[before], "ephemeral") and not _flag(processes[after], "ephemeral"):
                raise _invalid(f"Task has invalid plan: Non-ephemeral process {after} may not depend upon "
                               f"ephemeral process {before}")
            depends_on[after].add(before)
    in_cycles = _left_after_scheduling(depends_on)
    if in_cycles:
        raise _invalid("Task has invalid plan: Cycles detected in the task schedule!",
                       f"the order() constraints leave no first process among {', '.join(sorted(in_cycles))}")


def _order_fault(names: list[str], processes: dict[str, Any]) -> str:
    if not names:
        return "an order() names no process"
    listed = ", ".join(repr(name) for name in names)
    strangers = ", ".join(name for name in names if name not in processes)
    members = ", ".join(name for name in names if name in processes)
    return (f"order({listed}): {strangers} is not a process of the task, or not final where {members} is "
            "not or the other way round; an order() relates processes of the task that are all final or all not")


def _left_after_scheduling(depends_on: dict[str, set[str]]) -> set[str]:
    """Processes that never become runnable when each runs once all it depends on has run: those in a cycle
    and those after one."""
    waiting = {name: set(before) for name, before in depends_on.items()}
    while True:
        runnable = {name for name, before in waiting.items() if not before}
        if not runnable:
            return set(waiting)
        waiting = {name: before - runnable for name, before in waiting.items() if name not in runnable}


def check_refs_bound(task: Any, port_names: list[str]) -> None:
    """AuroraConfigError if, with the executor's values bound too, anything is left in ``task`` (interpolated,
    with mesos.* bound): a reference built from another one (``{{ports[{{mesos.instance}}]}}``)."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import ThermosContext

    executor_values = ThermosContext(task_id=PLACEHOLDER_TASK_ID, user=PLACEHOLDER_USER,
                                     ports={name: PLACEHOLDER_PORT for name in port_names})
    _interpolated, left = task.bind(thermos=executor_values).interpolate()
    if left:
        raise _invalid(f"Unexpected unbound refs: {' '.join(str(ref) for ref in left)}. Make sure you are not "
                       "nesting template variables.")
