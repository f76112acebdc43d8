# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one waiter: poll until a condition holds, on a monotonic clock, with a timeout that
carries the elapsed time and the last state seen."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


class WaitTimeout(Exception):
    """The condition did not hold in time. ``last_state`` is what the last poll saw; ``advice``,
    when the caller knows it, says what may still be going on and what to run next."""

    def __init__(self, description, timeout, elapsed, last_state, last_error=None, advice=None):
        self.description = description
        self.timeout = timeout
        self.elapsed = elapsed
        self.last_state = last_state
        self.last_error = last_error
        self.advice = advice
        text = "Timed out after %.1f s (timeout %s s) waiting for %s" % (elapsed, timeout, description)
        if last_error is not None:
            text += "; the last poll failed: %s" % last_error
        if advice:
            text += ". %s" % advice
        super(WaitTimeout, self).__init__(text)

    def to_result(self):
        return dict(elapsed=round(self.elapsed, 1), last_state=self.last_state)


class Waiter:
    """Polls ``probe()`` until ``ready(state)``; returns (state, elapsed seconds).

    A probe that raises one of ``tolerate`` (an appliance restarting its services, the
    moment of a role swap when its API does not answer) counts as a failed poll, not a
    failure: the timeout decides. Anything else propagates at once.
    """

    def __init__(self, timeout, interval=2.0, clock=time.monotonic, sleep=time.sleep):
        if timeout < 0 or interval <= 0:
            raise ValueError("timeout must be >= 0 and interval > 0")
        self.timeout = timeout
        self.interval = interval
        self.clock = clock
        self.sleep = sleep

    def wait(self, probe, ready, description, tolerate=(), progress=None):
        """``progress(elapsed, state, error)``, when given, is told after every poll that did not
        end the wait: long waits (a data sync can take hours) show where they are."""
        start = self.clock()
        state, error = None, None
        while True:
            try:
                state, error = probe(), None
                if ready(state):
                    return state, self.clock() - start
            except tolerate as exc:  # pylint: disable=catching-non-exception
                error = exc
            elapsed = self.clock() - start
            if elapsed >= self.timeout:
                raise WaitTimeout(description, self.timeout, elapsed, state, error)
            if progress is not None:
                progress(elapsed, state, error)
            self.sleep(min(self.interval, self.timeout - elapsed))


class CheckModeWaiter:
    """Check mode changes nothing, so there is nothing to wait for."""

    timeout = 0

    def wait(self, probe, ready, description, tolerate=(), progress=None):  # pylint: disable=unused-argument
        return None, 0.0


def waiter_for(module, timeout_option="wait_timeout", interval=2.0):
    if module.check_mode:
        return CheckModeWaiter()
    return Waiter(module.params[timeout_option], interval=interval)
