# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter sra.appliance.inventory_problems: every value site writes, checked before the first write (issue 13)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.sra.appliance.plugins.plugin_utils._inventory_check import inventory_problems

GROUPS = dict(sra_failover_pair=["site1", "site2"], sra_traffic_nodes=["tn1", "tn2"], sra_standalone=[])


def appliance(address, **extra):
    variables = dict(sra_address=address, sra_interfaces=dict(eth0=dict(ips=[address + "/24"], gateway="10.0.0.1")))
    variables.update(extra)
    return variables


HOSTVARS = dict(site1=appliance("10.0.0.11", sra_normal_role="primary"),
                site2=appliance("10.0.0.12", sra_normal_role="backup"),
                tn1=appliance("10.0.0.21", sra_timezone_offset=1), tn2=appliance("10.0.0.22"))


def with_change(host, **variables):
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars[host].update(variables)
    return hostvars


def test_a_good_inventory_has_no_problem():
    assert inventory_problems(GROUPS, HOSTVARS) == []


@pytest.mark.parametrize("host, variables, problem", [
    ("site1", dict(sra_interfaces=dict(eth0=dict(ips=["10.0.0.11/24"], gateway="10.9.9.1"))),
     "site1: sra_interfaces.eth0.gateway: 10.9.9.1 is outside every subnet of an enabled IP of eth0 (10.0.0.0/24 on eth0)"),
    ("site2", dict(sra_interfaces=dict(eth0=dict(ips=["10.0.0.300/24"]))),
     "site2: sra_interfaces.eth0.ips[0]: "),
    ("site1", dict(sra_primary_timeout=0), "site1: sra_primary_timeout: primary_timeout must be 1 or more seconds, got 0"),
    ("site2", dict(sra_sync_interval=-5), "site2: sra_sync_interval: sync_interval must be 1 or more seconds, got -5"),
    ("site2", dict(sra_sync_interval="hourly"), "site2: sra_sync_interval: sync_interval is not a whole number"),
    ("site2", dict(sra_connectivity_test_ips=["10.0.0.1", "10.0.0.1"]),
     "site2: sra_connectivity_test_ips: 10.0.0.1 appears more than once"),
    ("tn2", dict(sra_timezone_offset=15), "sra_traffic_nodes: config[1] (tn2).timezone_offset: 15 hours is outside"),
    ("tn2", dict(sra_address="10.0.0.11"),
     "sra_traffic_nodes: config[1] (tn2): internal_address 10.0.0.11 is the address of the primary node"),
    ("tn2", dict(sra_internal_address="10.0.0.21"),
     "sra_traffic_nodes: config[1] (tn2): internal address 10.0.0.21 is already that of config[0] (tn1)"),
])
def test_each_value_a_module_would_refuse_is_named_with_its_host(host, variables, problem):
    problems = inventory_problems(GROUPS, with_change(host, **variables))
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_certificate_whose_key_does_not_match_is_refused():
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    site, other = authority.issue_cert("support.example.com"), authority.issue_cert("other.example.com")
    certificate = dict(chain=site.cert_chain_pems[0].bytes().decode(), key=other.private_key_pem.bytes().decode())
    hostvars = dict((name, dict(variables, sra_certificate=certificate)) for name, variables in HOSTVARS.items())
    problems = inventory_problems(GROUPS, hostvars)
    assert len(problems) == 1 and "private_key does not match the certificate" in problems[0]
    good = dict(certificate, key=site.private_key_pem.bytes().decode())
    assert inventory_problems(GROUPS, dict((name, dict(variables, sra_certificate=good))
                                           for name, variables in HOSTVARS.items())) == []
