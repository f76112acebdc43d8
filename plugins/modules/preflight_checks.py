#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: preflight_checks
short_description: Check the prerequisites of a BeyondTrust failover pair and Atlas cluster before deploying it
description:
  - Runs named checks over the intended topology (from the inventory) and what the appliances report, following the
    vendor's "Prerequisites for Setting Up Multiple B Series Appliances in Atlas Clusters". Each check answers
    C(passed), C(failed) or C(skipped) with a reason.
  - C(primary_nodes_same_model) - two primary nodes (one O(nodes[].role=primary), one O(nodes[].role=backup)) of the
    same model, as intended and as reported.
  - C(pair_same_version) - the pair reports the same product version and build.
  - C(traffic_node_regions) - a traffic node in each of at least two regions.
  - C(unique_hostnames) - every node has a valid, unique canonical host name, distinct from the site host name.
  - C(certificate_covers_hostnames) - the subject alternative names of O(certificate) cover the site host name and
    every node's host name (a wildcard covers exactly one label).
  - C(shared_ip_in_pair_subnet) - every shared IP lies in a subnet of both appliances of the pair.
  - C(tcp_443_reachable) - every appliance reaches every other one on TCP O(tcp_port), tested by the appliances'
    own TCP Connection Test (C(/appliance) > Support > Utilities). Each appliance gets one request that lists all the
    others (the management API tests them in parallel), so the whole matrix costs one request per appliance; an
    appliance whose management API predates the list is asked one target at a time.
  - C(inter_appliance_key_given) - an inter-appliance key is given for every node, the same for all.
  - The module reads every appliance of O(nodes) at O(nodes[].address) with the connection options' credentials
    through the sra.appliance management API (C(/appliance) status, IP configuration and TCP Connection Test), several
    appliances at once. It signs in with O(appliance_password) and, where that is refused, with
    O(fallback_appliance_password) (a fresh appliance's factory password), and reports per appliance which one signed
    in, so a deployment can read every appliance before it replaces the factory passwords.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
requirements:
  - cryptography (only to check O(certificate))
attributes:
  check_mode:
    support: full
    details: Only reads (the TCP Connection Test is a read); runs the same in check mode.
  diff_mode:
    support: none
    details: Changes nothing, so there is nothing to diff.
options:
  site_hostname:
    description:
      - The site host name customers visit; it routes to the primary node.
    type: str
    required: true
  nodes:
    description:
      - Every appliance of the pair and the cluster.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The node's canonical host name (unique and unchanging).
        type: str
        required: true
      role:
        description:
          - The node's normal role. The pair is one V(primary) and one V(backup).
        type: str
        required: true
        choices: [primary, backup, traffic]
      address:
        description:
          - Where the module reaches the appliance's own API. Defaults to O(nodes[].name).
        type: str
      internal_address:
        description:
          - Where the other appliances reach this one (the TCP test's target). Defaults to O(nodes[].address).
        type: str
      region:
        description:
          - The traffic node's geographic region.
        type: str
      model:
        description:
          - The intended model (e.g. V(B400)); compared with what the appliance reports.
        type: str
      ips:
        description:
          - The appliance's intended IPs in CIDR notation (e.g. V(12.12.1.50/24)). Without them, the IPs the appliance
            reports are used.
        type: list
        elements: str
      inter_appliance_key:
        description:
          - The inter-appliance key intended for this node. Only compared with the other nodes' keys, never returned.
        type: str
  shared_ips:
    description:
      - The pair's shared IPs (a bare address or CIDR notation). Empty unless the network method is shared IP.
    type: list
    elements: str
    default: []
  certificate:
    description:
      - The PEM certificate chain the site will serve (leaf first). Without it, C(certificate_covers_hostnames) is
        skipped.
    type: str
  checks:
    description:
      - The checks to run; the others are reported as skipped.
    type: list
    elements: str
    choices: [primary_nodes_same_model, pair_same_version, traffic_node_regions, unique_hostnames,
              certificate_covers_hostnames, shared_ip_in_pair_subnet, tcp_443_reachable, inter_appliance_key_given]
    default: [primary_nodes_same_model, pair_same_version, traffic_node_regions, unique_hostnames,
              certificate_covers_hostnames, shared_ip_in_pair_subnet, tcp_443_reachable, inter_appliance_key_given]
  gather:
    description:
      - Read the appliances. With V(false) only the inventory is checked; the checks that need the appliances are
        skipped.
    type: bool
    default: true
  tcp_port:
    description:
      - The port every appliance must reach on every other one.
    type: int
    default: 443
  tcp_timeout:
    description:
      - Seconds each TCP Connection Test may take, 0.1 to 60; the targets of one appliance are tested in parallel.
    type: float
    default: 5
  fail_on_failure:
    description:
      - Fail the task when a check fails. With V(false) the task succeeds and returns the failed checks.
    type: bool
    default: true
  fallback_appliance_password:
    description:
      - A second C(/appliance) admin password, tried on an appliance that refuses O(appliance_password), typically the
        factory password of an appliance not deployed yet. RV(appliances) says which one signed in.
    type: str
notes:
  - O(host) names the appliance the task runs for (usually the normal primary); every node is read at its own address.
seealso:
  - module: sra.appliance.cluster
  - module: sra.appliance.traffic_nodes
"""

EXAMPLES = r"""
- name: Check the Atlas prerequisites of the inventory
  sra.appliance.preflight_checks:
    host: "{{ sra_address }}"
    site_hostname: "{{ sra_site_hostname }}"
    shared_ips: "{{ sra_shared_ips | default([]) }}"
    certificate: "{{ sra_certificate.chain | default(omit) }}"
    nodes:
      - {name: site1.example.com, role: primary, address: 12.12.1.50, model: B400, ips: [12.12.1.50/24],
         inter_appliance_key: "{{ sra_inter_appliance_key }}"}
      - {name: site2.example.com, role: backup, address: 12.12.1.51, model: B400, ips: [12.12.1.51/24],
         inter_appliance_key: "{{ sra_inter_appliance_key }}"}
      - {name: tn1.eu.example.com, role: traffic, address: 10.1.0.21, region: eu-west,
         inter_appliance_key: "{{ sra_inter_appliance_key }}"}
      - {name: tn1.us.example.com, role: traffic, address: 10.3.0.21, region: us-east,
         inter_appliance_key: "{{ sra_inter_appliance_key }}"}
  run_once: true

- name: Check the inventory only, without contacting the appliances
  sra.appliance.preflight_checks:
    host: site1.example.com
    site_hostname: support.example.com
    gather: false
    fail_on_failure: false
    nodes:
      - {name: site1.example.com, role: primary, model: B400, inter_appliance_key: "{{ key }}"}
      - {name: site2.example.com, role: backup, model: B400, inter_appliance_key: "{{ key }}"}
      - {name: tn1.eu.example.com, role: traffic, region: eu-west, inter_appliance_key: "{{ key }}"}
      - {name: tn1.us.example.com, role: traffic, region: us-east, inter_appliance_key: "{{ key }}"}
  register: preflight
"""

RETURN = r"""
checks:
  description: Every check, in a fixed order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check's name.
      type: str
    state:
      description: V(passed), V(failed) or V(skipped).
      type: str
    reason:
      description: Why, naming the nodes concerned.
      type: str
  sample:
    - {name: traffic_node_regions, state: passed, reason: "traffic nodes in 2 regions (eu-west: tn1; us-east: tn3)"}
failed_checks:
  description: The names of the failed checks.
  returned: always
  type: list
  elements: str
summary:
  description: How many checks passed, failed and were skipped.
  returned: always
  type: dict
  sample: {passed: 7, failed: 0, skipped: 1}
appliances:
  description:
    - What each appliance reported (C(status)), or the error reading it (C(error)), by node name.
    - C(signed_in_with) is V(given) when O(appliance_password) signed in, V(fallback) when
      O(fallback_appliance_password) did, null when the appliance could not be read. Words, not the option names,
      because Ansible masks every occurrence of a no_log value and the factory password is the word "password".
  returned: when O(gather=true)
  type: dict
  sample: {"site1.example.com": {"status": {"hostname": "site1.example.com", "model": "B400"}, "error": null,
           "signed_in_with": "given"}}
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils import _preflight as preflight
from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._management import signed_in_status
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, driver_for, run
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_host, parse_ip_prefix, parse_port


def intended_nodes(params):
    """The nodes as the pure checks take them; addresses and IPs validated here, host names by
    the unique_hostnames check (so an empty or bad name is reported, not fatal)."""
    nodes = []
    for index, entry in enumerate(params["nodes"]):
        where = "nodes[%d] (%s)" % (index, entry["name"])
        # Without an address the name is where the appliance is reached, so it must be valid here.
        address = parse_host(entry.get("address") or entry["name"],
                             where + (".address" if entry.get("address") else ".name (used as address)"))
        if entry.get("internal_address"):
            parse_host(entry["internal_address"], where + ".internal_address")
        ips = ["%s/%s" % parse_ip_prefix(ip, None, "%s.ips[%d]" % (where, number))
               for number, ip in enumerate(entry.get("ips") or [])]
        nodes.append(dict(name=entry["name"], role=entry["role"], region=entry.get("region"),
                          model=entry.get("model"), address=address,
                          internal_address=entry.get("internal_address") or address, ips=ips,
                          key=entry.get("inter_appliance_key")))
    return nodes


def certificate_names(pem):
    if pem is None:
        return None
    # Imported here: only a run that checks a certificate loads cryptography.
    from ansible_collections.sra.appliance.plugins.module_utils._x509 import (
        load_pem_chain, require_cryptography, subject_alternative_names)
    require_cryptography()
    return subject_alternative_names(load_pem_chain(pem, "certificate")[0])[0]


def shared_ips(values):
    result = []
    for index, value in enumerate(values):
        address, dummy, prefix = value.partition("/")
        result.append("%s/%s" % parse_ip_prefix(address, prefix or 32, "shared_ips[%d]" % index))
    return result


# Which option's password signed in, by a word without "password" in it: Ansible masks every
# occurrence of a no_log value in the output, and the factory password is the word "password".
PASSWORD_OPTIONS = (("appliance_password", "given"), ("fallback_appliance_password", "fallback"))
# docs/management-api.md: the TCP Connection Test's timeout, seconds per target.
TCP_TIMEOUT = (0.1, 60)
# Appliances read at once; each read is a few HTTPS requests that mostly wait on the network.
MAX_PARALLEL_READS = 8


class Appliance:
    """One node as the module read it: the driver whose /appliance password signed in, what the
    node reported, or why it could not be read (a fact for the checks, not a module failure)."""

    def __init__(self, node):
        self.node = node
        self.driver = None
        self.fact = dict(status=None, interfaces=None, error=None, signed_in_with=None)

    def read(self, params, with_interfaces):
        try:
            self._sign_in(params)
            if self.driver is not None and with_interfaces and self.node["role"] in preflight.PAIR_ROLES \
                    and not self.node["ips"]:
                self.fact["interfaces"] = self.driver.interfaces()
        except ApplianceError as exc:
            self.fact["error"] = str(exc)
        return self

    def _sign_in(self, params):
        """The status, read with the first password that signs in: the given one, else the
        fallback (a fresh appliance's factory password). That one read tells both."""
        tried = []
        for option, word in PASSWORD_OPTIONS:
            if not params.get(option):
                continue
            tried.append(word)
            driver = driver_for(dict(params, appliance_password=params[option]), host=self.node["address"])
            status = signed_in_status(driver)
            if status is not None:
                self.driver = driver
                self.fact.update(status=status, signed_in_with=word)
                return
        self.fact["error"] = ("%s refuses to sign in %s with the %s credentials; give the /appliance admin credentials "
                              "it has" % (self.node["name"], params["appliance_user"], " or the ".join(tried) or "no"))

    def test_tcp(self, targets, port, timeout):
        """Whether this node reaches each of ``targets`` on ``port``: one TCP Connection Test
        request for all of them (the appliance tests them in parallel)."""
        results = [dict(source=self.node["name"], target=target["name"], host=target["internal_address"], port=port)
                   for target in targets]
        if self.driver is None or self.fact["error"]:
            return [dict(result, success=False, message="%s could not be read" % self.node["name"])
                    for result in results]
        try:
            answers = self.driver.tcp_connection_tests([(target["internal_address"], port) for target in targets],
                                                       timeout)
        except ApplianceError as exc:
            return [dict(result, success=False, message=str(exc)) for result in results]
        return [dict(result, success=bool(answer.get("success")), message=answer.get("message") or "")
                for result, answer in zip(results, answers)]


def in_parallel(function, items):
    """[function(item)] in the order of ``items``, run on a few threads at once."""
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(items))) as pool:
        return list(pool.map(function, items))


