# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the Aurora client. Each carries the exit code the stock ``aurora`` client uses for that kind of
failure, so that a command line built on this client exits as the stock one did."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FATAL = 1  # the stock client's die(): sys.exit(1) from its config checks
EXIT_INVALID_CONFIGURATION = 3
EXIT_COMMAND_FAILURE = 4
EXIT_INVALID_COMMAND = 5
EXIT_INVALID_PARAMETER = 6
EXIT_NETWORK_ERROR = 7
EXIT_TIMEOUT = 9
EXIT_API_ERROR = 10
EXIT_UNKNOWN_ERROR = 20
EXIT_AUTH_ERROR = 30
EXIT_INTERRUPTED = 130


class AuroraError(Exception):
    """Base of every error raised by module_utils._aurora."""

    exit_code = EXIT_UNKNOWN_ERROR


class AuroraMissingLibrary(AuroraError):
    """A Python library this operation needs is not installed; ``library`` names it for missing_required_lib."""

    exit_code = EXIT_COMMAND_FAILURE

    def __init__(self, library: str, import_error: str | None = None) -> None:
        super().__init__(f"the Python library {library} is required for this operation and is not installed")
        self.library = library
        self.import_error = import_error


class AuroraInvalidParameter(AuroraError):
    """A job key, instance list or option value that cannot be used."""

    exit_code = EXIT_INVALID_PARAMETER


class AuroraConfigError(AuroraError):
    """The .aurora configuration cannot be loaded, has unbound variables or does not convert to a job."""

    exit_code = EXIT_INVALID_CONFIGURATION


class AuroraUpdateConfigError(AuroraConfigError):
    """The config's update_config or health_check_config breaks a rule the stock client checks before any call;
    it stopped with exit code 1 there."""

    exit_code = EXIT_FATAL


class AuroraDiscoveryError(AuroraError):
    """No scheduler could be found: unknown cluster, bad clusters.json, no leader in ZooKeeper."""

    exit_code = EXIT_NETWORK_ERROR


class AuroraNoLeader(AuroraDiscoveryError):
    """ZooKeeper answered but no scheduler is registered as leader (yet): worth waiting for."""


class AuroraZooKeeperUnreachable(AuroraDiscoveryError):
    """ZooKeeper could not be reached or read: worth waiting for too, as the stock client waits for it."""


class AuroraTransportError(AuroraError):
    """The scheduler could not be reached, or kept answering 503 / ERROR_TRANSIENT past the retry budget."""

    exit_code = EXIT_NETWORK_ERROR


class AuroraRetriesSpent(AuroraTransportError):
    """A call was retried (no leader, ERROR_TRANSIENT, no connection) until the retry budget was spent; the stock
    client's SchedulerProxy.TimeoutError, which exited with its TIMEOUT code."""

    exit_code = EXIT_TIMEOUT


class AuroraOutcomeUnknown(AuroraTransportError):
    """The connection broke after a call that changes the job may have reached the scheduler. Raised by the
    client only; the job operations read the scheduler's state to learn the outcome and do not let it out."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method}: the connection broke after the call was sent: {reason}")
        self.method = method
        self.reason = reason


class AuroraProtocolError(AuroraError):
    """What came back is not a Thrift reply we can read (wrong endpoint, proxy page, API mismatch)."""

    exit_code = EXIT_API_ERROR


class AuroraAuthError(AuroraError):
    """HTTP 401/403 or AUTH_FAILED: the credentials are missing or not accepted."""

    exit_code = EXIT_AUTH_ERROR


class AuroraApiError(AuroraError):
    """The scheduler answered with a response code other than OK."""

    exit_code = EXIT_API_ERROR

    def __init__(self, method: str, code: str, details: list[str]) -> None:
        text = "; ".join(details) if details else "no details given"
        super().__init__(f"{method} failed with {code}: {text}")
        self.method = method
        self.code = code
        self.details = details


class AuroraTimeout(AuroraError):
    """A wait ran out of time; ``diagnosis`` holds what the tasks were doing."""

    exit_code = EXIT_TIMEOUT

    def __init__(self, message: str, diagnosis: list[dict] | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis or []


class AuroraTasksFailed(AuroraError):
    """Instances that reached RUNNING did not stay running; ``diagnosis`` holds their tasks' last words."""

    exit_code = EXIT_COMMAND_FAILURE

    def __init__(self, message: str, diagnosis: list[dict]) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


class AuroraUpdateFailed(AuroraError):
    """A job update ended in a state other than ROLLED_FORWARD (rolled back, aborted, failed)."""

    exit_code = EXIT_COMMAND_FAILURE

    def __init__(self, message: str, status: str, update_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.update_id = update_id
