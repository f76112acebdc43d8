# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""On which appliance the atlas_cluster role administers the cluster (the filter sra.appliance.cluster_primary).

The cluster's configuration lives on the current primary of the failover pair (the backup receives it
with a data sync), so after a failover site writes it on the normal backup. Before the pair exists
(no appliance has a failover role) it is the normal primary; a single appliance is its own primary.
Two appliances that both answer primary are a role conflict: writing the cluster on either would pick
a side, so the role refuses and names the flow that resolves it.

Pure: no controller import, so unit tests reach every branch."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ClusterPrimaryError(ValueError):
    """No appliance can be told to be the cluster's primary node; the text says what to do."""


def cluster_primary(candidates, roles, normal_roles):
    """The host to administer the cluster on.

    ``candidates``: the primary-capable hosts (the pair, or a standalone appliance), in inventory order;
    ``roles``: each one's current failover role as health_info reads it (primary, backup, none, or None
    when it was not read); ``normal_roles``: each one's sra_normal_role (None for a standalone)."""
    candidates = list(candidates or [])
    if not candidates:
        raise ClusterPrimaryError("the Atlas cluster needs a primary-capable appliance: put the failover pair in "
                                  "sra_failover_pair, or a single appliance in sra_standalone")
    primaries = [host for host in candidates if (roles or {}).get(host) == "primary"]
    if len(primaries) > 1:
        raise ClusterPrimaryError("%s all answer primary (a role conflict): the cluster is left as it is. Resolve the "
                                  "conflict first (playbooks/resolve_conflict.yml), then run site again"
                                  % " and ".join(primaries))
    if primaries:
        return primaries[0]
    if any((roles or {}).get(host) == "backup" for host in candidates):
        raise ClusterPrimaryError("no appliance answers primary (%s): the cluster is left as it is. Run the flow "
                                  "that fits (playbooks/unplanned_failover.yml, or resolve_conflict.yml when both "
                                  "are backup), then run site again"
                                  % ", ".join("%s %s" % (host, (roles or {}).get(host)) for host in candidates))
    normal = [host for host in candidates if (normal_roles or {}).get(host) == "primary"]
    return (normal or candidates)[0]


def cluster_primary_of(candidates, hostvars, health_results):
    """cluster_primary from the candidates' health_info results (in the same order) and their hostvars."""
    candidates, results = list(candidates or []), list(health_results or [])
    if len(results) != len(candidates):
        raise ClusterPrimaryError("cluster_primary needs one health_info result per host, got %d for %d hosts"
                                  % (len(results), len(candidates)))
    roles = dict((host, ((result or {}).get("health") or {}).get("role")) for host, result in zip(candidates, results))
    normal_roles = dict((host, hostvars[host].get("sra_normal_role")) for host in candidates)
    return cluster_primary(candidates, roles, normal_roles)
