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
