# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time as the appliances write it, parsed once: ISO 8601 / RFC 3339 text (``Z``, ``+00:00`` or
``+0000``, or no offset at all, which the collection reads as UTC) and the XML API's ``ts``
attribute (epoch seconds); and the Timezone Offset of a traffic node, in hours.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from datetime import datetime, timezone

from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure

TIMEZONE_OFFSET_HOURS = (-12, 14)
_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d\d)(\d\d)$")


def parse_time(text=None, epoch=None):
    """The moment (an aware datetime in UTC) of epoch seconds, else of ISO 8601 text; None when
    neither gives one. The ``ts`` attribute wins: it cannot be misread."""
    if epoch not in (None, ""):
        try:
            return datetime.fromtimestamp(int(float(epoch)), tz=timezone.utc)
        except (TypeError, ValueError, OverflowError):
            pass
    if not isinstance(text, str) or not text.strip():
        return None
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    cleaned = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", cleaned)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso_and_epoch(text=None, epoch=None):
    """(ISO 8601 in UTC ending +00:00, epoch seconds). Text that is no time is kept as written,
    with no epoch: an appliance's own words are better than nothing."""
    moment = parse_time(text, epoch)
    if moment is None:
        return (text.strip() if isinstance(text, str) and text.strip() else None), None
    return moment.isoformat(), int(moment.timestamp())


def utc_now():
    return datetime.now(timezone.utc)


def _moment(value):
    return value if isinstance(value, datetime) else parse_time(value)


def seconds_since(value, now=None):
    """Seconds from ``value`` (a datetime or ISO text) to ``now`` (epoch seconds or a datetime;
    default now), or None when ``value`` is no time."""
    moment = _moment(value)
    if moment is None:
        return None
    if now is None:
        now = utc_now()
    reference = now.timestamp() if isinstance(now, datetime) else now
    return reference - moment.timestamp()


def days_until(value, now=None):
    """Whole days from ``now`` until ``value`` (a datetime or ISO text); negative once it has
    passed; None when ``value`` is no time."""
    moment = _moment(value)
    if moment is None:
        return None
    return (moment - (now or utc_now())).days


def parse_timezone_offset(hours, field):
    """Hours from UTC as the vendor's Timezone Offset field takes them: -12 to +14, quarter hours."""
    low, high = TIMEZONE_OFFSET_HOURS
    try:
        value = float(hours)
    except (TypeError, ValueError):
        raise ModuleFailure("%s: %r is not a number of hours; give the active UTC offset, e.g. 5.5 or -3"
                            % (field, hours))
    if not low <= value <= high:
        raise ModuleFailure("%s: %s hours is outside UTC%+d to UTC%+d; give the currently active offset in hours "
                            "(e.g. 1 for CET, -5 for EST)" % (field, hours, low, high))
    if value * 4 != int(value * 4):
        raise ModuleFailure("%s: %s hours is not a whole number of quarter hours; use e.g. 5.5 or 5.75"
                            % (field, hours))
    return int(value) if value == int(value) else value
