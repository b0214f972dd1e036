"""Our definitions of Heron's protobuf messages (module_utils/_heron/state/messages.py) against Heron's own
descriptors, as shipped in the heronpy wheel (downloaded once from PyPI, hash-checked; see
tests/standins/heron/heronpy.py). Every field's number, name, label and type must be Heron's, and bytes written by
either side must read back identically on the other."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pb2

from ansible_collections.heron.aurora.plugins.module_utils._heron.state import messages
from standins.heron import heronpy

# Its module-scoped fixtures are built once: every test of the file runs on the same pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("test_heron_messages")

# Files we define whole; of the others only the messages we define are compared.
COMPLETE_FILES = ("topology.proto", "physical_plan.proto", "execution_state.proto", "packing_plan.proto")
ROUND_TRIPPED = ("heron.proto.api.Topology", "heron.proto.system.PhysicalPlan", "heron.proto.system.ExecutionState",
                 "heron.proto.system.PackingPlan", "heron.proto.scheduler.SchedulerLocation",
                 "heron.proto.tmanager.TManagerLocation")
_FIELD = descriptor_pb2.FieldDescriptorProto


@pytest.fixture(scope="module")
def heron_files():
    try:
        return heronpy.file_descriptors()
    except heronpy.HeronpyUnavailable as exc:
        pytest.fail(f"Heron's descriptors are needed for this check and could not be read: {exc}", pytrace=False)


@pytest.fixture(scope="module")
def heron_pool(heron_files):
    return heronpy.descriptor_pool_of_heron()


def _messages_by_name(prefix: str, protos) -> dict[str, descriptor_pb2.DescriptorProto]:
    found = {}
    for proto in protos:
        name = f"{prefix}.{proto.name}"
        found[name] = proto
        found.update(_messages_by_name(name, proto.nested_type))
    return found


def _fields(proto: descriptor_pb2.DescriptorProto) -> dict[int, tuple]:
    return {field.number: (field.name, _FIELD.Label.Name(field.label), _FIELD.Type.Name(field.type), field.type_name)
            for field in proto.field}


def _enums(file_proto: descriptor_pb2.FileDescriptorProto) -> dict[str, dict[str, int]]:
    return {item.name: {value.name: value.number for value in item.value} for item in file_proto.enum_type}


@pytest.mark.parametrize("ours", messages.FILES, ids=lambda file_proto: file_proto.name)
def test_every_field_is_herons(ours, heron_files):
    assert ours.name in heron_files, f"heronpy has no {ours.name}"
    theirs = heron_files[ours.name]
    assert ours.package == theirs.package
    # protoc leaves syntax empty for proto2
    assert (ours.syntax or "proto2") == (theirs.syntax or "proto2") == "proto2"
    our_messages = _messages_by_name(f".{ours.package}", ours.message_type)
    their_messages = _messages_by_name(f".{theirs.package}", theirs.message_type)
    if ours.name in COMPLETE_FILES:
        assert sorted(our_messages) == sorted(their_messages)
        assert _enums(ours) == _enums(theirs)
    for name, proto in our_messages.items():
        assert name in their_messages, f"Heron has no message {name}"
        assert _fields(proto) == _fields(their_messages[name]), name
    for enum_name, values in _enums(ours).items():
        assert values == _enums(theirs)[enum_name], enum_name


def _fill(message, seed: int = 1) -> None:
    """Set every field of ``message`` (two elements for repeated ones), recursively, with values from ``seed``."""
    for field in message.DESCRIPTOR.fields:
        count = 2 if field.is_repeated else 1
        for index in range(count):
            value_seed = seed * 7 + field.number * 3 + index
            if field.message_type is not None:
                target = getattr(message, field.name).add() if field.is_repeated else getattr(message, field.name)
                _fill(target, value_seed)
                continue
            value = _scalar(field, value_seed)
            if field.is_repeated:
                getattr(message, field.name).append(value)
            else:
                setattr(message, field.name, value)


def _scalar(field, seed: int):
    if field.enum_type is not None:
        numbers = sorted(field.enum_type.values_by_number)
        return numbers[seed % len(numbers)]
    kind = field.type
    if kind == field.TYPE_STRING:
        return f"{field.name}-{seed}"
    if kind == field.TYPE_BYTES:
        return bytes([seed % 256, 0, 255])
    if kind == field.TYPE_DOUBLE:
        return seed + 0.5
    if kind == field.TYPE_BOOL:
        return bool(seed % 2)
    return seed * (2 ** 33 if kind == field.TYPE_INT64 else 1)


@pytest.mark.parametrize("full_name", ROUND_TRIPPED)
def test_bytes_round_trip_both_ways(full_name, heron_pool):
    theirs_class = heronpy.message_class(heron_pool, full_name)
    ours_class = messages.message_class(full_name)

    ours = ours_class()
    _fill(ours)
    assert ours.IsInitialized()
    written_by_us = ours.SerializeToString()
    read_by_heron = theirs_class.FromString(written_by_us)
    assert read_by_heron.IsInitialized()
    assert read_by_heron.SerializeToString() == written_by_us
    assert str(read_by_heron) == str(ours)

    theirs = theirs_class()
    _fill(theirs, seed=5)
    written_by_heron = theirs.SerializeToString()
    read_by_us = ours_class.FromString(written_by_heron)
    assert read_by_us.SerializeToString() == written_by_heron
    assert str(read_by_us) == str(theirs)


def test_module_level_classes_are_the_pool_messages():
    assert messages.Topology.DESCRIPTOR.full_name == "heron.proto.api.Topology"
    assert messages.TManagerLocation.DESCRIPTOR.full_name == "heron.proto.tmanager.TManagerLocation"
    assert [messages.state_name(number) for number in (1, 2, 3)] == ["RUNNING", "PAUSED", "KILLED"]
