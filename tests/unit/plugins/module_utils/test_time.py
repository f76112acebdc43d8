# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _time
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure

NOON = datetime(2024, 12, 2, 12, 0, tzinfo=timezone.utc)  # epoch 1733140800


@pytest.mark.parametrize("text, epoch, expected", [
    ("2024-12-02T12:00:00+00:00", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("2024-12-02T13:00:00+01:00", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("2024-12-02T12:00:00Z", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("2024-12-02T12:00:00+0000", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("2024-12-02T12:00:00", None, ("2024-12-02T12:00:00+00:00", 1733140800)),   # no offset: UTC
    (None, "1733140800", ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("1999-01-01T00:00:00Z", "1733140800", ("2024-12-02T12:00:00+00:00", 1733140800)),  # ts wins
    ("2024-12-02T12:00:00Z", "not a number", ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("garbage", None, ("garbage", None)),
    (None, None, (None, None)),
])
def test_iso_and_epoch(text, epoch, expected):
    assert _time.iso_and_epoch(text, epoch) == expected


def test_milliseconds_and_offsets_without_colon_of_real_appliances():
    expected = datetime(2019, 10, 7, 0, 32, 50, 877000, tzinfo=timezone.utc)
    assert _time.parse_time("2019-10-07T00:32:50.877+0000") == expected


def test_seconds_since_and_days_until():
    assert _time.seconds_since("2024-12-02T11:59:00Z", NOON.timestamp()) == 60
    assert _time.seconds_since("2024-12-02T11:59:00Z", NOON) == 60
    assert _time.seconds_since("not a time", NOON) is None
    assert _time.seconds_since(None) is None
    assert _time.days_until("2024-12-12T12:00:01+00:00", NOON) == 10
    assert _time.days_until(NOON + timedelta(days=3), NOON) == 3
    assert _time.days_until("2024-12-01T12:00:00Z", NOON) == -1
    assert _time.days_until("", NOON) is None


@pytest.mark.parametrize("hours, expected", [(1, 1), (5.5, 5.5), (-3.0, -3), (14, 14), (-12, -12), ("5.75", 5.75)])
def test_timezone_offsets(hours, expected):
    assert _time.parse_timezone_offset(hours, "f") == expected


@pytest.mark.parametrize("hours, message", [(15, r"is outside UTC-12 to UTC\+14"), (5.1, "quarter hours"),
                                            ("east", "is not a number of hours"), (None, "is not a number")])
def test_bad_timezone_offsets(hours, message):
    with pytest.raises(ModuleFailure, match=message):
        _time.parse_timezone_offset(hours, "f")
