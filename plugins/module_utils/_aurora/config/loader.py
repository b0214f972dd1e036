# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluate a .aurora file and pick one job out of it.

A .aurora file is Python: evaluating it runs its code with the rights of the user who evaluates it. We give it
the names of our schema (and ``include``) and nothing else of ours, but this is not a sandbox: only evaluate
configs you would run as a script.

The evaluation runs in a child process, so that a config that never ends (``while True: pass``), grows without
bound (``'x' * 10**12``) or ends the process (``os._exit(0)``) cannot hang, exhaust or end its caller: the child
has CONFIG_TIME_LIMIT_SECS (or the limit given) and CONFIG_MEMORY_BYTES more memory than it started with, and
sends back the JSON of each job, which the caller loads again (as ``aurora job create --read-json`` does), with
the alternative each Choice holds (JSON alone cannot always tell).
"""

from __future__ import annotations

import builtins
import json
import multiprocessing
import os
import traceback
from typing import Any, Iterable, Mapping

try:
    from pystachio import Empty, Ref
except ImportError:
    HAS_PYSTACHIO = False
    PYSTACHIO_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_PYSTACHIO = True
    PYSTACHIO_IMPORT_ERROR = None

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    AuroraConfigError,
    AuroraMissingLibrary,
)

CONTENT_NAME = "<config_content>"
MAX_INCLUDE_DEPTH = 32
CONFIG_TIME_LIMIT_SECS = 30.0
CONFIG_MEMORY_BYTES = 1 << 30


def require_pystachio() -> None:
    if not HAS_PYSTACHIO:
        raise AuroraMissingLibrary("pystachio", PYSTACHIO_IMPORT_ERROR)


def _schema_names() -> dict:
    require_pystachio()
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.helpers import HELPER_NAMES
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import CONFIG_NAMES

    return {**CONFIG_NAMES, **HELPER_NAMES}


def _error_location(exc: BaseException, files: Iterable[str]) -> str:
    """'file, line N' of the deepest frame that belongs to a config file, for error messages."""
    if isinstance(exc, SyntaxError) and exc.filename in files:
        return f"{exc.filename}, line {exc.lineno}"
    location = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in files:
            location = f"{frame.filename}, line {frame.lineno}"
    return location


class _Evaluation:
    """One evaluation: a shared namespace that the root file and everything it includes write into."""

    def __init__(self, base_dir: str) -> None:
        self.namespace: dict[str, Any] = _schema_names()
        self.namespace["__builtins__"] = builtins
        self.namespace["__name__"] = "aurora_config"
        self.namespace["include"] = self.include
        self.base_dir = base_dir
        self.stack: list[str] = []
        self.files: list[str] = []

    def _current_dir(self) -> str:
        if self.stack and self.stack[-1] != CONTENT_NAME:
            return os.path.dirname(self.stack[-1])
        return self.base_dir

    def include(self, path: str) -> None:
        if not isinstance(path, str):
            raise TypeError(f"include() takes a path, not {type(path).__name__}")
        full = os.path.normpath(os.path.join(self._current_dir(), os.path.expanduser(path)))
        if full in self.stack:
            raise AuroraConfigError(f"include cycle: {' -> '.join(self.stack + [full])}")
        if len(self.stack) >= MAX_INCLUDE_DEPTH:
            raise AuroraConfigError(f"includes nested deeper than {MAX_INCLUDE_DEPTH} files at {full}")
        try:
            with open(full, encoding="utf-8") as handle:
                source = handle.read()
        except OSError as exc:
            raise AuroraConfigError(f"cannot read included file {full}: {exc.strerror}") from None
        self.run(source, full)

    def run(self, source: str, name: str) -> None:
        self.stack.append(name)
        self.files.append(name)
        try:
            exec(compile(source, name, "exec"), self.namespace)  # noqa: S102 - a config is code, see docs/aurora.md
        finally:
            self.stack.pop()


def evaluate(path: str | None = None, content: str | None = None, base_dir: str | None = None,
             time_limit: float = CONFIG_TIME_LIMIT_SECS) -> list:
    """Run a config (a file, or its text) in a child process and return its ``jobs`` list, each a Job of our
    schema; AuroraConfigError naming the config when it fails, runs longer than ``time_limit`` seconds, runs out
    of memory or ends the process."""
    if (path is None) == (content is None):
        raise ValueError("evaluate() takes exactly one of path and content")
    require_pystachio()
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import job_from_plain

    name = path if path is not None else CONTENT_NAME
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_evaluate_in_child, args=(sender, path, content, base_dir or os.getcwd()),
                            daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise AuroraConfigError(f"{name}: the config was still being evaluated after {time_limit:g} s, the limit "
                                    "(does it loop forever, or build something huge?)")
        try:
            outcome, payload = receiver.recv()
        except EOFError:
            child.join(5)
            raise AuroraConfigError(f"{name}: the config ended the process that evaluated it (exit code "
                                    f"{child.exitcode}) before it defined its jobs: a config must not end its "
                                    "process (os._exit(), a signal)") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == "error":
        raise AuroraConfigError(payload)
    return [job_from_plain(json.loads(text), choices, written_out) for text, choices, written_out in payload]


def _evaluate_in_child(sender: Any, path: str | None, content: str | None, base_dir: str) -> None:
    os.dup2(2, 1)  # what a config prints must not mix with a module's JSON or the command's output
    _limit_memory(CONFIG_MEMORY_BYTES)
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.job import check_interpolates
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import choices_of
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.stock_json import written_out_paths

    try:
        jobs = _evaluate(path, content, base_dir)
        for index, job in enumerate(jobs):
            check_interpolates(job, f"jobs[{index}]")
        sender.send(("jobs", [(job.json_dumps(), choices_of(job), written_out_paths(job)) for job in jobs]))
    except AuroraConfigError as error:
        sender.send(("error", str(error)))


def _limit_memory(extra: int) -> None:
    """Let this process grow by ``extra`` bytes of address space at most (where the system tells its size)."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            in_use = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + extra if hard == resource.RLIM_INFINITY else min(in_use + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: the time limit still holds
        pass


