# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure preflight checks: topology and reported facts in, named results out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _preflight as preflight

KEY = "a-shared-inter-appliance-key"


def node(name, role, **extra):
    result = dict(name=name, role=role, region=None, model="B400" if role != "traffic" else "B300",
                  address=name, internal_address=name, ips=[], key=KEY)
    result.update(extra)
    return result


def good_nodes():
    return [node("site1.example.com", "primary", ips=["12.12.1.50/24"]),
            node("site2.example.com", "backup", ips=["12.12.1.51/24"]),
            node("tn1.eu.example.com", "traffic", region="eu-west"),
            node("tn2.eu.example.com", "traffic", region="eu-west"),
            node("tn1.us.example.com", "traffic", region="us-east")]


SANS = ("*.example.com", "*.eu.example.com", "*.us.example.com")


def topo(nodes=None, site="support.example.com", shared=("12.12.1.52/24",), sans=SANS):
    return preflight.topology(site, good_nodes() if nodes is None else nodes, list(shared),
                              None if sans is None else list(sans))


def status(model="B400", version="24.3.1", build="12345-abc", hostname=None):
    return dict(status=dict(model=model, version=version, build=build, hostname=hostname), interfaces=None,
                error=None)


def facts(**overrides):
    result = {"site1.example.com": status(hostname="site1.example.com"),
              "site2.example.com": status(hostname="site2.example.com")}
    result.update(overrides)
    return result


def state_of(result):
    return result["state"], result["reason"]


# -- primary_nodes_same_model ------------------------------------------------------------------

def test_same_model_passes():
    assert state_of(preflight.check_primary_nodes_same_model(topo(), facts())) == (
        "passed", "site1.example.com and site2.example.com are both B400")


def test_reported_models_differ():
    result = preflight.check_primary_nodes_same_model(
        topo([node("a.example.com", "primary", model=None), node("b.example.com", "backup", model=None)]),
        {"a.example.com": status(model="B400"), "b.example.com": status(model="B300")})
    assert result["state"] == "failed"
    assert "a.example.com is a B400 and b.example.com is a B300" in result["reason"]


def test_inventory_model_differs_from_the_appliance():
    result = preflight.check_primary_nodes_same_model(topo(), facts(**{"site2.example.com": status(model="B300")}))
    assert state_of(result) == ("failed", "site2.example.com: the inventory says B400, the appliance reports B300")


@pytest.mark.parametrize("roles", [("primary",), ("primary", "primary"), ("primary", "backup", "backup")])
def test_pair_needs_one_primary_and_one_backup(roles):
    nodes = [node("n%d.example.com" % index, role) for index, role in enumerate(roles)]
    result = preflight.check_primary_nodes_same_model(topo(nodes), {})
    assert result["state"] == "failed"
    assert "need exactly two primary nodes" in result["reason"]


def test_unknown_model_fails():
    nodes = [node("a.example.com", "primary", model=None), node("b.example.com", "backup", model=None)]
    result = preflight.check_primary_nodes_same_model(topo(nodes), {})
    assert result["state"] == "failed" and "the model of a.example.com, b.example.com is unknown" in result["reason"]


# -- pair_same_version --------------------------------------------------------------------------

def test_same_version_passes():
    assert state_of(preflight.check_pair_same_version(topo(), facts())) == (
        "passed", "both run 24.3.1 build 12345-abc")


def test_different_build_fails():
    result = preflight.check_pair_same_version(topo(), facts(**{"site2.example.com": status(build="999-x")}))
    assert result["state"] == "failed"
    assert "site1.example.com runs 24.3.1 build 12345-abc and site2.example.com runs 24.3.1 build 999-x" in \
        result["reason"]


def test_version_unreadable_fails_and_not_gathered_skips():
    unread = facts(**{"site2.example.com": dict(status=None, interfaces=None, error="HTTP 401")})
    assert state_of(preflight.check_pair_same_version(topo(), unread)) == (
        "failed", "site2.example.com could not be read: HTTP 401")
    assert preflight.check_pair_same_version(topo(), None)["state"] == "skipped"


# -- traffic_node_regions -----------------------------------------------------------------------

def test_two_regions_pass():
    result = preflight.check_traffic_node_regions(topo())
    assert state_of(result) == ("passed", "traffic nodes in 2 regions (eu-west: tn1.eu.example.com, "
                                          "tn2.eu.example.com; us-east: tn1.us.example.com)")


