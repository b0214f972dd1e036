"""The integration tests' plugins: the harness's services, the Aurora scheduler stand-in, and pytester (which
tests the harness's own plugin). Loaded here rather than in pytest.ini so that tests/unit runs without them."""

pytest_plugins = ["harness.pytest_plugin", "standins.aurora_scheduler.service", "pytester"]
