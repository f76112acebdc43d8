# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The watcher's reads: one poll of a failover pair for the outage tracker (``_pair_watch``).

Per poll: XML check_health of both appliances through PairApi (the /check_health probe of one that
does not answer), a TCP connect from the controller to each connectivity-test address, and only
when the tracker asks for them: the site host name's A record (a both-primary conflict) and the
backup settings of the appliance concerned (management API, where it exists: a real appliance
answers 404). Shared by the module sra.appliance.pair_watch and the event source of the same name
(extensions/eda/plugins/event_source/pair_watch.py), so both decide alike.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import time

from ansible_collections.sra.appliance.plugins.module_utils import _pair_watch as tracking
from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._dns import (
    ALGORITHMS, HAS_DNSPYTHON, DnsError, DnsServer, absolute_name, tsig_key)
from ansible_collections.sra.appliance.plugins.module_utils._files import write_private_file
from ansible_collections.sra.appliance.plugins.module_utils._management import ManagementDriver
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure
from ansible_collections.sra.appliance.plugins.module_utils._pair_api import (
    PAIR_ARGUMENT_SPEC, PairApi, sync_rules, validate_pair_params)

# Written once; documented in plugins/modules/pair_watch.py (the event source refers to it).
WATCH_ARGUMENT_SPEC = dict(
    connectivity_test=dict(type="list", elements="str", required=True),
    connectivity_port=dict(type="int", default=443),
    connectivity_timeout=dict(type="int", default=3),
    hold_down=dict(type="int", default=300),
    interval=dict(type="int", default=15),
    dry_run=dict(type="bool", default=False),
    check_backup_settings=dict(type="bool", default=True),
    primary_lost_messages=dict(type="list", elements="str", default=list(tracking.PRIMARY_LOST_MESSAGES)),
    state_file=dict(type="path"),
    dns=dict(type="dict", options=dict(
        server=dict(type="str", required=True),
        port=dict(type="int", default=53),
        zone=dict(type="str", required=True),
        record=dict(type="str", required=True),
        tsig_name=dict(type="str"),
        tsig_secret=dict(type="str", no_log=True),
        tsig_algorithm=dict(type="str", default="hmac-sha256", choices=list(ALGORITHMS)),
        timeout=dict(type="int", default=5),
    )),
)


def watch_argument_spec():
    """The pair's options and the watcher's, as one spec (the connection options come on top)."""
    return dict(PAIR_ARGUMENT_SPEC, **WATCH_ARGUMENT_SPEC)


# -- input ---------------------------------------------------------------------------------------
def parse_target(text, default_port):
    """'10.0.0.1', '10.0.0.1:443', 'gw.example.com:53', '[2001:db8::1]:443', '2001:db8::1' -> (host, port)."""
    text = (text or "").strip()
    if not text:
        raise ModuleFailure("connectivity_test has an empty entry; give addresses as HOST or HOST:PORT")
    host, port = text, default_port
    if text.startswith("["):
        host, closing, rest = text[1:].partition("]")
        if not closing or (rest and not rest.startswith(":")):
            raise ModuleFailure("connectivity_test entry %r: write an IPv6 address with a port as [ADDRESS]:PORT" % text)
        if rest:
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        port = int(port)
    except ValueError:
        raise ModuleFailure("connectivity_test entry %r: the port %r is not a number" % (text, port))
    if not host or not 1 <= port <= 65535:
        raise ModuleFailure("connectivity_test entry %r: give HOST or HOST:PORT with a port from 1 to 65535" % text)
    return host, port


def validate_watch_params(params):
    """Input errors of the watcher's options, before any request."""
    validate_pair_params(params)
    if not params["connectivity_test"]:
        raise ModuleFailure("connectivity_test is empty: give at least one address the controller can reach only when "
                            "its own network works (its gateway, a router of each data centre), so that a controller "
                            "cut off is never taken for a primary outage")
    if not 1 <= params["connectivity_port"] <= 65535:
        raise ModuleFailure("connectivity_port must be between 1 and 65535, got %s" % params["connectivity_port"])
    for name in ("connectivity_timeout", "interval"):
        if params[name] <= 0:
            raise ModuleFailure("%s must be a positive number of seconds, got %s" % (name, params[name]))
    if params["hold_down"] < 0:
        raise ModuleFailure("hold_down must be 0 or more seconds, got %s" % params["hold_down"])
    if not any(phrase.strip() for phrase in params["primary_lost_messages"]):
        raise ModuleFailure("primary_lost_messages is empty; leave it unset for the default wordings")
    state_file = params.get("state_file")
    if state_file and not os.path.isdir(os.path.dirname(os.path.abspath(state_file))):
        raise ModuleFailure("state_file %s: its directory does not exist; create it first (on a persistent volume when "
                            "the controller runs in a container)" % state_file)
    dns = params.get("dns")
    if dns:
        if not HAS_DNSPYTHON:
            raise ModuleFailure("dns needs the Python library dnspython on the controller (pip install dnspython)")
        if bool(dns.get("tsig_name")) != bool(dns.get("tsig_secret")):
            raise ModuleFailure("dns: give tsig_name and tsig_secret together, or neither (an unsigned query)")
    return [parse_target(text, params["connectivity_port"]) for text in params["connectivity_test"]]


