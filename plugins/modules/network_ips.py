#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: network_ips
short_description: Manage the IP addresses of a B Series appliance's network interfaces
description:
  - Manages the IPs of each NIC on the appliance's C(/appliance) > Networking > IP Configuration page (address, prefix,
    enabled), in the style of the network resource modules (O(state=merged), V(replaced), V(overridden), V(deleted),
    V(gathered)).
  - Validates the whole resulting configuration before the first write. Every address must be valid, with a
    prefix in range, and must not be its subnet's network or broadcast address. No address may appear twice on the
    appliance, and no two NICs may share a subnet.
  - A shared IP (DESIGN, "Where the shared IP lives") is an ordinary IP present on both appliances of a failover pair. The
    Failover page selects it, and from then on the appliance enables it when it becomes primary and disables it when it
    becomes backup. On an appliance in a failover relationship the module therefore never changes the enabled flag of
    an IP selected as shared. It keeps the appliance's value and warns when the task asks for another. One exception is
    the repair of a hand change - a selected shared IP that the current primary has disabled (the site's address is
    dead) and that the task names with O(config[].ips[].initially_enabled) is enabled again, as the appliance itself
    does when it becomes primary. A selected shared IP is never removed. The module can only see the failover
    settings through the C(/login) interface, so it reads them only when O(client_id) (and O(client_secret)) are
    given, and only when the task would change the enabled flag of an IP the appliance has, remove one, or names
    one with O(config[].ips[].initially_enabled) that the appliance has.
    Without an API account it applies O(config[].ips[].enabled) as given, so give one whenever the appliance may be in
    a failover relationship.
  - The states follow the collection's resource contract (C(docs/decisions.md)). O(state=overridden) with an empty
    O(config) would empty every NIC and is refused unless O(allow_empty=true).
  - Refuses to remove or disable the address it talks through (O(host), or the addresses O(host) resolves to) unless
    O(allow_host_address_change=true), because the task would cut its own connection.
  - Uses the sra.appliance management API (no vendor API exists for this page); see the collection's
    C(docs/management-api.md).
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Reads the NICs (and, when a flag would change, the failover settings) and reports the IP lists it would
      write and RV(commands); writes nothing.
  diff_mode:
    support: full
    details: Shows each changed NIC's IP list before and after.
options:
  config:
    description:
      - The NICs and their IPs. Ignored with O(state=gathered).
      - With O(state=deleted), a NIC without O(config[].ips) loses all its IPs, and an empty O(config) deletes every IP
        of every NIC.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The NIC, as the appliance names it (for example V(eth0)).
        type: str
        required: true
      ips:
        description:
          - The NIC's IPs.
        type: list
        elements: dict
        suboptions:
          address:
            description:
              - The IP address, either alone (with O(config[].ips[].prefix)) or as V(address/prefix), for example
                V(192.0.2.10/24).
            type: str
            required: true
          prefix:
            description:
              - The prefix length, 0 to 32 for IPv4 and 0 to 128 for IPv6. Required unless O(config[].ips[].address)
                carries it. With O(state=deleted) it is not needed.
            type: int
          enabled:
            description:
              - Whether the appliance serves on the IP.
              - When omitted, an existing IP keeps its flag and a new IP is enabled (or takes
                O(config[].ips[].initially_enabled)).
              - Ignored, with a warning when it differs, for a shared IP of an appliance in a failover relationship.
            type: bool
          initially_enabled:
            description:
              - The enabled flag the IP gets when the task adds it; an IP the appliance already has keeps its flag.
              - For an IP whose flag something else owns once it exists, such as a shared IP, which the appliance's
                failover enables on the primary and disables on the backup. Mutually exclusive with
                O(config[].ips[].enabled).
            type: bool
  state:
    description:
      - V(merged) adds the given IPs and updates the given ones; other IPs stay.
      - V(replaced) makes the IP list of each given NIC exactly the given list; NICs not given stay.
      - V(overridden) makes the IP list of every NIC exactly as given; NICs not given lose all their IPs. An empty
        O(config) is refused unless O(allow_empty=true).
      - V(deleted) removes the given IPs (see O(config)).
      - V(gathered) only reads, and returns the configuration in RV(gathered) in the shape of O(config).
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
  allow_empty:
    description:
      - Allow O(state=overridden) with an empty O(config), which removes every IP of every NIC.
      - Without it such a task fails before reading anything, because an empty list is far more often a mistake (an
        undefined variable, a filter that matched nothing) than the wish to remove everything.
    type: bool
    default: false
  allow_host_address_change:
    description:
      - Allow the task to remove or disable the address the module talks through (O(host)).
      - The connection to the appliance may break while or after it is written; later tasks need another address.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Give eth0 its address and the site's shared IP (shared IPs are enabled by failover afterwards)
  sra.appliance.network_ips:
    host: "{{ sra_address }}"
    config:
      - name: eth0
        ips:
          - address: 12.12.1.50/24
          - address: 12.12.1.52/24
            enabled: false

