"""The unit tests need no service, no stand-in and no harness: only this collection, importable by its name."""

from __future__ import annotations

import pytest

from .utils import collection

collection.ensure_importable()


@pytest.fixture
def run_module():
    """run_module(name, args, check_mode=False, diff=False, env=None): run one of our modules as Ansible does."""
    return collection.run_module
