"""Storage's retry policy: its pauses, its message when the ``timeout`` budget is spent, and how a failure reads."""

from __future__ import annotations

import socket
from itertools import islice

import pytest
import requests

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import RetriesExhausted, StorageError
from ansible_collections.heron.aurora.plugins.module_utils._storage.retry import BACKOFF, describe, retry_call

from ....utils.retry import Clock, Transient, flaky


def test_a_spent_budget_names_the_operation_the_timeout_option_and_the_last_error():
    clock = Clock()
    operation, calls = flaky(10_000)
    with pytest.raises(RetriesExhausted) as caught:
        retry_call(operation, is_transient=lambda e: isinstance(e, Transient), deadline=Deadline(20, clock),
                   what="S3 PUT", sleep=clock.sleep)
    assert clock.now <= 20 and len(calls) > 3
    assert str(caught.value) == (f"S3 PUT failed {len(calls)} time(s) with transient errors within the 20 s budget "
                                 "(option timeout); last error: Transient")
    assert isinstance(caught.value.__cause__, Transient)


def test_storage_pauses_double_from_a_quarter_second_to_eight_the_lower_half_random():
    for _round in range(20):
        for pause, nominal in zip(islice(BACKOFF.pauses(), 8), [0.25, 0.5, 1, 2, 4, 8, 8, 8]):
            assert nominal / 2 <= pause <= nominal


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
