"""Faults the control interface injects into one appliance.

Network cuts are modelled where the appliance talks to the network on its own (the peer protocol
in both directions, the connectivity test, the TCP connection test): every lab process shares the
host's loopback, so nothing is cut at the socket level.
- isolated: this appliance reaches nothing and no peer reaches it;
- partitioned_from: addresses this appliance cannot reach and that cannot reach it.
Sync and API faults: slower data syncs, the next N data syncs failing with a message, and a burst
of N error answers (5xx or 429) on the appliance APIs, and a backup download that answers 200 with
an error text instead of the backup. Faults persist (a restart does not repair a
network) and a factory reset keeps them; `heal` clears them.
"""
import ipaddress
import threading

from lab.appliance.web import HttpError

DEFAULT_FAULTS = {
    "isolated": False,
    "partitioned_from": [],
    "sync_throughput": None,           # bytes/s; None: the lab's normal throughput
    "failing_syncs": 0,
    "failing_sync_message": "The data sync was interrupted (injected fault).",
    "error_burst": 0,
    "error_status": 503,
    "backup_error_body": None,         # /api/backup answers 200 with this body instead of the backup
}
ERROR_STATUSES = (429, 500, 502, 503, 504)
HEALED = {"isolated": False, "partitioned_from": [], "sync_throughput": None, "failing_syncs": 0,
          "error_burst": 0, "backup_error_body": None}


class Faults:
    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()

    def current(self):
        return {**DEFAULT_FAULTS, **self.store.get("meta", "faults", {})}

    def update(self, changes):
        unknown = sorted(set(changes) - set(DEFAULT_FAULTS))
        if unknown:
            raise HttpError(400, f"Unknown fault(s): {', '.join(unknown)}.")
        _validate(changes)
        with self._lock:
            faults = {**self.current(), **changes}
            self.store.put("meta", "faults", faults)
        return faults

    def heal(self):
        return self.update(HEALED)

    def cut(self, address):
        """Why traffic between this appliance and `address` is cut, or None when it flows."""
        faults = self.current()
        if faults["isolated"]:
            return "this appliance is isolated from the network"
        if address in faults["partitioned_from"]:
            return f"the network between this appliance and {address} is partitioned"
        return None

    def take_failing_sync(self):
        """The failure message when this data sync is to fail (counting it), else None."""
        return self._take("failing_syncs", "failing_sync_message")

    def take_error(self):
        """The status of the next injected error answer (counting it), else None."""
        return self._take("error_burst", "error_status")

    def _take(self, counter, value_key):
        with self._lock:
            faults = self.current()
            if faults[counter] <= 0:
                return None
            faults[counter] -= 1
            self.store.put("meta", "faults", faults)
            return faults[value_key]


def _validate(changes):
    if not isinstance(changes.get("isolated", False), bool):
        raise HttpError(422, "isolated must be true or false")
    for address in _list(changes.get("partitioned_from", []), "partitioned_from"):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise HttpError(422, f"partitioned_from: {address!r} is not an IP address") from None
    throughput = changes.get("sync_throughput")
    if throughput is not None and (_not_number(throughput) or throughput <= 0):
        raise HttpError(422, "sync_throughput must be a positive number of bytes/s, or null")
    for name in ("failing_syncs", "error_burst"):
        value = changes.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise HttpError(422, f"{name} must be a non-negative integer")
    body = changes.get("backup_error_body")
    if body is not None and (not isinstance(body, str) or not body):
        raise HttpError(422, "backup_error_body must be a non-empty string, or null")
    if not isinstance(changes.get("failing_sync_message", ""), str):
        raise HttpError(422, "failing_sync_message must be a string")
    if changes.get("error_status", 503) not in ERROR_STATUSES:
        raise HttpError(422, f"error_status must be one of {', '.join(map(str, ERROR_STATUSES))}")


def _list(value, name):
    if not isinstance(value, list):
        raise HttpError(422, f"{name} must be a list")
    return value


def _not_number(value):
    return isinstance(value, bool) or not isinstance(value, (int, float))
