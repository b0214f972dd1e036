"""The one check of an option given in seconds."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error


@pytest.mark.parametrize("value", [15, 0.5, "2.5", 1e-3])
def test_positive_seconds_pass(value):
    assert seconds_error("zk_timeout", value) is None


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "soon", None, True])
def test_anything_else_names_the_option_and_what_it_takes(value):
    assert seconds_error("zk_timeout", value) == f"zk_timeout must be a positive number of seconds, not {value!r}"


def test_zero_when_allowed():
    assert seconds_error("grace_period", 0, allow_zero=True) is None
    assert seconds_error("grace_period", -0.5, allow_zero=True) == "grace_period must be 0 or more seconds, not -0.5"