- name: Make eth1 hold exactly one IP
  sra.appliance.network_ips:
    host: "{{ sra_address }}"
    state: replaced
    config:
      - name: eth1
        ips:
          - address: 10.0.0.5
            prefix: 24

- name: Read the IP configuration
  sra.appliance.network_ips:
    host: "{{ sra_address }}"
    state: gathered
  register: ips
"""

RETURN = r"""
before:
  description: The configuration before the task, in the shape of O(config). Not with O(state=gathered).
  returned: success, except with O(state=gathered)
  type: list
  elements: dict
  sample: [{"name": "eth0", "ips": [{"address": "12.12.1.50", "prefix": 24, "enabled": true}]}]
after:
  description: The configuration after the task (in check mode, the configuration it would write).
  returned: success, except with O(state=gathered)
  type: list
  elements: dict
  sample: [{"name": "eth0", "ips": [{"address": "12.12.1.50", "prefix": 24, "enabled": true}]}]
commands:
  description: What the task changed (in check mode, would change), one line per NIC in write order, in words.
  returned: success, except with O(state=gathered)
  type: list
  elements: str
  sample: ["eth0: add 12.12.1.52/24 (disabled)"]
changes:
  description: The same changes as data, in write order; V(update) is the only action (NICs are not added or removed).
  returned: success, except with O(state=gathered)
  type: list
  elements: dict
  sample: [{"action": "update", "name": "eth0"}]
changed_interfaces:
  description: The NICs whose IP list was written (would be, in check mode).
  returned: success, except with O(state=gathered)
  type: list
  elements: str
  sample: [eth0]
shared_ips:
  description: The IPs the failover settings select as shared, when the module read them (appliance in a relationship,
    and the task would change the enabled flag of an IP the appliance has).
  returned: when read
  type: list
  elements: str
  sample: [12.12.1.52]
gathered:
  description: The configuration, with O(state=gathered).
  returned: O(state=gathered)
  type: list
  elements: dict
  sample: [{"name": "eth0", "ips": [{"address": "12.12.1.50", "prefix": 24, "enabled": true}]}]
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils import _resource
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run)
from ansible_collections.sra.appliance.plugins.module_utils._net import check_interfaces, parse_address, parse_ip_prefix

IP_SPEC = dict(address=dict(type="str", required=True), prefix=dict(type="int"), enabled=dict(type="bool"),
               initially_enabled=dict(type="bool"))
NIC_SPEC = dict(name=dict(type="str", required=True),
                ips=dict(type="list", elements="dict", options=IP_SPEC,
                         mutually_exclusive=[("enabled", "initially_enabled")]))


def parse_config(config, state):
    """[{name, ips}] from the task, every address checked before anything is read; ``ips`` is
    None for a NIC given without them (state=deleted: all its IPs)."""
    wanted, seen = [], set()
    for nic_index, nic in enumerate(config):
        if nic["name"] in seen:
            raise ModuleFailure("config: NIC %s is listed twice; list each NIC once" % nic["name"])
        seen.add(nic["name"])
        if nic["ips"] is None and state != "deleted":
            raise ModuleFailure("config[%d]: NIC %s has no ips; give its IPs (an empty list removes them all with "
                                "state=replaced or overridden)" % (nic_index, nic["name"]))
        ips = None if nic["ips"] is None else [
            parse_ip(ip, "config[%d].ips[%d]" % (nic_index, ip_index), state) for ip_index, ip in enumerate(nic["ips"])]
        wanted.append(dict(name=nic["name"], ips=ips))
    return wanted


