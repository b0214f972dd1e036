"""Fixtures of the module unit tests."""

from __future__ import annotations

import pytest

from ...utils import collection


@pytest.fixture
def run_module():
    """run_module(name, args, check_mode=False, diff=False, env=None): run one of our modules as Ansible does."""
    return collection.run_module
