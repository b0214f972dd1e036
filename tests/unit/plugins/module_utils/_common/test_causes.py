"""The walk over what an exception wraps, as the libraries the collection uses wrap their errors."""

from __future__ import annotations

import socket

import pytest
import requests

from ansible_collections.heron.aurora.plugins.module_utils._common.causes import causes, first_cause


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_found_under_requests_and_urllib3():
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.get(f"http://127.0.0.1:{refused_port()}/", timeout=5)
    refused = first_cause(caught.value, ConnectionRefusedError)
    assert refused is not None and refused.strerror == "Connection refused"


def test_cause_context_reason_botocore_keywords_and_arguments_are_followed_each_once():
    by_cause, by_context, by_reason, by_keyword, by_argument = (OSError(n) for n in range(5))
    top = RuntimeError("top", by_argument)
    top.__cause__, top.__context__ = by_cause, by_context
    top.reason = by_reason
    top.kwargs = {"error": by_keyword}
    by_cause.__context__ = top  # a cycle must not loop
    assert list(causes(top)) == [top, by_cause, by_context, by_reason, by_keyword, by_argument]


def test_first_cause_is_none_when_nothing_matches():
    assert first_cause(ValueError("plain"), OSError) is None
    assert first_cause(ValueError("plain"), ValueError) is not None
