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

from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure

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
