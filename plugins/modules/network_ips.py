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
    an IP selected as shared. It keeps the appliance's value and warns when the task asks for another. The module can
    only see the failover settings through the C(/login) interface, so it reads them only when O(client_id) (and
    O(client_secret)) are given. Without them it applies O(config[].ips[].enabled) as given, so give an API account
    whenever the appliance may be in a failover relationship.
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
    details: Reads the NICs (and the failover settings) and reports the IP lists it would write; writes nothing.
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
              - When omitted, an existing IP keeps its flag and a new IP is enabled.
              - Ignored, with a warning when it differs, for a shared IP of an appliance in a failover relationship.
            type: bool
  state:
    description:
      - V(merged) adds the given IPs and updates the given ones; other IPs stay.
      - V(replaced) makes the IP list of each given NIC exactly the given list; NICs not given stay.
      - V(overridden) makes the IP list of every NIC exactly as given; NICs not given lose all their IPs.
      - V(deleted) removes the given IPs (see O(config)).
      - V(gathered) only reads, and returns the configuration in RV(gathered) in the shape of O(config).
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
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
changed_interfaces:
  description: The NICs whose IP list was written (would be, in check mode).
  returned: success, except with O(state=gathered)
  type: list
  elements: str
  sample: [eth0]
shared_ips:
  description: The IPs the failover settings select as shared, when the module read them (appliance in a relationship).
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

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run)
from ansible_collections.sra.appliance.plugins.module_utils._net import check_interfaces, parse_address, parse_ip_prefix

IP_SPEC = dict(address=dict(type="str", required=True), prefix=dict(type="int"), enabled=dict(type="bool"))
NIC_SPEC = dict(name=dict(type="str", required=True), ips=dict(type="list", elements="dict", options=IP_SPEC))


def parse_config(config, state):
    """{nic: [wanted ip]} from the task, every address checked before anything is read."""
    wanted = {}
    for nic_index, nic in enumerate(config):
        if nic["name"] in wanted:
            raise ModuleFailure("config: NIC %s is listed twice; list each NIC once" % nic["name"])
        ips = None
        if nic["ips"] is not None:
            ips = []
            for ip_index, ip in enumerate(nic["ips"]):
                field = "config[%d].ips[%d]" % (nic_index, ip_index)
                if state == "deleted":
                    address, prefix = parse_address(ip["address"].partition("/")[0], field), None
                else:
                    address, prefix = parse_ip_prefix(ip["address"], ip["prefix"], field)
                ips.append(dict(address=address, prefix=prefix, enabled=ip["enabled"]))
        elif state != "deleted":
            raise ModuleFailure("config[%d]: NIC %s has no ips; give its IPs (an empty list removes them all with "
                                "state=replaced or overridden)" % (nic_index, nic["name"]))
        wanted[nic["name"]] = ips
    return wanted


def current_config(driver):
    """{nic: [ip]} as the appliance reports it, addresses in canonical text."""
    return dict((nic["name"], [dict(address=parse_address(ip["address"], "appliance %s" % nic["name"]),
                                    prefix=ip["prefix"], enabled=ip["enabled"]) for ip in nic["ips"]])
                for nic in driver.interfaces())


def merge_ip(current, ip):
    """The IP to write: what the task gives, the current flag when it gives none."""
    enabled = ip["enabled"]
    if enabled is None:
        enabled = current["enabled"] if current else True
    return dict(address=ip["address"], prefix=ip["prefix"], enabled=enabled)


def desired_ips(current_ips, wanted_ips, state):
    by_address = dict((ip["address"], ip) for ip in current_ips)
    if state == "deleted":
        if wanted_ips is None:
            return []
        removed = set(ip["address"] for ip in wanted_ips)
        return [ip for ip in current_ips if ip["address"] not in removed]
    if state == "merged":
        wanted = dict((ip["address"], ip) for ip in wanted_ips)
        result = [merge_ip(ip, wanted.pop(ip["address"])) if ip["address"] in wanted else ip for ip in current_ips]
        return result + [merge_ip(None, ip) for ip in wanted_ips if ip["address"] in wanted]
    return [merge_ip(by_address.get(ip["address"]), ip) for ip in wanted_ips]


