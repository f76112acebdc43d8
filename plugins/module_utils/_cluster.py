# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the cluster and traffic_nodes modules share about an Atlas cluster's primary node.

The primary node pushes the cluster configuration to each traffic node in the background
after every change; the cluster page's ``node_status`` says per node whether the push is
``pending``, ``ok``, ``refused`` (for example a different inter-appliance key) or
``unreachable``. The vendor's ``get_appliances`` on the primary lists every configured node
whether or not it accepted, so ``node_status`` is where a refusal shows.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_host, parse_network, parse_port
from ansible_collections.sra.appliance.plugins.module_utils._time import parse_timezone_offset

# A traffic node's fields on the vendor's cluster page, and the states that set a whole node.
FIELDS = ("name", "accepting_connections", "timezone_offset", "public_host", "public_port", "internal_address",
          "network_prefixes")
WHOLE_NODE_STATES = ("replaced", "overridden")

NOT_PRIMARY_ROLES = {"traffic": "a traffic node", "backup_primary": "the backup primary node"}
BAD_NODE_STATES = ("refused", "unreachable")
NODE_FIX_HINT = ("check the node's inter-appliance key (it must equal the primary node's) and that its internal "
                 "address is reachable from the primary node on TCP 443")


def read_primary_cluster(driver, host):
    """The cluster page of ``host``; fails before any write when it is not the primary node."""
    cluster = driver.cluster()
    role = cluster.get("role")
    if role in NOT_PRIMARY_ROLES:
        raise ModuleFailure("%s is %s of the cluster: manage the cluster on its primary node"
                            % (host, NOT_PRIMARY_ROLES[role]))
    return cluster


def pending_nodes(cluster):
    """Names of the nodes the primary is still pushing the configuration to."""
    return [status["name"] for status in cluster.get("node_status") or [] if status.get("state") == "pending"]


def node_problems(cluster):
    """One line per node that refused the configuration or could not be reached."""
    return ["%s: %s (%s)" % (status["name"], status["state"], status.get("message") or "no message")
            for status in cluster.get("node_status") or [] if status.get("state") in BAD_NODE_STATES]


# The input of traffic_nodes, checked before any request (also by preflight, over the inventory).

def validate_entry(entry, index):
    """One config entry with every given field checked and normalised; None stays None."""
    where = "config[%d]" % index
    node = dict((field, entry.get(field)) for field in FIELDS)
    node["name"] = (node["name"] or "").strip()
    if not node["name"]:
        raise ModuleFailure("%s.name is empty; give every traffic node a unique name" % where)
    where = "%s (%s)" % (where, node["name"])
    if node["public_host"] is not None:
        node["public_host"] = parse_host(node["public_host"], where + ".public_host")
    if node["internal_address"] is not None:
        node["internal_address"] = parse_host(node["internal_address"], where + ".internal_address")
    if node["public_port"] is not None:
        parse_port(node["public_port"], where + ".public_port")
    if node["timezone_offset"] is not None:
        node["timezone_offset"] = parse_timezone_offset(node["timezone_offset"], where + ".timezone_offset")
    if node["network_prefixes"] is not None:
        node["network_prefixes"] = [parse_network(prefix, "%s.network_prefixes[%d]" % (where, number))
                                    for number, prefix in enumerate(node["network_prefixes"])]
    return node


def validate_config(config, state):
    nodes, seen = [], {}
    for index, entry in enumerate(config):
        node = validate_entry(entry, index)
        if node["name"] in seen:
            raise ModuleFailure("config[%d]: the name %s is already used by config[%d]; traffic node names must be "
                                "unique" % (index, node["name"], seen[node["name"]]))
        seen[node["name"]] = index
        if state in WHOLE_NODE_STATES and node["public_host"] is None:
            raise ModuleFailure("config[%d] (%s): public_host is required with state=%s, which sets the whole node"
                                % (index, node["name"], state))
        nodes.append(node)
    return nodes


def check_addresses(nodes, primary_host):
    """Before any request: no traffic node at the primary node's own address, and no two traffic nodes with one
    internal address (the appliances would send one node's traffic to the other; issue 13)."""
    seen = {}
    for index, node in enumerate(nodes):
        where = "config[%d] (%s)" % (index, node["name"])
        for field in ("public_host", "internal_address"):
            if node[field] is not None and node[field].lower() == primary_host.lower():
                raise ModuleFailure("%s: %s %s is the address of the primary node this task runs on (host); give the "
                                    "traffic node's own address" % (where, field, node[field]))
        internal = node["internal_address"] or node["public_host"]
        if internal is None:
            continue
        if internal.lower() in seen:
            raise ModuleFailure("%s: internal address %s is already that of %s; each traffic node needs an internal "
                                "address of its own (internal_address, which defaults to public_host)"
                                % (where, internal, seen[internal.lower()]))
        seen[internal.lower()] = where
