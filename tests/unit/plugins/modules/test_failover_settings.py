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
SHARED = "192.0.2.50"
BACKUP_SIDE = dict(backup_operations=True, automatic_failover=True, primary_timeout=300, sync_interval=3600,
                   bandwidth_limit=0, connectivity_test_ips=["192.0.2.1"])


@pytest.fixture
def network():
    net = FakeNetwork(FakeAppliance(A), FakeAppliance(B))
    for address in (A, B):
        net[address].interfaces[0]["ips"].append(dict(address=SHARED, prefix=24, enabled=address == A))
    return net


def test_apply_then_idempotent(monkeypatch, network):
    params = dict(BACKUP_SIDE, host=B, shared_ips=[SHARED + "/24"], peer_host=A, normal_role="backup",
                  network_method="shared_ip")
    result = run_module(monkeypatch, "failover_settings", params, network, diff=True)
    assert result["changed"] is True and warnings(result) == []
    assert result["shared_ips"] == [SHARED] and result["backup_settings"] == BACKUP_SIDE
    assert network[B].settings == BACKUP_SIDE and network[B].shared == [SHARED]
    assert len(network.writes) == 2 and network[A].writes == []
    assert result["diff"]["before"]["shared_ips"] == [] and result["diff"]["after"]["shared_ips"] == [SHARED]
    again = run_module(monkeypatch, "failover_settings", params, network)
    assert again["changed"] is False and len(network.writes) == 2


def test_options_left_out_are_kept(monkeypatch, network):
    network[A].settings["primary_timeout"] = 900
    result = run_module(monkeypatch, "failover_settings", dict(bandwidth_limit=100), network)
    assert result["changed"] is True and network[A].settings["primary_timeout"] == 900
    assert network[A].settings["bandwidth_limit"] == 100
    assert [entry[2] for entry in network.writes] == ["/login/api/v1/failover/backup-settings"]


def test_check_mode_writes_nothing(monkeypatch, network):
    result = run_module(monkeypatch, "failover_settings", dict(shared_ips=[SHARED], backup_operations=True),
                        network, check_mode=True)
    assert result["changed"] is True and network.writes == []
    assert result["shared_ips"] == [SHARED]


def test_best_practice_warnings_for_the_normal_primary(monkeypatch, network):
    result = run_module(monkeypatch, "failover_settings", dict(backup_operations=True, automatic_failover=True,
                                                               normal_role="primary"), network, check_mode=True)
    texts = warnings(result)
    assert any(text.startswith("backup_operations is on for the normal primary") for text in texts)
    assert any(text.startswith("automatic_failover is on for the normal primary") for text in texts)


def test_best_practice_warnings_for_the_normal_backup(monkeypatch, network):
    result = run_module(monkeypatch, "failover_settings", dict(
        backup_operations=False, automatic_failover=False, sync_interval=172800, normal_role="backup",
        network_method="shared_ip"), network, check_mode=True)
    texts = warnings(result)
    assert any(text.startswith("backup_operations is off for the normal backup") for text in texts)
    assert any(text.startswith("automatic_failover is off for the normal backup of a shared IP") for text in texts)
    assert any(text.startswith("sync_interval is 172800 s") for text in texts)


def test_dns_swing_leaves_automatic_failover_to_the_user(monkeypatch, network):
    result = run_module(monkeypatch, "failover_settings", dict(backup_operations=True, automatic_failover=False,
                                                               normal_role="backup", network_method="dns_swing"),
                        network, check_mode=True)
    assert warnings(result) == []


def test_shared_ip_outside_the_subnets_is_refused(monkeypatch, network):
    result = run_module(monkeypatch, "failover_settings", dict(shared_ips=["198.51.100.7"]), network)
    assert result["failed"] and "198.51.100.7 is outside every subnet" in result["msg"] and "192.0.2.0/24" in result["msg"]
    assert network.writes == []


def test_shared_ip_not_configured_yet_warns_in_check_mode_fails_when_applied(monkeypatch, network):
    params = dict(shared_ips=["192.0.2.60"])
    check = run_module(monkeypatch, "failover_settings", params, network, check_mode=True)
    assert check["changed"] is True and any("not on the appliance's IP Configuration page" in text
                                            for text in warnings(check))
    result = run_module(monkeypatch, "failover_settings", params, network)
    assert result["failed"] and "network_ips" in result["msg"] and network.writes == []


def test_automatic_failover_across_subnets_is_refused(monkeypatch, network):
    network[B].interfaces[0]["ips"] = [dict(address="198.51.100.11", prefix=24, enabled=True)]
    result = run_module(monkeypatch, "failover_settings", dict(automatic_failover=True, backup_operations=True,
                                                               peer_host=B), network)
    assert result["failed"] and "automatic failover needs both appliances on the same subnet" in result["msg"]
    assert network.writes == []


def test_peer_without_management_api_falls_back_to_its_address(monkeypatch, network):
    network[B].management = False
    network.appliances["198.51.100.11"] = network.appliances.pop(B)
    result = run_module(monkeypatch, "failover_settings", dict(automatic_failover=True, peer_host="198.51.100.11"),
                        network)
    assert result["failed"] and "198.51.100.11 is outside every subnet" in result["msg"]


@pytest.mark.parametrize("params, message", [
    (dict(primary_timeout=-1), "primary_timeout must be 1 or more seconds"),
    (dict(sync_interval=0), "sync_interval must be 1 or more seconds"),
    (dict(bandwidth_limit=-10), "bandwidth_limit must be 0 or more Mbit/s"),
    (dict(connectivity_test_ips=["not-an-ip"]), "connectivity_test_ips[0]: 'not-an-ip' is not an IP address"),
    (dict(connectivity_test_ips=["192.0.2.1", "192.0.2.1"]), "connectivity_test_ips: 192.0.2.1 appears more than once"),
    (dict(shared_ips=["300.1.1.1"]), "shared_ips[0]: '300.1.1.1' is not an IP address"),
    (dict(normal_role="secondary"), "value of normal_role must be one of: primary, backup"),
])
def test_bad_inputs(monkeypatch, network, params, message):
    result = run_module(monkeypatch, "failover_settings", params, network)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert network.writes == []
