# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One retry policy for every store: exponential backoff with jitter, bounded by a total time budget."""

from __future__ import annotations

import random
import ssl
import time
from typing import Callable, Iterator, TypeVar

from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import RetriesExhausted, StorageError

T = TypeVar("T")

BASE_DELAY = 0.25
MAX_DELAY = 8.0


class Deadline:
    """The end of the time budget given by the ``timeout`` option."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._start = clock()

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def elapsed(self) -> float:
        return self._clock() - self._start


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempt`` (1-based): doubling, capped, with half of it jittered."""
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** (attempt - 1)))
    return ceiling / 2 + rng() * ceiling / 2


def retry_call(operation: Callable[[], T], *, is_transient: Callable[[BaseException], bool], deadline: Deadline,
               what: str, sleep: Callable[[float], None] = time.sleep,
               rng: Callable[[], float] = random.random) -> T:
    """Run ``operation`` until it succeeds, retrying transient failures while the deadline allows.

    The first attempt always runs. A retry is not started if its backoff would end after the deadline;
    then RetriesExhausted carries the last error. Non-transient errors propagate unchanged.
    """
    attempt = 0
    while True:
        try:
            return operation()
        except Exception as exc:  # noqa: BLE001 - classified just below
            if not is_transient(exc):
                raise
            attempt += 1
            delay = backoff_delay(attempt, rng)
            if delay >= deadline.remaining():
                raise RetriesExhausted(
                    f"{what} failed {attempt} time(s) with transient errors within the {deadline.seconds:g} s "
                    f"budget (option timeout); last error: {describe(exc)}"
                ) from exc
            sleep(delay)


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
    for current in _related(exc):
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"certificate verification failed: {current.verify_message or current.reason}"
        if isinstance(current, ssl.SSLError):
            return f"TLS failed: {current.reason or 'handshake error'}"
        if isinstance(current, TimeoutError) or "Timeout" in type(current).__name__:
            return "timed out"
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
    return None


def _related(exc: BaseException) -> Iterator[BaseException]:
    queue, seen = [exc], set()
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None),
                   getattr(current, "kwargs", {}).get("error") if isinstance(getattr(current, "kwargs", None), dict)
                   else None]
        queue.extend(item for item in [*wrapped, *current.args] if isinstance(item, BaseException))
