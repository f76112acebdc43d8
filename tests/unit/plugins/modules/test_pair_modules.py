# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pair_info and pair_roles against fake appliances that speak only the vendor API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeAppliance, run_module, vendor_only_pair, warnings)

NP, NB = "192.0.2.10", "192.0.2.11"
PAIR = dict(host=NP, peer_host=NB, name="site1", peer_name="site2", settle=0)
SITE = "192.0.2.52"


@pytest.fixture
def network():
    return vendor_only_pair(NP, NB, "2024-12-02T12:00:00+00:00")


def pair_roles(monkeypatch, network, check_mode=False, **params):
    return run_module(monkeypatch, "pair_roles", dict(PAIR, **params), network, check_mode=check_mode, diff=True)


def actions(network, address):
    return [entry[2] for entry in network[address].log if entry[1] == "/api/command"]


def management_requests(network):
    return [entry for appliance in network.appliances.values() for entry in appliance.log
            if entry[1].startswith(("/appliance/api", "/login/api"))]


# -- pair_info -----------------------------------------------------------------------------------------
def test_pair_info_reads_each_appliance_once_and_decides(monkeypatch, network):
    result = run_module(monkeypatch, "pair_info", dict(PAIR, flow="planned_failover"), network)
    assert result["changed"] is False and result["healthy"] is True
    assert result["pair"]["kind"] == "normal" and result["pair"]["primary"] == "site1"
    assert result["decision"]["action"] == "change" and result["decision"]["backup_before"] == ["site1"]
    assert actions(network, NP) == ["check_health"] and actions(network, NB) == ["check_health"]
    assert network.writes == [] and management_requests(network) == []


def test_pair_info_check_account_refuses_a_read_only_account_before_anything(monkeypatch, network):
    network[NB].permissions["perm_command"] = "read_only"
    result = run_module(monkeypatch, "pair_info", dict(PAIR, flow="planned_failover", check_account=True), network)
    assert result["decision"]["action"] == "refuse"
    assert "the API account of site2 has perm_command read_only" in result["decision"]["reason"]
    assert "Full Access" in result["decision"]["reason"]


def test_pair_info_reports_a_backup_permission_missing_on_the_primary(monkeypatch, network):
    network[NP].permissions["perm_backup"] = "0"
    result = run_module(monkeypatch, "pair_info", dict(PAIR, flow="planned_failover", check_account=True), network)
    assert result["decision"]["action"] == "refuse" and "has no backup permission" in result["decision"]["reason"]


def test_pair_info_down_appliance_is_part_of_the_state(monkeypatch, network):
    network[NP].down = True
    result = run_module(monkeypatch, "pair_info", dict(PAIR, flow="unplanned_failover"), network)
    assert result["pair"]["kind"] == "normal_primary_down"
    assert result["pair"]["appliances"]["site1"]["status"] == "down"
    assert result["decision"]["steps"][0]["host"] == "site2"
    assert result["healthy"] is False


def test_pair_info_health_problems(monkeypatch, network):
    network[NP].problem = "disk almost full"
    result = run_module(monkeypatch, "pair_info", dict(PAIR), network)
    assert result["problems"] == ["site1 reports a problem: disk almost full"]


def test_pair_info_expect_primary_fails_with_what_does_not_hold(monkeypatch, network):
    result = run_module(monkeypatch, "pair_info", dict(PAIR, expect_primary="site2"), network)
    assert result["failed"] is True
    assert "site2 is not the only primary" in result["msg"] and "site1 is primary, not backup" in result["msg"]
    ok = run_module(monkeypatch, "pair_info", dict(PAIR, expect_primary="site1"), network)
    assert not ok.get("failed")


def tokens(network, address):
    return len([entry for entry in network[address].log if entry[1] == "/oauth2/token"])


@pytest.mark.parametrize("holder, reached, tokens_on", [(NP, True, {NP: 1, NB: 1}), (NB, False, {NP: 1, NB: 2})])
def test_pair_info_asks_the_site_address_with_the_token_of_the_appliance_it_should_reach(
        monkeypatch, network, holder, reached, tokens_on):
    network.appliances[SITE] = network[holder]    # the shared IP (or the NAT target) reaches ``holder``
    result = run_module(monkeypatch, "pair_info", dict(PAIR, site_addresses=[SITE]), network)
    assert result["site"]["reached"] is reached
    # One token per appliance; only a site address that reaches the other appliance costs one more there.
    assert dict((address, tokens(network, address)) for address in (NP, NB)) == tokens_on
    if not reached:
        assert result["site"]["problems"] == ["%s reaches site2, not the primary site1" % SITE]


def test_pair_info_validates_before_any_request(monkeypatch, network):
    result = run_module(monkeypatch, "pair_info", dict(PAIR, peer_host=NP, peer_name="site1"), network)
    assert result["failed"] is True and "name the same appliance" in result["msg"]
    words = run_module(monkeypatch, "pair_info", dict(PAIR, sync_success_words=["ok"], sync_failure_words=["ok"]),
                       network)
    assert "share ok" in words["msg"]
    assert network[NP].log == [] and network[NB].log == []


# -- pair_roles ----------------------------------------------------------------------------------------
def test_planned_failover_is_one_role_change_on_the_normal_backup(monkeypatch, network):
    result = pair_roles(monkeypatch, network, flow="planned_failover")
    assert result["changed"] is True, result
    assert result["roles"] == {"site1": "backup", "site2": "primary"}
    assert result["previous_roles"] == {"site1": "primary", "site2": "backup"}
    assert [entry[:3] for entry in network.writes] == [(NB, "POST", "/api/command")]
    assert result["steps"][0]["data_sync_first"] is True and result["steps"][0]["message"]
    assert result["diff"]["before"]["roles"] != result["diff"]["after"]["roles"]
    assert management_requests(network) == []


