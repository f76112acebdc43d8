#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: failover_settings
short_description: Set the shared IPs and backup settings of a B Series appliance's site instance
description:
  - Sets, on C(/login) > Management > Failover of one appliance, the site instance's B(Shared IPs) and its B(Backup
    Settings). Neither is synchronised to the peer ("You should manually mirror the setting on the peer site"), so run
    it on both appliances.
  - Options left out keep their current value.
  - Refuses a shared IP outside the subnets of the appliance's own IPs, and automatic failover when it can tell (with
    O(peer_host)) that the two appliances are on different subnets. The vendor - "In order to use BeyondTrust's
    built-in automatic failover, your two B Series Appliances must be on the same subnet. If you wish to use automatic
    failover with B Series Appliances on different networks, you must use the failover API" (M(sra.appliance.failover_role)).
  - With O(normal_role), warns where the settings contradict the vendor's best-practice table ("Best Practices for
    Primary and Backup Environments"; "deviation from these best practices may result in data loss").
  - Uses the sra.appliance management API (no vendor API exists for this page). Reading the IP configuration for the
    subnet checks needs the C(/appliance) credentials.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the current settings and reports what it would change.
      - A subnet precondition that is not met yet is a warning, not a failure, because an earlier task of the same run
        (M(sra.appliance.network_ips)) would add the IPs; applying fails on it.
  diff_mode:
    support: full
    details: Shows the shared IPs and every backup setting before and after.
options:
  shared_ips:
    description:
      - The IPs this site instance enables when it becomes primary and disables when it becomes backup. Each must
        already be an IP of the appliance's IP Configuration page (M(sra.appliance.network_ips)), inside the subnet of
        one of its own IPs.
      - Addresses, or addresses with a prefix (V(12.12.1.52/24)); the prefix is ignored here.
      - V([]) selects none. Left out, the selection is kept.
    type: list
    elements: str
  backup_operations:
    description:
      - Enable backup operations (probing the primary, data syncs and automatic failover) while this instance is backup.
    type: bool
  primary_timeout:
    description:
      - Primary site instance timeout, seconds the primary must be unreachable before an automatic failover.
    type: int
  sync_interval:
    description:
      - Automatic data-sync interval, seconds. The vendor recommends at least once a day.
    type: int
  bandwidth_limit:
    description:
      - Data-sync bandwidth limit in Mbit/s; V(0) is unlimited.
    type: int
  automatic_failover:
    description:
      - Enable automatic failover. Needs both appliances on the same subnet.
    type: bool
  connectivity_test_ips:
    description:
      - Network connectivity test IPs the backup checks to tell a down primary from its own lost network.
    type: list
    elements: str
  normal_role:
    description:
      - The role this appliance normally holds. Enables the warnings of the vendor's best-practice table; changes
        nothing.
    type: str
    choices: [primary, backup]
  network_method:
    description:
      - The pair's network method for failover; refines the best-practice warnings (automatic failover is on for a
        shared IP pair, the user's choice for DNS or NAT swing).
    type: str
    choices: [shared_ip, dns_swing, nat_swing]
  peer_host:
    description:
      - The peer appliance's own address, reached with the same port and credentials, to check that the pair shares a
        subnet when O(automatic_failover) is on.
    type: str
"""

EXAMPLES = r"""
- name: Settings of the normal backup of a shared IP pair
  sra.appliance.failover_settings:
    host: 12.12.1.51
    shared_ips: [12.12.1.52]
    backup_operations: true
    automatic_failover: true
    primary_timeout: 300
    sync_interval: 3600
    bandwidth_limit: 0
    connectivity_test_ips: [12.12.1.1]
    normal_role: backup
    network_method: shared_ip
    peer_host: 12.12.1.50
"""

RETURN = r"""
shared_ips:
  description: The shared IPs at the end (in check mode, as they would be).
  returned: success
  type: list
  elements: str
  sample: [12.12.1.52]
backup_settings:
  description: The backup settings at the end (in check mode, as they would be).
  returned: success
  type: dict
  sample:
    backup_operations: true
    primary_timeout: 300
    sync_interval: 3600
    bandwidth_limit: 0
    automatic_failover: true
    connectivity_test_ips: [12.12.1.1]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._failover import (
    SETTING_MINIMUM, best_practice_warnings, parse_connectivity_test_ips, setting_problem)
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run, unmet_precondition)
from ansible_collections.sra.appliance.plugins.module_utils._net import describe_subnets, nic_for_address, parse_address

SETTINGS = ("backup_operations", "primary_timeout", "sync_interval", "bandwidth_limit", "automatic_failover",
            "connectivity_test_ips")


