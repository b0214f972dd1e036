"""The integration tests' fixtures and hooks: the harness's services and the Aurora and Heron stand-ins.

pytest takes a conftest's fixtures and hooks from its globals, for the tests below it: defined here rather than loaded
as plugins from pytest.ini, they apply to tests/integration only, and tests/unit runs without the harness and the
stand-ins.
"""

from __future__ import annotations

from harness import pytest_plugin as harness_plugin
from standins.aurora_scheduler import service as aurora_standin
from standins.heron import pytest_plugin as heron_standin

for _plugin in (harness_plugin, aurora_standin, heron_standin):
    globals().update({name: getattr(_plugin, name) for name in _plugin.__all__})

# The tests that run ansible-playbook take the longest; started first, they do not leave the other pytest-xdist
# workers idle at the end of the run (the sort is stable, so their order within a file is kept).
PLAYBOOK_TEST_FILES = ("test_role_", "test_playbooks_")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.path.name.startswith(PLAYBOOK_TEST_FILES))
