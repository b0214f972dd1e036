# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Python 3 client of the Aurora scheduler API: Thrift binary messages POSTed to <scheduler>/api.

It finds the leader (directly, through clusters.json, or in ZooKeeper), follows a 307 from a follower to the
leader, retries 503 (no leader yet), ERROR_TRANSIENT and connections that could not be made within a time budget
(ten minutes by default, as the stock client), and turns every failure into one of the exception types of
errors.py. The modules and the ``aurora`` command line use this one client.
"""

from __future__ import annotations

import http.client
import logging
import netrc
import ssl
import time
import traceback
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urljoin, urlparse

try:
    import requests
    from requests.auth import AuthBase, HTTPBasicAuth
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
    AuthBase = object  # type: ignore[assignment,misc]
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.discovery import (
    SchedulerLocator,
    checked_url,
    find_cluster,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraApiError,
    AuroraAuthError,
    AuroraError,
    AuroraInvalidParameter,
    AuroraMissingLibrary,
    AuroraNoLeader,
    AuroraOutcomeUnknown,
    AuroraProtocolError,
    AuroraRetriesSpent,
    AuroraTransportError,
    AuroraZooKeeperUnreachable,
)
from ansible_collections.heron.aurora.plugins.module_utils._common.causes import causes, first_cause
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Backoff, Deadline, retry_call
from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error

log = logging.getLogger(__name__)

AUTH_MODES = ("none", "basic", "kerberos")
API_PATH = "api"
MAX_REDIRECTS = 5
USER_AGENT = "heron.aurora-client"
# The stock client's SchedulerProxy: RPC_MAXIMUM_WAIT of retries, RPC_RETRY_INTERVAL between them, and no
# timeout on a request.
DEFAULT_RETRY_BUDGET_SECS = 600.0
BACKOFF = Backoff(first=0.5, cap=5.0)
# Calls that change nothing may be sent again after a connection broke mid-way; others only if it never opened.
READ_ONLY_METHODS = frozenset((
    "getJobSummary", "getTasksStatus", "getTasksWithoutConfigs", "getConfigSummary", "getJobs", "getQuota",
    "populateJobConfig", "getJobUpdateSummaries", "getJobUpdateDetails", "getJobUpdateDiff", "getTierConfigs",
))


def require_requests() -> None:
    if not HAS_REQUESTS:
        raise AuroraMissingLibrary("requests", REQUESTS_IMPORT_ERROR)


# --- authentication -------------------------------------------------------------------------------

class NoAuth(AuthBase):
    """Send no credentials at all (requests would otherwise pick them up from ~/.netrc by itself)."""

    def __call__(self, request: Any) -> Any:
        return request


def checked_credential(option: str, value: str) -> str:
    """``value`` if it has no control character, else AuroraInvalidParameter that does not repeat it."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise AuroraInvalidParameter(
            f"{option} contains a control character, such as the newline that ends a YAML | block: "
            "remove it (use |- in YAML, or the trim filter)")
    return value


def basic_auth(username: str, password: str, source: str = "username") -> Any:
    """HTTP basic auth, the credentials sent as UTF-8 (RFC 7617; requests would send Latin-1 or fail)."""
    if ":" in checked_credential(source, username):
        raise AuroraInvalidParameter(f"{source} must not contain ':', which separates user and password in basic auth")
    password = checked_credential("password" if source == "username" else source, password)
    return HTTPBasicAuth(username.encode("utf-8"), password.encode("utf-8"))