def parse_ip(ip, field, state):
    if state == "deleted":
        return dict(address=parse_address(ip["address"].partition("/")[0], field), prefix=None, enabled=None,
                    initially_enabled=None)
    address, prefix = parse_ip_prefix(ip["address"], ip["prefix"], field)
    return dict(address=address, prefix=prefix, enabled=ip["enabled"], initially_enabled=ip["initially_enabled"])


def current_config(driver):
    """[{name, ips}] as the appliance reports it, by NIC name, addresses in canonical text."""
    return sorted((dict(name=nic["name"], ips=[dict(address=parse_address(ip["address"], "appliance %s" % nic["name"]),
                                                    prefix=ip["prefix"], enabled=ip["enabled"]) for ip in nic["ips"]])
                   for nic in driver.interfaces()), key=lambda nic: nic["name"])


def unknown_nic(name, nics):
    """A NIC cannot be added: the appliance has the NICs its hardware has."""
    return ModuleFailure("config: NIC %s does not exist on this appliance; it has %s"
                         % (name, ", ".join(sorted(nics)) or "no NICs"))


def by_address(ips):
    return sorted(ips, key=lambda ip: ip["address"])


class NicIps(_resource.Resource):
    """The IP list of each NIC. A NIC is never added or removed (the hardware has it): deleting
    it, or leaving it out with overridden, empties its list.

    ``shared`` are the shared IPs of a failover relationship, when read: failover owns their
    enabled flag, so an existing one keeps the appliance's value (with a warning).
    """

    noun = "NIC"
    everything = "every IP of every NIC"
    kept = "NICs and their IPs"

    def __init__(self, driver, warn, nics):
        self.driver = driver
        self.warn = warn
        self.nics = nics
        self.shared = set()
        self.repair = set()

    def comparable(self, item):
        # The order of a NIC's IPs means nothing to the appliance.
        return dict(name=item["name"], ips=by_address(item["ips"]))

    def diff_value(self, item):
        return None if item is None else by_address(item["ips"])

    def _ip(self, nic, current, ip):
        """The IP to write: the task's, with the appliance's flag where the task gives none (or
        failover owns it)."""
        enabled = ip["enabled"]
        if current is not None and ip["address"] in self.repair:
            return dict(address=ip["address"], prefix=ip["prefix"], enabled=True)
        if enabled is None:
            if current is not None:
                enabled = current["enabled"]
            else:
                enabled = ip["initially_enabled"] if ip["initially_enabled"] is not None else True
        if current is not None and ip["address"] in self.shared and enabled != current["enabled"]:
            self.warn("%s on %s is a shared IP of a failover relationship: the appliance enables it when it is "
                      "primary and disables it when it is backup, so enabled stays %s"
                      % (ip["address"], nic, current["enabled"]))
            enabled = current["enabled"]
        return dict(address=ip["address"], prefix=ip["prefix"], enabled=enabled)

    def merge(self, have, want):
        current = dict((ip["address"], ip) for ip in have["ips"])
        given = dict((ip["address"], ip) for ip in want["ips"])
        ips = [self._ip(have["name"], ip, given[ip["address"]]) if ip["address"] in given else ip for ip in have["ips"]]
        ips += [self._ip(have["name"], None, ip) for ip in want["ips"] if ip["address"] not in current]
        return dict(name=have["name"], ips=ips)

    def replace(self, have, want):
        current = dict((ip["address"], ip) for ip in have["ips"])
        return dict(name=have["name"], ips=[self._ip(have["name"], current.get(ip["address"]), ip) for ip in want["ips"]])

    def add(self, want):
        raise unknown_nic(want["name"], self.nics)

    def delete(self, have, want):
        if want is None or want["ips"] is None:
            return dict(name=have["name"], ips=[])
        removed = set(ip["address"] for ip in want["ips"])
        return dict(name=have["name"], ips=[ip for ip in have["ips"] if ip["address"] not in removed])

    def left_out(self, have):
        return dict(name=have["name"], ips=[])

    def describe(self, change):
        before = dict((ip["address"], ip) for ip in change.before["ips"])
        after = dict((ip["address"], ip) for ip in change.after["ips"])
        words = []
        for address in sorted(set(before) | set(after)):
            old, new = before.get(address), after.get(address)
            if old is None:
                words.append("add %s/%s%s" % (address, new["prefix"], "" if new["enabled"] else " (disabled)"))
            elif new is None:
                words.append("remove %s/%s" % (address, old["prefix"]))
            else:
                if old["prefix"] != new["prefix"]:
                    words.append("change %s/%s to /%s" % (address, old["prefix"], new["prefix"]))
                if old["enabled"] != new["enabled"]:
                    words.append("%s %s" % ("enable" if new["enabled"] else "disable", address))
        return "%s: %s" % (change.key, "; ".join(words))

    def write_order(self, changes):
        """NICs that only lose addresses first: moving an address or subnet from one NIC to
        another must free it before the other NIC takes it."""
        def adds(change):
            return bool(set(ip["address"] for ip in change.after["ips"]) -
                        set(ip["address"] for ip in change.before["ips"]))
        return sorted(changes, key=lambda change: (adds(change), change.key))

    def write(self, change):
        self.driver.set_interface_ips(change.key, change.after["ips"])


