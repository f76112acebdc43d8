# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

NAME = "network_ips"


def ips_of(driver, nic):
    return [entry for entry in driver.interfaces_state if entry["name"] == nic][0]["ips"]


def test_merged_adds_then_is_idempotent(run, driver):
    config = [dict(name="eth0", ips=[dict(address="192.0.2.52/24", enabled=False)])]
    result = run(NAME, dict(config=config), driver, diff=True)
    assert result["changed"] is True
    assert result["changed_interfaces"] == ["eth0"]
    assert ips_of(driver, "eth0") == [dict(address="192.0.2.10", prefix=24, enabled=True),
                                      dict(address="192.0.2.52", prefix=24, enabled=False)]
    assert result["diff"]["before"]["eth0"] == [dict(address="192.0.2.10", prefix=24, enabled=True)]
    driver.calls[:] = []
    again = run(NAME, dict(config=config), driver)
    assert again["changed"] is False
    assert driver.writes == []
    assert [call[0] for call in driver.calls] == ["interfaces"]


def test_check_mode_writes_nothing_and_predicts(run, driver):
    result = run(NAME, dict(config=[dict(name="eth1", ips=[dict(address="10.0.0.5", prefix=24)])]), driver,
                 check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["after"][1] == dict(name="eth1", ips=[dict(address="10.0.0.5", prefix=24, enabled=True)])
    assert result["diff"]["after"]["eth1"] == [dict(address="10.0.0.5", prefix=24, enabled=True)]
    assert driver.writes == []


def test_replaced_and_overridden(run, driver):
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True)]
    config = [dict(name="eth1", ips=[dict(address="10.0.0.6/24")])]
    result = run(NAME, dict(config=config, state="replaced"), driver)
    assert result["changed"] and ips_of(driver, "eth1") == [dict(address="10.0.0.6", prefix=24, enabled=True)]
    assert ips_of(driver, "eth0") == [dict(address="192.0.2.10", prefix=24, enabled=True)]
    config = [dict(name="eth0", ips=[dict(address="192.0.2.10/24")])]
    result = run(NAME, dict(config=config, state="overridden"), driver)
    assert result["changed_interfaces"] == ["eth1"] and ips_of(driver, "eth1") == []
    assert run(NAME, dict(config=config, state="overridden"), driver)["changed"] is False


def test_deleted(run, driver):
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True),
                                         dict(address="10.0.0.6", prefix=24, enabled=True)]
    result = run(NAME, dict(config=[dict(name="eth1", ips=[dict(address="10.0.0.5")])], state="deleted"), driver)
    assert result["changed"] and ips_of(driver, "eth1") == [dict(address="10.0.0.6", prefix=24, enabled=True)]
    result = run(NAME, dict(config=[dict(name="eth1")], state="deleted"), driver)
    assert result["changed"] and ips_of(driver, "eth1") == []
    assert run(NAME, dict(config=[dict(name="eth1")], state="deleted"), driver)["changed"] is False


def test_gathered_reads_only(run, driver):
    result = run(NAME, dict(state="gathered"), driver)
    assert result["changed"] is False
    assert result["gathered"][0] == dict(name="eth0", ips=[dict(address="192.0.2.10", prefix=24, enabled=True)])
    assert driver.writes == []


def test_order_of_ips_is_not_a_change(run, driver):
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True),
                                         dict(address="10.0.0.6", prefix=24, enabled=True)]
    config = [dict(name="eth1", ips=[dict(address="10.0.0.6/24"), dict(address="10.0.0.5/24")])]
    assert run(NAME, dict(config=config, state="replaced"), driver)["changed"] is False


def test_moving_a_subnet_frees_it_first(run, driver):
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True)]
    config = [dict(name="eth0", ips=[dict(address="192.0.2.10/24"), dict(address="10.0.0.5/24")]),
              dict(name="eth1", ips=[])]
    result = run(NAME, dict(config=config, state="replaced"), driver)
    assert result["changed"]
    assert [call[1] for call in driver.writes] == ["eth1", "eth0"]


def test_shared_ip_flag_is_left_to_failover(run, driver):
    driver.interfaces_state[0]["ips"].append(dict(address="192.0.2.52", prefix=24, enabled=False))
    driver.failover_state = dict(role="backup", relationship=dict(backup_host="x", backup_port=443,
                                                                  reverse_host="y", reverse_port=443))
    driver.shared = ["192.0.2.52"]
    config = [dict(name="eth0", ips=[dict(address="192.0.2.52/24", enabled=True)])]
    result = run(NAME, dict(config=config, client_id="id", client_secret="secret"), driver)
    assert result["changed"] is False
    assert result["shared_ips"] == ["192.0.2.52"]
    assert "shared IP of a failover relationship" in str(result["warnings"])
    assert driver.writes == []


