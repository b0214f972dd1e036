# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The protobuf messages Heron keeps in ZooKeeper, defined for this collection.

The package, message and field names, numbers, types and labels are Heron's (proto2), which makes these messages
wire-identical to the ones Heron's CLI, scheduler and TManager write. The files topology.proto, physical_plan.proto,
execution_state.proto and packing_plan.proto are complete; of scheduler.proto and tmanager.proto only the location
messages are here. tests/integration/test_heron_messages.py compares every message and enum with the descriptors
that Heron itself ships (in the heronpy package) and round-trips bytes both ways.

The messages live in a private descriptor pool, so they never clash with Heron's own generated modules (heronpy)
imported in the same process. Without the protobuf library this module still imports (the classes are None) and
require_protobuf() says what is missing.
"""

from __future__ import annotations

import traceback
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronMissingLibrary
from ansible_collections.heron.aurora.plugins.module_utils._heron.state.protodef import (
    enum,
    file_descriptor_proto,
    message,
    optional,
    proto_file,
    repeated,
    required,
)

try:
    from google.protobuf import descriptor_pool, message_factory
    from google.protobuf.message import DecodeError
except ImportError:
    PROTOBUF_IMPORT_ERROR: str | None = traceback.format_exc()

    class DecodeError(Exception):  # type: ignore[no-redef]
        """Stands for protobuf's DecodeError, which cannot occur without protobuf."""
else:
    PROTOBUF_IMPORT_ERROR = None

TOPOLOGY_PROTO = proto_file(
    "topology.proto", "heron.proto.api",
    enums=[
        enum("Grouping", SHUFFLE=1, FIELDS=2, ALL=3, LOWEST=4, NONE=5, DIRECT=6, CUSTOM=7),
        enum("Type", OBJECT=1),
        enum("ComponentObjectSpec", JAVA_CLASS_NAME=1, JAVA_SERIALIZED_OBJECT=2, PYTHON_CLASS_NAME=3,
             CPP_CLASS_INFO=4),
        enum("CustomGroupingObjectType", JAVA_OBJECT=1, PYTHON_OBJECT=2),
        enum("ConfigValueType", STRING_VALUE=1, JAVA_SERIALIZED_VALUE=2, PYTHON_SERIALIZED_VALUE=3),
        enum("TopologyState", RUNNING=1, PAUSED=2, KILLED=3),
    ],
    messages=[
        message("CPPClassInfo",
                required(1, "class_constructor", "string")),
        message("StreamSchema",
                repeated(1, "keys", "StreamSchema.KeyType"),
                nested=[message("KeyType",
                                required(1, "key", "string"),
                                required(2, "type", "Type"))]),
        message("StreamId",
                required(1, "id", "string"),
                required(2, "component_name", "string")),
        message("OutputStream",
                required(1, "stream", "StreamId"),
                required(2, "schema", "StreamSchema")),
        message("InputStream",
                required(1, "stream", "StreamId"),
                required(2, "gtype", "Grouping"),
                optional(3, "grouping_fields", "StreamSchema"),
                optional(4, "custom_grouping_object", "bytes"),
                optional(5, "type", "CustomGroupingObjectType")),
        message("Config",
                repeated(1, "kvs", "Config.KeyValue"),
                nested=[message("KeyValue",
                                required(1, "key", "string"),
                                optional(2, "value", "string"),
                                optional(3, "serialized_value", "bytes"),
                                optional(4, "type", "ConfigValueType"))]),
        message("Component",
                required(1, "name", "string"),
                optional(2, "class_name", "string"),
                required(3, "config", "Config"),
                optional(4, "serialized_object", "bytes"),
                optional(5, "spec", "ComponentObjectSpec"),
                optional(6, "cpp_class_info", "CPPClassInfo")),
        message("Spout",
                required(1, "comp", "Component"),
                repeated(2, "outputs", "OutputStream")),
        message("Bolt",
                required(1, "comp", "Component"),
                repeated(2, "inputs", "InputStream"),
                repeated(3, "outputs", "OutputStream")),
        message("Topology",
                required(1, "id", "string"),
                required(2, "name", "string"),
                repeated(3, "spouts", "Spout"),
                repeated(4, "bolts", "Bolt"),
                required(5, "state", "TopologyState"),
                optional(6, "topology_config", "Config")),
    ],
)

PHYSICAL_PLAN_PROTO = proto_file(
    "physical_plan.proto", "heron.proto.system", dependencies=["topology.proto"],
    messages=[
        message("StMgr",
                required(1, "id", "string"),
                required(2, "host_name", "string"),
                required(3, "data_port", "int32"),
                required(4, "local_endpoint", "string"),
                optional(5, "cwd", "string"),
                optional(6, "pid", "int32"),
                optional(7, "shell_port", "int32"),
                optional(8, "local_data_port", "int32")),
        message("InstanceInfo",
                required(1, "task_id", "int32"),
                required(2, "component_index", "int32"),
                required(3, "component_name", "string"),
                repeated(4, "params", "string"),
                optional(5, "remote_debugger_port", "int32")),
        message("Instance",
                required(1, "instance_id", "string"),
                required(2, "stmgr_id", "string"),
                required(3, "info", "InstanceInfo")),
        # The TManager rewrites this message on activate and deactivate: topology.state is the live state.
        message("PhysicalPlan",
                required(1, "topology", ".heron.proto.api.Topology"),
                repeated(2, "stmgrs", "StMgr"),
                repeated(3, "instances", "Instance")),
    ],
)

