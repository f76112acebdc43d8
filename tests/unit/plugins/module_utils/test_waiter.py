# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils._waiter import (
    CheckModeWaiter, Waiter, WaitTimeout, waiter_for)


class Clock:
    """A monotonic clock that moves only when the waiter sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_returns_state_and_elapsed_when_ready():
    clock = Clock()
    states = iter(["syncing", "syncing", "done"])
    state, elapsed = Waiter(60, interval=2, clock=clock, sleep=clock.sleep).wait(
        lambda: next(states), lambda s: s == "done", "the sync")
    assert state == "done" and elapsed == 4.0 and clock.sleeps == [2, 2]


def test_timeout_carries_elapsed_and_last_state():
    clock = Clock()
    waiter = Waiter(5, interval=2, clock=clock, sleep=clock.sleep)
    with pytest.raises(WaitTimeout) as info:
        waiter.wait(lambda: {"role": "backup"}, lambda s: False, "the role primary")
    assert info.value.last_state == {"role": "backup"}
    assert info.value.elapsed == 5.0
    assert clock.sleeps == [2, 2, 1]   # the last pause stops at the timeout
    assert "Timed out after 5.0 s (timeout 5 s) waiting for the role primary" in str(info.value)
    assert info.value.to_result() == dict(elapsed=5.0, last_state={"role": "backup"})


def test_tolerated_errors_are_failed_polls():
    clock = Clock()
    answers = iter([ConnectionError("restarting"), "up"])

    def probe():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    state, dummy = Waiter(10, interval=1, clock=clock, sleep=clock.sleep).wait(
        probe, lambda s: s == "up", "the API", tolerate=(ConnectionError,))
    assert state == "up"


def test_last_error_is_reported_on_timeout():
    clock = Clock()

    def probe():
        raise ConnectionError("refused")
    with pytest.raises(WaitTimeout, match="the last poll failed: refused"):
        Waiter(3, interval=1, clock=clock, sleep=clock.sleep).wait(probe, bool, "x", tolerate=(ConnectionError,))


def test_other_errors_propagate_at_once():
    clock = Clock()

    def probe():
        raise KeyError("bug")
    with pytest.raises(KeyError):
        Waiter(10, clock=clock, sleep=clock.sleep).wait(probe, bool, "x", tolerate=(ConnectionError,))
    assert clock.sleeps == []


def test_bad_arguments():
    with pytest.raises(ValueError):
        Waiter(-1)
    with pytest.raises(ValueError):
        Waiter(10, interval=0)


class Module:
    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.params = dict(wait_timeout=30)


def test_check_mode_waits_for_nothing():
    calls = []
    waiter = waiter_for(Module(True))
    assert isinstance(waiter, CheckModeWaiter)
    assert waiter.wait(lambda: calls.append(1), bool, "x") == (None, 0.0) and calls == []
    real = waiter_for(Module(False))
    assert isinstance(real, Waiter) and real.timeout == 30
