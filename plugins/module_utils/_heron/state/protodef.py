# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A few functions that write protobuf file descriptors in Python, so that message definitions read almost like a
.proto file and are built by the protobuf library at import time, without protoc.

    proto_file("topology.proto", "heron.proto.api",
               enums=[enum("TopologyState", RUNNING=1, PAUSED=2, KILLED=3)],
               messages=[message("Topology", required(1, "id", "string"), required(5, "state", "TopologyState"))])

A field's type is a scalar name (string, bytes, bool, int32, int64, double), or the name of a message or enum:
relative to the file's package (``Spout``, ``Config.KeyValue``), or fully qualified with a leading dot
(``.heron.proto.api.Topology``) for one of another file.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

from google.protobuf import descriptor_pb2

_FIELD = descriptor_pb2.FieldDescriptorProto
SCALAR_TYPES = {
    "string": _FIELD.TYPE_STRING,
    "bytes": _FIELD.TYPE_BYTES,
    "bool": _FIELD.TYPE_BOOL,
    "int32": _FIELD.TYPE_INT32,
    "int64": _FIELD.TYPE_INT64,
    "double": _FIELD.TYPE_DOUBLE,
}


class Field(NamedTuple):
    number: int
    label: int
    name: str
    type: str


class Message(NamedTuple):
    name: str
    fields: Sequence[Field]
    nested: Sequence["Message"]


class Enum(NamedTuple):
    name: str
    values: dict


def required(number: int, name: str, type_: str) -> Field:
    return Field(number, _FIELD.LABEL_REQUIRED, name, type_)


def optional(number: int, name: str, type_: str) -> Field:
    return Field(number, _FIELD.LABEL_OPTIONAL, name, type_)


def repeated(number: int, name: str, type_: str) -> Field:
    return Field(number, _FIELD.LABEL_REPEATED, name, type_)


def message(name: str, *fields: Field, nested: Sequence[Message] = ()) -> Message:
    return Message(name, fields, nested)


def enum(name: str, **values: int) -> Enum:
    return Enum(name, values)


def proto_file(name: str, package: str, messages: Sequence[Message], enums: Sequence[Enum] = (),
               dependencies: Sequence[str] = ()) -> descriptor_pb2.FileDescriptorProto:
    """The FileDescriptorProto of one proto2 file; types are resolved to fully qualified names here."""
    enum_names = {f".{package}.{item.name}" for item in enums}
    file_proto = descriptor_pb2.FileDescriptorProto(name=name, package=package, syntax="proto2",
                                                    dependency=list(dependencies))
    for item in enums:
        file_proto.enum_type.add().CopyFrom(_enum_proto(item))
    for item in messages:
        file_proto.message_type.add().CopyFrom(_message_proto(item, package, enum_names))
    return file_proto


def _enum_proto(item: Enum) -> descriptor_pb2.EnumDescriptorProto:
    proto = descriptor_pb2.EnumDescriptorProto(name=item.name)
    for value_name, number in item.values.items():
        proto.value.add(name=value_name, number=number)
    return proto


def _message_proto(item: Message, package: str, enum_names: Iterable[str]) -> descriptor_pb2.DescriptorProto:
    proto = descriptor_pb2.DescriptorProto(name=item.name)
    for field in item.fields:
        proto.field.add().CopyFrom(_field_proto(field, package, enum_names))
    for nested in item.nested:
        proto.nested_type.add().CopyFrom(_message_proto(nested, package, enum_names))
    return proto


def _field_proto(field: Field, package: str, enum_names: Iterable[str]) -> descriptor_pb2.FieldDescriptorProto:
    proto = _FIELD(name=field.name, number=field.number, label=field.label)
    if field.type in SCALAR_TYPES:
        proto.type = SCALAR_TYPES[field.type]
        return proto
    qualified = field.type if field.type.startswith(".") else f".{package}.{field.type}"
    proto.type_name = qualified
    proto.type = _FIELD.TYPE_ENUM if qualified in enum_names else _FIELD.TYPE_MESSAGE
    return proto
