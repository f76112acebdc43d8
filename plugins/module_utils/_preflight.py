# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atlas cluster preflight checks.

Everything here is pure: it takes the intended topology (from the inventory) and what the
appliances reported, and answers. The modules do the reading. The prerequisites come from the
vendor's "Prerequisites for Setting Up Multiple B Series Appliances in Atlas Clusters".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure
from ansible_collections.sra.appliance.plugins.module_utils._key import key_length_problem
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_hostname

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
PAIR_ROLES = ("primary", "backup")

CHECKS = (
    "primary_nodes_same_model",
    "pair_same_version",
    "traffic_node_regions",
    "unique_hostnames",
    "certificate_covers_hostnames",
    "shared_ip_in_pair_subnet",
    "tcp_443_reachable",
    "inter_appliance_key_given",
)


def hostname_problem(name, field):
    """None when ``name`` is a valid DNS host name, else what is wrong with it."""
    try:
        parse_hostname(name, field)
    except ModuleFailure as exc:
        return str(exc)
    return None


def canonical(name):
    """Host names compare case-insensitively and without the root's trailing dot."""
    return str(name).strip().rstrip(".").lower()


def name_matches(pattern, hostname):
    """RFC 6125: a wildcard stands for exactly one whole left-most label."""
    pattern, hostname = canonical(pattern), canonical(hostname)
    if not pattern.startswith("*."):
        return pattern == hostname
    label, dot, rest = hostname.partition(".")
    return bool(label) and bool(dot) and rest == pattern[2:]


def uncovered_names(san_names, hostnames):
    return [name for name in hostnames if not any(name_matches(san, name) for san in san_names)]


# --- the checks ---------------------------------------------------------------------------
# Every check takes the topology (see topology()) and answers check(name, state, reason).

def check(name, state, reason):
    return {"name": name, "state": state, "reason": reason}


def topology(site_hostname, nodes, shared_ips=None, certificate_names=None):
    """The intended topology. ``nodes``: dicts with name, role (primary|backup|traffic),
    region, model, address, internal_address, ips (CIDR list) and key (the intended
    inter-appliance key; only compared, never returned)."""
    return {"site_hostname": site_hostname, "nodes": list(nodes), "shared_ips": list(shared_ips or []),
            "certificate_names": certificate_names}


def _pair(topo):
    return [node for node in topo["nodes"] if node.get("role") in PAIR_ROLES]


def _pair_shape_problem(topo):
    pair = _pair(topo)
    roles = sorted(node["role"] for node in pair)
    if roles != ["backup", "primary"]:
        names = ", ".join("%s (%s)" % (node["name"], node["role"]) for node in pair) or "none"
        return ("need exactly two primary nodes, one with role primary and one with role backup; found %s"
                % names)
    return None


def _reported(facts, node, key):
    fact = facts.get(node["name"]) or {}
    return (fact.get("status") or {}).get(key)


def _unread(facts, nodes):
    """Reasons why appliances could not be read, or None when every one was."""
    problems = []
    for node in nodes:
        fact = facts.get(node["name"])
        if fact is None:
            problems.append("%s was not read" % node["name"])
        elif fact.get("error"):
            problems.append("%s could not be read: %s" % (node["name"], fact["error"]))
    return problems or None


def check_primary_nodes_same_model(topo, facts):
    name = "primary_nodes_same_model"
    problem = _pair_shape_problem(topo)
    if problem:
        return check(name, FAILED, problem)
    problems, models = [], []
    for node in _pair(topo):
        reported = _reported(facts, node, "model")
        if reported and node.get("model") and reported != node["model"]:
            problems.append("%s: the inventory says %s, the appliance reports %s"
                            % (node["name"], node["model"], reported))
        models.append((node["name"], reported or node.get("model")))
    if problems:
        return check(name, FAILED, "; ".join(problems))
    unknown = [node for node, model in models if not model]
    if unknown:
        return check(name, FAILED, "the model of %s is unknown: give nodes[].model or let the module read "
                                   "the appliance" % ", ".join(unknown))
    if models[0][1] != models[1][1]:
        return check(name, FAILED, "%s is a %s and %s is a %s: both primary nodes must be the same model "
                                   "(B300 with B300, B400 with B400, virtual with virtual)"
                     % (models[0][0], models[0][1], models[1][0], models[1][1]))
    return check(name, PASSED, "%s and %s are both %s" % (models[0][0], models[1][0], models[0][1]))


