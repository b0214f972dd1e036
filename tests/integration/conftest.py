"""The integration tests' fixtures and hooks: the harness's services and the Aurora scheduler stand-in.

Defined in this conftest rather than loaded as plugins from pytest.ini, so that they apply below tests/integration
only and tests/unit runs without the harness and the stand-ins.
"""

from __future__ import annotations

from harness.pytest_plugin import *  # noqa: F403 - the services' fixtures and the dead-service hook (its __all__)
from standins.aurora_scheduler.service import aurora_scheduler, make_aurora_scheduler  # noqa: F401 - fixtures
