"""The heron command lines the lifecycle runs (facts section 5), recorded in the order they ran."""

from __future__ import annotations

import sys

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.cli.heron import HeronCli
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError


@pytest.fixture
def echo_cli(tmp_path) -> HeronCli:
    """A HeronCli whose executable prints its arguments, one per line."""
    script = tmp_path / "heron"
    script.write_text(f"#!{sys.executable}\nimport sys\nprint('\\n'.join(sys.argv[1:]))\n")
    script.chmod(0o755)
    return HeronCli(str(script), str(tmp_path / "conf"), "c", "r", "e", timeout=30)


def test_argument_lists(echo_cli):
    echo_cli.submit("/srv/wc.jar", "com.example.WordCount", ["wc", "--fast"], {"b": "2", "a": "1 2"},
                    deactivated=True)
    echo_cli.update_parallelism("wc", {"split": 2, "count": 3})
    echo_cli.restart("wc", 0)
    echo_cli.restart("wc")
    echo_cli.kill("wc")
    conf = echo_cli.config_path
    assert echo_cli.commands == [
        [echo_cli.executable, "submit", "--config-path", conf, "--config-property", "a=1 2", "--config-property",
         "b=2", "--deploy-deactivated", "c/r/e", "/srv/wc.jar", "com.example.WordCount", "wc", "--fast"],
        [echo_cli.executable, "update", "--config-path", conf, "--component-parallelism", "count:3",
         "--component-parallelism", "split:2", "c/r/e", "wc"],
        [echo_cli.executable, "restart", "--config-path", conf, "c/r/e", "wc", "0"],
        [echo_cli.executable, "restart", "--config-path", conf, "c/r/e", "wc"],
        [echo_cli.executable, "kill", "--config-path", conf, "c/r/e", "wc"],
    ]


def test_arguments_reach_the_command_unchanged(echo_cli):
    result = echo_cli.submit("/srv/w c.jar", "C", ["$HOME", "a;b"], {})
    assert result.stdout.splitlines()[-4:] == ["/srv/w c.jar", "C", "$HOME", "a;b"]


def test_a_missing_conf_dir_names_config_path(echo_cli, tmp_path):
    with pytest.raises(HeronError) as raised:
        echo_cli.check_conf_dir()
    assert raised.value.option == "config_path" and str(tmp_path / "conf" / "c") in str(raised.value)
    (tmp_path / "conf" / "c").mkdir(parents=True)
    (tmp_path / "conf" / "c" / "heron.aurora").write_text("jobs = []\n")
    echo_cli.check_conf_dir()
