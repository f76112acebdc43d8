# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pair_watch (and the PairWatch poll it shares with the event source) against fake appliances that
speak only the vendor API, on a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _pair_watch_api as watch_api
from ansible_collections.sra.appliance.plugins.modules import pair_watch
from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeNetwork, run_module, vendor_only_pair, warnings)

NP, NB = "192.0.2.10", "192.0.2.11"
GATEWAY = "192.0.2.1"
PAIR = dict(host=NP, peer_host=NB, name="site1", peer_name="site2", settle=0, connectivity_test=[GATEWAY],
            hold_down=30, interval=10)


class Clock:
    """A fake clock whose sleep runs the scenario's changes due by then."""

    def __init__(self, changes=None):
        self.now = 1000.0
        self.changes = sorted((changes or {}).items())

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        while self.changes and self.changes[0][0] <= self.now - 1000.0:
            self.changes.pop(0)[1]()


class Gateway:
    """The controller's connectivity test: answers while ``up``."""

    def __init__(self):
        self.up = True
        self.tried = []

    def __call__(self, host, port, timeout):
        self.tried.append((host, port))
        return dict(target="%s:%s" % (host, port), ok=self.up, error=None if self.up else "Connection refused")


@pytest.fixture
def network():
    return vendor_only_pair(NP, NB, "2026-12-01T12:00:00+00:00")


@pytest.fixture
def gateway():
    return Gateway()


def watch(monkeypatch, network, gateway, clock=None, check_mode=False, **params):
    clock = clock or Clock()
    monkeypatch.setattr(pair_watch, "clock_for", lambda module: (clock, clock.sleep))
    monkeypatch.setattr(pair_watch, "tcp_connect", gateway)
    return run_module(monkeypatch, "pair_watch", dict(PAIR, **params), network, check_mode=check_mode)


def actions(network, address):
    return [entry[2] for entry in network[address].log if entry[1] == "/api/command"]


def management_requests(network):
    return [entry for appliance in network.appliances.values() for entry in appliance.log
            if entry[1].startswith(("/appliance/api", "/login/api"))]


def statuses(result):
    return [event["action"]["status"] for event in result["events"]]


# -- a pair that needs nothing -----------------------------------------------------------------------------
def test_a_normal_pair_is_one_poll_of_one_check_health_each(monkeypatch, network, gateway):
    result = watch(monkeypatch, network, gateway)
    assert result["changed"] is False and result["polls"] == 1
    assert result["event"]["kind"] == "normal" and result["action"]["status"] == "none"
    assert result["action"]["run"] is False
    assert actions(network, NP) == ["check_health"] and actions(network, NB) == ["check_health"]
    assert management_requests(network) == [] and network.writes == []
    assert gateway.tried == [(GATEWAY, 443)]


# -- the primary down -----------------------------------------------------------------------------------
def test_the_primary_down_is_held_down_then_names_the_unplanned_failover(monkeypatch, network, gateway):
    network[NP].down = True
    result = watch(monkeypatch, network, gateway)
    assert result["polls"] == 4 and result["elapsed"] == 30
    assert statuses(result) == ["holding", "run"]
    action = result["action"]
    assert action["run"] is True and action["flow"] == "unplanned_failover"
    assert action["playbook"] == "sra.appliance.unplanned_failover"
    assert action["decision"]["steps"][0]["host"] == "site2"
    assert result["event"]["down"]["name"] == "site1" and result["event"]["down"]["seen_for"] == 30
    # Reads only: one check_health per appliance and poll, nothing written.
    assert actions(network, NB) == ["check_health"] * 4 and network.writes == []
    # The backup settings are read once, when everything else says act: a real appliance answers 404.
    assert [entry[1] for entry in management_requests(network)] == ["/login/api/v1/failover/backup-settings"]
    assert any("must be off" in text for text in warnings(result))


class CountingNetwork(FakeNetwork):
    """Counts the connections tried per host, those refused included."""

    def __init__(self, *appliances):
        super(CountingNetwork, self).__init__(*appliances)
        self.tries = {}

    def transport(self, host, port, tls, timeout):
        transport = super(CountingNetwork, self).transport(host, port, tls, timeout)
        send = transport.send

        def counted(*args, **kwargs):
            self.tries[host] = self.tries.get(host, 0) + 1
            return send(*args, **kwargs)
        transport.send = counted
        return transport