@pytest.mark.parametrize("state", ["replaced", "overridden", "deleted"])
def test_a_selected_shared_ip_is_never_removed(run, driver, state):
    driver.interfaces_state[0]["ips"].append(dict(address="192.0.2.52", prefix=24, enabled=True))
    driver.failover_state = dict(role="primary", relationship=dict(backup_host="x", backup_port=443,
                                                                   reverse_host="y", reverse_port=443))
    driver.shared = ["192.0.2.52"]
    ips = [dict(address="192.0.2.52/24")] if state == "deleted" else [dict(address="192.0.2.10/24")]
    for check_mode in (True, False):
        result = run(NAME, dict(config=[dict(name="eth0", ips=ips)], state=state, client_id="id", client_secret="secret"),
                     driver, check_mode=check_mode)
        assert result["failed"] and not result["changed"]
        assert "would remove 192.0.2.52 from" in result["msg"] and "the shared IP its failover relationship" in \
            result["msg"] and "failover_settings shared_ips" in result["msg"]
    assert driver.writes == []


def test_without_api_account_failover_is_not_read(run, driver):
    driver.interfaces_state[0]["ips"].append(dict(address="192.0.2.52", prefix=24, enabled=False))
    config = [dict(name="eth0", ips=[dict(address="192.0.2.52/24", enabled=True)])]
    result = run(NAME, dict(config=config), driver)
    assert result["changed"] is True
    assert "failover" not in [call[0] for call in driver.calls]


def test_refuses_to_remove_or_disable_host_address(run, driver):
    result = run(NAME, dict(config=[dict(name="eth0")], state="deleted"), driver)
    assert result["failed"] and "remove 192.0.2.10, the address this module talks to" in result["msg"]
    assert "allow_host_address_change=true" in result["msg"]
    config = [dict(name="eth0", ips=[dict(address="192.0.2.10/24", enabled=False)])]
    result = run(NAME, dict(config=config), driver)
    assert result["failed"] and "disable 192.0.2.10" in result["msg"]
    assert driver.writes == []
    result = run(NAME, dict(config=config, allow_host_address_change=True), driver)
    assert result["changed"] and driver.writes


@pytest.mark.parametrize("ips, message", [
    ([dict(address="192.0.2.300/24")], "config[0].ips[0]: '192.0.2.300' is not an IP address"),
    ([dict(address="192.0.2.20/33")], "prefix 33 of 192.0.2.20 is out of range"),
    ([dict(address="192.0.2.20")], "192.0.2.20 has no prefix"),
    ([dict(address="192.0.2.20/24"), dict(address="192.0.2.20/24")], "appears twice on eth1"),
    ([dict(address="192.0.2.10/24")], "IP address 192.0.2.10 appears on eth0 and on eth1"),
    ([dict(address="192.0.2.20/24")], "are on the same subnet"),
    ([dict(address="192.0.2.0/24")], "is the network address"),
])
def test_bad_inputs_fail_before_any_write(run, driver, ips, message):
    result = run(NAME, dict(config=[dict(name="eth1", ips=ips)]), driver)
    assert result["failed"] is True
    assert message in result["msg"]
    assert driver.writes == []


def test_unknown_nic_and_repeated_nic(run, driver):
    result = run(NAME, dict(config=[dict(name="eth7", ips=[dict(address="10.0.0.5/24")])]), driver)
    assert result["failed"] and "NIC eth7 does not exist on this appliance; it has eth0, eth1" in result["msg"]
    result = run(NAME, dict(config=[dict(name="eth1", ips=[]), dict(name="eth1", ips=[])]), driver)
    assert result["failed"] and "listed twice" in result["msg"]
    assert driver.writes == []


def test_empty_overridden_is_refused_before_any_request(run, driver):
    result = run(NAME, dict(config=[], state="overridden"), driver)
    assert result["failed"] and "would remove every IP of every NIC of the appliance" in result["msg"]
    assert driver.calls == []
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True)]
    result = run(NAME, dict(config=[], state="overridden", allow_empty=True, allow_host_address_change=True), driver)
    assert result["changed"] and ips_of(driver, "eth0") == [] and ips_of(driver, "eth1") == []


