# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which appliances of a play change their inter-appliance key together, and who runs the change.

Appliances that must share a key (a pair, its cluster's traffic nodes) have the same
``sra_inter_appliance_key``, so the play's hosts are grouped by that value and each group is changed
in one ``inter_appliance_key`` run: the module refuses to change the key of an appliance in a
relationship or cluster alone (a key changed on one of them splits the site). Unrelated appliances
that happen to share a value are changed together too, which costs nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _tls_server_name(name, variables, traffic_nodes):
    """The common role's rule for sra_connection.tls_server_name, for another host of the play."""
    if variables.get("sra_tls_server_name") is not None:
        return variables["sra_tls_server_name"]
    if name in traffic_nodes:
        return name
    return variables.get("sra_site_hostname")


def _leader(names, hostvars):
    """The pair's normal primary when the group has one (it changes last), else the first host."""
    primaries = [name for name in names if hostvars[name].get("sra_normal_role") == "primary"]
    return (primaries or names)[0]


def key_peers(host, play_hosts, hostvars, traffic_nodes=()):
    """``{"leader": bool, "peers": [...]}`` for ``host``: the leader of its group gets the others as the
    module's ``peers`` (host, port, tls_server_name); the other members get ``leader: false``."""
    key = hostvars[host].get("sra_inter_appliance_key")
    group = [name for name in play_hosts if hostvars[name].get("sra_inter_appliance_key") == key]
    if host not in group:
        group.insert(0, host)
    leader = _leader(group, hostvars)
    if host != leader:
        return dict(leader=False, peers=[], led_by=leader)
    peers = []
    for name in group:
        if name == host:
            continue
        variables = hostvars[name]
        peer = dict(host=variables["sra_address"], port=int(variables.get("sra_port", 443)))
        server_name = _tls_server_name(name, variables, traffic_nodes)
        if server_name is not None:
            peer["tls_server_name"] = server_name
        peers.append(peer)
    return dict(leader=True, peers=peers, led_by=host)