def _evaluate(path: str | None, content: str | None, base_dir: str) -> list:
    evaluation = _Evaluation(base_dir)
    try:
        if path is not None:
            evaluation.include(os.path.abspath(path))
        else:
            evaluation.run(content, CONTENT_NAME)
    except AuroraConfigError:
        raise
    except MemoryError:
        raise AuroraConfigError(f"{path or CONTENT_NAME}: the config needs more than the "
                                f"{CONFIG_MEMORY_BYTES >> 20} MiB of memory its evaluation may use") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a config is arbitrary code; all it raises is a config error
        where = _error_location(exc, evaluation.files)
        prefix = f"{where}: " if where else ""
        raise AuroraConfigError(f"{prefix}{type(exc).__name__}: {exc}") from None
    return _jobs_of(evaluation.namespace)


def _jobs_of(namespace: Mapping[str, Any]) -> list:
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import MesosJob

    jobs = namespace.get("jobs")
    if not jobs:
        raise AuroraConfigError("the config defines no jobs: it must set jobs = [Job(...), ...]")
    if not isinstance(jobs, (list, tuple)):
        raise AuroraConfigError(f"jobs must be a list of Job, not {type(jobs).__name__}")
    for index, job in enumerate(jobs):
        if not isinstance(job, MesosJob):
            raise AuroraConfigError(f"jobs[{index}] is a {type(job).__name__}, not a Job or Service")
    return list(jobs)


def binding_environment(bindings: Mapping[str, Any] | None) -> dict:
    """Bindings as pystachio takes them; values must be strings or numbers, as with ``--bind K=V``."""
    require_pystachio()
    checked: dict[str, Any] = {}
    for name, value in (bindings or {}).items():
        try:
            Ref.from_address(str(name))
        except Ref.InvalidRefError:
            raise AuroraConfigError(f"binding name {name!r} is not a valid reference name") from None
        if isinstance(value, bool):
            value = str(value)
        if not isinstance(value, (str, int, float)):
            raise AuroraConfigError(
                f"binding {name} must be a string or a number, not {type(value).__name__}")
        checked[str(name)] = value
    return checked


def _describe(job: Any) -> str:
    environment = "{MISSING}" if job.environment() is Empty else str(job.environment())
    return f"{job.cluster()}/{job.role()}/{environment}/{job.name()}"


def select_job(jobs: list, name: str | None = None, cluster: str | None = None, role: str | None = None,
               environment: str | None = None, bindings: Mapping[str, Any] | None = None) -> Any:
    """The one job matching the selectors, with the bindings applied; AuroraConfigError unless exactly one."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.job import check_interpolates

    environment_bindings = binding_environment(bindings)
    bound = [job.bind(environment_bindings) if environment_bindings else job for job in jobs]
    for index, job in enumerate(bound):
        check_interpolates(job, f"jobs[{index}]")
    if name is None:
        if len(bound) > 1:
            raise AuroraConfigError(
                "the config defines several jobs; give the job name. Candidates: "
                + ", ".join(_describe(job) for job in bound))
        return bound[0]

    def matches(job: Any) -> bool:
        wanted = ((name, job.name()), (cluster, job.cluster()), (role, job.role()), (environment, job.environment()))
        return all(want is None or str(have) == want for want, have in wanted)

    found = [job for job in bound if matches(job)]
    if len(found) == 1:
        return found[0]
    wanted_key = "/".join(part or "*" for part in (cluster, role, environment, name))
    candidates = ", ".join(_describe(job) for job in bound)
    if not found:
        raise AuroraConfigError(f"no job {wanted_key} in the config. Candidates: {candidates}")
    raise AuroraConfigError(f"several jobs match {wanted_key}; give cluster, role and environment. "
                            f"Candidates: {candidates}")


def load_job(path: str | None = None, content: str | None = None, name: str | None = None,
             cluster: str | None = None, role: str | None = None, environment: str | None = None,
             bindings: Mapping[str, Any] | None = None, base_dir: str | None = None,
             time_limit: float = CONFIG_TIME_LIMIT_SECS) -> Any:
    """Evaluate a config and return the AuroraJobConfig of the selected job."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.job import AuroraJobConfig

    jobs = evaluate(path=path, content=content, base_dir=base_dir, time_limit=time_limit)
    return AuroraJobConfig(select_job(jobs, name, cluster, role, environment, bindings))
