# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry loop of the libraries: try again after a growing, jittered pause while a time budget allows.

Each caller says what is worth another attempt, what to raise when the budget is spent, and what to do before the
next attempt (the Aurora client looks for the scheduler again)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


class Deadline:
    """The end of a time budget of ``seconds``, counted from when it is made."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def allows(self, pause: float) -> bool:
        """Whether a pause of ``pause`` seconds ends before the deadline."""
        return pause < self.remaining()


@dataclass(frozen=True)
class Backoff:
    """Pauses that double from ``first`` up to ``cap`` seconds, each multiplied by a random factor within
    ``jitter`` so that clients which failed together do not come back together."""

    first: float
    cap: float
    jitter: tuple[float, float] = (0.8, 1.2)

    def pauses(self) -> Iterator[float]:
        nominal = self.first
        while True:
            yield nominal * random.uniform(*self.jitter)  # noqa: S311 - spreading clients, not security
            nominal = min(nominal * 2, self.cap)


def retry_call(operation: Callable[[], T], *, is_transient: Callable[[Exception], bool], deadline: Deadline,
               backoff: Backoff, give_up: Callable[[Exception, int], Exception],
               before_retry: Callable[[Exception], None] | None = None,
               sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``operation`` until it succeeds, retrying the failures ``is_transient`` accepts.

    The first attempt always runs. A retry whose pause would not end before the deadline is not started: the error
    ``give_up(last error, failed attempts)`` is raised instead, from the last error. Other errors propagate as they
    are. ``before_retry`` gets each transient error before the pause that follows it."""
    pauses = backoff.pauses()
    failures = 0
    while True:
        try:
            return operation()
        except Exception as error:  # noqa: BLE001 - classified just below
            if not is_transient(error):
                raise
            failures += 1
            pause = next(pauses)
            if not deadline.allows(pause):
                raise give_up(error, failures) from error
            if before_retry is not None:
                before_retry(error)
            sleep(pause)