def flag_changes(plan):
    """Addresses whose enabled flag the plan changes on an IP the appliance already has."""
    addresses = set()
    for change in plan.changes:
        before = dict((ip["address"], ip["enabled"]) for ip in change.before["ips"])
        addresses.update(ip["address"] for ip in change.after["ips"]
                         if ip["address"] in before and before[ip["address"]] != ip["enabled"])
    return addresses


def warn_unnamed(module, plan, wanted):
    """An IP on a NIC the task names that the task does not name: state=merged keeps it, so it is drift the
    plan must still show (issue 19)."""
    named = dict((nic["name"], set(ip["address"] for ip in nic["ips"] or [])) for nic in wanted)
    for nic in plan.after:
        extra = sorted("%s/%s" % (ip["address"], ip["prefix"]) for ip in nic["ips"]
                       if nic["name"] in named and ip["address"] not in named[nic["name"]])
        if extra:
            module.warn("%s of %s also has %s, which config does not name; state=merged keeps %s (state=replaced, or "
                        "sra_network_exact in the network role, removes %s)"
                        % (nic["name"], module.params["host"], ", ".join(extra), "it" if len(extra) == 1 else "them",
                           "it" if len(extra) == 1 else "them"))


def existing_flag_owned(plan, wanted):
    """Addresses the task names with initially_enabled (an IP whose flag failover owns, such as a shared IP) that
    the appliance already has."""
    before = set(ip["address"] for nic in plan.before for ip in nic["ips"])
    return set(ip["address"] for nic in wanted for ip in nic["ips"] or []
               if ip.get("initially_enabled") is not None and ip["address"] in before)


def disabled_on_primary(plan, shared, role):
    """Selected shared IPs the current primary has disabled: the site's address is dead. The appliance enables them
    itself when it becomes primary, so enabling them again repairs what a hand change broke; on a backup the flag
    stays the appliance's (issue 19)."""
    if role != "primary":
        return set()
    return set(ip["address"] for nic in plan.before for ip in nic["ips"] if ip["address"] in shared and not ip["enabled"])


def removed_addresses(plan):
    """Addresses the plan takes off the appliance."""
    before = set(ip["address"] for nic in plan.before for ip in nic["ips"])
    return before - set(ip["address"] for nic in plan.after for ip in nic["ips"])