def test_commands_and_changes_in_words(run, driver):
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True),
                                         dict(address="10.0.0.6", prefix=24, enabled=True)]
    config = [dict(name="eth1", ips=[dict(address="10.0.0.6/25", enabled=False), dict(address="10.0.0.7/25")])]
    result = run(NAME, dict(config=config, state="replaced"), driver, check_mode=True)
    assert result["commands"] == ["eth1: remove 10.0.0.5/24; change 10.0.0.6/24 to /25; disable 10.0.0.6; "
                                  "add 10.0.0.7/25"]
    assert result["changes"] == [dict(action="update", name="eth1")] and driver.writes == []


def test_initially_enabled_applies_only_to_a_new_ip(run, driver):
    config = [dict(name="eth0", ips=[dict(address="192.0.2.52/24", initially_enabled=False)])]
    assert run(NAME, dict(config=config), driver)["changed"] is True
    assert ips_of(driver, "eth0")[1] == dict(address="192.0.2.52", prefix=24, enabled=False)
    ips_of(driver, "eth0")[1]["enabled"] = True  # the appliance's failover enabled it
    driver.calls[:] = []
    assert run(NAME, dict(config=config), driver)["changed"] is False
    assert [call[0] for call in driver.calls] == ["interfaces"]
    both = dict(address="192.0.2.52/24", enabled=True, initially_enabled=True)
    result = run(NAME, dict(config=[dict(name="eth0", ips=[both])]), driver)
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_failover_is_read_only_when_a_flag_would_change(run, driver):
    driver.interfaces_state[0]["ips"].append(dict(address="192.0.2.52", prefix=24, enabled=False))
    driver.failover_state = dict(role="backup", relationship=dict(backup_host="x", backup_port=443,
                                                                  reverse_host="y", reverse_port=443))
    driver.shared = ["192.0.2.52"]
    api = dict(client_id="id", client_secret="secret")
    result = run(NAME, dict(config=[dict(name="eth1", ips=[dict(address="10.0.0.5/24")])], **api), driver)
    assert result["changed"] is True and "shared_ips" not in result
    assert "failover" not in [call[0] for call in driver.calls]
    ips = [dict(address="192.0.2.10/24", enabled=True), dict(address="192.0.2.52/24", enabled=True)]
    result = run(NAME, dict(config=[dict(name="eth0", ips=ips)], **api), driver)
    assert result["changed"] is False and result["shared_ips"] == ["192.0.2.52"]


def test_merged_warns_about_an_ip_the_task_does_not_name_and_replaced_removes_it(run, driver):
    driver.interfaces_state[0]["ips"].append(dict(address="192.0.2.99", prefix=24, enabled=True))
    config = [dict(name="eth0", ips=[dict(address="192.0.2.10/24", enabled=True)])]
    merged = run(NAME, dict(config=config), driver, check_mode=True)
    assert merged["changed"] is False
    assert any("eth0 of 192.0.2.10 also has 192.0.2.99/24, which config does not name" in str(item)
               for item in merged.get("warnings", []))
    replaced = run(NAME, dict(config=config, state="replaced"), driver)
    assert replaced["changed"] is True and ips_of(driver, "eth0") == [dict(address="192.0.2.10", prefix=24, enabled=True)]


def test_an_ip_disabled_by_hand_is_enabled_again_when_the_task_says_enabled(run, driver):
    driver.interfaces_state[0]["ips"][0]["enabled"] = False
    config = [dict(name="eth0", ips=[dict(address="192.0.2.10/24", enabled=True)])]
    result = run(NAME, dict(config=config, host="192.0.2.11", allow_host_address_change=True), driver)
    assert result["changed"] is True and ips_of(driver, "eth0")[0]["enabled"] is True


@pytest.mark.parametrize("role, repaired", [("primary", True), ("backup", False)])
def test_a_shared_ip_disabled_on_the_current_primary_is_enabled_again(run, driver, role, repaired):
    driver.interfaces_state[0]["ips"].append(dict(address="192.0.2.52", prefix=24, enabled=False))
    driver.failover_state = dict(role=role, relationship=dict(backup_host="x", backup_port=443,
                                                              reverse_host="y", reverse_port=443))
    driver.shared = ["192.0.2.52"]
    config = [dict(name="eth0", ips=[dict(address="192.0.2.10/24", enabled=True),
                                     dict(address="192.0.2.52/24", initially_enabled=False)])]
    api = dict(client_id="id", client_secret="secret")
    plan = run(NAME, dict(config=config, **api), driver, check_mode=True)
    assert plan["changed"] is repaired and driver.writes == []
    applied = run(NAME, dict(config=config, **api), driver)
    assert applied["changed"] is repaired
    assert ips_of(driver, "eth0")[1]["enabled"] is repaired
    assert run(NAME, dict(config=config, **api), driver)["changed"] is False