# -- the controller's own connectivity ------------------------------------------------------------
def tcp_connect(host, port, timeout):
    """One TCP connect from the controller: the same test the vendor's backup runs against its
    "IP addresses ... to check connectivity", from the controller's side."""
    target = "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)
    started = time.monotonic()
    try:
        connection = socket.create_connection((host, port), timeout=timeout)
    except (OSError, ValueError) as exc:
        return dict(target=target, ok=False, error=str(exc) or type(exc).__name__,
                    elapsed=round(time.monotonic() - started, 3))
    connection.close()
    return dict(target=target, ok=True, error=None, elapsed=round(time.monotonic() - started, 3))


# -- the tracker's memory between runs ----------------------------------------------------------------
def load_memory(path):
    """The memory a previous run left in ``path``; None when there is none yet."""
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path) as handle:
            memory = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ModuleFailure("state_file %s cannot be read (%s): remove it to start afresh" % (path, exc))
    if not isinstance(memory, dict) or set(memory) != set(tracking.new_memory()):
        raise ModuleFailure("state_file %s does not hold the watcher's memory: remove it, or name another file" % path)
    return memory


def save_memory(path, memory):
    """Write the memory atomically (a temporary file renamed over the old one), readable by its owner only."""
    write_private_file(path, json.dumps(memory, sort_keys=True).encode("utf-8"))


# -- one poll ------------------------------------------------------------------------------------
class PairWatch:
    """A failover pair watched through the vendor API: ``poll()`` returns the tracker's event."""

    def __init__(self, params, connect=tcp_connect, clock=time.time):
        self.params = params
        self.targets = validate_watch_params(params)
        self.api = PairApi(params)
        # A poll is one attempt: the hold-down is the watcher's patience, and a read the client retried
        # (three times, with back-off) would make each poll of an appliance that is gone take that much
        # longer, up to four timeouts for check_health and four more for the probe.
        for vendor in self.api.vendors.values():
            vendor.client.retries = 0
        self.rules = sync_rules(params)
        self.connect = connect
        self.clock = clock
        self.tracker = tracking.Tracker(params["hold_down"], params["dry_run"], params["primary_lost_messages"],
                                        load_memory(params.get("state_file")))
        self.swing_addresses = {self.api.np_name: params.get("swing_address") or params["host"],
                                self.api.nb_name: params.get("peer_swing_address") or params["peer_host"]}
        self.dns = _dns_server(params.get("dns"))
        self.polls = 0

    def poll(self):
        now = self.clock()
        self.polls += 1
        state = self.api.settled_state(self.params["settle"], sync_rules=self.rules)
        observation = dict(state=state, swing_addresses=self.swing_addresses, controller=tracking.controller_view(
            [self.connect(host, port, self.params["connectivity_timeout"]) for host, port in self.targets]))
        if self.params["site_addresses"]:
            observation["site"] = self.api.site(state, self.params["site_addresses"], self.params["site_port"])
        if self.dns is not None and self.tracker.needs_dns(observation):
            observation.update(self.read_dns())
        guarded = self.tracker.needs_settings(observation, now)
        if guarded:
            observation["backup_settings"] = {guarded: self.read_settings(guarded)}
        event = self.tracker.observe(observation, now)
        for key in ("site", "dns"):
            if key in observation:
                event[key] = observation[key]
        return event

    def read_dns(self):
        dns = self.params["dns"]
        try:
            addresses = self.dns.read_a(absolute_name(dns["record"], dns["zone"]))[0]
        except DnsError as exc:
            return dict(dns=dict(addresses=None, error=str(exc)))
        return dict(dns_addresses=addresses, dns=dict(addresses=addresses, error=None))

    def read_settings(self, name):
        """Built-in automatic failover of ``name``, from its backup settings (management API)."""
        if not self.params["check_backup_settings"]:
            return tracking.settings_reading(skipped=True)
        try:
            settings = ManagementDriver(self.api.vendors[name].client).backup_settings()
        except ApplianceError as exc:
            return tracking.settings_reading(error=str(exc), missing=exc.status == 404)
        return tracking.settings_reading(settings)

    def save(self):
        if self.params.get("state_file"):
            save_memory(self.params["state_file"], self.tracker.memory)


def _dns_server(dns):
    if not dns:
        return None
    try:
        key = tsig_key(dns["tsig_name"], dns["tsig_secret"], dns["tsig_algorithm"]) if dns.get("tsig_name") else None
        absolute_name(dns["record"], dns["zone"])
        return DnsServer(dns["server"], dns["port"], dns["zone"], key, dns["timeout"])
    except DnsError as exc:
        raise ModuleFailure("dns: %s" % exc)


def watch_until_decided(watch, sleep=time.sleep, report=None):
    """Poll until the tracker stops holding down (it acts, refuses, or the condition clears), for at
    most the hold-down and two intervals: the scheduled variant's whole decision in one run.
    ``report(elapsed, event)``, when given, is told after each poll that holds down.

    Returns (last event, the events that were news, seconds spent)."""
    params = watch.params
    started = watch.clock()
    event = watch.poll()
    events = [event]
    limit = params["hold_down"] + 2 * params["interval"]
    while event["action"]["status"] == tracking.HOLDING and watch.clock() - started <= limit:
        if report:
            report(watch.clock() - started, event)
        sleep(params["interval"])
        event = watch.poll()
        if tracking.signature(event) != tracking.signature(events[-1]):
            events.append(event)
    return event, events, round(watch.clock() - started, 1)
