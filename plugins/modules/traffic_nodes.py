#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: traffic_nodes
short_description: Manage the traffic nodes of a BeyondTrust Atlas cluster
description:
  - Manages the traffic nodes of C(/login) > Management > Cluster on the cluster's primary node, as the vendor's
    "Set Up the Traffic Nodes in an Atlas Cluster" describes them - name, Accepting New Client Connections, Timezone
    Offset, Public Address (host and port), Internal Address and Network Address Prefixes.
  - A resource module. V(merged) adds missing nodes and changes only the given fields of existing ones; V(replaced)
    sets the given nodes whole (omitted fields take their defaults); V(overridden) does that and removes every node not
    given; V(deleted) removes the given nodes (all nodes when O(config) is empty); V(gathered) only reads. These are the
    collection's resource contract (C(docs/decisions.md)); V(overridden) with an empty O(config) would remove every node
    and is refused unless O(allow_empty=true).
  - Taking a node out of rotation is O(state=merged) with O(config[].accepting_connections=false) and the node's name
    alone; running it again changes nothing.
  - The whole input is validated before the first write (unique names, host names, ports, offsets, prefixes).
  - After the run the module checks the result (see O(verify)) - each node's push status on the cluster page (the
    primary node pushes the configuration to every traffic node over its internal address; a node whose
    inter-appliance key differs refuses it) and the vendor's C(get_appliances) on this appliance, which must list
    exactly the intended traffic nodes, matched by name, with their rotation state and offset.
  - Uses the sra.appliance management API for the nodes (no vendor API exists for this page) and the vendor's XML
    command API for the check; see the collection's C(docs/management-api.md).
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
    details: Reads the cluster once and reports the nodes it would add, change and remove (RV(commands)); the cluster
      view is not checked because nothing was written.
  diff_mode:
    support: full
    details: Shows each changed node before and after, keyed by name.
options:
  config:
    description:
      - The traffic nodes. Names are unique.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The node's name, unique among all nodes.
        type: str
        required: true
      accepting_connections:
        description:
          - Accepting New Client Connections. V(false) takes the node out of rotation at once; clients no longer use it.
          - Defaults to V(true) for a new node and with O(state=replaced) or O(state=overridden).
        type: bool
      timezone_offset:
        description:
          - The node's currently active offset from UTC in B(hours), -12 to 14, in quarter hours (e.g. V(5.5), V(-3)).
          - Used only by the V(timezone_offset) method of the M(sra.appliance.cluster) module. The vendor's APIs report
            it in seconds.
          - Defaults to V(0) for a new node and with O(state=replaced) or O(state=overridden).
        type: float
      public_host:
        description:
          - Public Address, the DNS host name (or IP address) clients connect to.
          - Required to add a node and with O(state=replaced) or O(state=overridden).
        type: str
      public_port:
        description:
          - The port of the public address.
          - Defaults to V(443) for a new node and with O(state=replaced) or O(state=overridden).
        type: int
      internal_address:
        description:
          - Internal Address, the host name or IP address the appliances use among themselves (cluster data syncs).
          - Defaults to O(config[].public_host) for a new node and with O(state=replaced) or O(state=overridden).
        type: str
      network_prefixes:
        description:
          - Network Address Prefixes in CIDR notation (e.g. V(10.1.0.0/16)). Clients from these networks are sent to
            this node, whatever the method.
          - Defaults to none for a new node and with O(state=replaced) or O(state=overridden).
        type: list
        elements: str
  state:
    description:
      - How O(config) relates to the nodes on the appliance; see the description.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
  allow_empty:
    description:
      - Allow O(state=overridden) with an empty O(config), which removes every traffic node.
      - Without it such a task fails before reading anything, because an empty list is far more often a mistake (an
        inventory group without hosts, a filter that matched nothing) than the wish to remove everything.
    type: bool
    default: false
  verify:
    description:
      - Check the cluster after the run (not in check mode, not with O(state=gathered)) and fail naming each traffic
        node that refused the configuration or could not be reached, and each difference of the C(get_appliances)
        view.
      - After a change, with O(wait=true) the module first waits (up to O(wait_timeout)) until the primary node has
        pushed the configuration to every node; with O(wait=false), or when nothing changed, it looks once and warns
        about nodes whose push is still pending.
    type: bool
    default: true
notes:
  - Run against the cluster's primary node. On a traffic node or the backup primary the module fails before writing.
seealso:
  - module: sra.appliance.cluster
  - module: sra.appliance.preflight_checks
"""

EXAMPLES = r"""
- name: Traffic nodes in two regions, nothing else
  sra.appliance.traffic_nodes:
    host: "{{ sra_address }}"
    state: overridden
    config:
      - name: tn1.eu-west.example.com
        public_host: tn1.eu-west.example.com
        internal_address: 10.1.0.21
        timezone_offset: 1
        network_prefixes: [10.1.0.0/16]
      - name: tn3.us-east.example.com
        public_host: tn3.us-east.example.com
        timezone_offset: -5