def test_one_region_fails():
    nodes = [item for item in good_nodes() if item.get("region") != "us-east"]
    result = preflight.check_traffic_node_regions(topo(nodes))
    assert result["state"] == "failed"
    assert "in each of at least two regions" in result["reason"]


def test_missing_region_fails():
    nodes = good_nodes()
    nodes[2]["region"] = None
    assert state_of(preflight.check_traffic_node_regions(topo(nodes))) == (
        "failed", "no region given for traffic node(s) tn1.eu.example.com")


# -- unique_hostnames ---------------------------------------------------------------------------

def test_unique_hostnames_pass():
    assert preflight.check_unique_hostnames(topo(), facts())["state"] == "passed"


def test_duplicate_names_differing_in_case_and_dot_fail():
    nodes = good_nodes()
    nodes[3]["name"] = "TN1.eu.example.com."
    result = preflight.check_unique_hostnames(topo(nodes))
    assert result["state"] == "failed"
    assert "tn1.eu.example.com is used by 2 nodes" in result["reason"]


@pytest.mark.parametrize("name, words", [("", "node name is empty"), ("tn_1.example.com", "is not a valid host name"),
                                         ("-tn.example.com", "is not a valid host name")])
def test_bad_node_names_fail(name, words):
    nodes = good_nodes()
    nodes[2]["name"] = name
    result = preflight.check_unique_hostnames(topo(nodes))
    assert result["state"] == "failed" and words in result["reason"]


def test_empty_site_hostname_fails():
    result = preflight.check_unique_hostnames(topo(site=""))
    assert result["state"] == "failed" and "site_hostname is empty" in result["reason"]


def test_site_hostname_must_not_be_a_node_name():
    result = preflight.check_unique_hostnames(topo(site="site1.example.com"))
    assert result["state"] == "failed" and "the site hostname moves with the primary role" in result["reason"]


def test_appliances_reporting_the_same_hostname_fail():
    reported = facts(**{"site2.example.com": status(hostname="site1.example.com")})
    result = preflight.check_unique_hostnames(topo(), reported)
    assert result["state"] == "failed"
    assert "appliances site1.example.com, site2.example.com all report the hostname site1.example.com" in \
        result["reason"]


# -- certificate_covers_hostnames ---------------------------------------------------------------

@pytest.mark.parametrize("pattern, hostname, matches", [
    ("*.example.com", "tn1.example.com", True),
    ("*.example.com", "TN1.Example.com.", True),
    ("*.example.com", "example.com", False),
    ("*.example.com", "tn1.eu.example.com", False),
    ("support.example.com", "support.example.com", True),
    ("support.example.com", "www.support.example.com", False),
    ("*.eu.example.com", "tn1.eu.example.com", True),
])
def test_wildcards_cover_exactly_one_label(pattern, hostname, matches):
    assert preflight.name_matches(pattern, hostname) is matches


def test_certificate_covering_everything_passes():
    assert preflight.check_certificate_covers_hostnames(topo())["state"] == "passed"


def test_certificate_missing_names_fails():
    result = preflight.check_certificate_covers_hostnames(topo(sans=("*.example.com",)))
    assert result["state"] == "failed"
    assert "do not cover tn1.eu.example.com, tn2.eu.example.com, tn1.us.example.com" in result["reason"]


def test_no_certificate_skips():
    assert preflight.check_certificate_covers_hostnames(topo(sans=None))["state"] == "skipped"


# -- shared_ip_in_pair_subnet -------------------------------------------------------------------

def test_shared_ip_in_subnet_passes():
    assert state_of(preflight.check_shared_ip_in_pair_subnet(topo())) == (
        "passed", "12.12.1.52 inside a subnet of both site1.example.com and site2.example.com")


def test_shared_ip_outside_one_subnet_fails():
    nodes = good_nodes()
    nodes[1]["ips"] = ["12.12.2.51/24"]
    result = preflight.check_shared_ip_in_pair_subnet(topo(nodes))
    assert state_of(result) == ("failed", "12.12.1.52 is outside every subnet of site2.example.com (12.12.2.0/24)")


