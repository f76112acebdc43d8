# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeAppliance, FakeNetwork, run_module, warnings)

A = "192.0.2.10"
B = "192.0.2.11"
PARAMS = dict(backup_host=B, reverse_host=A)
WANTED = dict(backup_host=B, backup_port=443, reverse_host=A, reverse_port=443)
SYNCED = dict(state="idle", last_data_sync_time="2024-12-02T12:00:00+00:00", last_data_sync_status="Success")


@pytest.fixture
def network():
    net = FakeNetwork(FakeAppliance(A), FakeAppliance(B))
    net.pair(net[A], net[B])
    return net


def test_establish_waits_for_initial_sync_then_is_idempotent(monkeypatch, network):
    network[A].sync_script = [dict(state="scheduled", last_data_sync_time=None, last_data_sync_status=None),
                              dict(state="running", last_data_sync_time=None, last_data_sync_status=None),
                              dict(SYNCED)]
    result = run_module(monkeypatch, "failover_relationship", PARAMS, network, diff=True)
    assert result["changed"] is True and result["role"] == "primary"
    assert result["relationship"] == WANTED and result["data_sync"] == SYNCED
    assert [entry[:3] for entry in network.writes] == [(A, "POST", "/login/api/v1/failover/relationship")]
    assert result["diff"] == dict(before=dict(relationship=None), after=dict(relationship=WANTED))
    again = run_module(monkeypatch, "failover_relationship", PARAMS, network)
    assert again["changed"] is False and len(network.writes) == 1


def test_recognised_from_the_backup_end_after_a_swap(monkeypatch, network):
    network[A].role, network[A].relationship, network[A].data_sync = "backup", dict(WANTED), dict(SYNCED)
    result = run_module(monkeypatch, "failover_relationship", PARAMS, network)
    assert result["changed"] is False and network.writes == []


def test_check_mode_on_a_fresh_pair_warns_about_keys(monkeypatch, network):
    network[A].key_fingerprint = network[B].key_fingerprint = None
    result = run_module(monkeypatch, "failover_relationship", PARAMS, network, check_mode=True)
    assert result["changed"] is True and network.writes == []
    assert result["relationship"] == WANTED
    assert any("inter-appliance key is not set on %s and %s" % (A, B) in text for text in warnings(result))


def test_key_mismatch_fails_before_writing(monkeypatch, network):
    network[B].key_fingerprint = "fp-2"
    result = run_module(monkeypatch, "failover_relationship", PARAMS, network)
    assert result["failed"] and network.writes == []
    assert "inter-appliance keys of %s (fingerprint fp-1) and %s (fingerprint fp-2) differ" % (A, B) in result["msg"]


@pytest.mark.parametrize("field, value, wrong", [("version", "24.1.0", "version"), ("build", "999-zzz", "build")])
def test_version_or_build_mismatch_fails_even_in_check_mode(monkeypatch, network, field, value, wrong):
    setattr(network[B], field, value)
    for check_mode in (True, False):
        result = run_module(monkeypatch, "failover_relationship", PARAMS, network, check_mode=check_mode)
        assert result["failed"] and "the product %s differ" % wrong in result["msg"]
    assert network.writes == []


def test_peer_host_is_used_for_the_checks(monkeypatch, network):
    result = run_module(monkeypatch, "failover_relationship", dict(PARAMS, backup_host="site2.example.com",
                                                                   peer_host=B), network)
    assert result["changed"] is True
    assert any(entry[2] == "check_health" for entry in network[B].log)


def test_unreachable_backup_fails_before_writing(monkeypatch, network):
    network[B].down = True
    result = run_module(monkeypatch, "failover_relationship", PARAMS, network)
    assert result["failed"] and "the backup appliance %s cannot be reached" % B in result["msg"]
    assert "cannot connect" in result["msg"] and "peer_host" in result["msg"]
    assert network.writes == []


def test_other_relationship_is_refused(monkeypatch, network):
    network[A].role, network[A].relationship = "primary", dict(WANTED, backup_host="192.0.2.99")
    result = run_module(monkeypatch, "failover_relationship", PARAMS, network)
    assert result["failed"] and "break it first" in result["msg"] and network.writes == []


def test_break_and_break_again(monkeypatch, network):
    network[A].role, network[A].relationship = "primary", dict(WANTED)
    check = run_module(monkeypatch, "failover_relationship", dict(state="absent"), network, check_mode=True)
    assert check["changed"] is True and network.writes == []
    result = run_module(monkeypatch, "failover_relationship", dict(state="absent"), network)
    assert result["changed"] is True and result["role"] == "none"
    again = run_module(monkeypatch, "failover_relationship", dict(state="absent"), network)
    assert again["changed"] is False and len(network.writes) == 1


@pytest.mark.parametrize("params, message", [
    (dict(PARAMS, backup_port=0), "backup_port: 0 is not a TCP port"),
    (dict(PARAMS, reverse_port=70000), "reverse_port: 70000 is not a TCP port"),
    (dict(PARAMS, backup_host="bad host!"), "backup_host: 'bad host!' is not a valid host name"),
    (dict(reverse_host=A), "state is present but all of the following are missing: backup_host"),
    (dict(PARAMS, wait_timeout=-3), "wait_timeout must be 0 or more seconds"),
])
def test_bad_inputs(monkeypatch, network, params, message):
    result = run_module(monkeypatch, "failover_relationship", params, network)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert network.writes == []