- name: Take a node out of rotation for maintenance
  sra.appliance.traffic_nodes:
    host: "{{ sra_address }}"
    config:
      - name: tn1.eu-west.example.com
        accepting_connections: false

- name: Read the nodes
  sra.appliance.traffic_nodes:
    host: "{{ sra_address }}"
    state: gathered
  register: nodes
"""

RETURN = r"""
before:
  description: The traffic nodes before the run.
  returned: always, except with O(state=gathered)
  type: list
  elements: dict
after:
  description: The traffic nodes after the run (in check mode, what they would be).
  returned: always, except with O(state=gathered)
  type: list
  elements: dict
gathered:
  description: The traffic nodes on the appliance.
  returned: O(state=gathered)
  type: list
  elements: dict
  sample:
    - name: tn1.eu-west.example.com
      accepting_connections: true
      timezone_offset: 1
      public_host: tn1.eu-west.example.com
      public_port: 443
      internal_address: 10.1.0.21
      network_prefixes: [10.1.0.0/16]
commands:
  description: What was (or in check mode would be) done, in write order, in words.
  returned: always, except with O(state=gathered)
  type: list
  elements: str
  sample: ["update traffic node tn1.eu-west.example.com: accepting_connections: true -> false"]
changes:
  description: The same changes as data, in write order (V(update), then V(add), then V(delete)).
  returned: always, except with O(state=gathered)
  type: list
  elements: dict
  sample: [{action: update, name: tn1.eu-west.example.com}, {action: add, name: tn3.us-east.example.com}]
cluster_view:
  description: The traffic nodes as the vendor's C(get_appliances) lists them after the run (timezone_offset in seconds).
  returned: when the cluster was checked
  type: list
  elements: dict
node_status:
  description: Each traffic node's push status on the cluster page (C(pending), C(ok), C(refused), C(unreachable)).
  returned: when the cluster was checked
  type: list
  elements: dict
  sample: [{name: tn1.eu-west.example.com, state: ok, message: tn1.eu-west.example.com accepted the configuration.}]
pending:
  description: Names of the nodes whose push had not finished when the module looked.
  returned: when the cluster was checked
  type: list
  elements: str
mismatches:
  description: The nodes that refused the configuration or could not be reached, and how the cluster view differs from
    the intended nodes; empty when everything matches.
  returned: when the cluster was checked
  type: list
  elements: str
elapsed:
  description: Seconds spent waiting for the primary node to push the configuration.
  returned: when the module waited
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._cluster import (
    FIELDS, NODE_FIX_HINT, check_addresses, node_problems, pending_nodes, read_primary_cluster, validate_config)
from ansible_collections.sra.appliance.plugins.module_utils import _resource
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run)
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi
from ansible_collections.sra.appliance.plugins.module_utils._waiter import Waiter, WaitTimeout

SECONDS_PER_HOUR = 3600


def with_defaults(node):
    """A whole node from a config entry: what the vendor's Add New Traffic Node form starts with."""
    whole = dict(node)
    defaults = dict(accepting_connections=True, timezone_offset=0, public_port=443,
                    internal_address=node["public_host"], network_prefixes=[])
    for field, value in defaults.items():
        if whole[field] is None:
            whole[field] = value
    return whole


# --- planning ----------------------------------------------------------------------------

class TrafficNodes(_resource.Resource):
    """The traffic nodes of the cluster page, by name; merged changes only the given fields, a
    whole node (new, replaced, overridden) starts from the vendor's form defaults."""

    noun = "traffic node"
    everything = "every traffic node"
    kept = "traffic nodes"

    def __init__(self, driver):
        self.driver = driver

    def comparable(self, item):
        """Prefix order carries no meaning on the vendor's page."""
        key = dict((field, item.get(field)) for field in FIELDS)
        key["network_prefixes"] = sorted(item.get("network_prefixes") or [])
        key["timezone_offset"] = float(item.get("timezone_offset") or 0)
        return key

    def diff_value(self, item):
        return item

    def replace(self, have, want):
        return with_defaults(want)

    def add(self, want):
        if want["public_host"] is None:
            raise ModuleFailure("%s is a new traffic node: public_host is required to add it" % want["name"])
        return with_defaults(want)

    def describe(self, change):
        if change.action == _resource.ADD:
            node = change.after
            return ("add traffic node %s (public %s:%s, internal %s, offset %s h, prefixes [%s], %s)"
                    % (node["name"], node["public_host"], node["public_port"], node["internal_address"],
                       node["timezone_offset"], ", ".join(node["network_prefixes"]),
                       "accepting connections" if node["accepting_connections"] else "not accepting connections"))
        return super(TrafficNodes, self).describe(change)

    def write(self, change):
        if change.action == _resource.DELETE:
            self.driver.delete_traffic_node(change.key)
            return
        payload = dict((field, change.after[field]) for field in FIELDS)
        if change.action == _resource.ADD:
            self.driver.add_traffic_node(payload)
        else:
            self.driver.update_traffic_node(payload)


