# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thermos helpers of the config language: composing tasks (``combine_tasks``, ``concat_tasks``,
``SequentialTask``, ``SimpleTask``), ordering processes (``order``) and rendering command line options
(``java_options``, ``python_options``), with the classes behind them (``Tasks``, ``Processes``, ``Units``,
``Options``), as Aurora's configs use them.

Where Aurora's helpers deduplicated processes and constraints through a set (in no defined order), these keep
the first occurrence of each in the order given, so that the same config always gives the same task.
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Iterable

from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import (
    GB,
    Constraint,
    Empty,
    Process,
    Resources,
    Task,
)


def _unique(items: Iterable[Any]) -> list:
    kept: list = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept


class Units:
    """Arithmetic on the resources, finalization waits, processes and constraints of tasks."""

    @classmethod
    def safe_get(cls, unit: Any) -> Any:
        """The value of a field, 0 when it is not set."""
        return 0 if unit is Empty else unit.get()

    @classmethod
    def optional_resources(cls, resources: Any) -> Any:
        return Resources() if resources is Empty else resources

    @classmethod
    def _combine(cls, pick: Any, resources: Iterable[Any]) -> Any:
        def combine(left: Any, right: Any) -> Any:
            return Resources(**{field: pick(cls.safe_get(getattr(left, field)()), cls.safe_get(getattr(right, field)()))
                                for field in ("cpu", "ram", "disk", "gpu")})

        return reduce(combine, map(cls.optional_resources, resources), Resources(cpu=0, ram=0, disk=0, gpu=0))

    @classmethod
    def resources_sum(cls, *resources: Any) -> Any:
        """Resources with each of cpu, ram, disk and gpu the sum of those given (a missing one counts 0)."""
        return cls._combine(lambda left, right: left + right, resources)

    @classmethod
    def resources_max(cls, resources: Iterable[Any]) -> Any:
        """Resources with each of cpu, ram, disk and gpu the largest of those given."""
        return cls._combine(max, resources)

    @classmethod
    def finalization_wait_sum(cls, waits: Iterable[Any]) -> int:
        return sum(map(cls.safe_get, waits))

    @classmethod
    def finalization_wait_max(cls, waits: Iterable[Any]) -> int:
        return max([0] + [cls.safe_get(wait) for wait in waits])

    @classmethod
    def processes_merge(cls, tasks: Iterable[Any]) -> list:
        """The processes of all tasks, each once."""
        return _unique(process for task in tasks for process in task.processes())

    @classmethod
    def constraints_merge(cls, tasks: Iterable[Any]) -> list:
        """The order constraints of all tasks, each once."""
        return _unique(constraint for task in tasks for constraint in task.constraints())


class Processes:
    @classmethod
    def _process_name(cls, process: Any) -> Any:
        if isinstance(process, Process):
            return process.name()
        if isinstance(process, str):
            return process
        raise ValueError(f"Unknown value for process order: {process!r}")

    @classmethod
    def order(cls, *processes: Any) -> list:
        """The constraint list that runs ``processes`` (Process objects or names) one after the other;
        ``order(a, b) + order(b, c)`` means ``order(a, b, c)``."""
        return [Constraint(order=[cls._process_name(process) for process in processes])]


