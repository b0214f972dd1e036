"""The progress logging of the `aurora` command: the stock client's line format for each level, and main() leaving
no handler behind (tests/integration/test_aurora_cli_progress.py runs the verbs against the stand-in)."""

from __future__ import annotations

import io
import logging

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli import command


@pytest.mark.parametrize("level, line", [
    (logging.DEBUG, "DEBUG] step 1 of 2"),
    (logging.INFO, " INFO] step 1 of 2"),
    (logging.WARNING, " WARN] step 1 of 2"),
    (logging.ERROR, "ERROR] step 1 of 2"),
    (logging.CRITICAL, "FATAL] step 1 of 2"),
    (25, "?????] step 1 of 2"),
])
def test_each_level_is_written_as_the_stock_client_wrote_it(level, line):
    record = logging.LogRecord("aurora", level, __file__, 1, "step %s of %s", (1, 2), None)
    assert command.StockFormatter().format(record) == line


def test_progress_reaches_the_stream_only_while_a_command_runs():
    logger = logging.getLogger(command.LOGGER + ".cli.job")
    stream = io.StringIO()
    with command.progress_on(stream):
        logger.info("Creating job %s", "hello")
        logger.debug("not shown without --verbose")
    logger.info("after the command")
    assert stream.getvalue() == " INFO] Creating job hello\n"
    package = logging.getLogger(command.LOGGER)
    assert [type(handler) for handler in package.handlers] == [logging.NullHandler]  # the library's own
    assert package.propagate is True and package.level == logging.NOTSET


def test_an_interrupt_is_logged_as_an_error():
    def interrupted(_cluster):
        raise KeyboardInterrupt

    out, err = io.StringIO(), io.StringIO()
    code = command.main(["job", "status", "devcluster/heron/devel/wc"], stdout=out, stderr=err, environ={},
                        jobs_factory=interrupted)
    assert (code, out.getvalue()) == (130, "")
    assert err.getvalue().splitlines()[-1] == "ERROR] Command interrupted by user"
