#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: failover_relationship
short_description: Establish or break the failover relationship of two B Series appliances
description:
  - Establishes the primary/backup relationship from the appliance intended to be primary (O(host)), as on
    C(/login) > Management > Failover ("New Backup Site Connection Details" and "Reverse Connection Details To This
    Primary Site"), or breaks it (O(state=absent)).
  - Before establishing, checks what the vendor requires ("Failover Dynamics and Options") and says which is wrong
    - both appliances have the same inter-appliance key (compared by fingerprint, never the key), and the same product
    version and build.
  - Waits for the initial data sync (about 60 seconds before it begins on a real appliance) until
    C(last_data_sync_time) is set and the status is good. An existing relationship waits only while its first data
    sync has not happened yet; a later sync that failed is a warning (run the C(data_sync) playbook, or wait for the
    next scheduled sync), so that a transient sync failure never holds up a deployment.
  - Idempotent. The relationship is recognised from either end, so a run after a role swap changes nothing.
  - An existing relationship is checked from the other end too, with the vendor API (C(check_health) of O(peer_host)).
    When the peer answers with role V(none) (factory reset, or its side of the relationship broken), the relationship
    is one-sided and the module fails and names C(playbooks/replace_appliance.yml). A peer that cannot be reached is a
    warning.
  - Uses the sra.appliance management API (no vendor API exists for this page), and the vendor's C(check_health) for
    version and build.
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
    details:
      - Reads both appliances and reports whether it would establish or break the relationship.
      - A key precondition that is not met yet is a warning, not a failure, because an earlier task of the same run
        (M(sra.appliance.inter_appliance_key)) would set the keys; applying fails on it.
  diff_mode:
    support: full
    details: Shows the relationship (backup and reverse connection details) before and after.
options:
  state:
    description:
      - V(present) establishes the relationship, V(absent) breaks it.
      - Breaking keeps the data already copied; both appliances return to role V(none).
    type: str
    choices: [present, absent]
    default: present
  backup_host:
    description:
      - New backup site connection details, the host name or IP address of the appliance to become backup.
      - The vendor recommends each appliance's unique IP address. Required with O(state=present).
    type: str
  backup_port:
    description:
      - TLS port this primary uses to reach the backup.
    type: int
    default: 443
  reverse_host:
    description:
      - Reverse connection details to this primary site, the host name or IP address of this appliance that the
        backup uses to reach it. Required with O(state=present).
    type: str
  reverse_port:
    description:
      - TLS port the backup uses to reach this primary.
    type: int
    default: 443
  peer_host:
    description:
      - Where the controller reaches the other appliance of the pair (the backup for a new relationship) for the
        precondition checks and the one-sided check, with the same port and credentials. Defaults to O(backup_host)
        when this appliance is primary or not paired, and to the relationship's O(reverse_host) when it is backup.
    type: str
"""

EXAMPLES = r"""
- name: Establish the pair on the normal primary
  sra.appliance.failover_relationship:
    host: "{{ sra_address }}"
    backup_host: 12.12.1.51
    reverse_host: 12.12.1.50
    wait_timeout: 900
"""

RETURN = r"""
relationship:
  description: The relationship at the end (in check mode, the one that would be established); null when none.
  returned: success
  type: dict
  sample: {backup_host: 12.12.1.51, backup_port: 443, reverse_host: 12.12.1.50, reverse_port: 443}
role:
  description: This appliance's failover role at the end.
  returned: success
  type: str
  sample: primary
data_sync:
  description: The data sync state (last_data_sync_time, last_data_sync_status, state) at the end.
  returned: success
  type: dict
elapsed:
  description: Seconds spent waiting for the initial data sync (also returned on a timeout).
  returned: when the module waited
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._failover import relationship_matches, sync_state, \
    sync_status_is_good
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run, unmet_precondition)
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_host, parse_port
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi
from ansible_collections.sra.appliance.plugins.module_utils._waiter import waiter_for


def wanted_relationship(params):
    for name in ("backup_host", "reverse_host"):
        if not params[name]:
            raise ModuleFailure("%s is required with state=present" % name)
    return dict(backup_host=parse_host(params["backup_host"], "backup_host"),
                backup_port=parse_port(params["backup_port"], "backup_port"),
                reverse_host=parse_host(params["reverse_host"], "reverse_host"),
                reverse_port=parse_port(params["reverse_port"], "reverse_port"))


def key_problem(this_name, this_key, peer_name, peer_key):
    """Why the inter-appliance keys do not allow a relationship, or None."""
    unset = [name for name, state in ((this_name, this_key), (peer_name, peer_key)) if not state.get("set")]
    if unset:
        return ("the inter-appliance key is not set on %s; set the same key on both appliances "
                "(sra.appliance.inter_appliance_key, /login > Management > Security)" % " and ".join(unset))
    if this_key.get("fingerprint") != peer_key.get("fingerprint"):
        return ("the inter-appliance keys of %s (fingerprint %s) and %s (fingerprint %s) differ; set the same key on "
                "both appliances (sra.appliance.inter_appliance_key)"
                % (this_name, this_key.get("fingerprint"), peer_name, peer_key.get("fingerprint")))
    return None


def version_problem(this_name, this_health, peer_name, peer_health):
    wrong = [field for field in ("version", "build") if this_health[field] != peer_health[field]]
    if not wrong:
        return None
    return ("the product %s differ: %s runs %s (%s), %s runs %s (%s); the vendor requires the same site software "
            "package on both (Product Version and Product Build): install the same package on both appliances"
            % (" and ".join(wrong), this_name, this_health["version"], this_health["build"], peer_name,
               peer_health["version"], peer_health["build"]))


