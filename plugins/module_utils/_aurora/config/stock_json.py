# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The executor data JSON exactly as the stock client writes it.

The stock client runs on CPython 2.7 (interpreter_constraints CPython>=2.7,<3) with pystachio 0.8.5, and writes
ExecutorConfig.data with ``json.dumps(job.get())``: no sort_keys, default separators, the keys of every object in
the iteration order of a Python 2 dict. The scheduler compares TaskConfigs, executor data included, as strings, so
the same config must give the same bytes here, or an update by this client replaces instances a job created by
the stock client runs with the same config. docs/aurora-cli.md ("Executor data") explains the rule.

Where the order comes from, for a pystachio Struct, in Python 2:
- a class written out in a schema module (``class Task(Struct): ...``): the class body is a dict filled in source
  order after ``__module__``; its fields, in that dict's order, fill TYPEMAP; TYPEMAP fills each instance's
  fields; the present fields of those fill the dict that is dumped;
- a class pystachio rebuilds from a serialized type (the class of a field's default value, or of a dict given for
  a Struct field): the same chain, started from the field names sorted;
- a Map keeps the order of the dict it was given (a dict literal in the config, copied), then fills the dict
  that is dumped.
Each step is a CPython 2.7 dict filled by inserting keys one by one, emulated by ``py2_dict_order``.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

try:
    from pystachio import Empty
    from pystachio.choice import ChoiceContainer
    from pystachio.composite import Structural
    from pystachio.container import ListContainer, MapContainer
except ImportError:  # the loader reports the missing library before anything here runs
    Empty = ChoiceContainer = Structural = ListContainer = MapContainer = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora.config import schema

_HASH_BITS = (1 << 64) - 1
_MIN_SIZE = 8  # PyDict_MINSIZE
_PERTURB_SHIFT = 5
_CLASS_BODY_FIRST = "__module__"  # stored before the body's own names

# The fields of each upstream schema class in the order its class body defines them (apache/aurora:
# thermos/config/schema_base.py and aurora/config/schema/base.py). Only the order matters here.
STOCK_FIELD_ORDER = {
    "Resources": ("cpu", "ram", "disk", "gpu"),
    "Constraint": ("order",),
    "RotatePolicy": ("log_size", "backups"),
    "Logger": ("destination", "mode", "rotate"),
    "Process": ("cmdline", "name", "resources", "max_failures", "daemon", "ephemeral", "min_duration", "final",
                "logger"),
    "Task": ("name", "processes", "constraints", "resources", "max_failures", "max_concurrency",
             "finalization_wait", "user"),
    "HttpHealthChecker": ("endpoint", "expected_response", "expected_response_code"),
    "ShellHealthChecker": ("shell_command",),
    "HealthCheckerConfig": ("http", "shell"),
    "HealthCheckConfig": ("health_checker", "initial_interval_secs", "interval_secs", "max_consecutive_failures",
                          "min_consecutive_successes", "timeout_secs"),
    "HttpLifecycleConfig": ("port", "graceful_shutdown_endpoint", "shutdown_endpoint",
                            "graceful_shutdown_wait_secs", "shutdown_wait_secs"),
    "LifecycleConfig": ("http",),
    "Announcer": ("primary_port", "portmap", "zk_path"),
    "MesosTaskInstance": ("task", "instance", "role", "announce", "environment", "health_check_config",
                          "lifecycle"),
    "Parameter": ("name", "value"),
    "Docker": ("image", "parameters"),
    "AppcImage": ("name", "image_id"),
    "DockerImage": ("name", "tag"),
    "Volume": ("container_path", "host_path", "mode"),
    "Mesos": ("image", "volumes"),
    "Container": ("docker",),
    "PartitionPolicy": ("reschedule", "delay_secs"),
    "Metadata": ("key", "value"),
    "ExecutorConfig": ("name", "data"),
    "PercentageSlaPolicy": ("percentage", "duration_secs"),
    "CountSlaPolicy": ("count", "duration_secs"),
    "CoordinatorSlaPolicy": ("coordinator_url", "status_key"),
    "MesosJob": ("name", "role", "contact", "cluster", "environment", "instances", "task", "announce", "tier",
                 "cron_schedule", "cron_collision_policy", "update_config", "constraints", "metadata", "service",
                 "max_task_failures", "production", "priority", "health_check_config", "lifecycle", "task_links",
                 "executor_config", "enable_hooks", "partition_policy", "sla_policy", "container"),
}


def py2_str_hash(text: str) -> int:
    """CPython 2.7's hash of an ASCII str (no hash randomization, its default), as an unsigned 64-bit value."""
    if not text:
        return 0
    value = ord(text[0]) << 7
    for char in text:
        value = ((1000003 * value) ^ ord(char)) & _HASH_BITS
    value ^= len(text)
    return _HASH_BITS - 1 if value == _HASH_BITS else value  # -1 is reserved: it becomes -2


