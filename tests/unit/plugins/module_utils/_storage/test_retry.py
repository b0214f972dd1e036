"""The retry policy: transient errors are retried with growing, jittered delays until the budget runs out."""

from __future__ import annotations

import socket

import pytest
import requests

from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import RetriesExhausted, StorageError
from ansible_collections.heron.aurora.plugins.module_utils._storage.retry import (
    MAX_DELAY,
    Deadline,
    backoff_delay,
    describe,
    retry_call,
)


class Transient(Exception):
    pass


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def flaky(failures, error=Transient):
    calls = []

    def operation():
        calls.append(1)
        if len(calls) <= failures:
            raise error("boom")
        return "done"
    return operation, calls


def test_transient_errors_are_retried_until_success():
    clock = Clock()
    operation, calls = flaky(3)
    result = retry_call(operation, is_transient=lambda e: isinstance(e, Transient), deadline=Deadline(60, clock),
                        what="op", sleep=clock.sleep, rng=lambda: 0.5)
    assert result == "done"
    assert len(calls) == 4
    assert clock.now > 0


def test_other_errors_propagate_at_once():
    clock = Clock()
    operation, calls = flaky(1, error=KeyError)
    with pytest.raises(KeyError):
        retry_call(operation, is_transient=lambda e: isinstance(e, Transient), deadline=Deadline(60, clock),
                   what="op", sleep=clock.sleep)
    assert len(calls) == 1 and clock.now == 0


def test_budget_bounds_the_retries():
    clock = Clock()
    operation, calls = flaky(10_000)
    with pytest.raises(RetriesExhausted) as caught:
        retry_call(operation, is_transient=lambda e: isinstance(e, Transient), deadline=Deadline(20, clock),
                   what="S3 PUT", sleep=clock.sleep, rng=lambda: 1.0)
    assert clock.now <= 20
    assert "S3 PUT" in str(caught.value) and "timeout" in str(caught.value) and "Transient" in str(caught.value)
    assert isinstance(caught.value.__cause__, Transient)
    assert len(calls) > 3


def test_first_attempt_runs_even_with_spent_budget():
    clock = Clock()
    operation, calls = flaky(0)
    assert retry_call(operation, is_transient=lambda e: True, deadline=Deadline(0, clock), what="op",
                      sleep=clock.sleep) == "done"


def test_backoff_grows_and_is_capped():
    lows = [backoff_delay(attempt, rng=lambda: 0.0) for attempt in range(1, 12)]
    highs = [backoff_delay(attempt, rng=lambda: 1.0) for attempt in range(1, 12)]
    assert lows == sorted(lows) and highs == sorted(highs)
    assert all(low * 2 == pytest.approx(high) for low, high in zip(lows, highs))
    assert max(highs) == MAX_DELAY


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_describe_shows_no_request_of_a_library():
    url = f"http://127.0.0.1:{refused_port()}/webhdfs/v1/x?op=OPEN&delegation=SECRET-TOKEN"
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.get(url, timeout=5)
    text = describe(caught.value)
    assert text == "ConnectionError: Connection refused" and "SECRET-TOKEN" not in text


def test_describe_keeps_the_reason_of_wrapped_errors_only():
    header = ValueError("Invalid header value b'AWS4-HMAC-SHA256 Credential=AKIA\\n/20260101, Signature=abc'")
    assert describe(header) == "ValueError"
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except OSError as reset:
            raise RuntimeError("PUT http://host/key?X-Amz-Signature=abc failed") from reset
    except RuntimeError as wrapped:
        assert describe(wrapped) == "RuntimeError: Connection reset by peer"
    assert describe(StorageError("our own message")) == "our own message"
    client_error = Exception()
    client_error.response = {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}
    assert describe(client_error) == "SlowDown: Please reduce your request rate."
