"""Hostile and careless input, class by class (issue 9): values accepted though wrong, secrets in messages,
inputs that hang, failures that must end in a message and an exit code rather than a traceback. Each class is a
table of cases, run through the library and through the `aurora` command line (its main(), in-process)."""

from __future__ import annotations

import io

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import cli

KEY = "devcluster/heron/devel/WordCountTopology"


def run(argv, environ=None):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err, environ=environ or {}, sleep=lambda _s: None)
    return code, out.getvalue(), err.getvalue()


# --- accepted though wrong ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv, environ, code, text", [
    (["job", "killall", KEY + "\n"], {}, 2, "must match"),
    (["job", "kill", "devcluster/heron\n/devel/x/0"], {}, 2, "must match"),
    (["job", "add", f"{KEY}/0", "0"], {}, 2, "must be at least 1"),
    (["job", "restart", KEY, "--watch-secs", "-1"], {}, 2, "must be at least 0"),
    (["job", "restart", KEY, "--max-per-instance-failures", "-1"], {}, 2, "must be at least 0"),
    (["job", "create", "--wait-timeout", "-1", KEY, "x.aurora"], {}, 2, "must be greater than 0"),
    (["job", "create", "--wait-timeout", "inf", KEY, "x.aurora"], {}, 2, "must be greater than 0"),
    (["job", "killall", KEY], {"AURORA_REQUEST_TIMEOUT": "0"}, 6, "AURORA_REQUEST_TIMEOUT must be greater than 0"),
    (["job", "killall", KEY], {"AURORA_RETRY_BUDGET": "-1"}, 6, "AURORA_RETRY_BUDGET must be greater than 0"),
    (["job", "killall", KEY], {"AURORA_WATCH_SECS": "nan"}, 6, "AURORA_WATCH_SECS"),
])
def test_command_refuses_values_that_look_valid(argv, environ, code, text):
    result, _out, err = run(argv, environ)
    assert (result, text in err) == (code, True), err
