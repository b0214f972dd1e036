# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``aurora`` command line, on Python 3, built on the same client as the aurora_* modules.

It takes the stock client's command lines (``aurora job create|kill|killall|restart|add|status|diff|inspect|list``,
``aurora update start|pause|resume|abort|rollback|list|info|wait``) with their options, defaults, output and exit
codes, so that programs which drive the stock client (Heron's Aurora scheduler among them) run unchanged.

Run it as ``python3 -m ansible_collections.heron.aurora.plugins.module_utils._aurora.cli ARGS`` with the directory
holding ``ansible_collections`` on PYTHONPATH; docs/aurora-cli.md tells how the aurora_client role installs it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import traceback
from typing import Any, Callable, Iterator, Mapping, Sequence, TextIO

from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli.arguments import CommandError, api_failure
from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import DEFAULT_RETRY_BUDGET_SECS
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import CONFIG_TIME_LIMIT_SECS
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    EXIT_API_ERROR,
    EXIT_COMMAND_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_INVALID_CONFIGURATION,
    EXIT_INVALID_PARAMETER,
    EXIT_OK,
    EXIT_UNKNOWN_ERROR,
    AuroraApiError,
    AuroraDiscoveryError,
    AuroraError,
    AuroraMissingLibrary,
    AuroraTimeout,
)
from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error

PROG = "aurora"
VERSION = "heron.aurora aurora client (scheduler API of Aurora 0.23)"
# Settings the stock client has no option for, read from the environment (the launcher can set them).
ENV_AUTH = "AURORA_AUTH"
ENV_USERNAME = "AURORA_USERNAME"
ENV_PASSWORD = "AURORA_PASSWORD"  # noqa: S105 - the name of a variable, not a password
ENV_REQUEST_TIMEOUT = "AURORA_REQUEST_TIMEOUT"
ENV_RETRY_BUDGET = "AURORA_RETRY_BUDGET"
ENV_WAIT_TIMEOUT = "AURORA_WAIT_TIMEOUT"
ENV_CONFIG_TIMEOUT = "AURORA_CONFIG_TIMEOUT"
# Heron runs `job restart` without --watch-secs; this sets the default it gets.
ENV_WATCH_SECS = "AURORA_WATCH_SECS"
DEFAULT_WATCH_SECS = 30.0
# The progress of the verbs is logged under the _aurora package's logger; main() shows it on stderr.
LOGGER = __name__.rpartition(".cli.")[0]
log = logging.getLogger(__name__)


class Output:
    """Where a command writes: results on stdout; errors, and with --verbose the details, on stderr. Progress
    goes through logging (progress_on)."""

    def __init__(self, stdout: TextIO, stderr: TextIO, verbose: bool = False) -> None:
        self.stdout, self.stderr, self.verbose = stdout, stderr, verbose

    def out(self, text: str = "") -> None:
        self._write(self.stdout, text)

    def err(self, text: str) -> None:
        self._write(self.stderr, text)

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        stream.write(f"{text}\n")
        stream.flush()

    def debug(self, text: str) -> None:
        if self.verbose:
            self.err(text)


class StockFormatter(logging.Formatter):
    """A record as the stock client printed it: its level in five columns, then ``] `` and the message
    (`` INFO] Creating job hello``)."""

    LEVELS = {logging.DEBUG: "DEBUG", logging.INFO: " INFO", logging.WARNING: " WARN", logging.ERROR: "ERROR",
              logging.CRITICAL: "FATAL"}

    def format(self, record: logging.LogRecord) -> str:
        return f"{self.LEVELS.get(record.levelno, '?????')}] {super().format(record)}"


@contextlib.contextmanager
def progress_on(stream: TextIO) -> Iterator[None]:
    """Show the INFO records of the _aurora package on ``stream`` while the block runs, as the stock client did
    without --verbose; nothing is left configured after it (main may run more than once in a process)."""
    logger = logging.getLogger(LOGGER)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StockFormatter())
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # a program that embeds main() and logs to its root would print each line twice
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.level, logger.propagate = saved