class _Py2Dict:
    """The slot table of a CPython 2.7 dict that only ever gains keys (open addressing, its probe sequence)."""

    def __init__(self, size: int = _MIN_SIZE) -> None:
        self.slots: list[str | None] = [None] * size
        self.used = 0

    def _free_slot(self, key: str, slots: list[str | None]) -> int | None:
        """The slot ``key`` goes to, None when it is there already."""
        mask = len(slots) - 1
        key_hash = py2_str_hash(key)
        index = key_hash & mask
        perturb = key_hash
        while slots[index & mask] is not None:
            if slots[index & mask] == key:
                return None
            index = ((index << 2) + index + perturb + 1) & _HASH_BITS
            perturb >>= _PERTURB_SHIFT
        return index & mask

    def place(self, key: str) -> bool:
        """Store ``key`` without growing the table; False when it was there."""
        slot = self._free_slot(key, self.slots)
        if slot is None:
            return False
        self.slots[slot] = key
        self.used += 1
        return True

    def insert(self, key: str) -> None:
        """As PyDict_SetItem: grows to the next power of two above 4 * used once two thirds are filled."""
        if self.place(key) and self.used * 3 >= len(self.slots) * 2:
            self.resize(4 * self.used)

    def resize(self, min_used: int) -> None:
        size = _MIN_SIZE
        while size <= min_used:
            size <<= 1
        old, self.slots, self.used = self.slots, [None] * size, 0
        for key in old:
            if key is not None:
                self.place(key)

    def keys(self) -> list[str]:
        return [key for key in self.slots if key is not None]


def py2_dict_order(keys: Iterable[str]) -> list[str]:
    """The iteration order of a CPython 2.7 dict filled with ``keys`` in this order."""
    table = _Py2Dict()
    for key in keys:
        table.insert(key)
    return table.keys()


def _py2_literal_copy_order(keys: list[str]) -> list[str]:
    """The order of a copy (copy.copy, as a Map takes its dict) of a dict literal written with ``keys``."""
    literal = _Py2Dict()
    if len(keys) > 5:  # BUILD_MAP presizes a literal of more than five entries
        literal.resize(len(keys))
    for key in keys:
        literal.insert(key)
    copied = _Py2Dict()
    if literal.used * 3 >= _MIN_SIZE * 2:  # PyDict_Merge sizes the copy once, then fills it without growing
        copied.resize(literal.used * 2)
    for key in literal.keys():
        copied.place(key)
    return copied.keys()


def _written_out(struct: Any) -> bool:
    """True for an instance of a class written out in our schema, False for one pystachio rebuilt from a
    serialized type (a field's default, a dict given for a Struct field)."""
    cls = type(struct)
    return vars(schema).get(cls.__name__) is cls


def _field_order(struct: Any) -> list[str]:
    """The order in which a Python 2 pystachio iterates the fields of ``struct``. The class is laid out with
    every field upstream declares (a field we lack still took its slot there), then ours upstream lacks."""
    name = type(struct).__name__
    upstream = STOCK_FIELD_ORDER.get(name, ())
    fields = [*upstream, *(field for field in struct.TYPEMAP if field not in upstream)]
    if _written_out(struct):
        fields = [field for field in py2_dict_order([_CLASS_BODY_FIRST, *fields]) if field != _CLASS_BODY_FIRST]
    else:
        fields = sorted(fields)
    return [field for field in py2_dict_order(py2_dict_order(fields)) if field in struct.TYPEMAP]


def plain_in_stock_order(value: Any) -> Any:
    """``value.get()`` of an interpolated pystachio object, with every dict in the stock client's key order.
    Read from the object's own data (as ``get()`` reads it): its accessors would interpolate it again."""
    if isinstance(value, Structural):
        data = value._schema_data
        present = [field for field in _field_order(value) if data[field] is not Empty]
        return {field: plain_in_stock_order(data[field]) for field in py2_dict_order(present)}
    if isinstance(value, MapContainer):
        items = {key.get(): plain_in_stock_order(item) for key, item in value._map}
        return {key: items[key] for key in py2_dict_order(_py2_literal_copy_order(list(items)))}
    if isinstance(value, ListContainer):
        return [plain_in_stock_order(item) for item in value._values]
    if isinstance(value, ChoiceContainer):
        return plain_in_stock_order(value._value)
    return value.get()


def stock_json_dumps(value: Any) -> str:
    """pystachio's ``json_dumps()`` as the stock client's Python 2 runs it: same content, same bytes."""
    interpolated, _refs = value.interpolate()
    return json.dumps(plain_in_stock_order(interpolated))


# --- across the loader's process boundary ---------------------------------------------------------------
# The loader evaluates a config in a child process and sends its jobs back as plain data, from which every
# Struct comes back as a rebuilt class. The child also sends where the config used written-out classes, and
# the parent puts those back, so that the key order is the one the stock client's in-process evaluation gives.

Path = tuple


def written_out_paths(value: Any, path: Path = ()) -> list[Path]:
    """The paths (field names and list indexes) of the Structs of ``value`` that are of a written-out class."""
    found: list[Path] = []
    if isinstance(value, Structural):
        if _written_out(value):
            found.append(path)
        for field, child in value._schema_data.items():
            found += written_out_paths(child, (*path, field))
    elif isinstance(value, ListContainer):
        for index, item in enumerate(value._values):
            found += written_out_paths(item, (*path, index))
    elif isinstance(value, ChoiceContainer):
        found += written_out_paths(value._value, path)
    return found