def test_shared_ip_uses_reported_interfaces_when_none_given():
    nodes = good_nodes()
    nodes[0]["ips"] = nodes[1]["ips"] = []
    reported = facts()
    for name, address in (("site1.example.com", "12.12.1.50"), ("site2.example.com", "10.0.0.5")):
        reported[name]["interfaces"] = [dict(name="eth0", ips=[dict(address=address, prefix=24, enabled=True),
                                                               dict(address="12.12.1.52", prefix=24,
                                                                    enabled=False)])]
    result = preflight.check_shared_ip_in_pair_subnet(topo(nodes), reported)
    assert state_of(result) == ("failed", "12.12.1.52 is outside every subnet of site2.example.com (10.0.0.0/24)")


def test_shared_ip_with_no_known_ips_fails_and_none_skips():
    nodes = good_nodes()
    nodes[0]["ips"] = []
    result = preflight.check_shared_ip_in_pair_subnet(topo(nodes))
    assert result["state"] == "failed" and "no IPs known for site1.example.com" in result["reason"]
    assert preflight.check_shared_ip_in_pair_subnet(topo(shared=()))["state"] == "skipped"


# -- tcp_443_reachable --------------------------------------------------------------------------

def results_for(topology, failing=()):
    return [dict(source=source["name"], target=target["name"], host=target["internal_address"], port=443,
                 success=(source["name"], target["name"]) not in failing,
                 message="connection refused" if (source["name"], target["name"]) in failing else "connected")
            for source, target in preflight.connection_tests(topology)]


def test_every_ordered_pair_is_tested():
    topology = topo()
    assert len(preflight.connection_tests(topology)) == 5 * 4
    assert state_of(preflight.check_tcp_443_reachable(topology, results_for(topology))) == (
        "passed", "TCP 443 open between all 10 pairs of appliances, both ways")


def test_one_direction_closed_fails():
    topology = topo()
    result = preflight.check_tcp_443_reachable(topology, results_for(
        topology, failing=[("tn1.us.example.com", "site2.example.com")]))
    assert state_of(result) == ("failed", "TCP 443 must be open both ways between all appliances; failed: "
                                          "tn1.us.example.com -> site2.example.com (site2.example.com:443): "
                                          "connection refused")


def test_tcp_not_gathered_skips():
    assert preflight.check_tcp_443_reachable(topo(), None)["state"] == "skipped"


# -- inter_appliance_key_given ------------------------------------------------------------------

def test_same_key_everywhere_passes():
    assert state_of(preflight.check_inter_appliance_key_given(topo())) == (
        "passed", "the same key is given for all 5 nodes")


def test_missing_key_fails():
    nodes = good_nodes()
    nodes[4]["key"] = None
    assert state_of(preflight.check_inter_appliance_key_given(topo(nodes)))[0] == "failed"
    assert "no inter-appliance key given for tn1.us.example.com" in \
        preflight.check_inter_appliance_key_given(topo(nodes))["reason"]


def test_different_key_fails_without_showing_keys():
    nodes = good_nodes()
    nodes[4]["key"] = "another-key-entirely"
    result = preflight.check_inter_appliance_key_given(topo(nodes))
    assert result["state"] == "failed"
    assert "2 different inter-appliance keys" in result["reason"]
    assert "tn1.us.example.com" in result["reason"]
    assert KEY not in result["reason"] and "another-key-entirely" not in result["reason"]


def test_a_key_too_short_for_the_appliance_fails_before_any_write():
    nodes = [dict(item, key="abc") for item in good_nodes()]
    result = preflight.check_inter_appliance_key_given(topo(nodes))
    assert result["state"] == "failed"
    assert result["reason"].startswith("%s: the key must be 8 to 256 characters long, got 3" % nodes[0]["name"])
    assert "abc" not in result["reason"].replace("characters", "")


# -- run_checks ---------------------------------------------------------------------------------

def test_run_checks_names_every_check_in_order_and_skips_unselected():
    topology = topo()
    results = preflight.run_checks(topology, facts(), results_for(topology),
                                   selected=["traffic_node_regions", "inter_appliance_key_given"])
    assert [item["name"] for item in results] == list(preflight.CHECKS)
    assert [item["state"] for item in results] == ["skipped", "skipped", "passed", "skipped", "skipped", "skipped",
                                                   "skipped", "passed"]
    assert results[0]["reason"] == "not selected in checks"


def test_run_checks_all_pass_on_a_good_topology():
    topology = topo()
    results = preflight.run_checks(topology, facts(), results_for(topology))
    assert [item["state"] for item in results] == ["passed"] * len(preflight.CHECKS)