def validate(params):
    """Normalised (shared IPs or None, wanted settings) from the options."""
    for name in SETTING_MINIMUM:
        problem = setting_problem(name, params[name])
        if problem:
            raise ModuleFailure(problem)
    wanted = dict((name, params[name]) for name in SETTINGS if params[name] is not None)
    if "connectivity_test_ips" in wanted:
        wanted["connectivity_test_ips"] = parse_connectivity_test_ips(wanted["connectivity_test_ips"])
    shared = None
    if params["shared_ips"] is not None:
        shared = sorted(set(parse_address(ip.split("/", 1)[0], "shared_ips[%d]" % index)
                            for index, ip in enumerate(params["shared_ips"])))
    return shared, wanted


def by_nic(interfaces, leave_out=()):
    return dict((nic["name"], [ip for ip in nic["ips"] if ip["address"] not in leave_out]) for nic in interfaces)


def shared_ip_problems(shared, interfaces):
    """A shared IP must be on the IP Configuration page and inside a subnet of the appliance's own IPs."""
    own = by_nic(interfaces, leave_out=shared)
    configured = set(ip["address"] for nic in interfaces for ip in nic["ips"])
    problems = []
    for address in shared:
        if nic_for_address(address, own) is None:
            problems.append("shared IP %s is outside every subnet of the appliance's own enabled IPs (%s); a shared "
                            "IP must be on the subnet of both appliances" % (address, describe_subnets(own)))
        elif address not in configured:
            problems.append("shared IP %s is not on the appliance's IP Configuration page; add it (disabled on the "
                            "backup) with sra.appliance.network_ips first" % address)
    return problems


def peer_addresses(params):
    """The peer's enabled IPs as {nic: ips}, or None when the controller cannot tell."""
    try:
        return by_nic(driver_for(params, params["peer_host"]).interfaces())
    except ApplianceError:
        try:
            return {"peer_host": [dict(address=parse_address(params["peer_host"], "peer_host"), prefix=None,
                                       enabled=True)]}
        except ModuleFailure:
            return None


def same_subnet(own, peer):
    return any(nic_for_address(ip["address"], own) is not None
               for ips in peer.values() for ip in ips if ip.get("enabled", True))


def subnet_problems(module, shared, settings, interfaces):
    params = module.params
    problems = shared_ip_problems(shared, interfaces) if shared else []
    if settings.get("automatic_failover") and params["peer_host"]:
        peer = peer_addresses(params)
        if peer is None:
            module.warn("Cannot read the IP configuration of %s, nor is it an IP address: the module cannot tell "
                        "whether the pair shares a subnet, which built-in automatic failover needs" % params["peer_host"])
        elif not same_subnet(by_nic(interfaces, leave_out=shared or ()), peer):
            problems.append("automatic failover needs both appliances on the same subnet, but %s is outside every "
                            "subnet of this appliance (%s); turn automatic_failover off and drive failover through the "
                            "API (sra.appliance.failover_role), as the vendor advises for appliances on different "
                            "networks" % (params["peer_host"], describe_subnets(by_nic(interfaces, shared or ()))))
    return problems


def report_problems(module, problems):
    refusal = "Refusing the failover settings: %s" % "; ".join(problems)
    for problem in problems:
        unmet_precondition(module, problem, "fixes it", failure=refusal)


def apply_changes(driver, result, shared, current_shared, settings, current):
    if shared is not None and shared != current_shared:
        result["shared_ips"] = sorted(driver.set_shared_ips(shared))
        result["changed"] = True
    if settings != current:
        result["backup_settings"] = driver.set_backup_settings(settings)
        result["changed"] = True


def ensure_settings(module, result):
    params = module.params
    shared, wanted = validate(params)
    driver = driver_for(params)
    current_shared = sorted(driver.shared_ips())
    current = driver.backup_settings()
    settings = dict(current, **wanted)
    if shared or (settings.get("automatic_failover") and params["peer_host"]):
        report_problems(module, subnet_problems(module, shared, settings, driver.interfaces()))
    for warning in best_practice_warnings(settings, params["normal_role"], params["network_method"]):
        module.warn(warning)
    if settings.get("automatic_failover") and not settings.get("backup_operations"):
        module.warn("automatic_failover has no effect while backup_operations is off")
    diff = DiffTracker()
    diff.add("shared_ips", current_shared, current_shared if shared is None else shared)
    diff.add("backup_settings", current, settings)
    result.update(shared_ips=current_shared if shared is None else shared, backup_settings=settings)
    if module.check_mode:
        result["changed"] = diff.changed
    elif diff.changed:
        apply_changes(driver, result, shared, current_shared, settings, current)
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            shared_ips=dict(type="list", elements="str"),
            backup_operations=dict(type="bool"),
            primary_timeout=dict(type="int"),
            sync_interval=dict(type="int"),
            bandwidth_limit=dict(type="int"),
            automatic_failover=dict(type="bool"),
            connectivity_test_ips=dict(type="list", elements="str"),
            normal_role=dict(type="str", choices=["primary", "backup"]),
            network_method=dict(type="str", choices=["shared_ip", "dns_swing", "nat_swing"]),
            peer_host=dict(type="str"),
        )),
        supports_check_mode=True)
    run(module, ensure_settings)


if __name__ == "__main__":
    main()
