# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

NAME = "network_settings"


@pytest.fixture
def two_nics(driver):
    driver.interfaces_state[1]["ips"] = [dict(address="10.0.0.5", prefix=24, enabled=True)]
    return driver


def test_gateway_dns_routes_apply_then_idempotent(run, two_nics):
    params = dict(gateway="192.0.2.1", dns_servers=["192.0.2.53", "192.0.2.54"],
                  static_routes=[dict(destination="10.20.0.0/16", gateway="10.0.0.1")])
    result = run(NAME, params, two_nics, diff=True)
    assert result["changed"] is True
    assert two_nics.gateway_state == dict(address="192.0.2.1", interface="eth0")
    assert two_nics.dns_state == ["192.0.2.53", "192.0.2.54"]
    assert two_nics.routes_state == [dict(destination="10.20.0.0/16", gateway="10.0.0.1", interface="eth1")]
    assert result["diff"]["before"]["gateway"] == dict(address=None, interface=None)
    two_nics.calls[:] = []
    again = run(NAME, params, two_nics)
    assert again["changed"] is False and two_nics.writes == []
    assert sorted(call[0] for call in two_nics.calls) == ["dns_servers", "gateway", "interfaces", "static_routes"]


def test_check_mode_writes_nothing(run, two_nics):
    result = run(NAME, dict(gateway="192.0.2.1", dns_servers=["192.0.2.53"]), two_nics, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"] == dict(gateway=dict(address="192.0.2.1", interface="eth0"),
                                           dns_servers=["192.0.2.53"])
    assert two_nics.writes == []


def test_only_given_settings_are_read_and_written(run, two_nics):
    result = run(NAME, dict(dns_servers=[]), two_nics)
    assert result["changed"] is False
    assert [call[0] for call in two_nics.calls] == ["dns_servers"]


def test_clear_gateway(run, two_nics):
    two_nics.gateway_state = dict(address="192.0.2.1", interface="eth0")
    result = run(NAME, dict(gateway=""), two_nics)
    assert result["changed"] and two_nics.gateway_state == dict(address=None, interface=None)


def test_dns_order_is_a_change(run, two_nics):
    two_nics.dns_state = ["192.0.2.53", "192.0.2.54"]
    assert run(NAME, dict(dns_servers=["192.0.2.54", "192.0.2.53"]), two_nics)["changed"] is True


@pytest.mark.parametrize("params, message", [
    (dict(gateway="203.0.113.1"), "gateway: 203.0.113.1 is outside every subnet of an enabled IP"),
    (dict(gateway="192.0.2.1", gateway_interface="eth1"), "outside every subnet of an enabled IP of eth1"),
    (dict(gateway="192.0.2.999"), "is not an IP address"),
    (dict(dns_servers=["192.0.2.53", "192.0.2.53"]), "appears more than once"),
    (dict(dns_servers=["192.0.2.%d" % n for n in range(1, 6)]), "at most 4"),
    (dict(static_routes=[dict(destination="10.20.0.1/16", gateway="10.0.0.1")]), "has host bits set"),
    (dict(static_routes=[dict(destination="10.20.0.0/16", gateway="172.16.0.1")]), "is outside every subnet"),
    (dict(gateway="192.0.2.1", static_routes=[dict(destination="10.20.0.0/16", gateway="10.0.0.1", interface="eth9")]),
     "NIC eth9 does not exist"),
])
def test_bad_inputs_fail_before_any_write(run, two_nics, params, message):
    result = run(NAME, params, two_nics)
    assert result["failed"] is True
    assert message in result["msg"]
    assert two_nics.writes == []


def test_check_mode_plans_a_gateway_on_a_subnet_an_earlier_task_adds(run, two_nics):
    params = dict(gateway="203.0.113.1", static_routes=[dict(destination="10.30.0.0/16", gateway="203.0.113.254")])
    result = run(NAME, params, two_nics, check_mode=True)
    assert result["changed"] is True and not result.get("failed")
    assert "Assuming an earlier task of this run configures that subnet" in str(result["warnings"])
    assert two_nics.writes == []
    result = run(NAME, params, two_nics)
    assert result["failed"] and "outside every subnet" in result["msg"]
    assert two_nics.writes == []