class Tasks:
    SIMPLE_CPU = 1.0
    SIMPLE_RAM = 1 * GB
    SIMPLE_DISK = 1 * GB

    @classmethod
    def _merged(cls, tasks: tuple) -> Any:
        """The last task (its name and other fields) with the processes of all of them."""
        return tasks[-1](processes=Units.processes_merge(tasks))

    @classmethod
    def combine(cls, *tasks: Any, **fields: Any) -> Any:
        """One task running the processes of all ``tasks`` side by side: their resources added up, their order
        constraints kept, the longest finalization wait; ``fields`` set on the result."""
        if not tasks:
            return Task()
        return cls._merged(tasks)(
            resources=Units.resources_sum(*(task.resources() for task in tasks)),
            constraints=Units.constraints_merge(tasks),
            finalization_wait=Units.finalization_wait_max(task.finalization_wait() for task in tasks),
            **fields)

    @classmethod
    def concat(cls, *tasks: Any, **fields: Any) -> Any:
        """One task running the processes of each of ``tasks`` after all those of the one before: the largest of
        their resources, their order constraints and one per pair of processes of consecutive tasks, the sum of
        their finalization waits; ``fields`` set on the result."""
        if not tasks:
            return Task()
        constraints = Units.constraints_merge(tasks)
        for earlier, later in zip(tasks, tasks[1:]):
            constraints.extend(constraint
                               for first in earlier.processes() for then in later.processes() if first != then
                               for constraint in Processes.order(first, then))
        return cls._merged(tasks)(
            resources=Units.resources_max(task.resources() for task in tasks),
            constraints=constraints,
            finalization_wait=Units.finalization_wait_sum(task.finalization_wait() for task in tasks),
            **fields)

    @classmethod
    def simple(cls, name: str, command: str) -> Any:
        """A task of one process with one CPU, 1 GB of RAM and 1 GB of disk."""
        return Task(name=name, processes=[Process(name=name, cmdline=command)],
                    resources=Resources(cpu=cls.SIMPLE_CPU, ram=cls.SIMPLE_RAM, disk=cls.SIMPLE_DISK))

    @classmethod
    def sequential(cls, task: Any) -> Any:
        """``task`` with its processes run one after the other, in list order; a task that has order
        constraints already is refused."""
        if task.constraints() is not Empty and task.constraints().get():
            raise ValueError("Cannot turn a Task with existing constraints into a SequentialTask!")
        if task.processes() is Empty:
            return task
        return task(constraints=Processes.order(*task.processes()))


class Options:
    """Command line options from names, dictionaries and keywords: ``-a``, ``-a 23``, ``--boo foo``."""

    @classmethod
    def render_option(cls, short_prefix: str, long_prefix: str, option: str, value: Any = None) -> str:
        flag = f"{short_prefix if len(option) == 1 else long_prefix}{option}"
        return f"{flag} {value}" if value else flag

    @classmethod
    def render_options(cls, short_prefix: str, long_prefix: str, *options: Any, **keyword_options: Any) -> list:
        rendered = []
        for option in options:
            if isinstance(option, str):
                rendered.append(cls.render_option(short_prefix, long_prefix, option))
            elif isinstance(option, dict):
                rendered.extend(cls.render_option(short_prefix, long_prefix, name, value)
                                for name, value in option.items())
            else:
                raise ValueError(f"Got an unexpected argument to render_options: {option!r}")
        rendered.extend(cls.render_option(short_prefix, long_prefix, name, value)
                        for name, value in keyword_options.items())
        return rendered

    @classmethod
    def java(cls, *options: Any, **keyword_options: Any) -> str:
        """Every option with one dash: ``java_options('server', Xmx='1g')`` is ``-server -Xmx 1g``."""
        return " ".join(cls.render_options("-", "-", *options, **keyword_options))

    @classmethod
    def python(cls, *options: Any, **keyword_options: Any) -> str:
        """One dash for a one-letter option, two for longer ones: ``python_options('v', port=80)`` is
        ``-v --port 80``."""
        return " ".join(cls.render_options("-", "--", *options, **keyword_options))


def SimpleTask(name: str, command: str) -> Any:  # noqa: N802 - a constructor name of the config language
    return Tasks.simple(name, command)


def SequentialTask(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - a constructor name of the config language
    return Tasks.sequential(Task(*args, **kwargs))


order = Processes.order
combine_tasks = Tasks.combine
concat_tasks = Tasks.concat
java_options = Options.java
python_options = Options.python

HELPER_NAMES = {
    "order": order, "combine_tasks": combine_tasks, "concat_tasks": concat_tasks, "java_options": java_options,
    "python_options": python_options, "SequentialTask": SequentialTask, "SimpleTask": SimpleTask,
    "Options": Options, "Processes": Processes, "Tasks": Tasks, "Units": Units,
}