def _seconds(environ: Mapping[str, str], name: str, default: float | None) -> float | None:
    text = environ.get(name)
    if not text:
        return default
    problem = seconds_error(name, text)
    if problem:
        raise CommandError(EXIT_INVALID_PARAMETER, problem)
    return float(text)


class Session:
    """The scheduler clients of one command, one per cluster, made on first use from clusters.json."""

    def __init__(self, environ: Mapping[str, str], jobs_factory: Callable[[str], Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.environ = environ
        self.sleep = sleep
        self._jobs_factory = jobs_factory
        self._jobs: dict[str, Any] = {}
        self.request_timeout = _seconds(environ, ENV_REQUEST_TIMEOUT, 300.0)
        self.retry_budget = _seconds(environ, ENV_RETRY_BUDGET, DEFAULT_RETRY_BUDGET_SECS)
        self.default_wait_timeout = _seconds(environ, ENV_WAIT_TIMEOUT, None)
        self.default_watch_secs = _seconds(environ, ENV_WATCH_SECS, DEFAULT_WATCH_SECS)
        self.config_timeout = _seconds(environ, ENV_CONFIG_TIMEOUT, CONFIG_TIME_LIMIT_SECS)

    def cluster_names(self) -> list[str]:
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.discovery import load_clusters

        try:
            return sorted(load_clusters(environ=self.environ))
        except AuroraDiscoveryError as error:
            raise CommandError(EXIT_INVALID_CONFIGURATION, str(error)) from None

    def jobs(self, cluster: str) -> Any:
        """The AuroraJobs of ``cluster``; an unknown cluster is a configuration error, as with the stock client."""
        if cluster not in self._jobs:
            if self._jobs_factory is not None:
                self._jobs[cluster] = self._jobs_factory(cluster)
            else:
                self._jobs[cluster] = self._connect(cluster)
        return self._jobs[cluster]

    def _connect(self, cluster: str) -> Any:
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.client import (
            ConnectionOptions,
            SchedulerClient,
        )
        from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import AuroraJobs

        if cluster not in self.cluster_names():
            raise CommandError(EXIT_INVALID_CONFIGURATION, f"Unknown cluster: {cluster}")
        options = ConnectionOptions(cluster=cluster, auth=self.environ.get(ENV_AUTH) or None,
                                    username=self.environ.get(ENV_USERNAME) or None,
                                    password=self.environ.get(ENV_PASSWORD), timeout=self.request_timeout,
                                    retry_budget=self.retry_budget)
        try:
            client = SchedulerClient.from_options(options)
        except AuroraDiscoveryError as error:  # nothing was asked of the network yet: the entry is unusable
            raise CommandError(EXIT_INVALID_CONFIGURATION, str(error)) from None
        return AuroraJobs(client, sleep=self.sleep)

    def wait_timeout(self, option: float | None) -> float:
        """How long a wait may take: the option, else AURORA_WAIT_TIMEOUT, else no limit (the stock client)."""
        chosen = option if option is not None else self.default_wait_timeout
        return float("inf") if chosen is None else chosen


class Context:
    """What a command gets: its parsed options, the output and the session."""

    def __init__(self, options: argparse.Namespace, output: Output, session: Session) -> None:
        self.options = options
        self.output = output
        self.session = session

    def out(self, text: str = "") -> None:
        self.output.out(text)

    def err(self, text: str) -> None:
        self.output.err(text)

    def debug(self, text: str) -> None:
        self.output.debug(text)

    def jobs(self, cluster: str) -> Any:
        return self.session.jobs(cluster)


# --- the parser ------------------------------------------------------------------------------------

def add_verbose(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    # Given before or after the verb's arguments; the verb's copy must not reset what the top level set.
    parser.add_argument("--verbose", "-v", action="store_true", help="Show verbose output",
                        default=False if top_level else argparse.SUPPRESS)


def add_skip_hooks(parser: argparse.ArgumentParser) -> None:
    # Every verb of the stock client takes it; this client has no command hooks, so there is nothing to skip.
    parser.add_argument("--skip-hooks", default=None, metavar="hook,hook,...",
                        help="Accepted as the stock client accepts it; this client runs no command hooks")


def build_parser() -> argparse.ArgumentParser:
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli import job, update

    parser = argparse.ArgumentParser(prog=PROG,
                                     description="Aurora client command line (Python 3, heron.aurora collection)")
    parser.add_argument("--version", action="version", version=VERSION)
    add_verbose(parser, top_level=True)
    nouns = parser.add_subparsers(dest="noun", title="commands", metavar="{job,update}")
    nouns.required = True
    for module in (job, update):
        noun = nouns.add_parser(module.NOUN, help=module.HELP, description=module.HELP)
        add_verbose(noun)
        verbs = noun.add_subparsers(dest="verb", title="subcommands")
        verbs.required = True
        for name, (help_text, add_options, run) in module.VERBS.items():
            verb = verbs.add_parser(name, help=help_text.splitlines()[0], description=help_text)
            add_options(verb)
            add_verbose(verb)
            add_skip_hooks(verb)
            verb.set_defaults(run=run)
    return parser


# --- running a command -----------------------------------------------------------------------------

def report(output: Output, error: BaseException) -> int:
    """Print what went wrong the way the stock client does and return its exit code."""
    if isinstance(error, CommandError):
        if error.message:
            output.err(error.message)
        return error.code
    if isinstance(error, AuroraApiError):
        return report(output, api_failure(EXIT_API_ERROR, "Command failure:", error))
    if isinstance(error, AuroraTimeout):
        output.err(str(error))
        for lagging in error.diagnosis:
            message = f": {lagging.get('last_message')}" if lagging.get("last_message") else ""
            output.err(f"\tinstance {lagging.get('instance_id')}: {lagging.get('status')}{message}")
        return error.exit_code
    if isinstance(error, AuroraMissingLibrary):
        output.err(f"{error} (pip install {error.library})")
        return error.exit_code
    if isinstance(error, AuroraError):
        output.err(str(error))
        return error.exit_code
    raise error


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
         environ: Mapping[str, str] | None = None, jobs_factory: Callable[[str], Any] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """Run one command line; return its exit code. The keyword arguments are for tests."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    environ = os.environ if environ is None else environ
    parser = build_parser()
    if not argv:
        argv = ["-h"]
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr  # argparse prints help and usage errors there
    try:
        options = parser.parse_args(argv)
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        sys.stdout, sys.stderr = saved
    output = Output(stdout, stderr, verbose=options.verbose)
    output.debug(f"Command=({argv})")
    with progress_on(stderr):
        return _run(options, output, environ, jobs_factory, sleep)


def _run(options: argparse.Namespace, output: Output, environ: Mapping[str, str],
         jobs_factory: Callable[[str], Any] | None, sleep: Callable[[float], None]) -> int:
    try:
        session = Session(environ, jobs_factory=jobs_factory, sleep=sleep)
        code = options.run(Context(options, output, session))
        if code != EXIT_OK:  # a verb's own result; the stock client logged no such line for an error it raised
            log.info("Command terminated with error code %s", code)
        return code
    except KeyboardInterrupt:
        log.error("Command interrupted by user")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`aurora job status ... | head`): nothing left to say
        return EXIT_COMMAND_FAILURE
    except (CommandError, AuroraError) as error:
        return report(output, error)
    except Exception as error:  # noqa: BLE001 - a bug of ours: say so in one line and exit as the stock client does
        output.debug(traceback.format_exc())
        output.err(f"Unknown error: {type(error).__name__} (run with --verbose for the traceback)")
        return EXIT_UNKNOWN_ERROR