def test_a_rerun_that_finds_the_target_changes_nothing(monkeypatch, network):
    network[NP].role, network[NB].role = "backup", "primary"
    result = pair_roles(monkeypatch, network, flow="planned_failover")
    assert result["changed"] is False and network.writes == []
    assert actions(network, NP) == ["check_health"] and actions(network, NB) == ["check_health"]


def test_check_mode_predicts_and_sends_no_write(monkeypatch, network):
    result = pair_roles(monkeypatch, network, check_mode=True, flow="planned_failover")
    assert result["changed"] is True and network.writes == []
    assert result["roles"] == {"site1": "backup", "site2": "primary"}


def test_a_refusal_fails_and_writes_nothing(monkeypatch, network):
    network[NB].role = "primary"
    result = pair_roles(monkeypatch, network, flow="planned_failover")
    assert result["failed"] is True and "Both appliances are primary" in result["msg"]
    assert network.writes == [] and result["changed"] is False


def test_a_read_only_account_is_refused_before_the_role_change(monkeypatch, network):
    network[NB].permissions["perm_command"] = "read_only"
    result = pair_roles(monkeypatch, network, flow="planned_failover")
    assert result["failed"] is True and "cannot change roles" in result["msg"] and "Nothing was changed" in result["msg"]
    assert network.writes == []


def test_a_refused_role_change_is_not_reported_as_changed(monkeypatch, network):
    network[NB].role_error = "This site instance cannot become primary now."
    result = pair_roles(monkeypatch, network, flow="planned_failover")
    assert result["failed"] is True and result["changed"] is False
    assert "cannot become primary now" in result["msg"]


def test_a_canceled_swap_fails_at_once_with_the_reason(monkeypatch, network):
    backup = network[NB]
    reads = []

    def failed_sync_after_a_while(params):
        reads.append(1)
        if len(reads) == 3:
            backup.data_sync = dict(state="idle", last_data_sync_time="2024-12-02T12:05:00+00:00",
                                    last_data_sync_status="Failed: the peer went away", ts=1733141100)
        return type(backup).xml_check_health(backup, params)

    backup.swap_script = [("backup", "primary")] * 50      # the roles never move
    monkeypatch.setattr(backup, "xml_check_health", failed_sync_after_a_while)
    result = pair_roles(monkeypatch, network, flow="planned_failover")
    assert result["failed"] is True and result["changed"] is True
    assert "canceled the role change" in result["msg"] and "the peer went away" in result["msg"]
    assert len(reads) < 10     # at once, not at the timeout


def test_a_timeout_says_the_swap_may_still_be_running(monkeypatch, network):
    network[NB].swap_script = [("backup", "backup")] * 100
    result = pair_roles(monkeypatch, network, flow="planned_failover", wait_timeout=60)
    assert result["failed"] is True and "Timed out" in result["msg"]
    assert "may still be carrying out the role change" in result["msg"] and "re-run this flow" in result["msg"]
    assert result["last_state"]["roles"] == {"site1": "backup", "site2": "backup"}


def test_unplanned_promotes_the_backup_when_the_normal_primary_is_down(monkeypatch, network):
    network[NP].down = True
    network.pair(network[NB], FakeAppliance("192.0.2.99"))     # the peer it tells is gone
    result = pair_roles(monkeypatch, network, flow="unplanned_failover")
    assert result["changed"] is True and result["roles"]["site2"] == "primary"
    assert result["steps"][0]["data_sync_first"] is False
    assert [entry[:3] for entry in network.writes] == [(NB, "POST", "/api/command")]


def test_unplanned_refuses_a_normal_primary_that_answers(monkeypatch, network):
    result = pair_roles(monkeypatch, network, flow="unplanned_failover")
    assert result["failed"] is True and "sra_unplanned_force" in result["msg"] and network.writes == []


def test_failback_from_both_primary_keeps_the_normal_backups_data(monkeypatch, network):
    network[NP].role = network[NB].role = "primary"
    result = pair_roles(monkeypatch, network, flow="failback")
    assert result["changed"] is True, result
    assert [(step["host"], step["role"], step["data_sync_first"]) for step in result["steps"]] == [
        ("site1", "backup", False), ("site1", "primary", True)]
    assert result["roles"] == {"site1": "primary", "site2": "backup"}


def test_resolve_both_backup_chooses_by_the_operator(monkeypatch, network):
    network[NP].role = network[NB].role = "backup"
    result = pair_roles(monkeypatch, network, flow="resolve_conflict", conflict_primary=NB)
    assert result["changed"] is True and result["roles"] == {"site1": "backup", "site2": "primary"}


def test_progress_is_written_while_waiting(monkeypatch, network, tmp_path):
    progress = tmp_path / "progress.jsonl"
    network[NB].swap_script = [("backup", "backup")] * 3 + [("primary", "backup")]
    result = pair_roles(monkeypatch, network, flow="planned_failover", progress_file=str(progress))
    assert result["changed"] is True
    lines = [json.loads(line)["text"] for line in progress.read_text().splitlines()]
    assert lines[0].startswith("site2 to become primary (data sync first): Successfully")


def test_an_unknown_sync_wording_is_a_warning(monkeypatch, network):
    network[NP].data_sync["last_data_sync_status"] = "Fine-ish"
    result = run_module(monkeypatch, "pair_info", dict(PAIR), network)
    assert any("Fine-ish" in text for text in warnings(result))