# --- the vendor's cluster view -----------------------------------------------------------

def cluster_view_mismatches(nodes, appliances):
    """How the vendor's get_appliances list (parsed; timezone_offset in seconds) differs from
    the intended traffic nodes (timezone_offset in hours). Empty when the view matches.

    get_appliances names a traffic node by the node's unique Name; its public_hostname is the
    Public Address, which two nodes may share, so it does not identify a node."""
    traffic = dict((item.get("name"), item) for item in appliances if item.get("cluster_role") == "traffic")
    problems = []
    for node in nodes:
        item = traffic.pop(node["name"], None)
        if item is None:
            problems.append("%s is not listed as a traffic node by get_appliances" % node["name"])
            continue
        if bool(item.get("accepting_connections")) != bool(node["accepting_connections"]):
            problems.append("%s: get_appliances reports accepting_connections=%s, intended %s"
                            % (node["name"], item.get("accepting_connections"), node["accepting_connections"]))
        seconds = int(round(float(node["timezone_offset"]) * SECONDS_PER_HOUR))
        if item.get("timezone_offset") != seconds:
            problems.append("%s: get_appliances reports timezone_offset=%s s, intended %s s (%s h)"
                            % (node["name"], item.get("timezone_offset"), seconds, node["timezone_offset"]))
    problems.extend("%s is listed as a traffic node by get_appliances but is not configured" % name
                    for name in traffic)
    return problems


def observe(driver, vendor, nodes, cluster=None):
    """One look at the primary node: the push state of every node and the vendor's view.

    ``cluster`` is a cluster page already read in this run (an unchanged run reads it once)."""
    cluster = cluster if cluster is not None else driver.cluster()
    view = [item for item in vendor.appliances() if item.get("cluster_role") == "traffic"]
    return dict(pending=pending_nodes(cluster), node_status=cluster.get("node_status") or [],
                cluster_view=view, mismatches=node_problems(cluster) + cluster_view_mismatches(nodes, view))


def settled(observation):
    # A refused or unreachable node stays so until the next push: waiting longer changes nothing.
    return not observation["pending"]


def verify_cluster_view(module, driver, nodes, result, cluster=None):
    """Wait until the primary has pushed to every node, then fail naming each node that refused
    the configuration and each difference of the get_appliances view."""
    params = module.params
    vendor = VendorApi(driver.client)  # the same client: one OAuth token for the run
    if cluster is not None or not params["wait"]:
        observation = observe(driver, vendor, nodes, cluster)
    else:
        try:
            observation, elapsed = Waiter(params["wait_timeout"], interval=1.0).wait(
                lambda: observe(driver, vendor, nodes), settled,
                "the primary node to push the configuration to every traffic node")
        except WaitTimeout as exc:
            last = exc.last_state or {}
            raise ModuleFailure("%s; still pending: %s" % (exc, ", ".join(last.get("pending") or ["unknown"])),
                                elapsed=round(exc.elapsed, 1), **dict((key, last[key]) for key in last))
        result["elapsed"] = round(elapsed, 1)
    result.update(observation)
    if observation["pending"]:
        module.warn("the configuration is still being pushed to %s: not verified yet"
                    % ", ".join(observation["pending"]))
    if observation["mismatches"]:
        raise ModuleFailure("the cluster does not match the intended traffic nodes: %s; %s"
                            % ("; ".join(observation["mismatches"]), NODE_FIX_HINT))


# --- the run -----------------------------------------------------------------------------

def current_nodes(cluster):
    return [dict((field, node.get(field)) for field in FIELDS) for node in cluster.get("traffic_nodes", [])]


def manage_nodes(module, result):
    params = module.params
    state = params["state"]
    config = validate_config(params["config"], state)
    check_addresses(config, params["host"])
    _resource.refuse_empty(state, config, params["allow_empty"], TrafficNodes)
    driver = driver_for(params)
    cluster = read_primary_cluster(driver, params["host"])
    current = current_nodes(cluster)
    if state == "gathered":
        result["gathered"] = current
        return
    plan = _resource.plan(TrafficNodes(driver), current, config, state, params["allow_empty"])
    plan.report(result, module._diff)
    if module.check_mode:
        return
    plan.apply(result)
    if params["verify"]:
        verify_cluster_view(module, driver, plan.after, result, cluster=None if plan.changed else cluster)


def main():
    node_options = dict(
        name=dict(type="str", required=True),
        accepting_connections=dict(type="bool"),
        timezone_offset=dict(type="float"),
        public_host=dict(type="str"),
        public_port=dict(type="int"),
        internal_address=dict(type="str"),
        network_prefixes=dict(type="list", elements="str"),
    )
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            config=dict(type="list", elements="dict", options=node_options, default=[]),
            state=dict(type="str", default="merged", choices=list(_resource.STATES)),
            allow_empty=dict(type="bool", default=False),
            verify=dict(type="bool", default=True),
        ), wait=True),
        supports_check_mode=True)
    run(module, manage_nodes)


if __name__ == "__main__":
    main()
