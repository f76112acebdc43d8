# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover pair of the inventory, as the pair modules take it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: pair_args
short_description: The failover pair of the inventory as arguments of the pair modules
version_added: 0.2.0
author:
  - sra.appliance maintainers (@sra-appliance)
description:
  - From the hosts of C(sra_failover_pair) and their variables, the arguments that M(sra.appliance.pair_info) and
    M(sra.appliance.pair_roles) take to address both appliances (C(host) is the normal primary, C(peer_host) the
    normal backup) and the site's addresses.
  - Checks the inventory first and fails with what to fix. Exactly two hosts, one with C(sra_normal_role=primary)
    and one with C(backup), each with C(sra_address); the network method's own variables (C(sra_dns) for C(dns_swing),
    C(sra_nat_swing_tasks) for C(nat_swing)).
  - The site's addresses are the shared IPs (C(sra_shared_ips), without prefix) for C(shared_ip) and
    C(sra_nat_site_address) for C(nat_swing); for C(dns_swing) they are what the site host name resolves to, which the
    flows read at run time.
options:
  _input:
    description: The inventory names of the pair's hosts, usually C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The pair's arguments
  ansible.builtin.set_fact:
    pair: "{{ ansible_play_hosts_all | sra.appliance.pair_args(hostvars) }}"
"""

RETURN = r"""
_value:
  description:
    - C(host), C(port), C(name), C(peer_host), C(peer_port), C(peer_name), C(swing_address), C(peer_swing_address) and
      C(site_addresses).
  type: dict
"""

from ansible.errors import AnsibleFilterError

METHODS = ("shared_ip", "dns_swing", "nat_swing")
DNS_KEYS = ("server", "zone", "tsig_name", "tsig_secret")


def _fail(text):
    raise AnsibleFilterError("The inventory of the failover pair: %s" % text)


def _members(hosts, hostvars):
    if len(hosts) != 2:
        _fail("the maintenance flows run on the two appliances of sra_failover_pair, found %d (%s); run the playbook on "
              "the whole group (no --limit)" % (len(hosts), ", ".join(hosts) or "none"))
    roles = dict((host, hostvars[host].get("sra_normal_role")) for host in hosts)
    by_role = dict((role, host) for host, role in roles.items())
    if sorted(roles.values(), key=str) != ["backup", "primary"]:
        _fail("one appliance needs sra_normal_role: primary and the other sra_normal_role: backup, found %s"
              % ", ".join("%s: %s" % item for item in sorted(roles.items())))
    for host in hosts:
        if not hostvars[host].get("sra_address"):
            _fail("%s has no sra_address (the appliance's own address)" % host)
    return by_role["primary"], by_role["backup"]


def _site_addresses(first, method):
    if method == "shared_ip":
        return [str(ip).split("/", maxsplit=1)[0] for ip in first.get("sra_shared_ips") or []]
    if method == "nat_swing" and first.get("sra_nat_site_address"):
        return [first["sra_nat_site_address"]]
    return []


def _check_method(first, method):
    if method not in METHODS:
        _fail("sra_network_method is %r; use one of %s" % (method, ", ".join(METHODS)))
    if method == "dns_swing":
        dns = first.get("sra_dns")
        missing = [key for key in DNS_KEYS if not isinstance(dns, dict) or not dns.get(key)]
        if missing:
            _fail("dns_swing needs sra_dns with %s (missing: %s)" % (", ".join(DNS_KEYS), ", ".join(missing)))
    if method == "nat_swing" and not first.get("sra_nat_swing_tasks"):
        _fail("nat_swing needs sra_nat_swing_tasks, the tasks file that points your NAT device at the new primary")


def pair_args(hosts, hostvars):
    hosts = list(hosts or [])
    np, nb = _members(hosts, hostvars)
    first, second = hostvars[np], hostvars[nb]
    method = first.get("sra_network_method", "shared_ip")
    _check_method(first, method)
    return dict(
        host=first["sra_address"], port=int(first.get("sra_port", 443)), name=np,
        peer_host=second["sra_address"], peer_port=int(second.get("sra_port", 443)), peer_name=nb,
        swing_address=first.get("sra_swing_address") or first["sra_address"],
        peer_swing_address=second.get("sra_swing_address") or second["sra_address"],
        site_addresses=_site_addresses(first, method))


class FilterModule(object):

    def filters(self):
        return {"pair_args": pair_args}