def tcp_matrix(appliances, topo, port, timeout):
    """The result of every test preflight.connection_tests asks for (TCP both ways between all
    appliances), in its order, at one request per appliance."""
    targets = {}
    for source, target in preflight.connection_tests(topo):
        targets.setdefault(source["name"], []).append(target)
    return [result for results in in_parallel(
        lambda appliance: appliance.test_tcp(targets.get(appliance.node["name"], []), port, timeout), appliances)
        for result in results]


def run_preflight(module, result):
    params = module.params
    parse_port(params["tcp_port"], "tcp_port")
    if not TCP_TIMEOUT[0] <= params["tcp_timeout"] <= TCP_TIMEOUT[1]:
        raise ModuleFailure("tcp_timeout must be a positive number of seconds, %s to %s (the TCP Connection Test's "
                            "range), got %s" % (TCP_TIMEOUT + (params["tcp_timeout"],)))
    nodes = intended_nodes(params)
    topo = preflight.topology(params["site_hostname"], nodes, shared_ips(params["shared_ips"]),
                              certificate_names(params["certificate"]))
    facts = tcp_results = None
    if params["gather"]:
        with_interfaces = "shared_ip_in_pair_subnet" in params["checks"]
        appliances = in_parallel(lambda node: Appliance(node).read(params, with_interfaces), nodes)
        facts = dict((appliance.node["name"], appliance.fact) for appliance in appliances)
        if "tcp_443_reachable" in params["checks"]:
            tcp_results = tcp_matrix(appliances, topo, params["tcp_port"], params["tcp_timeout"])
        result["appliances"] = dict((name, dict(status=fact["status"], error=fact["error"],
                                                signed_in_with=fact["signed_in_with"]))
                                    for name, fact in facts.items())
    checks = preflight.run_checks(topo, facts, tcp_results, params["checks"], params["tcp_port"])
    failed = [item["name"] for item in checks if item["state"] == preflight.FAILED]
    result.update(checks=checks, failed_checks=failed, summary=dict(
        (state, sum(1 for item in checks if item["state"] == state))
        for state in (preflight.PASSED, preflight.FAILED, preflight.SKIPPED)))
    if failed and params["fail_on_failure"]:
        raise ModuleFailure("%d preflight check(s) failed: %s" % (len(failed), "; ".join(
            "%s: %s" % (item["name"], item["reason"]) for item in checks if item["state"] == preflight.FAILED)))


def main():
    node_options = dict(
        name=dict(type="str", required=True),
        role=dict(type="str", required=True, choices=["primary", "backup", "traffic"]),
        address=dict(type="str"),
        internal_address=dict(type="str"),
        region=dict(type="str"),
        model=dict(type="str"),
        ips=dict(type="list", elements="str"),
        inter_appliance_key=dict(type="str", no_log=True),
    )
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            site_hostname=dict(type="str", required=True),
            nodes=dict(type="list", elements="dict", required=True, options=node_options),
            shared_ips=dict(type="list", elements="str", default=[]),
            certificate=dict(type="str"),
            checks=dict(type="list", elements="str", choices=list(preflight.CHECKS), default=list(preflight.CHECKS)),
            gather=dict(type="bool", default=True),
            tcp_port=dict(type="int", default=443),
            tcp_timeout=dict(type="float", default=5),
            fail_on_failure=dict(type="bool", default=True),
            fallback_appliance_password=dict(type="str", no_log=True),
        )),
        supports_check_mode=True)
    run(module, run_preflight)


if __name__ == "__main__":
    main()
