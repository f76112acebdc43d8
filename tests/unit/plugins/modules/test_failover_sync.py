# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeAppliance, FakeNetwork, run_module)

A = "192.0.2.10"
OLD = dict(state="idle", last_data_sync_time="2024-12-02T12:00:00+00:00", last_data_sync_status="Success")
NEW = dict(state="idle", last_data_sync_time="2024-12-02T13:00:00+00:00", last_data_sync_status="Success")


@pytest.fixture
def network():
    primary = FakeAppliance(A, role="primary")
    primary.data_sync = dict(OLD)
    return FakeNetwork(primary)


def sync_posts(network):
    return [entry for entry in network.writes if entry[2] == "/login/api/v1/failover/sync"]


def test_sync_waits_until_the_time_moves(monkeypatch, network):
    network[A].sync_script = [dict(OLD), dict(OLD, state="running"), dict(OLD, state="running"), dict(NEW)]
    result = run_module(monkeypatch, "failover_sync", {}, network, diff=True)
    assert result["changed"] is True and len(sync_posts(network)) == 1
    assert result["data_sync"] == NEW and result["previous_sync_time"] == OLD["last_data_sync_time"]
    assert result["diff"]["after"]["data_sync"]["last_data_sync_time"] == NEW["last_data_sync_time"]


def test_failed_sync_fails_with_the_status(monkeypatch, network):
    network[A].sync_script = [dict(OLD), dict(NEW, last_data_sync_status="Failed: peer unreachable")]
    result = run_module(monkeypatch, "failover_sync", {}, network)
    assert result["failed"] and "Failed: peer unreachable" in result["msg"] and result["changed"] is True


def test_sync_failing_within_the_same_second_is_seen(monkeypatch, network):
    # The time has a resolution of one second; an immediate failure may carry the previous time.
    network[A].sync_script = [dict(OLD), dict(OLD, last_data_sync_status="Failed: disk full")]
    result = run_module(monkeypatch, "failover_sync", dict(wait_timeout=10), network)
    assert result["failed"] and "Failed: disk full" in result["msg"] and "Timed out" not in result["msg"]


def test_timeout(monkeypatch, network):
    result = run_module(monkeypatch, "failover_sync", dict(wait_timeout=10), network)
    assert result["failed"] and "Timed out" in result["msg"] and result["last_state"]["data_sync"] == OLD


def test_check_mode_predicts(monkeypatch, network):
    result = run_module(monkeypatch, "failover_sync", {}, network, check_mode=True)
    assert result["changed"] is True and network.writes == []


def test_recent_sync_with_max_age_is_a_noop(monkeypatch, network):
    network[A].data_sync["last_data_sync_time"] = "2999-01-01T00:00:00+00:00"
    result = run_module(monkeypatch, "failover_sync", dict(max_age=3600), network)
    assert result["changed"] is False and network.writes == []


def test_running_sync_is_joined_not_restarted(monkeypatch, network):
    network[A].data_sync = dict(OLD, state="running")
    network[A].sync_script = [dict(OLD, state="running"), dict(NEW)]
    result = run_module(monkeypatch, "failover_sync", {}, network)
    assert result["changed"] is False and sync_posts(network) == [] and result["data_sync"] == NEW


@pytest.mark.parametrize("params, message", [
    (dict(max_age=-5), "max_age must be 0 or more seconds"),
    (dict(wait_timeout=-1), "wait_timeout must be 0 or more seconds"),
])
def test_bad_inputs(monkeypatch, network, params, message):
    result = run_module(monkeypatch, "failover_sync", params, network)
    assert result["failed"] and message in result["msg"] and network.writes == []


def test_standalone_is_refused(monkeypatch):
    network = FakeNetwork(FakeAppliance(A))
    result = run_module(monkeypatch, "failover_sync", {}, network)
    assert result["failed"] and "not in a failover relationship" in result["msg"] and network.writes == []
