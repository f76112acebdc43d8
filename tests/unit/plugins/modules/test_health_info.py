# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeAppliance, FakeNetwork, run_module)


@pytest.fixture
def network():
    primary, backup = FakeAppliance("192.0.2.10", role="primary"), FakeAppliance("192.0.2.11", role="backup")
    primary.shared = ["192.0.2.50"]
    primary.data_sync = dict(state="idle", last_data_sync_time="2024-12-02T12:00:00+00:00",
                             last_data_sync_status="Success")
    net = FakeNetwork(primary, backup)
    net.pair(primary, backup)
    return net


def test_xml_health_with_appliances_fills_cluster_role(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(appliances=True, probe=True, api_info=True), network)
    assert result["changed"] is False
    health = result["health"]
    assert (health["role"], health["enabled_shared_ips"], health["last_data_sync_epoch"]) == (
        "primary", ["192.0.2.50"], 1733140800)
    assert (health["version"], health["build"], health["cluster_role"]) == ("24.3.1", "12345-abc", "single")
    assert result["probe"] == dict(healthy=True, status=200, message="Healthy")
    assert result["appliances"][0]["failover_role"] == "primary"
    assert result["api_info"]["permissions"]["perm_command"] == "full_access"
    assert network.writes == []


def test_json_health(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(api="json"), network, check_mode=True)
    assert result["health"]["role"] == "primary" and result["health"]["cluster_role"] == "single"
    assert [entry[1] for entry in network["192.0.2.10"].log] == ["/oauth2/token", "/api/command/v2/health"]


def test_probe_only_needs_no_token(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(health=False, probe=True, client_id=None,
                                                         client_secret=None), network)
    assert "health" not in result and result["probe"]["healthy"] is True
    assert [entry[1] for entry in network["192.0.2.10"].log] == ["/check_health"]


def test_nothing_to_read_is_an_error(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(health=False), network)
    assert result["failed"] and "nothing to read" in result["msg"]


def test_unreachable_appliance_names_it(monkeypatch, network):
    network["192.0.2.10"].down = True
    result = run_module(monkeypatch, "health_info", {}, network)
    assert result["failed"] and result["msg"].startswith("192.0.2.10: POST /oauth2/token failed: cannot connect")
