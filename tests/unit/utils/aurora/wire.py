"""The server side of the scheduler API's binary wire format, for the unit tests' scripted endpoints and the
stand-in scheduler (tests/standins/aurora_scheduler/).

It reads calls and writes replies with the IDL that the collection's client loads (plugins/module_utils/_aurora/api.py).
"""

from __future__ import annotations

from typing import Any

from thriftpy2.protocol.json import TJSONProtocol
from thriftpy2.thrift import TApplicationException, TMessageType
from thriftpy2.transport import TMemoryBuffer

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraProtocolError


def encode_struct(struct: Any) -> bytes:
    buffer = TMemoryBuffer()
    struct.write(api.binary_protocol(buffer))
    return buffer.getvalue()


def decode_struct(struct_class: Any, data: bytes) -> Any:
    struct = struct_class()
    struct.read(api.binary_protocol(TMemoryBuffer(data)))
    return struct


def copy_struct(struct: Any) -> Any:
    """A deep copy through the wire: what the other side of a call would hold."""
    return decode_struct(type(struct), encode_struct(struct))


def decode_call(data: bytes) -> tuple[str, int, Any]:
    """Read a CALL message: (method name, sequence id, arguments struct)."""
    proto = api.binary_protocol(TMemoryBuffer(data))
    try:
        name, _message_type, seqid = proto.read_message_begin()
        args_class = getattr(api.service(), f"{name}_args", None)
        if args_class is None:
            raise AuroraProtocolError(f"unknown method {name!r}")
        args = args_class()
        args.read(proto)
        proto.read_message_end()
    except AuroraProtocolError:
        raise
    except Exception as exc:
        raise AuroraProtocolError(f"unreadable call: {exc}") from exc
    return name, seqid, args


def encode_reply(method: str, seqid: int, response: Any, json_protocol: bool = False) -> bytes:
    """A REPLY message; in a JSON protocol when the caller did not accept the binary one, as the real scheduler
    answers then (its default output protocol is JSON)."""
    buffer = TMemoryBuffer()
    proto = TJSONProtocol(buffer) if json_protocol else api.binary_protocol(buffer)
    proto.write_message_begin(method, TMessageType.REPLY, seqid)
    result = getattr(api.service(), f"{method}_result")(success=response)
    result.write(proto)
    proto.write_message_end()
    return buffer.getvalue()


def encode_exception(method: str, seqid: int, message: str) -> bytes:
    buffer = TMemoryBuffer()
    proto = api.binary_protocol(buffer)
    proto.write_message_begin(method, TMessageType.EXCEPTION, seqid)
    TApplicationException(TApplicationException.UNKNOWN_METHOD, message).write(proto)
    proto.write_message_end()
    return buffer.getvalue()


def canonical(value: Any, ttype: int | None = None) -> Any:
    """A hashable, order-free form of a Thrift value, for comparing what went out with what came back:
    Thrift sets arrive as lists in any order, so they compare as frozensets here."""
    if api.is_struct(value):
        types = api.field_types(value)
        return tuple(sorted((name, canonical(getattr(value, name), types[name]))
                            for name in types if getattr(value, name) is not None))
    if isinstance(value, dict):
        return frozenset((canonical(k), canonical(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [canonical(item) for item in value]
        if ttype == 14 or isinstance(value, (set, frozenset)):  # TType.SET
            return frozenset(items)
        return tuple(items)
    return value