EXECUTION_STATE_PROTO = proto_file(
    "execution_state.proto", "heron.proto.system",
    messages=[
        message("HeronReleaseState",
                optional(1, "release_username", "string"),
                optional(2, "release_tag", "string"),
                optional(3, "release_version", "string")),
        message("ExecutionState",
                required(1, "topology_name", "string"),
                required(2, "topology_id", "string"),
                optional(3, "submission_time", "int64"),
                optional(4, "submission_user", "string"),
                required(5, "cluster", "string"),
                required(6, "environ", "string"),
                required(7, "role", "string"),
                optional(8, "release_state", "HeronReleaseState")),
    ],
)

PACKING_PLAN_PROTO = proto_file(
    "packing_plan.proto", "heron.proto.system",
    messages=[
        message("Resource",
                required(1, "cpu", "double"),
                required(2, "ram", "int64"),
                required(3, "disk", "int64")),
        message("InstancePlan",
                required(1, "component_name", "string"),
                required(2, "task_id", "int32"),
                required(3, "component_index", "int32"),
                required(4, "resource", "Resource")),
        message("ContainerPlan",
                required(1, "id", "int32"),
                repeated(2, "instance_plans", "InstancePlan"),
                required(3, "requiredResource", "Resource"),
                optional(4, "scheduledResource", "Resource")),
        message("PackingPlan",
                required(1, "id", "string"),
                repeated(2, "container_plans", "ContainerPlan")),
    ],
)

SCHEDULER_PROTO = proto_file(
    "scheduler.proto", "heron.proto.scheduler",
    messages=[
        message("SchedulerLocation",
                required(1, "topology_name", "string"),
                required(2, "http_endpoint", "string"),
                repeated(3, "job_page_link", "string")),
    ],
)

# Heron before 0.20.3 wrote heron.proto.tmaster.TMasterLocation to tmasters/: the same fields, so the same bytes.
TMANAGER_PROTO = proto_file(
    "tmanager.proto", "heron.proto.tmanager",
    messages=[
        message("TManagerLocation",
                required(1, "topology_name", "string"),
                required(2, "topology_id", "string"),
                required(3, "host", "string"),
                required(4, "controller_port", "int32"),
                required(5, "server_port", "int32"),
                optional(6, "stats_port", "int32")),
    ],
)

DEFINITIONS = (TOPOLOGY_PROTO, PHYSICAL_PLAN_PROTO, EXECUTION_STATE_PROTO, PACKING_PLAN_PROTO, SCHEDULER_PROTO,
               TMANAGER_PROTO)

FILES: tuple = ()
POOL = TOPOLOGY_STATES = None
Topology = Config = PhysicalPlan = ExecutionState = HeronReleaseState = PackingPlan = Resource = None
SchedulerLocation = TManagerLocation = None


def require_protobuf() -> None:
    if PROTOBUF_IMPORT_ERROR is not None:
        raise HeronMissingLibrary("protobuf", PROTOBUF_IMPORT_ERROR, "to decode Heron's state")


def message_class(full_name: str) -> type:
    require_protobuf()
    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(full_name))


def decode(message_type: type, data: bytes) -> Any:
    """The message of ``message_type`` in ``data``; DecodeError also when a required field is missing."""
    decoded = message_type.FromString(data)
    if not decoded.IsInitialized():
        missing = ", ".join(decoded.FindInitializationErrors())
        raise DecodeError(f"{message_type.DESCRIPTOR.full_name} without its required fields {missing}")
    return decoded


def state_name(number: int) -> str:
    """RUNNING, PAUSED or KILLED for a TopologyState number."""
    require_protobuf()
    return TOPOLOGY_STATES.values_by_number[number].name


if PROTOBUF_IMPORT_ERROR is None:
    FILES = tuple(file_descriptor_proto(definition) for definition in DEFINITIONS)
    POOL = descriptor_pool.DescriptorPool()
    for _file in FILES:
        POOL.Add(_file)
    TOPOLOGY_STATES = POOL.FindEnumTypeByName("heron.proto.api.TopologyState")
    Topology = message_class("heron.proto.api.Topology")
    Config = message_class("heron.proto.api.Config")
    PhysicalPlan = message_class("heron.proto.system.PhysicalPlan")
    ExecutionState = message_class("heron.proto.system.ExecutionState")
    HeronReleaseState = message_class("heron.proto.system.HeronReleaseState")
    PackingPlan = message_class("heron.proto.system.PackingPlan")
    Resource = message_class("heron.proto.system.Resource")
    SchedulerLocation = message_class("heron.proto.scheduler.SchedulerLocation")
    TManagerLocation = message_class("heron.proto.tmanager.TManagerLocation")
