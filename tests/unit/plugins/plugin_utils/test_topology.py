# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters sra.appliance.preflight_args and traffic_node_config: the topology as the modules take it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

# Only plugin_utils: importing the controller's filter module here would change how the in-process
# module runs of the other unit tests report warnings.
from ansible_collections.sra.appliance.plugins.plugin_utils._topology import (
    TopologyError, preflight_args, preflight_check_names, traffic_node_config)

HOSTVARS = {
    "site1": dict(sra_address="192.0.2.11", sra_normal_role="primary", sra_model="B400",
                  sra_interfaces={"eth0": {"ips": ["192.0.2.11/24", {"address": "192.0.2.12", "prefix": 24}]}},
                  sra_inter_appliance_key="k"),
    "site2": dict(sra_address="192.0.2.21", sra_normal_role="backup", sra_internal_address="10.0.0.21"),
    "single": dict(sra_address="192.0.2.31"),
    "tn1": dict(sra_address="198.51.100.1", sra_region="eu-west"),
    "tn2": dict(sra_address="198.51.100.2", sra_public_host="tn2.example.com", sra_public_port=8443,
                sra_internal_address="10.1.0.2", sra_timezone_offset=-5, sra_network_prefixes=["10.2.0.0/16"],
                sra_accepting_connections=False),
}
PAIR = dict(sra_failover_pair=["site1", "site2"], sra_traffic_nodes=["tn1"], sra_standalone=["single"])


def test_the_pair_then_the_traffic_nodes():
    nodes = preflight_args(PAIR, HOSTVARS)["nodes"]
    assert [(node["name"], node["role"]) for node in nodes] == [("site1", "primary"), ("site2", "backup"),
                                                                ("tn1", "traffic")]
    assert nodes[0] == dict(name="site1", role="primary", address="192.0.2.11", internal_address=None,
                            ips=["192.0.2.11/24", "192.0.2.12"], model="B400", region=None, inter_appliance_key="k")
    assert nodes[1]["internal_address"] == "10.0.0.21" and nodes[1]["ips"] is None
    assert nodes[2]["region"] == "eu-west"


def test_a_single_appliance_is_checked_as_a_primary_node_when_there_is_no_pair():
    nodes = preflight_args(dict(sra_standalone=["single"], sra_traffic_nodes=["tn1"]), HOSTVARS)["nodes"]
    assert [(node["name"], node["role"]) for node in nodes] == [("single", "primary"), ("tn1", "traffic")]


def test_a_host_without_an_address_is_named():
    with pytest.raises(TopologyError, match="site9 has no sra_address"):
        preflight_args(dict(sra_failover_pair=["site9"]), dict(site9={}))


@pytest.mark.parametrize("groups, certificate, skip, added", [
    ({}, None, (), []),
    (dict(sra_failover_pair=["site1", "site2"]), None, (),
     ["primary_nodes_same_model", "pair_same_version", "shared_ip_in_pair_subnet"]),
    (dict(sra_standalone=["single"], sra_traffic_nodes=["tn1"]), None, (), ["traffic_node_regions"]),
    (dict(sra_standalone=["single"]), dict(chain="PEM", key="KEY"), (), ["certificate_covers_hostnames"]),
    (dict(sra_standalone=["single"]), dict(pkcs12="P12"), (), []),
    (PAIR, dict(chain="PEM"), ["pair_same_version", "tcp_443_reachable"],
     ["primary_nodes_same_model", "shared_ip_in_pair_subnet", "traffic_node_regions", "certificate_covers_hostnames"]),
])
def test_the_checks_that_apply_to_the_topology(groups, certificate, skip, added):
    always = [name for name in ("unique_hostnames", "tcp_443_reachable", "inter_appliance_key_given")
              if name not in skip]
    assert preflight_check_names(groups, certificate, skip) == always + added


def test_traffic_nodes_with_their_defaults_and_their_own_values():
    assert traffic_node_config(["tn1", "tn2"], HOSTVARS) == [
        dict(name="tn1", public_host="tn1", public_port=443, internal_address="198.51.100.1", timezone_offset=0,
             network_prefixes=[], accepting_connections=True),
        dict(name="tn2", public_host="tn2.example.com", public_port=8443, internal_address="10.1.0.2",
             timezone_offset=-5, network_prefixes=["10.2.0.0/16"], accepting_connections=False)]
    assert traffic_node_config(None, HOSTVARS) == []
