"""A clock that sleeps without waiting and an operation that fails a given number of times, for tests of retries."""

from __future__ import annotations


class Transient(Exception):
    """The failure the tests' retry policies take for transient."""


class Clock:
    """Monotonic time that only ``sleep`` advances; ``sleeps`` records each pause."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def flaky(failures, error=Transient):
    """(operation, calls): the operation raises ``error`` on its first ``failures`` calls, then returns "done"."""
    calls = []

    def operation():
        calls.append(1)
        if len(calls) <= failures:
            raise error(f"failure {len(calls)}")
        return "done"
    return operation, calls
