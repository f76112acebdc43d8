# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter sra.appliance.key_peers: one inter_appliance_key run per group of appliances sharing a key."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.plugin_utils._key_peers import key_peers

KEY, OTHER = "the-site-key-0123", "another-key-0123"
HOSTVARS = {
    "tn1": dict(sra_address="10.2.0.21", sra_inter_appliance_key=KEY, sra_site_hostname="support.example.com"),
    "site2": dict(sra_address="10.1.0.12", sra_port="8443", sra_normal_role="backup", sra_inter_appliance_key=KEY,
                  sra_site_hostname="support.example.com"),
    "site1": dict(sra_address="10.1.0.11", sra_normal_role="primary", sra_inter_appliance_key=KEY,
                  sra_site_hostname="support.example.com"),
    "lonely": dict(sra_address="10.9.0.1", sra_inter_appliance_key=OTHER, sra_tls_server_name="lonely.example.com"),
}
PLAY = ["tn1", "site2", "site1", "lonely"]


def test_the_normal_primary_leads_and_changes_the_backup_and_the_traffic_nodes():
    answer = key_peers("site1", PLAY, HOSTVARS, ["tn1"])
    assert answer == dict(leader=True, led_by="site1", peers=[
        dict(host="10.2.0.21", port=443, tls_server_name="tn1"),
        dict(host="10.1.0.12", port=8443, tls_server_name="support.example.com")])


def test_the_other_members_of_the_group_skip():
    for host in ("tn1", "site2"):
        assert key_peers(host, PLAY, HOSTVARS, ["tn1"]) == dict(leader=False, peers=[], led_by="site1")


def test_an_appliance_with_its_own_key_runs_alone():
    assert key_peers("lonely", PLAY, HOSTVARS, ["tn1"]) == dict(leader=True, peers=[], led_by="lonely")


def test_without_a_normal_primary_the_first_host_of_the_play_leads():
    hostvars = dict((name, dict(variables, sra_normal_role="backup") if name == "site1" else variables)
                    for name, variables in HOSTVARS.items())
    answer = key_peers("tn1", PLAY, hostvars, [])
    assert answer["leader"] and [peer["host"] for peer in answer["peers"]] == ["10.1.0.12", "10.1.0.11"]
    assert answer["peers"][0]["tls_server_name"] == "support.example.com"


def test_a_host_outside_the_play_still_answers_for_itself():
    assert key_peers("site1", ["tn1"], HOSTVARS, ["tn1"])["peers"] == [
        dict(host="10.2.0.21", port=443, tls_server_name="tn1")]
