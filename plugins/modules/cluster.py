#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cluster
short_description: Manage a BeyondTrust Atlas cluster on its primary node
description:
  - Sets the Method for Choosing Traffic Nodes of C(/login) > Management > Cluster, presses Sync Now, or disbands the
    cluster (O(state=absent)), on the cluster's primary node, as the vendor's Atlas cluster guides describe them.
  - Traffic nodes are managed by M(sra.appliance.traffic_nodes).
  - After a sync the module reports every node's status and fails when a node refused the configuration (for example
    because its inter-appliance key differs) or could not be reached.
  - Uses the sra.appliance management API (no vendor API exists for this page); see the collection's
    C(docs/management-api.md).
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.wait
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Reads the cluster once and reports whether it would change the method, sync or disband.
  diff_mode:
    support: full
    details: Shows the method, the cluster role and the traffic node names before and after.
options:
  method:
    description:
      - The Method for Choosing Traffic Nodes. Network address prefixes of a traffic node override any method.
      - V(random) picks a node at random; V(a_record_lookup) and V(srv_record_lookup) rely on DNS; V(ip_anycast)
        hands clients an IP address instead of a host name; V(timezone_offset) picks the node whose offset is nearest
        to the client's.
      - Omit it to leave the method as it is.
    type: str
    choices: [random, a_record_lookup, srv_record_lookup, ip_anycast, timezone_offset]
  sync:
    description:
      - Press Sync Now, which pushes the cluster configuration to every traffic node. An action, so it reports a change
        every time it runs; use it when the nodes or the method changed, e.g. set it to C({{ nodes is changed }}).
      - With O(wait=true) the module waits until the sync has finished and fails if a node refused it or was
        unreachable.
    type: bool
    default: false
  state:
    description:
      - V(absent) presses Disband Cluster; every appliance returns to a single appliance. O(method) and O(sync) are
        then not allowed.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Run against the cluster's primary node. On a traffic node or the backup primary the module fails before writing.
seealso:
  - module: sra.appliance.traffic_nodes
  - module: sra.appliance.preflight_checks
"""

EXAMPLES = r"""
- name: Choose traffic nodes by the client's timezone
  sra.appliance.cluster:
    host: "{{ sra_address }}"
    method: timezone_offset

- name: Push the configuration to the traffic nodes when they changed
  sra.appliance.cluster:
    host: "{{ sra_address }}"
    sync: "{{ nodes is changed }}"

- name: Disband the cluster
  sra.appliance.cluster:
    host: "{{ sra_address }}"
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster page as the appliance reports it after the run (before it, in check mode).
  returned: success
  type: dict
  sample:
    role: primary
    method: timezone_offset
    traffic_nodes: []
    node_status: [{name: tn1.eu-west.example.com, state: ok, message: Configuration applied}]
    last_sync_time: "2024-12-02T12:00:00+00:00"
node_status:
  description: Every traffic node's status after the run.
  returned: success
  type: list
  elements: dict
elapsed:
  description: Seconds spent waiting for the sync.
  returned: when a sync was waited for
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._cluster import (
    NODE_FIX_HINT, node_problems, pending_nodes, read_primary_cluster)
from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run)
from ansible_collections.sra.appliance.plugins.module_utils._waiter import waiter_for


def node_names(cluster):
    return [node["name"] for node in cluster.get("traffic_nodes") or []]


def is_clustered(cluster):
    return cluster.get("role") != "single" or bool(cluster.get("traffic_nodes"))


def push_finished(cluster):
    """The primary has pushed the configuration to every node, whatever each node answered:
    Sync Now marks every node pending before it answers, so no pending node means done."""
    return not pending_nodes(cluster)


def sync_cluster(module, driver, cluster, result):
    driver.cluster_sync()
    result["changed"] = True
    if not module.params["wait"]:
        return cluster
    cluster, elapsed = waiter_for(module, interval=1.0).wait(driver.cluster, push_finished,
                                                             "the cluster sync to finish")
    result["elapsed"] = round(elapsed, 1)
    problems = node_problems(cluster)
    if problems:
        result.update(cluster=cluster, node_status=cluster.get("node_status"))
        raise ModuleFailure("the cluster sync did not reach every traffic node: %s; %s"
                            % ("; ".join(problems), NODE_FIX_HINT))
    return cluster


def ensure_present(module, driver, cluster, result, diff):
    method = module.params["method"]
    if method:
        diff.add("method", cluster.get("method"), method)
    if module.params["sync"]:
        diff.add("sync", None, "sync now", changed=True)
    if module.check_mode:
        result["changed"] = diff.changed
        return cluster
    if method and method != cluster.get("method"):
        cluster = driver.set_cluster_method(method)
        result["changed"] = True
    if module.params["sync"]:
        cluster = sync_cluster(module, driver, cluster, result)
    for problem in node_problems(cluster):
        module.warn("traffic node %s" % problem)
    return cluster


def ensure_absent(module, driver, cluster, result, diff):
    if not is_clustered(cluster):
        return cluster
    diff.add("role", cluster.get("role"), "single")
    diff.add("traffic_nodes", node_names(cluster), [])
    if module.check_mode:
        result["changed"] = True
        return cluster
    disbanded = driver.disband_cluster()
    result["changed"] = True
    return disbanded or driver.cluster()


def manage_cluster(module, result):
    driver = driver_for(module.params)
    cluster = read_primary_cluster(driver, module.params["host"])
    diff = DiffTracker()
    ensure = ensure_absent if module.params["state"] == "absent" else ensure_present
    cluster = ensure(module, driver, cluster, result, diff)
    result.update(cluster=cluster, node_status=cluster.get("node_status") or [])
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            method=dict(type="str", choices=["random", "a_record_lookup", "srv_record_lookup", "ip_anycast",
                                             "timezone_offset"]),
            sync=dict(type="bool", default=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ), wait=True),
        supports_check_mode=True)
    if module.params["state"] == "absent" and (module.params["method"] or module.params["sync"]):
        module.fail_json(msg="state=absent disbands the cluster: method and sync cannot be given with it")
    run(module, manage_cluster)


if __name__ == "__main__":
    main()