class NetrcAuth(AuthBase):
    """HTTP basic auth with the ~/.netrc entry of whichever scheduler host the request goes to."""

    def __init__(self, netrc_file: str | None = None) -> None:
        self.netrc_file = netrc_file

    def __call__(self, request: Any) -> Any:
        host = urlparse(request.url).hostname
        try:
            entry = netrc.netrc(self.netrc_file).authenticators(host)
        except OSError as exc:
            raise AuroraAuthError(f"basic auth without username needs a readable ~/.netrc: {exc.strerror}") from None
        except netrc.NetrcParseError as exc:  # its message quotes the offending token, which may be a password
            raise AuroraAuthError(f"basic auth without username: {exc.filename} is not valid at line {exc.lineno}"
                                  ) from None
        if not entry:
            raise AuroraAuthError(f"basic auth: no username given and no ~/.netrc entry for {host}")
        login, _account, password = entry
        return basic_auth(login, password or "", source=f"the ~/.netrc entry for {host}")(request)


def kerberos_auth() -> Any:
    try:
        from requests_kerberos import OPTIONAL, HTTPKerberosAuth
    except ImportError:
        raise AuroraMissingLibrary("requests-kerberos", traceback.format_exc()) from None
    return HTTPKerberosAuth(mutual_authentication=OPTIONAL)


def build_auth(mode: str, username: str | None = None, password: str | None = None,
               netrc_file: str | None = None) -> Any:
    if mode == "none":
        return NoAuth()
    if mode == "basic":
        if username:
            return basic_auth(username, password or "")
        return NetrcAuth(netrc_file)
    if mode == "kerberos":
        return kerberos_auth()
    raise AuroraInvalidParameter(f"auth must be one of {', '.join(AUTH_MODES)}, not {mode!r}")


def default_auth_mode(options: "ConnectionOptions", cluster: Any) -> str:
    """The auth option, else basic when a username is given, else what clusters.json says (KERBEROS or none)."""
    if options.auth:
        return options.auth
    if options.username:
        return "basic"
    return "kerberos" if cluster is not None and cluster.auth_mechanism == "KERBEROS" else "none"


# --- retries --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetryPolicy:
    """Retry 503, ERROR_TRANSIENT and refused connections with ``backoff`` until ``budget_secs`` is spent."""

    budget_secs: float = DEFAULT_RETRY_BUDGET_SECS
    backoff: Backoff = BACKOFF


class _Retry(Exception):
    """Internal: this attempt failed in a way that another attempt may fix, after finding the scheduler again
    when ``relocate``. ``transport``: the request failed on its way (the stock client's TTransportException),
    rather than finding no scheduler or one not ready (its TimeoutError and TransientError)."""

    def __init__(self, reason: str, relocate: bool = False, transport: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.relocate = relocate
        self.transport = transport

    def warning(self) -> str:
        """The stock client's warning before the next attempt."""
        if self.transport:
            return f"Transport error communicating with scheduler: {self.reason}, retrying..."
        return f"Connection error with scheduler: {self.reason}, reconnecting..."


def describe_failure(exc: BaseException, timeout: float | None) -> tuple[str, bool]:
    """(what went wrong with a request, whether it is permanent), in our words: the text of requests' and
    urllib3's exceptions describes the request (its connection pool, URL or headers, credentials included)."""
    if isinstance(exc, requests.exceptions.SSLError):
        verify_error = first_cause(exc, ssl.SSLCertVerificationError)
        if verify_error is not None:
            return (f"the scheduler's TLS certificate is not trusted ({verify_error.verify_message}): give ca_path "
                    "with the CA that signed it (validate_certs=false only for a test scheduler)"), True
        tls_error = first_cause(exc, ssl.SSLError)
        reason = getattr(tls_error, "reason", None) or "no reason given"
        return f"the TLS handshake with the scheduler failed ({reason}): is it an https:// URL of a TLS port?", True
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidHeader)):
        return f"the request cannot be sent ({type(exc).__name__}): check the scheduler URL and the credentials", True
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout:g} s (request_timeout)", False
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {timeout:g} s (request_timeout)", False
    if first_cause(exc, http.client.RemoteDisconnected) is not None:
        return "the scheduler closed the connection without answering", False
    # requests' own exceptions are OSErrors too, without strerror: the socket's error is further down.
    system_error = next((cause.strerror for cause in causes(exc) if isinstance(cause, OSError) and cause.strerror),
                        None)
    return system_error or type(exc).__name__, False


