# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter sra.appliance.network_plan: what the network role writes on one appliance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

# Only plugin_utils: importing the controller's filter module here would change how the in-process
# module runs of the other unit tests report warnings.
from ansible_collections.sra.appliance.plugins.plugin_utils._network_plan import network_plan

NICS = {"eth0": {"ips": ["192.0.2.10/24", {"address": "192.0.2.11", "prefix": 24, "enabled": False}],
                 "gateway": "192.0.2.1"},
        "eth1": {"ips": ["198.51.100.10/24"]}}
SHARED = ["192.0.2.20/24"]


def test_each_nic_ip_is_enabled_unless_the_inventory_says_otherwise():
    plan = network_plan(NICS, "eth0")
    assert plan["ips"] == [
        {"name": "eth0", "ips": [{"address": "192.0.2.10/24", "enabled": True},
                                 {"address": "192.0.2.11", "prefix": 24, "enabled": False}]},
        {"name": "eth1", "ips": [{"address": "198.51.100.10/24", "enabled": True}]}]


@pytest.mark.parametrize("normal_role, enabled", [("primary", True), ("backup", False), (None, True)])
def test_the_shared_ips_start_enabled_on_the_normal_primary_only(normal_role, enabled):
    plan = network_plan(NICS, "eth0", shared_ips=SHARED, in_pair=True, normal_role=normal_role)
    assert plan["ips"][0]["ips"][-1] == {"address": "192.0.2.20/24", "initially_enabled": enabled}
    assert plan["ips"][1]["name"] == "eth1"


@pytest.mark.parametrize("in_pair, method", [(False, "shared_ip"), (True, "dns_swing"), (True, "nat_swing")])
def test_no_shared_ip_off_the_pair_or_with_a_swing_method(in_pair, method):
    plan = network_plan(NICS, "eth0", shared_ips=SHARED, in_pair=in_pair, network_method=method)
    assert all("initially_enabled" not in ip for nic in plan["ips"] for ip in nic["ips"])


def test_the_shared_ip_nic_comes_last_when_the_inventory_does_not_name_it():
    plan = network_plan({"eth0": {"ips": ["192.0.2.10/24"]}}, "eth1", shared_ips=SHARED, in_pair=True)
    assert [nic["name"] for nic in plan["ips"]] == ["eth0", "eth1"]
    assert plan["ips"][1]["ips"] == [{"address": "192.0.2.20/24", "initially_enabled": True}]


def test_nics_without_an_ip_are_left_out():
    plan = network_plan({"eth0": {"gateway": "192.0.2.1"}, "eth1": None}, "eth0")
    assert plan == {"ips": [], "gateway_interface": "eth0", "gateway": "192.0.2.1"}


def test_the_first_nic_that_names_a_gateway_holds_the_default_one():
    nics = {"eth0": {"ips": ["192.0.2.10/24"], "gateway": None},
            "eth1": {"ips": ["198.51.100.10/24"], "gateway": "198.51.100.1"},
            "eth2": {"ips": ["203.0.113.10/24"], "gateway": "203.0.113.1"}}
    plan = network_plan(nics, "eth0")
    assert (plan["gateway_interface"], plan["gateway"]) == ("eth1", "198.51.100.1")


def test_no_interfaces_no_gateway():
    assert network_plan(None, "eth0") == {"ips": [], "gateway_interface": None, "gateway": None}
