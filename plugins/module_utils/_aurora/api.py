# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Aurora scheduler API (our IDL, api_idl.API_THRIFT) loaded with thriftpy2, and its binary encoding.

The client side of the wire: calls are encoded and replies decoded here. The server side used by the tests
lives with the tests, built on the same loaded IDL, so the two cannot disagree about the wire format.
"""

from __future__ import annotations

import io
import sys
import traceback
from types import ModuleType
from typing import Any

try:
    import thriftpy2
    from thriftpy2.protocol.binary import TBinaryProtocol
    from thriftpy2.thrift import TApplicationException, TMessageType
    from thriftpy2.transport import TMemoryBuffer
except ImportError:
    HAS_THRIFTPY2 = False
    THRIFTPY2_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_THRIFTPY2 = True
    THRIFTPY2_IMPORT_ERROR = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora.api_idl import API_THRIFT
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraMissingLibrary,
    AuroraProtocolError,
)

# thriftpy2 only registers modules whose name ends in "_thrift".
THRIFT_MODULE_NAME = "heron_aurora_api_thrift"
CONTENT_TYPE = "application/vnd.apache.thrift.binary"
AURORA_EXECUTOR_NAME = "AuroraExecutor"

ACTIVE_STATES = frozenset((
    "ASSIGNED", "DRAINING", "KILLING", "PENDING", "PREEMPTING", "RESTARTING", "RUNNING", "STARTING",
    "PARTITIONED", "THROTTLED",
))
TERMINAL_STATES = frozenset(("FAILED", "FINISHED", "KILLED", "LOST"))
ACTIVE_UPDATE_STATES = frozenset((
    "ROLLING_FORWARD", "ROLLING_BACK", "ROLL_FORWARD_PAUSED", "ROLL_BACK_PAUSED",
    "ROLL_FORWARD_AWAITING_PULSE", "ROLL_BACK_AWAITING_PULSE",
))


def require_thriftpy2() -> None:
    if not HAS_THRIFTPY2:
        raise AuroraMissingLibrary("thriftpy2", THRIFTPY2_IMPORT_ERROR)


def load_api() -> ModuleType:
    """Return the thriftpy2 module of our IDL, parsing it once per process."""
    require_thriftpy2()
    loaded = sys.modules.get(THRIFT_MODULE_NAME)
    if loaded is not None:
        return loaded
    return thriftpy2.load_fp(io.StringIO(API_THRIFT), module_name=THRIFT_MODULE_NAME)


def service() -> Any:
    return load_api().AuroraSchedulerManager


def enum_name(enum: Any, value: int | None) -> str | None:
    if value is None:
        return None
    return enum._VALUES_TO_NAMES.get(value, str(value))


def enum_value(enum: Any, name: str) -> int:
    try:
        return enum._NAMES_TO_VALUES[name.upper()]
    except KeyError:
        raise ValueError(f"{name!r} is not one of {sorted(enum._NAMES_TO_VALUES)}") from None


def binary_protocol(buffer: Any) -> Any:
    return TBinaryProtocol(buffer)


def encode_call(method: str, kwargs: dict, seqid: int = 0) -> bytes:
    """A CALL message of ``method`` with its arguments, as the scheduler's /api endpoint reads it."""
    args_class = getattr(service(), f"{method}_args", None)
    if args_class is None:
        raise AuroraProtocolError(f"the scheduler API has no method {method!r}")
    buffer = TMemoryBuffer()
    proto = binary_protocol(buffer)
    proto.write_message_begin(method, TMessageType.CALL, seqid)
    args_class(**kwargs).write(proto)
    proto.write_message_end()
    return buffer.getvalue()


def decode_reply(method: str, data: bytes) -> Any:
    """The Response carried by a REPLY message to ``method``."""
    proto = binary_protocol(TMemoryBuffer(data))
    try:
        name, message_type, _seqid = proto.read_message_begin()
        if message_type == TMessageType.EXCEPTION:
            failure = TApplicationException()
            failure.read(proto)
            raise AuroraProtocolError(f"the scheduler rejected the call {method}: {failure.message}")
        if name != method:
            raise AuroraProtocolError(f"the scheduler answered {name!r} to a call of {method!r}")
        result = getattr(service(), f"{method}_result")()
        result.read(proto)
        proto.read_message_end()
    except AuroraProtocolError:
        raise
    except Exception as exc:  # thriftpy2 raises several types for truncated or foreign data
        raise AuroraProtocolError(f"unreadable reply to {method}: {exc}") from exc
    if result.success is None:
        raise AuroraProtocolError(f"the reply to {method} carries no Response")
    return result.success


def field_types(struct: Any) -> dict:
    return {spec[1]: spec[0] for spec in type(struct).thrift_spec.values()}


def is_struct(value: Any) -> bool:
    return hasattr(type(value), "thrift_spec")


def to_plain(value: Any, ttype: int | None = None) -> Any:
    """A Thrift value as JSON-ready data: structs as dicts without unset fields, sets as sorted lists."""
    if is_struct(value):
        types = field_types(value)
        return {name: to_plain(getattr(value, name), types[name]) for name in types
                if getattr(value, name) is not None}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_plain(item) for item in value]
        if ttype == 14 or isinstance(value, (set, frozenset)):  # TType.SET
            return sorted(items, key=repr)
        return items
    return value
