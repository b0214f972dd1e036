# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy of every store: exponential backoff with jitter, bounded by the task's ``timeout`` budget
(the loop itself is _common.retry's), and how a store's failure reads in a message."""

from __future__ import annotations

import ssl
import time
from typing import Callable, TypeVar

from ansible_collections.heron.aurora.plugins.module_utils._common.causes import causes
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Backoff, Deadline
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import retry_call as _retry_call
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import RetriesExhausted, StorageError

T = TypeVar("T")

# 0.25 s doubling up to 8 s, each pause between half and all of that (docs/heron_upload.md).
BACKOFF = Backoff(first=0.25, cap=8.0, jitter=(0.5, 1.0))


def retry_call(operation: Callable[[], T], *, is_transient: Callable[[BaseException], bool], deadline: Deadline,
               what: str, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``operation``, retrying transient failures while the deadline allows; then RetriesExhausted carries
    the last error. Non-transient errors propagate unchanged."""
    def give_up(error: Exception, failures: int) -> RetriesExhausted:
        return RetriesExhausted(f"{what} failed {failures} time(s) with transient errors within the "
                                f"{deadline.seconds:g} s budget (option timeout); last error: {describe(error)}")

    return _retry_call(operation, is_transient=is_transient, deadline=deadline, backoff=BACKOFF, give_up=give_up,
                       sleep=sleep)


def describe(exc: BaseException) -> str:
    """A failure as a message may show it. Our own errors give their message, a store's error answer its code
    and message; a library's exception only its class and the reason underneath it (an OSError's strerror, a TLS
    verification message), never its own text, which may hold the request: URLs with their query, headers."""
    if isinstance(exc, StorageError):
        return exc.message
    answer = getattr(exc, "response", None)
    if isinstance(answer, dict) and isinstance(answer.get("Error"), dict):  # botocore's ClientError
        error = answer["Error"]
        return f"{error.get('Code', 'error')}: {str(error.get('Message', ''))[:300]}".rstrip(": ")
    reason = underlying_reason(exc)
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


def underlying_reason(exc: BaseException) -> str | None:
    """The reason of the first OS-level or TLS error found under ``exc`` (causes, contexts, the wrapped errors
    of urllib3 and botocore), or None."""
    for current in causes(exc):
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"certificate verification failed: {current.verify_message or current.reason}"
        if isinstance(current, ssl.SSLError):
            return f"TLS failed: {current.reason or 'handshake error'}"
        if isinstance(current, TimeoutError) or "Timeout" in type(current).__name__:
            return "timed out"
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
    return None
