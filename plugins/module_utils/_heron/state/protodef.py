# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A few functions that describe protobuf files in Python, so that message definitions read almost like a .proto
file, and file_descriptor_proto(), which turns such a description into the FileDescriptorProto the protobuf library
builds message classes from (no protoc involved).

    proto_file("topology.proto", "heron.proto.api",
               enums=[enum("TopologyState", RUNNING=1, PAUSED=2, KILLED=3)],
               messages=[message("Topology", required(1, "id", "string"), required(5, "state", "TopologyState"))])

The descriptions are plain tuples: only file_descriptor_proto() needs the protobuf library.

A field's type is a scalar name (string, bytes, bool, int32, int64, double), or the name of a message or enum:
relative to the file's package (``Spout``, ``Config.KeyValue``), or fully qualified with a leading dot
(``.heron.proto.api.Topology``) for one of another file.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Sequence

# The numbers of descriptor.proto's FieldDescriptorProto.Type and .Label, which are fixed by protobuf itself.
SCALAR_TYPES = {"double": 1, "int64": 3, "int32": 5, "bool": 8, "string": 9, "bytes": 12}
TYPE_MESSAGE, TYPE_ENUM = 11, 14
LABEL_OPTIONAL, LABEL_REQUIRED, LABEL_REPEATED = 1, 2, 3


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


class ProtoFile(NamedTuple):
    name: str
    package: str
    messages: Sequence[Message]
    enums: Sequence[Enum]
    dependencies: Sequence[str]


def required(number: int, name: str, type_: str) -> Field:
    return Field(number, LABEL_REQUIRED, name, type_)


def optional(number: int, name: str, type_: str) -> Field:
    return Field(number, LABEL_OPTIONAL, name, type_)


def repeated(number: int, name: str, type_: str) -> Field:
    return Field(number, LABEL_REPEATED, name, type_)


def message(name: str, *fields: Field, nested: Sequence[Message] = ()) -> Message:
    return Message(name, fields, nested)


def enum(name: str, **values: int) -> Enum:
    return Enum(name, values)


def proto_file(name: str, package: str, messages: Sequence[Message], enums: Sequence[Enum] = (),
               dependencies: Sequence[str] = ()) -> ProtoFile:
    return ProtoFile(name, package, messages, enums, dependencies)


def file_descriptor_proto(item: ProtoFile) -> Any:
    """The FileDescriptorProto of one proto2 file; types are resolved to fully qualified names here."""
    from google.protobuf import descriptor_pb2

    enum_names = {f".{item.package}.{enum_item.name}" for enum_item in item.enums}
    file_proto = descriptor_pb2.FileDescriptorProto(name=item.name, package=item.package, syntax="proto2",
                                                    dependency=list(item.dependencies))
    for enum_item in item.enums:
        enum_proto = file_proto.enum_type.add(name=enum_item.name)
        for value_name, number in enum_item.values.items():
            enum_proto.value.add(name=value_name, number=number)
    for message_item in item.messages:
        _fill_message(file_proto.message_type.add(), message_item, item.package, enum_names)
    return file_proto


def _fill_message(proto: Any, item: Message, package: str, enum_names: Iterable[str]) -> None:
    proto.name = item.name
    for field in item.fields:
        _fill_field(proto.field.add(), field, package, enum_names)
    for nested in item.nested:
        _fill_message(proto.nested_type.add(), nested, package, enum_names)


def _fill_field(proto: Any, field: Field, package: str, enum_names: Iterable[str]) -> None:
    proto.name, proto.number, proto.label = field.name, field.number, field.label
    if field.type in SCALAR_TYPES:
        proto.type = SCALAR_TYPES[field.type]
        return
    qualified = field.type if field.type.startswith(".") else f".{package}.{field.type}"
    proto.type_name = qualified
    proto.type = TYPE_ENUM if qualified in enum_names else TYPE_MESSAGE