def protect_shared_ips(host, shared, removed):
    """A shared IP is the site's address while the appliance is primary: removing it while the Failover page still
    selects it leaves the site unserved (issue 13). Deselect it first."""
    taken = sorted(shared & removed)
    if taken:
        raise ModuleFailure("The task would remove %s from %s, the shared IP%s its failover relationship selects (the "
                            "site's address while it is primary): clients would lose the site. Keep %s in config, or "
                            "first deselect %s in the failover settings of both appliances (failover_settings "
                            "shared_ips) and then remove %s. Nothing was changed."
                            % (", ".join(taken), host, "" if len(taken) == 1 else "s",
                               "it" if len(taken) == 1 else "them", "it" if len(taken) == 1 else "them",
                               "it" if len(taken) == 1 else "them"))


def shared_ips(module, driver):
    """(the shared IPs failover manages, this appliance's failover role), or None when the appliance is in no
    relationship or the module cannot tell (the failover settings live on /login: read only with an API account)."""
    if not module.params["client_id"]:
        return None
    status = driver.failover()
    if status.get("relationship") is None:
        return None
    return set(parse_address(ip, "shared IP") for ip in driver.shared_ips()), status.get("role")


def host_addresses(host):
    """The addresses the module talks through: host itself, or what the name resolves to."""
    try:
        return set([parse_address(host, "host")])
    except ModuleFailure:
        pass
    try:
        return set(parse_address(info[4][0].split("%")[0], "host") for info in socket.getaddrinfo(host, None))
    except (socket.error, ModuleFailure):
        return set()


def protect_host_address(module, plan):
    if module.params["allow_host_address_change"]:
        return
    after = dict((ip["address"], ip["enabled"]) for nic in plan.after for ip in nic["ips"])
    configured = set(ip["address"] for nic in plan.before for ip in nic["ips"])
    for address in host_addresses(module.params["host"]) & configured:
        if not after.get(address, False):
            raise ModuleFailure("The task would %s %s, the address this module talks to (host); it would cut its own "
                                "connection. Keep it, run the task through another address of the appliance, or set "
                                "allow_host_address_change=true" % ("disable" if address in after else "remove", address))


def ensure_ips(module, result):
    params = module.params
    state = params["state"]
    wanted = [] if state == "gathered" else parse_config(params["config"], state)
    _resource.refuse_empty(state, wanted, params["allow_empty"], NicIps)
    driver = driver_for(params)
    current = current_config(driver)
    if state == "gathered":
        result["gathered"] = current
        return
    nics = NicIps(driver, module.warn, [nic["name"] for nic in current])
    for nic in wanted:
        if nic["name"] not in nics.nics:
            raise unknown_nic(nic["name"], nics.nics)
    plan = _resource.plan(nics, current, wanted, state, params["allow_empty"])
    # Failover owns the enabled flag of a shared IP, and a selected shared IP must not be removed:
    # read which IPs are shared only when the plan would change the flag of an IP the appliance has, remove one, or
    # keep one whose flag failover owns (a shared IP the current primary may have lost); no read otherwise.
    if flag_changes(plan) or removed_addresses(plan) or existing_flag_owned(plan, wanted):
        seen = shared_ips(module, driver)
        if seen is not None:
            shared, role = seen
            result["shared_ips"] = sorted(shared)
            protect_shared_ips(params["host"], shared, removed_addresses(plan))
            repair = disabled_on_primary(plan, shared, role) & existing_flag_owned(plan, wanted)
            if shared & flag_changes(plan) or repair:
                nics.shared, nics.repair = shared, repair
                plan = _resource.plan(nics, current, wanted, state, params["allow_empty"])
    check_interfaces(dict((nic["name"], nic["ips"]) for nic in plan.after))
    if state == "merged":
        warn_unnamed(module, plan, wanted)
    if plan.changed:
        protect_host_address(module, plan)
    plan.report(result, module._diff)
    result["changed_interfaces"] = sorted(change.key for change in plan.changes)
    if not module.check_mode:
        plan.apply(result)


def main():
    spec = argument_spec(dict(
        config=dict(type="list", elements="dict", options=NIC_SPEC, default=[]),
        state=dict(type="str", default="merged", choices=list(_resource.STATES)),
        allow_empty=dict(type="bool", default=False),
        allow_host_address_change=dict(type="bool", default=False),
    ))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run(module, ensure_ips)


if __name__ == "__main__":
    main()