def check_pair_same_version(topo, facts):
    name = "pair_same_version"
    problem = _pair_shape_problem(topo)
    if problem:
        return check(name, FAILED, problem)
    pair = _pair(topo)
    if facts is None:
        return check(name, SKIPPED, "the appliances were not read (gather is false)")
    unread = _unread(facts, pair)
    if unread:
        return check(name, FAILED, "; ".join(unread))
    versions = [(node["name"], "%s build %s" % (_reported(facts, node, "version"), _reported(facts, node, "build")))
                for node in pair]
    if versions[0][1] != versions[1][1]:
        return check(name, FAILED, "%s runs %s and %s runs %s: a failover pair needs the same product version "
                                   "and build; upgrade one of them" % (versions[0] + versions[1]))
    return check(name, PASSED, "both run %s" % versions[0][1])


def check_traffic_node_regions(topo, facts=None):  # pylint: disable=unused-argument
    name = "traffic_node_regions"
    nodes = [node for node in topo["nodes"] if node.get("role") == "traffic"]
    missing = [node["name"] for node in nodes if not node.get("region")]
    if missing:
        return check(name, FAILED, "no region given for traffic node(s) %s" % ", ".join(missing))
    regions = {}
    for node in nodes:
        regions.setdefault(node["region"], []).append(node["name"])
    listing = "; ".join("%s: %s" % (region, ", ".join(names)) for region, names in sorted(regions.items()))
    if len(regions) < 2:
        return check(name, FAILED, "traffic nodes in %d region(s) (%s): Atlas needs a traffic node in each of at "
                                   "least two regions" % (len(regions), listing or "none"))
    return check(name, PASSED, "traffic nodes in %d regions (%s)" % (len(regions), listing))


def check_unique_hostnames(topo, facts=None):
    name = "unique_hostnames"
    problems = []
    site_problem = hostname_problem(topo["site_hostname"], "site_hostname")
    if site_problem:
        problems.append(site_problem)
    seen = {}
    for node in topo["nodes"]:
        node_problem = hostname_problem(node["name"], "node name")
        if node_problem:
            problems.append(node_problem)
            continue
        seen.setdefault(canonical(node["name"]), []).append(node["name"])
    problems.extend("%s is used by %d nodes: every node needs its own canonical hostname"
                    % (key, len(names)) for key, names in sorted(seen.items()) if len(names) > 1)
    if not site_problem and canonical(topo["site_hostname"]) in seen:
        problems.append("the site hostname %s is also a node's canonical hostname: the site hostname moves "
                        "with the primary role, a canonical hostname never moves" % topo["site_hostname"])
    reported = {}
    for node in topo["nodes"]:
        hostname = _reported(facts or {}, node, "hostname")
        if hostname:
            reported.setdefault(canonical(hostname), []).append(node["name"])
    problems.extend("appliances %s all report the hostname %s" % (", ".join(names), key)
                    for key, names in sorted(reported.items()) if len(names) > 1)
    if problems:
        return check(name, FAILED, "; ".join(problems))
    return check(name, PASSED, "%d unique canonical hostnames, distinct from the site hostname %s"
                 % (len(seen), topo["site_hostname"]))


def check_certificate_covers_hostnames(topo, facts=None):  # pylint: disable=unused-argument
    name = "certificate_covers_hostnames"
    san_names = topo["certificate_names"]
    if san_names is None:
        return check(name, SKIPPED, "no certificate given")
    hostnames = [topo["site_hostname"]] + [node["name"] for node in topo["nodes"]]
    missing = uncovered_names(san_names, hostnames)
    if missing:
        return check(name, FAILED, "the certificate's subject alternative names (%s) do not cover %s: a wildcard "
                                   "covers exactly one label, so issue a certificate that names them"
                     % (", ".join(san_names) or "none", ", ".join(missing)))
    return check(name, PASSED, "the certificate covers the site hostname and all %d node hostnames"
                 % len(topo["nodes"]))


def _node_networks(node, facts):
    """The node's IPs as interfaces (address and subnet): the intended ones, else those the
    appliance reports."""
    if node.get("ips"):
        return [ipaddress.ip_interface(ip) for ip in node["ips"]]
    interfaces = (facts or {}).get(node["name"], {}).get("interfaces")
    if not interfaces:
        return []
    return [ipaddress.ip_interface("%s/%s" % (ip["address"], ip["prefix"]))
            for interface in interfaces for ip in interface.get("ips", [])]