def test_a_poll_tries_an_appliance_that_is_gone_once_per_read(monkeypatch, network, gateway):
    counting = CountingNetwork(network[NP], network[NB])
    counting[NP].down = True
    watch(monkeypatch, counting, gateway, hold_down=0)
    # The token request of check_health, and the probe: no retries, so a poll costs no back-off or timeouts.
    assert counting.tries[NP] == 2


def test_a_flap_starts_the_hold_down_again(monkeypatch, network, gateway):
    network[NP].down = True
    clock = Clock({10: lambda: setattr(network[NP], "down", False), 20: lambda: setattr(network[NP], "down", True)})
    result = watch(monkeypatch, network, gateway, clock=clock)
    # Down at 0, up at 10 (the watch ends: nothing is held any more).
    assert statuses(result) == ["holding", "none"] and result["polls"] == 2


def test_the_primary_down_with_the_controller_cut_off_is_no_action(monkeypatch, network, gateway):
    network[NP].down = True
    gateway.up = False
    result = watch(monkeypatch, network, gateway)
    assert result["event"]["kind"] == "controller_isolated" and result["action"]["run"] is False
    assert result["polls"] == 1 and "may have lost its own network" in result["event"]["reason"]


def test_an_unhealthy_backup_is_not_promoted(monkeypatch, network, gateway):
    network[NP].down = True
    network[NB].problem = "disk full"
    result = watch(monkeypatch, network, gateway)
    assert result["event"]["kind"] == "backup_unhealthy" and "disk full" in result["event"]["reason"]
    assert result["action"]["run"] is False and result["polls"] == 1


def test_a_backup_that_cannot_reach_its_primary_is_the_outage_not_a_problem(monkeypatch, network, gateway):
    network[NP].down = True
    network[NB].problem = "Unable to reach the primary site instance site1.example.com."
    result = watch(monkeypatch, network, gateway, hold_down=0)
    assert result["action"]["status"] == "run"


def test_the_normal_backup_down_as_primary_names_a_forced_failback(monkeypatch, network, gateway):
    network[NP].role, network[NB].role = "backup", "primary"
    network[NB].down = True
    result = watch(monkeypatch, network, gateway, hold_down=0)
    assert result["action"]["flow"] == "failback" and result["action"]["extra_vars"] == dict(sra_failback_force=True)


def test_built_in_automatic_failover_on_refuses(monkeypatch, network, gateway):
    network[NP].down = True
    network[NB].management = True
    network[NB].settings.update(backup_operations=True, automatic_failover=True)
    result = watch(monkeypatch, network, gateway, hold_down=0)
    assert result["action"]["status"] == "refused" and result["action"]["run"] is False
    assert "built-in automatic failover is on in the backup settings of site2" in result["action"]["reason"]


def test_built_in_automatic_failover_off_is_read_and_no_note(monkeypatch, network, gateway):
    network[NP].down = True
    network[NB].management = True
    network[NB].settings.update(backup_operations=True, automatic_failover=False)
    result = watch(monkeypatch, network, gateway, hold_down=0)
    assert result["action"]["status"] == "run" and result["action"]["notes"] == []
    assert result["event"]["backup_settings"]["site2"]["readable"] is True


def test_check_backup_settings_false_reads_nothing_of_the_management_api(monkeypatch, network, gateway):
    network[NP].down = True
    result = watch(monkeypatch, network, gateway, hold_down=0, check_backup_settings=False)
    assert result["action"]["status"] == "run" and management_requests(network) == []


def test_dry_run_names_the_flow_but_never_runs_it(monkeypatch, network, gateway):
    network[NP].down = True
    result = watch(monkeypatch, network, gateway, hold_down=0, dry_run=True)
    assert result["action"]["status"] == "dry_run" and result["action"]["run"] is False
    assert result["action"]["flow"] == "unplanned_failover"


# -- one outage, several runs ------------------------------------------------------------------------------
def test_the_state_file_keeps_one_outage_to_one_action(monkeypatch, network, gateway, tmp_path):
    network[NP].down = True
    state_file = str(tmp_path / "watch.json")
    checked = watch(monkeypatch, network, gateway, check_mode=True, hold_down=0, state_file=state_file)
    assert checked["action"]["status"] == "run" and not os.path.exists(state_file)
    first = watch(monkeypatch, network, gateway, hold_down=0, state_file=state_file)
    assert first["action"]["status"] == "run"
    assert oct(os.stat(state_file).st_mode & 0o777) == "0o600"
    second = watch(monkeypatch, network, gateway, hold_down=0, state_file=state_file)
    assert second["action"]["status"] == "done" and second["action"]["run"] is False
    network[NP].down = False
    assert watch(monkeypatch, network, gateway, state_file=state_file)["event"]["kind"] == "normal"
    assert json.load(open(state_file))["outage"] is None