def desired_config(current, wanted, state):
    unknown = sorted(set(wanted) - set(current))
    if unknown:
        raise ModuleFailure("config: NIC %s does not exist on this appliance; it has %s"
                            % (", ".join(unknown), ", ".join(sorted(current)) or "no NICs"))
    if state == "deleted" and not wanted:
        wanted = dict((nic, None) for nic in current)
    result = {}
    for nic, ips in current.items():
        if nic in wanted:
            result[nic] = desired_ips(ips, wanted[nic], state)
        elif state == "overridden":
            result[nic] = []
        else:
            result[nic] = ips
    return result


def keep_shared_flags(module, current, desired, shared):
    """Failover owns the enabled flag of a shared IP: keep the appliance's value."""
    now = dict((ip["address"], ip["enabled"]) for ips in current.values() for ip in ips)
    for nic, ips in desired.items():
        for ip in ips:
            if ip["address"] in shared and ip["address"] in now and ip["enabled"] != now[ip["address"]]:
                module.warn("%s on %s is a shared IP of a failover relationship: the appliance enables it when it is "
                            "primary and disables it when it is backup, so enabled stays %s"
                            % (ip["address"], nic, now[ip["address"]]))
                ip["enabled"] = now[ip["address"]]


def shared_ips(module, driver):
    """The shared IPs failover manages, or an empty set when the appliance is in no relationship.

    Read only with an API account: the failover settings live on the /login interface.
    """
    if not module.params["client_id"]:
        return None
    if driver.failover().get("relationship") is None:
        return None
    return set(parse_address(ip, "shared IP") for ip in driver.shared_ips())


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


def protect_host_address(module, current, desired):
    if module.params["allow_host_address_change"]:
        return
    after = dict((ip["address"], ip["enabled"]) for ips in desired.values() for ip in ips)
    for address in host_addresses(module.params["host"]):
        configured = any(ip["address"] == address for ips in current.values() for ip in ips)
        if configured and not after.get(address, False):
            raise ModuleFailure("The task would %s %s, the address this module talks to (host); it would cut its own "
                                "connection. Keep it, run the task through another address of the appliance, or set "
                                "allow_host_address_change=true" % ("disable" if address in after else "remove", address))


def write_order(current, desired, changed):
    """NICs that only lose addresses first: moving an address or subnet from one NIC to another
    must free it before the other NIC takes it."""
    def adds(nic):
        return bool(set(ip["address"] for ip in desired[nic]) - set(ip["address"] for ip in current[nic]))
    return sorted(changed, key=lambda nic: (adds(nic), nic))


def by_address(ips):
    return sorted(ips, key=lambda ip: ip["address"])


def as_config(interfaces):
    return [dict(name=nic, ips=interfaces[nic]) for nic in sorted(interfaces)]


def ensure_ips(module, result):
    state = module.params["state"]
    wanted = {} if state == "gathered" else parse_config(module.params["config"], state)
    driver = driver_for(module.params)
    current = current_config(driver)
    if state == "gathered":
        result["gathered"] = as_config(current)
        return
    desired = desired_config(current, wanted, state)
    shared = shared_ips(module, driver)
    if shared is not None:
        result["shared_ips"] = sorted(shared)
        keep_shared_flags(module, current, desired, shared)
    check_interfaces(desired)
    diff = DiffTracker()
    # The order of a NIC's IPs means nothing to the appliance: compare them by address.
    changed = [nic for nic in sorted(desired) if diff.add(nic, by_address(current[nic]), by_address(desired[nic]))]
    if changed:
        protect_host_address(module, current, desired)
    result.update(before=as_config(current), after=as_config(desired), changed_interfaces=changed)
    if module._diff:
        result["diff"] = diff.diff()
    if module.check_mode:
        result["changed"] = bool(changed)
        return
    for nic in write_order(current, desired, changed):
        driver.set_interface_ips(nic, desired[nic])
        result["changed"] = True


def main():
    spec = argument_spec(dict(
        config=dict(type="list", elements="dict", options=NIC_SPEC, default=[]),
        state=dict(type="str", default="merged", choices=["merged", "replaced", "overridden", "deleted", "gathered"]),
        allow_host_address_change=dict(type="bool", default=False),
    ))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run(module, ensure_ips)


if __name__ == "__main__":
    main()
