"""The one retry loop: transient errors are retried after growing, jittered pauses until the budget is spent."""

from __future__ import annotations

from itertools import islice

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Backoff, Deadline, retry_call

from ....utils.retry import Clock, Transient, flaky

STEADY = Backoff(first=1.0, cap=4.0, jitter=(1.0, 1.0))  # no randomness: the pauses are exactly 1, 2, 4, 4, ...


class GaveUp(Exception):
    pass


def run(operation, clock, budget, **extra):
    return retry_call(operation, is_transient=lambda error: isinstance(error, Transient),
                      deadline=Deadline(budget, clock), backoff=STEADY,
                      give_up=lambda last, failures: GaveUp(f"{failures} failures, last: {last}"),
                      sleep=clock.sleep, **extra)


def test_transient_errors_are_retried_until_success_after_doubling_capped_pauses():
    clock = Clock()
    operation, calls = flaky(4)
    assert run(operation, clock, budget=60) == "done"
    assert len(calls) == 5
    assert clock.sleeps == [1.0, 2.0, 4.0, 4.0]


def test_other_errors_propagate_at_once():
    clock = Clock()
    operation, calls = flaky(1, error=KeyError)
    with pytest.raises(KeyError):
        run(operation, clock, budget=60)
    assert len(calls) == 1 and clock.sleeps == []


def test_no_pause_ends_past_the_deadline_and_give_up_gets_the_last_error():
    clock = Clock()
    operation, calls = flaky(10_000)
    with pytest.raises(GaveUp, match=r"^4 failures, last: failure 4$") as caught:
        run(operation, clock, budget=7.5)  # pauses 1 + 2 + 4 end at 7; the fourth (4 s) would end at 11
    assert clock.sleeps == [1.0, 2.0, 4.0] and len(calls) == 4
    assert isinstance(caught.value.__cause__, Transient)


def test_the_first_attempt_runs_even_with_no_budget():
    clock = Clock()
    operation, _calls = flaky(0)
    assert run(operation, clock, budget=0) == "done"


def test_before_retry_sees_each_transient_error_before_its_pause():
    clock = Clock()
    operation, _calls = flaky(2)
    seen = []
    run(operation, clock, budget=60, before_retry=lambda error: seen.append((str(error), len(clock.sleeps))))
    assert seen == [("failure 1", 0), ("failure 2", 1)]


def test_jitter_stays_within_its_bounds_around_the_nominal_pause():
    backoff = Backoff(first=0.5, cap=5.0)
    for _round in range(50):
        for pause, nominal in zip(islice(backoff.pauses(), 8), [0.5, 1, 2, 4, 5, 5, 5, 5]):
            assert nominal * 0.8 <= pause <= nominal * 1.2
    assert len({next(backoff.pauses()) for _round in range(20)}) > 1, "the pauses are not jittered"


def test_a_deadline_counts_from_when_it_is_made():
    clock = Clock()
    clock.now = 100.0
    deadline = Deadline(10, clock)
    clock.now = 104.0
    assert deadline.elapsed() == 4.0 and deadline.remaining() == 6.0
    assert deadline.allows(5.9) and not deadline.allows(6.0)
