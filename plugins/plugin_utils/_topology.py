# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's topology in the shapes the modules take: preflight_checks' nodes and checks,
and traffic_nodes' config.

One function per shape, used by the roles (through the filters) and by the inventory check, so
the check validates exactly what the role writes (the role built these in Jinja loops before).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# preflight_checks' checks, by the part of the topology they need.
ALWAYS_CHECKED = ("unique_hostnames", "tcp_443_reachable", "inter_appliance_key_given")
PAIR_CHECKS = ("primary_nodes_same_model", "pair_same_version", "shared_ip_in_pair_subnet")
CLUSTER_CHECKS = ("traffic_node_regions",)
CERTIFICATE_CHECKS = ("certificate_covers_hostnames",)


class TopologyError(Exception):
    """An inventory host lacks what the topology needs; the message says which and how to fix it."""


def _groups(groups):
    pair = list(groups.get("sra_failover_pair") or [])
    traffic = list(groups.get("sra_traffic_nodes") or [])
    # A single appliance is checked as a primary node (it becomes one when it gets traffic nodes).
    standalone = [] if pair else list(groups.get("sra_standalone") or [])
    return pair, standalone, traffic


def _address(name, variables):
    if variables.get("sra_address") is None:
        raise TopologyError("%s has no sra_address: set it in the inventory to the appliance's own address "
                            "(never the site host name or a shared IP)" % name)
    return variables["sra_address"]


def _ips(variables):
    """Every IP of sra_interfaces, without prefix handling: strings as given, mappings by address."""
    ips = []
    for nic in (variables.get("sra_interfaces") or {}).values():
        for ip in (nic or {}).get("ips") or []:
            ips.append(ip if isinstance(ip, str) else ip.get("address"))
    return ips


def preflight_nodes(groups, hostvars):
    """preflight_checks' ``nodes``: the pair (else the single appliance), then the traffic nodes."""
    pair, standalone, traffic = _groups(groups)
    nodes = []
    for name in pair + standalone + traffic:
        variables = hostvars[name]
        nodes.append({
            "name": name,
            "role": "traffic" if name in traffic else variables.get("sra_normal_role") or "primary",
            "address": _address(name, variables),
            "internal_address": variables.get("sra_internal_address"),
            "ips": _ips(variables) or None,
            "model": variables.get("sra_model"),
            "region": variables.get("sra_region"),
            "inter_appliance_key": variables.get("sra_inter_appliance_key"),
        })
    return nodes


def preflight_check_names(groups, certificate=None, skip=()):
    """The checks that apply to this topology, less those the user skips: the pair's need a pair,
    the regions check a cluster, the certificate check a PEM chain (only its key is looked at, so a
    file lookup is not read)."""
    pair, dummy, traffic = _groups(groups)
    checks = list(ALWAYS_CHECKED)
    if pair:
        checks.extend(PAIR_CHECKS)
    if traffic:
        checks.extend(CLUSTER_CHECKS)
    if "chain" in (certificate or {}):
        checks.extend(CERTIFICATE_CHECKS)
    return [check for check in checks if check not in (skip or ())]


def preflight_args(groups, hostvars, certificate=None, skip=()):
    """``{"nodes": ..., "checks": ...}`` for preflight_checks."""
    return {"nodes": preflight_nodes(groups, hostvars), "checks": preflight_check_names(groups, certificate, skip)}


def traffic_node_config(traffic, hostvars):
    """traffic_nodes' ``config`` from the traffic nodes' host variables, with the defaults the
    atlas_cluster role documents (public host: the inventory name; internal address: sra_address)."""
    config = []
    for name in traffic or []:
        node = hostvars[name]
        config.append(dict(name=name, public_host=node.get("sra_public_host", name),
                           public_port=node.get("sra_public_port", 443),
                           internal_address=node.get("sra_internal_address", node.get("sra_address")),
                           timezone_offset=node.get("sra_timezone_offset", 0),
                           network_prefixes=node.get("sra_network_prefixes", []),
                           accepting_connections=node.get("sra_accepting_connections", True)))
    return config