def check_preconditions(module, this_driver, peer_host):
    """Keys and version/build of both appliances, before the first write."""
    params = module.params
    peer_driver = driver_for(params, peer_host)
    this_vendor, peer_vendor = VendorApi(this_driver.client), VendorApi(peer_driver.client)
    this_health = this_vendor.check_health()
    try:
        peer_health = peer_vendor.check_health()
    except ApplianceError as exc:
        if exc.status is not None:
            raise
        raise ModuleFailure("Cannot establish the failover relationship: the backup appliance %s cannot be reached "
                            "from the controller (%s); check backup_host, or give peer_host where the controller "
                            "reaches it" % (peer_host, exc), appliance=peer_host)
    problem = version_problem(this_vendor.name, this_health, peer_vendor.name, peer_health)
    if problem:
        raise ModuleFailure("Cannot establish the failover relationship: %s" % problem)
    problem = key_problem(this_vendor.name, this_driver.key_state(), peer_vendor.name, peer_driver.key_state())
    if problem:
        unmet_precondition(module, problem, "sets the keys",
                           failure="Cannot establish the failover relationship: %s" % problem)


def initial_sync_done(status):
    last_time, last_status, state = sync_state(status)
    return bool(last_time) and state != "running" and sync_status_is_good(last_status)


def wait_for_initial_sync(module, result, driver):
    status, elapsed = waiter_for(module).wait(
        driver.failover, initial_sync_done,
        "the initial data sync of %s (last_data_sync_time set and status good)" % driver.client.name)
    result["elapsed"] = round(elapsed, 1)
    return status


def other_end(params, current):
    """Where the controller reaches the appliance at the other end of the existing relationship."""
    if params["peer_host"]:
        return params["peer_host"]
    relationship = current.get("relationship") or {}
    key = "reverse_host" if current.get("role") == "backup" else "backup_host"
    return relationship.get(key) or params.get("backup_host")


def check_other_end(module, driver, current):
    """An existing relationship the other appliance no longer knows (it answers role none) is one-sided."""
    peer = other_end(module.params, current)
    if not peer:
        return
    try:
        health = VendorApi(driver_for(module.params, peer).client).check_health()
    except ApplianceError as exc:
        module.warn("%s is in a failover relationship, but its peer %s could not be read (%s); the relationship "
                    "was not checked from that end" % (driver.client.name, peer, exc))
        return
    if health.get("role") in (None, "none"):
        raise ModuleFailure(
            "%s is %s in a failover relationship with %s, but %s answers with failover role none (a factory reset, or "
            "its side of the relationship broken): the relationship is one-sided and the site has no working backup. "
            "Run playbooks/replace_appliance.yml to rebuild %s into the pair (docs/runbooks/replace_appliance.md)"
            % (driver.client.name, current.get("role"), peer, peer, peer), appliance=peer, one_sided=True)


def wait_on_existing(module, driver, current):
    """An existing relationship waits only for its first data sync; a later failed one is a warning."""
    last_time, last_status, state = sync_state(current)
    if not last_time:  # the first data sync has not happened yet
        return module.params["wait"] and not module.check_mode
    if state != "running" and not sync_status_is_good(last_status):
        module.warn("the last data sync of %s did not succeed (%s at %s); run playbooks/data_sync.yml, or wait for "
                    "the next scheduled sync" % (driver.client.name, last_status, last_time))
    return False


def report(result, status, relationship=None):
    status = status or {}
    result["relationship"] = relationship if relationship is not None else status.get("relationship")
    result["role"] = status.get("role")
    result["data_sync"] = status.get("data_sync")


def ensure_present(module, result, driver, current, diff):
    wanted = wanted_relationship(module.params)
    if current.get("role") not in (None, "none"):
        if not relationship_matches(current.get("relationship"), wanted):
            raise ModuleFailure("%s is already in a failover relationship %s; break it first (state=absent) to "
                                "establish %s" % (driver.client.name, current.get("relationship"), wanted))
        diff.add("relationship", current.get("relationship"), current.get("relationship"))
        check_other_end(module, driver, current)
        report(result, wait_for_initial_sync(module, result, driver) if wait_on_existing(module, driver, current)
               else current)
        return
    check_preconditions(module, driver, module.params["peer_host"] or wanted["backup_host"])
    diff.add("relationship", None, wanted)
    result["changed"] = True
    if module.check_mode:
        report(result, dict(current, role="primary"), wanted)
        return
    status = driver.establish_relationship(**wanted)
    if module.params["wait"]:
        status = wait_for_initial_sync(module, result, driver)
    report(result, status)


def ensure_absent(module, result, driver, current, diff):
    if current.get("role") in (None, "none"):
        diff.add("relationship", None, None)
        report(result, current)
        return
    diff.add("relationship", current.get("relationship"), None)
    result["changed"] = True
    if module.check_mode:
        report(result, dict(current, role="none", relationship=None))
        return
    report(result, driver.break_relationship())


def ensure_relationship(module, result):
    params = module.params
    for name in ("backup_port", "reverse_port"):
        parse_port(params[name], name)
    driver = driver_for(params)
    current = driver.failover()
    diff = DiffTracker()
    if params["state"] == "present":
        ensure_present(module, result, driver, current, diff)
    else:
        ensure_absent(module, result, driver, current, diff)
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            backup_host=dict(type="str"),
            backup_port=dict(type="int", default=443),
            reverse_host=dict(type="str"),
            reverse_port=dict(type="int", default=443),
            peer_host=dict(type="str"),
        ), wait=True),
        required_if=[("state", "present", ("backup_host", "reverse_host"))],
        supports_check_mode=True)
    run(module, ensure_relationship)


if __name__ == "__main__":
    main()
