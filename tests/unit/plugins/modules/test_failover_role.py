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


@pytest.fixture
def network():
    primary, backup = FakeAppliance(A, role="primary"), FakeAppliance(B, role="backup")
    net = FakeNetwork(primary, backup)
    net.pair(primary, backup)
    return net


def role_writes(network):
    return [entry for entry in network.writes if entry[3] == "set_failover_role" or "failover-role" in entry[2]]


def test_already_in_role_is_a_noop(monkeypatch, network):
    result = run_module(monkeypatch, "failover_role", dict(state="primary", peer_host=B), network, diff=True)
    assert result["changed"] is False and result["role"] == "primary" and result["peer_role"] == "backup"
    assert network.writes == []
    assert result["diff"] == dict(before=dict(role="primary", peer_role="backup"),
                                  after=dict(role="primary", peer_role="backup"))
    # One check_health per appliance: an idempotent run reads each resource once.
    assert [entry[2] for entry in network[A].log if entry[1] == "/api/command"] == ["check_health"]


def test_planned_swap_waits_through_both_backup(monkeypatch, network):
    network[B].swap_script = [("backup", "primary"), ("backup", "backup"), ("backup", "backup"),
                              ("primary", "backup")]
    result = run_module(monkeypatch, "failover_role", dict(host=B, state="primary", data_sync_first=True,
                                                           peer_host=A), network)
    assert result["changed"] is True, result
    assert (result["previous_role"], result["role"], result["peer_role"]) == ("backup", "primary", "backup")
    assert result["message"] == "Successfully changed role."
    assert result["plan"]["clients_disconnected"] is True
    writes = network.writes
    assert len(writes) == 1 and writes[0][:3] == (B, "POST", "/api/command")
    assert "elapsed" in result


def test_check_mode_predicts_and_writes_nothing(monkeypatch, network):
    result = run_module(monkeypatch, "failover_role", dict(state="backup", data_sync_first=True, peer_host=B),
                        network, check_mode=True, diff=True)
    assert result["changed"] is True and network.writes == []
    plan = result["plan"]
    assert (plan["role_before"], plan["role_after"], plan["peer_role_after"]) == ("primary", "backup", "primary")
    assert plan["clients_disconnected"] is True
    assert any("disconnected" in action for action in plan["actions"])
    assert result["diff"]["after"] == dict(role="backup", peer_role="primary")


def test_json_api_uses_v2_and_polls_appliance_not_health(monkeypatch, network):
    network[A].swap_script = [("primary", None), ("backup", "primary")]
    network[A].set_role = lambda role, sync: None
    result = run_module(monkeypatch, "failover_role", dict(state="backup", api="json"), network)
    assert result["changed"] is True and result["role"] == "backup"
    paths = [entry[1] for entry in network[A].log]
    assert paths.count("/api/command/v2/health") == 1
    assert "/api/command/v2/failover-role" in paths and paths.count("/api/command/v2/appliance") >= 2


def test_timeout_returns_elapsed_and_last_state(monkeypatch, network):
    network[A].set_role = lambda role, sync: None  # accepted, but the role never moves
    result = run_module(monkeypatch, "failover_role", dict(state="backup", peer_host=B, wait_timeout=30), network)
    assert result["failed"] and "Timed out" in result["msg"]
    assert result["elapsed"] >= 30
    assert result["last_state"] == dict(role="primary", peer_role="backup", peer_reachable=True, sync=[None, None],
                                        peer_sync=[None, None])
    assert result["changed"] is True
    assert "may still be carrying out the role change" in result["msg"]


def test_a_refused_role_change_is_not_changed(monkeypatch, network):
    network[B].role_error = "This site instance is already primary."
    result = run_module(monkeypatch, "failover_role", dict(host=B, state="primary", peer_host=A), network)
    assert result["failed"] is True and result["changed"] is False
    assert "already primary" in result["msg"]


def test_a_canceled_swap_fails_at_once(monkeypatch, network):
    backup = network[B]
    backup.swap_script = [("backup", "primary")] * 50          # the roles never move
    reads = []

    def failing_sync(params):
        reads.append(1)
        if len(reads) == 2:
            backup.data_sync = dict(state="idle", last_data_sync_time="2024-12-02T12:05:00+00:00",
                                    last_data_sync_status="Failed: disk full", ts=1733141100)
        return type(backup).xml_check_health(backup, params)

    monkeypatch.setattr(backup, "xml_check_health", failing_sync)
    result = run_module(monkeypatch, "failover_role", dict(host=B, state="primary", data_sync_first=True, peer_host=A),
                        network)
    assert result["failed"] is True and "canceled the role change" in result["msg"] and "disk full" in result["msg"]
    assert len(reads) < 6


def test_unreachable_peer_does_not_block_an_unplanned_failover(monkeypatch, network):
    network[A].down = True
    result = run_module(monkeypatch, "failover_role", dict(host=B, state="primary", peer_host=A), network)
    assert result["changed"] is True and result["role"] == "primary" and result["peer_role"] is None


def test_appliance_error_is_reported(monkeypatch, network):
    network[A].role_error = "Unable to contact the peer site instance."
    result = run_module(monkeypatch, "failover_role", dict(state="backup"), network)
    assert result["failed"] and "Unable to contact the peer site instance." in result["msg"]
    assert "POST /api/command?action=set_failover_role" in result["msg"]


def test_automatic_failover_conflict_warning(monkeypatch, network):
    network[B].settings.update(backup_operations=True, automatic_failover=True)
    result = run_module(monkeypatch, "failover_role", dict(state="backup", peer_host=B), network, check_mode=True)
    assert any("could result in conflict" in warning and B in warning for warning in warnings(result))


def test_no_management_api_skips_the_warning_quietly(monkeypatch, network):
    network[A].management = network[B].management = False
    result = run_module(monkeypatch, "failover_role", dict(state="backup", peer_host=B), network, check_mode=True)
    assert result["changed"] is True and warnings(result) == []


@pytest.mark.parametrize("params, message", [
    (dict(state="secondary"), "value of state must be one of: primary, backup"),
    (dict(state="primary", force=True), "force applies only to state=backup"),
    (dict(state="backup", port=0), "port must be between 1 and 65535"),
    (dict(state="backup", port=70000), "port must be between 1 and 65535"),
    (dict(state="backup", wait_timeout=-1), "wait_timeout must be 0 or more seconds"),
])
def test_bad_inputs_fail_without_writes(monkeypatch, network, params, message):
    result = run_module(monkeypatch, "failover_role", params, network)
    assert result["failed"] and message in result["msg"]
    assert network.writes == []


def test_standalone_appliance_is_refused(monkeypatch):
    network = FakeNetwork(FakeAppliance(A))
    result = run_module(monkeypatch, "failover_role", dict(state="primary"), network)
    assert result["failed"] and "not in a failover relationship" in result["msg"]
    assert network.writes == []