def _never_connected(exc: Exception) -> bool:
    """True when the request cannot have reached the scheduler (refused, unresolvable, connect timeout)."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


# --- the client -----------------------------------------------------------------------------------

def check_seconds(option: str, value: float, allow_zero: bool = True) -> float:
    """``value`` if it is a finite number of seconds (> 0 unless ``allow_zero``), else AuroraInvalidParameter."""
    problem = seconds_error(option, value, allow_zero=allow_zero)
    if problem:
        raise AuroraInvalidParameter(problem)
    return value


@dataclass
class ConnectionOptions:
    """How to reach one scheduler; the fields are the shared options of the modules and of the CLI."""

    scheduler_url: str | None = None
    cluster: str | None = None
    clusters_file: str | None = None
    auth: str | None = None
    username: str | None = None
    password: str | None = None
    timeout: float | None = 300.0  # the stock client set none; see docs/aurora-cli.md
    retry_budget: float = DEFAULT_RETRY_BUDGET_SECS
    validate_certs: bool = True
    ca_path: str | None = None

    def __post_init__(self) -> None:
        if self.timeout is not None:
            check_seconds("request_timeout", self.timeout, allow_zero=False)
        check_seconds("retry_budget", self.retry_budget)


class SchedulerClient:
    """Calls scheduler API methods by name: ``client.call("getJobs", ownerRole="www")`` returns the Response."""

    def __init__(self, locator: SchedulerLocator, auth: Any = None, timeout: float | None = None,
                 retry: RetryPolicy | None = None, verify: bool | str = True,
                 session: Any = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        require_requests()
        self.api = api.load_api()
        self.locator = locator
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.auth = auth if auth is not None else NoAuth()
        # Given with each request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's verify.
        self.verify = verify
        self.session.headers.update({
            "Content-Type": api.CONTENT_TYPE, "Accept": api.CONTENT_TYPE, "User-Agent": USER_AGENT,
        })
        self._sleep = sleep
        self._clock = clock
        self._leader: str | None = None
        self._seqid = 0
        self.server_info: Any = None

    @classmethod
    def from_options(cls, options: ConnectionOptions, **kwargs: Any) -> "SchedulerClient":
        require_requests()
        cluster = None
        if not options.scheduler_url:
            if not options.cluster:
                raise AuroraInvalidParameter("give scheduler_url, or cluster (resolved through clusters.json)")
            cluster = find_cluster(options.cluster, options.clusters_file)
        verify: bool | str = options.ca_path or options.validate_certs
        return cls(SchedulerLocator(options.scheduler_url, cluster),
                   auth=build_auth(default_auth_mode(options, cluster), options.username, options.password),
                   timeout=options.timeout, retry=RetryPolicy(budget_secs=options.retry_budget),
                   verify=verify, **kwargs)

    # --- where to send ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The scheduler the next call goes to: the leader a redirect named, else what discovery found."""
        return self._leader or self.locator.url()

    def _api_url(self) -> str:
        return urljoin(self.base_url + "/", API_PATH)

    def _before_retry(self, failure: Exception) -> None:
        """Before the next attempt: warn as the stock client did, and forget the leader and look again when
        ``failure`` says it may have moved."""
        if not isinstance(failure, _Retry):
            return
        log.warning(failure.warning())
        if failure.relocate:
            self._leader = None
            self.locator.refresh()

    # --- one call ---------------------------------------------------------------------------------
    def call(self, method: str, deadline: Deadline | None = None, **arguments: Any) -> Any:
        """Send one API call; return its Response when the code is OK or WARNING, else raise. Its retries end
        with ``deadline`` when given (one budget for several calls), else when the retry budget is spent."""
        def give_up(last: Exception, _failures: int) -> AuroraRetriesSpent:
            return AuroraRetriesSpent(f"{method}: gave up after {self.retry.budget_secs:.0f} s of retries; "
                                      f"last: {last}")

        return retry_call(lambda: self._attempt(method, arguments),
                          is_transient=lambda error: isinstance(error, _Retry), give_up=give_up,
                          deadline=deadline or Deadline(self.retry.budget_secs, self._clock),
                          backoff=self.retry.backoff,
                          before_retry=self._before_retry, sleep=self._sleep)

    def _attempt(self, method: str, arguments: dict) -> Any:
        self._seqid = (self._seqid + 1) % 2**31
        try:
            body = api.encode_call(method, arguments, self._seqid)
        except (TypeError, ValueError, AttributeError) as exc:
            raise AuroraInvalidParameter(f"{method}: arguments do not fit the API: {exc}") from None
        url = self._discovered_url()
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._post(method, url, body)
            if response.status_code != 307:
                return self._read(method, url, response)
            location = response.headers.get("Location")
            if not location:
                raise AuroraProtocolError(f"{method}: {url} answered 307 without a Location")
            url = checked_url("the scheduler's redirect", urljoin(url, location), AuroraProtocolError)
            self._leader = self._base_of(url)
        raise AuroraTransportError(f"{method}: more than {MAX_REDIRECTS} redirects, last to {url}")

    def _discovered_url(self) -> str:
        try:
            return self._api_url()
        except (AuroraNoLeader, AuroraZooKeeperUnreachable) as exc:  # an election, or ZooKeeper down for now
            raise _Retry(str(exc), relocate=True) from None

    @staticmethod
    def _base_of(url: str) -> str:
        parsed = urlparse(url)
        path = parsed.path
        if path.endswith("/" + API_PATH):
            path = path[: -len(API_PATH) - 1]
        return f"{parsed.scheme}://{parsed.netloc}{path}".rstrip("/")

    def _post(self, method: str, url: str, body: bytes) -> Any:
        try:
            return self.session.post(url, data=body, timeout=self.timeout, allow_redirects=False, verify=self.verify)
        except AuroraError:
            raise
        except (requests.exceptions.RequestException, ValueError) as exc:  # ValueError: what urllib3 cannot encode
            reason, permanent = describe_failure(exc, self.timeout)
            if permanent or not isinstance(exc, requests.exceptions.RequestException):
                raise AuroraTransportError(f"{method}: {url}: {reason}") from None
            if _never_connected(exc) or method in READ_ONLY_METHODS:
                raise _Retry(f"{url}: {reason}", relocate=True, transport=True) from None
            raise AuroraOutcomeUnknown(method, f"{url}: {reason}") from None

    def _read(self, method: str, url: str, response: Any) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise AuroraAuthError(f"{method}: the scheduler at {url} refused the credentials (HTTP {status})")
        if status == 503 or (status in (502, 504) and method in READ_ONLY_METHODS):
            raise _Retry(f"{url} answered HTTP {status}", relocate=True, transport=True)
        if status in (502, 504):  # a proxy's: the scheduler behind it may have done the call
            raise AuroraOutcomeUnknown(method, f"{url} answered HTTP {status}")
        if status != 200:
            raise AuroraTransportError(f"{method}: {url} answered HTTP {status}: {response.text[:200]}")
        result = api.decode_reply(method, response.content)
        self.server_info = result.serverInfo
        return self._checked(method, result)

    def _checked(self, method: str, result: Any) -> Any:
        codes = self.api.ResponseCode
        details = [detail.message for detail in (result.details or []) if detail.message]
        if result.responseCode in (codes.OK, codes.WARNING):
            return result
        if result.responseCode == codes.ERROR_TRANSIENT:
            raise _Retry(f"ERROR_TRANSIENT: {'; '.join(details)}")
        if result.responseCode == codes.AUTH_FAILED:
            raise AuroraAuthError(f"{method}: not authorized: {'; '.join(details) or 'AUTH_FAILED'}")
        raise AuroraApiError(method, api.enum_name(codes, result.responseCode), details)