def test_a_state_file_that_is_not_the_watchers_fails_before_any_request(monkeypatch, network, gateway, tmp_path):
    state_file = tmp_path / "other.json"
    state_file.write_text('{"hello": 1}')
    result = watch(monkeypatch, network, gateway, state_file=str(state_file))
    assert result["failed"] is True and "does not hold the watcher's memory" in result["msg"]
    assert network[NP].log == [] and network[NB].log == []


# -- input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, message", [
    (dict(connectivity_test=[]), "connectivity_test is empty"),
    (dict(connectivity_test=["10.0.0.1:http"]), "is not a number"),
    (dict(connectivity_test=["10.0.0.1:70000"]), "port from 1 to 65535"),
    (dict(connectivity_test=["[2001:db8::1]x"]), "[ADDRESS]:PORT"),
    (dict(connectivity_test=["[2001:db8::1"]), "[ADDRESS]:PORT"),
    (dict(interval=0), "interval must be a positive"),
    (dict(hold_down=-5), "hold_down must be 0 or more"),
    (dict(primary_lost_messages=[" "]), "primary_lost_messages is empty"),
    (dict(state_file="/nonexistent-dir/watch.json"), "its directory does not exist"),
    (dict(dns=dict(server="192.0.2.53", zone="example.com", record="support.example.com", tsig_name="k")),
     "together, or neither"),
    (dict(dns=dict(server="192.0.2.53", zone="example.com", record="support.other.org.")), "not inside zone"),
])
def test_input_is_checked_before_any_request(monkeypatch, network, gateway, params, message):
    result = watch(monkeypatch, network, gateway, **params)
    assert result["failed"] is True and message in result["msg"]
    assert network[NP].log == [] and network[NB].log == [] and gateway.tried == []


@pytest.mark.parametrize("text, target", [
    ("10.0.0.1", ("10.0.0.1", 443)),
    ("10.0.0.1:53", ("10.0.0.1", 53)),
    ("gw.example.com:8443", ("gw.example.com", 8443)),
    ("2001:db8::1", ("2001:db8::1", 443)),
    ("[2001:db8::1]:53", ("2001:db8::1", 53)),
    ("[2001:db8::1]", ("2001:db8::1", 443)),
])
def test_parse_target(text, target):
    assert watch_api.parse_target(text, 443) == target


# -- both primary: the DNS answer decides ---------------------------------------------------------------------
class FakeDns:
    answer = ([NB], 60)
    asked = []

    def __init__(self, server, port, zone, key=None, timeout=10.0):
        self.where = (server, port, zone)

    def read_a(self, name):
        FakeDns.asked.append(name.to_text())
        return self.answer


@pytest.fixture
def fake_dns(monkeypatch):
    monkeypatch.setattr(watch_api, "DnsServer", FakeDns)
    FakeDns.asked = []
    return FakeDns


def test_both_primary_reads_the_site_record_and_keeps_the_appliance_it_points_at(
        monkeypatch, network, gateway, fake_dns):
    network[NB].role = "primary"
    result = watch(monkeypatch, network, gateway, hold_down=0,
                   dns=dict(server="192.0.2.53", zone="example.com", record="support.example.com"))
    assert result["event"]["kind"] == "both_primary" and result["event"]["dns"]["addresses"] == [NB]
    assert result["action"]["flow"] == "resolve_conflict"
    assert result["action"]["decision"]["target"] == dict(primary="site2", backup="site1")
    assert result["action"]["extra_vars"] == dict(sra_conflict_primary="site2")
    assert fake_dns.asked == ["support.example.com."]


def test_the_site_record_is_read_only_for_a_both_primary_pair(monkeypatch, network, gateway, fake_dns):
    network[NP].down = True
    result = watch(monkeypatch, network, gateway, hold_down=0,
                   dns=dict(server="192.0.2.53", zone="example.com", record="support"))
    assert result["action"]["status"] == "run" and fake_dns.asked == [] and "dns" not in result["event"]
