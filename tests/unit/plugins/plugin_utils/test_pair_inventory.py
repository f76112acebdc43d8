# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory of a failover pair as the pair modules' arguments (filter sra.appliance.pair_args)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.plugin_utils._pair_inventory import InventoryError, pair_args

DNS = dict(server="10.0.0.53", zone="example.com", tsig_name="k", tsig_secret="c2VjcmV0")


def hostvars(method="shared_ip", **extra):
    common = dict(sra_network_method=method, sra_shared_ips=["10.0.0.52/24"], **extra)
    return {"site1": dict(common, sra_normal_role="primary", sra_address="10.0.0.50"),
            "site2": dict(common, sra_normal_role="backup", sra_address="10.0.0.51", sra_port=8443)}


def test_the_normal_primary_is_host_whatever_the_order():
    args = pair_args(["site2", "site1"], hostvars())
    assert args == dict(host="10.0.0.50", port=443, name="site1", peer_host="10.0.0.51", peer_port=8443,
                        peer_name="site2", swing_address="10.0.0.50", peer_swing_address="10.0.0.51",
                        site_addresses=["10.0.0.52"])


def test_swing_and_site_addresses_by_method():
    dns = pair_args(["site1", "site2"], hostvars("dns_swing", sra_dns=DNS, sra_swing_address="12.0.0.1",
                                                 sra_site_hostname="Support.Example.COM."))
    assert dns["site_addresses"] == [] and dns["swing_address"] == "12.0.0.1"
    nat = pair_args(["site1", "site2"], hostvars("nat_swing", sra_nat_swing_tasks="nat.yml",
                                                 sra_nat_site_address="12.0.0.9"))
    assert nat["site_addresses"] == ["12.0.0.9"]


@pytest.mark.parametrize("hosts, variables, words", [
    (["site1"], hostvars(), "found 1 (site1)"),
    (["site1", "site2"], dict(hostvars(), site2=dict(hostvars()["site2"], sra_normal_role="primary")),
     "one appliance needs sra_normal_role: primary"),
    (["site1", "site2"], dict(hostvars(), site2=dict(hostvars()["site2"], sra_address="")), "site2 has no sra_address"),
    (["site1", "site2"], hostvars("carrier_pigeon"), "sra_network_method is 'carrier_pigeon'"),
    (["site1", "site2"], hostvars("dns_swing"), "missing: server, zone, tsig_name, tsig_secret"),
    (["site1", "site2"], hostvars("dns_swing", sra_dns=dict(DNS, zone="")), "missing: zone"),
    (["site1", "site2"], hostvars("nat_swing"), "nat_swing needs sra_nat_swing_tasks"),
    (["site1", "site2"], hostvars("dns_swing", sra_dns=dict(DNS, zone="other.test"), sra_site_hostname="support.example.com"),
     "sra_site_hostname support.example.com is not inside sra_dns.zone other.test"),
])
def test_an_inventory_that_is_not_one_pair_is_refused_with_what_to_fix(hosts, variables, words):
    with pytest.raises(InventoryError) as caught:
        pair_args(hosts, variables)
    assert words in str(caught.value) and str(caught.value).startswith("The inventory of the failover pair")
