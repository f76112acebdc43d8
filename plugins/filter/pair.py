# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover pair of the inventory, as the pair modules take it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: pair_args
short_description: The failover pair of the inventory as arguments of the pair modules
version_added: 0.1.0
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

from ansible_collections.sra.appliance.plugins.plugin_utils._certificate_source import certificate_source
from ansible_collections.sra.appliance.plugins.plugin_utils._cluster_primary import ClusterPrimaryError
from ansible_collections.sra.appliance.plugins.plugin_utils._cluster_primary import cluster_primary_of
from ansible_collections.sra.appliance.plugins.plugin_utils._inventory_check import inventory_problems
from ansible_collections.sra.appliance.plugins.plugin_utils._key_peers import key_peers
from ansible_collections.sra.appliance.plugins.plugin_utils._network_plan import network_plan
from ansible_collections.sra.appliance.plugins.plugin_utils._pair_inventory import InventoryError
from ansible_collections.sra.appliance.plugins.plugin_utils._pair_inventory import pair_args
from ansible_collections.sra.appliance.plugins.plugin_utils._topology import TopologyError, traffic_node_config
from ansible_collections.sra.appliance.plugins.plugin_utils._topology import preflight_args


def _inventory_filter(function, errors):
    """``function`` as a filter: the inventory errors it raises (messages that say what to fix) become
    AnsibleFilterError, which Ansible reports with the task."""
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except errors as exc:
            raise AnsibleFilterError(str(exc))
    return run


class FilterModule(object):

    def filters(self):
        return {"pair_args": _inventory_filter(pair_args, InventoryError), "key_peers": key_peers,
                "inventory_problems": inventory_problems,
                "cluster_primary": _inventory_filter(cluster_primary_of, ClusterPrimaryError),
                "network_plan": network_plan, "certificate_source": certificate_source,
                "preflight_args": _inventory_filter(preflight_args, TopologyError),
                "traffic_node_config": traffic_node_config}
