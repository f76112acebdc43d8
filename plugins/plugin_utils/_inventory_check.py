# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every inventory value `site` will write, checked before the first write (the filter
sra.appliance.inventory_problems, run by the preflight role; issue 13).

Each value goes through the validator the module that writes it uses (module_utils), so a rule is
written once: the NICs and the gateway (network_ips, network_settings), the backup settings
(failover_settings), the traffic nodes (traffic_nodes), the site certificate (certificate). A run
that fails here has written nothing. Pure: no controller import (see _pair_inventory.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.module_utils._cluster import check_addresses, validate_config
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure
from ansible_collections.sra.appliance.plugins.module_utils._failover import parse_connectivity_test_ips, setting_problem
from ansible_collections.sra.appliance.plugins.module_utils._net import check_gateway, check_interfaces, parse_ip_prefix
from ansible_collections.sra.appliance.plugins.plugin_utils._topology import traffic_node_config

# Inventory variable -> backup setting of failover_settings (the failover_pair role's mapping).
SETTING_VARIABLES = dict(sra_primary_timeout="primary_timeout", sra_sync_interval="sync_interval",
                         sra_bandwidth_limit="bandwidth_limit")


def interfaces_of(variables):
    """sra_interfaces as the network validators take it: NIC -> [{address, prefix, enabled}]."""
    interfaces = {}
    for nic, settings in sorted((variables.get("sra_interfaces") or {}).items()):
        ips = []
        for index, ip in enumerate((settings or {}).get("ips") or []):
            item = {"address": ip} if isinstance(ip, str) else dict(ip)
            field = "sra_interfaces.%s.ips[%d]" % (nic, index)
            address, prefix = parse_ip_prefix(item.get("address"), item.get("prefix"), field)
            ips.append(dict(address=address, prefix=prefix, enabled=item.get("enabled", True)))
        interfaces[nic] = ips
    return interfaces


def network_problems(variables):
    interfaces = interfaces_of(variables)
    check_interfaces(interfaces)
    for nic, settings in sorted((variables.get("sra_interfaces") or {}).items()):
        if (settings or {}).get("gateway"):
            check_gateway(settings["gateway"], interfaces, nic, field="sra_interfaces.%s.gateway" % nic)


def setting_problems(variables):
    if variables.get("sra_connectivity_test_ips"):
        parse_connectivity_test_ips(variables["sra_connectivity_test_ips"], "sra_connectivity_test_ips")
    for variable, name in sorted(SETTING_VARIABLES.items()):
        if variables.get(variable) is None:
            continue
        try:
            problem = setting_problem(name, variables[variable])
        except (TypeError, ValueError):
            problem = "%s is not a whole number" % name
        if problem:
            raise ModuleFailure("%s: %s" % (variable, problem))


def certificate_problems(variables):
    certificate = variables.get("sra_certificate") or {}
    if not (certificate.get("chain") and certificate.get("key")):
        return
    from ansible_collections.sra.appliance.plugins.module_utils._x509 import load_pem_bundle, require_cryptography
    require_cryptography()
    load_pem_bundle(certificate["chain"], certificate["key"], certificate.get("key_passphrase"))


def traffic_node_problems(traffic, primaries, hostvars):
    """The traffic nodes as the atlas_cluster role configures them, on the primary node's address."""
    nodes = validate_config(traffic_node_config(traffic, hostvars), "overridden")
    for primary in primaries:
        check_addresses(nodes, str(hostvars[primary].get("sra_address")))


def _collect(problems, where, check, *args):
    try:
        check(*args)
    except ModuleFailure as exc:
        problems.append("%s: %s" % (where, exc))


def inventory_problems(groups, hostvars):
    """What in the inventory a module of `site` would refuse, each as "host: problem"; [] when nothing."""
    pair = list(groups.get("sra_failover_pair") or [])
    standalone = list(groups.get("sra_standalone") or [])
    traffic = list(groups.get("sra_traffic_nodes") or [])
    problems = []
    certificates = []
    for name in pair + standalone + traffic:
        _collect(problems, name, network_problems, hostvars[name])
        certificate = hostvars[name].get("sra_certificate")
        if certificate not in certificates:  # usually one site certificate for every host: read it once
            certificates.append(certificate)
            _collect(problems, name, certificate_problems, hostvars[name])
    for name in pair:
        _collect(problems, name, setting_problems, hostvars[name])
    if traffic:
        _collect(problems, "sra_traffic_nodes", traffic_node_problems, traffic, pair + standalone, hostvars)
    return problems