def check_shared_ip_in_pair_subnet(topo, facts=None):
    name = "shared_ip_in_pair_subnet"
    if not topo["shared_ips"]:
        return check(name, SKIPPED, "no shared IPs given (the network method is not shared_ip)")
    problem = _pair_shape_problem(topo)
    if problem:
        return check(name, FAILED, problem)
    problems = []
    for shared in topo["shared_ips"]:
        shared_ip = ipaddress.ip_interface(shared).ip
        for node in _pair(topo):
            # The shared IP is itself on both appliances' IP lists: it must sit in another IP's subnet.
            networks = [net for net in _node_networks(node, facts) if net.ip != shared_ip]
            if not networks:
                problems.append("no IPs known for %s: give nodes[].ips or let the module read the appliance"
                                % node["name"])
            elif not any(net.version == shared_ip.version and shared_ip in net.network for net in networks):
                problems.append("%s is outside every subnet of %s (%s)"
                                % (shared_ip, node["name"], ", ".join(str(net.network) for net in networks)))
    if problems:
        return check(name, FAILED, "; ".join(sorted(set(problems))))
    return check(name, PASSED, "%s inside a subnet of both %s"
                 % (", ".join(str(ipaddress.ip_interface(ip).ip) for ip in topo["shared_ips"]),
                    " and ".join(node["name"] for node in _pair(topo))))


def connection_tests(topo):
    """Every ordered pair (source, target) of distinct nodes: TCP must pass both ways."""
    return [(source, target) for source in topo["nodes"] for target in topo["nodes"]
            if source["name"] != target["name"]]


def check_tcp_443_reachable(topo, results, port=443):
    """``results``: dicts with source, target, host, port, success and message, or None
    when the appliances were not asked."""
    name = "tcp_443_reachable"
    if results is None:
        return check(name, SKIPPED, "the appliances were not asked (gather is false)")
    if len(topo["nodes"]) < 2:
        return check(name, SKIPPED, "fewer than two appliances")
    failed = ["%s -> %s (%s:%s): %s" % (res["source"], res["target"], res["host"], res["port"], res["message"])
              for res in results if not res["success"]]
    if failed:
        return check(name, FAILED, "TCP %d must be open both ways between all appliances; failed: %s"
                     % (port, "; ".join(failed)))
    return check(name, PASSED, "TCP %d open between all %d pairs of appliances, both ways"
                 % (port, len(results) // 2))


def check_inter_appliance_key_given(topo, facts=None):  # pylint: disable=unused-argument
    name = "inter_appliance_key_given"
    missing = [node["name"] for node in topo["nodes"] if not node.get("key")]
    if missing:
        return check(name, FAILED, "no inter-appliance key given for %s: every appliance of the cluster needs the "
                                   "same pre-shared key" % ", ".join(missing))
    bad = ["%s: the key %s" % (node["name"], key_length_problem(node["key"])) for node in topo["nodes"]
           if key_length_problem(node["key"])]
    if bad:
        return check(name, FAILED, "; ".join(bad))
    groups = {}
    for node in topo["nodes"]:
        groups.setdefault(node["key"], []).append(node["name"])
    if len(groups) > 1:
        # Name the nodes, never the keys.
        listing = " / ".join(", ".join(names) for names in sorted(groups.values()))
        return check(name, FAILED, "the nodes are given %d different inter-appliance keys (%s): the key must match "
                                   "on every appliance" % (len(groups), listing))
    return check(name, PASSED, "the same key is given for all %d nodes" % len(topo["nodes"]))


def run_checks(topo, facts, tcp_results, selected=CHECKS, port=443):
    """Every check, in CHECKS order; the ones not selected are skipped.

    ``facts``: appliance name -> {status, interfaces, error}, or None when not gathered.
    """
    runners = {
        "primary_nodes_same_model": lambda: check_primary_nodes_same_model(topo, facts or {}),
        "pair_same_version": lambda: check_pair_same_version(topo, facts),
        "traffic_node_regions": lambda: check_traffic_node_regions(topo),
        "unique_hostnames": lambda: check_unique_hostnames(topo, facts),
        "certificate_covers_hostnames": lambda: check_certificate_covers_hostnames(topo),
        "shared_ip_in_pair_subnet": lambda: check_shared_ip_in_pair_subnet(topo, facts),
        "tcp_443_reachable": lambda: check_tcp_443_reachable(topo, tcp_results, port),
        "inter_appliance_key_given": lambda: check_inter_appliance_key_given(topo),
    }
    return [runners[name]() if name in selected else check(name, SKIPPED, "not selected in checks")
            for name in CHECKS]
