#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: network_settings
short_description: Manage the default gateway, DNS servers and static routes of a B Series appliance
description:
  - Sets the default gateway and the DNS servers of C(/appliance) > Networking > IP Configuration and the routes of
    Networking > Static Routes.
  - Each setting is managed only when its option is given, so one task can own the gateway and leave the routes alone.
  - Validates before the first write. The gateway must lie inside the subnet of an enabled IP, and every route's
    gateway inside a subnet of its NIC. A route's destination must be a network address, given once. DNS servers must
    be valid addresses, at most four, without repeats. Configure the IPs first (M(sra.appliance.network_ips)).
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
    details:
      - Reads the settings it manages and reports what it would write; writes nothing.
      - A gateway outside every configured subnet is taken to be on an IP an earlier task of the same run configures
        (M(sra.appliance.network_ips)); the module warns instead of failing, so the plan of a fresh deployment is
        complete. Without check mode it fails before writing.
  diff_mode:
    support: full
    details: Shows the gateway, DNS servers and static routes it manages, before and after.
options:
  gateway:
    description:
      - The default gateway's address. An empty string removes the default gateway.
      - Omit it to leave the gateway as it is.
    type: str
  gateway_interface:
    description:
      - The NIC the gateway is reached through. By default the NIC with an enabled IP on the gateway's subnet.
    type: str
  dns_servers:
    description:
      - The DNS servers in order of preference, at most four. An empty list removes them all.
      - Omit it to leave the DNS servers as they are.
    type: list
    elements: str
  static_routes:
    description:
      - The complete list of static routes; routes not listed are removed. An empty list removes them all.
      - Omit it to leave the routes as they are.
    type: list
    elements: dict
    suboptions:
      destination:
        description:
          - The destination network in CIDR notation, for example V(10.20.0.0/16).
        type: str
        required: true
      gateway:
        description:
          - The next hop; it must lie inside a subnet of the route's NIC.
        type: str
        required: true
      interface:
        description:
          - The NIC. By default the NIC with an IP on the gateway's subnet.
        type: str
"""

EXAMPLES = r"""
- name: Default gateway and DNS servers
  sra.appliance.network_settings:
    host: "{{ sra_address }}"
    gateway: 12.12.1.1
    dns_servers: [12.12.1.10, 12.12.1.11]

- name: Route the management network through eth1
  sra.appliance.network_settings:
    host: "{{ sra_address }}"
    static_routes:
      - destination: 10.20.0.0/16
        gateway: 10.0.0.1
"""

RETURN = r"""
gateway:
  description: The default gateway after the task (in check mode, what it would be), when O(gateway) is given.
  returned: when O(gateway) is given
  type: dict
  sample: {"address": "12.12.1.1", "interface": "eth0"}
dns_servers:
  description: The DNS servers after the task, when O(dns_servers) is given.
  returned: when O(dns_servers) is given
  type: list
  elements: str
  sample: [12.12.1.10]
static_routes:
  description: The static routes after the task, when O(static_routes) is given.
  returned: when O(static_routes) is given
  type: list
  elements: dict
  sample: [{"destination": "10.20.0.0/16", "gateway": "10.0.0.1", "interface": "eth1"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    argument_spec, driver_for, run, unmet_precondition)
from ansible_collections.sra.appliance.plugins.module_utils._net import (
    SubnetMissing, check_dns_servers, check_gateway, check_static_routes, parse_address, parse_network)

ROUTE_SPEC = dict(destination=dict(type="str", required=True), gateway=dict(type="str", required=True),
                  interface=dict(type="str"))


def interfaces_of(driver):
    return dict((nic["name"], nic["ips"]) for nic in driver.interfaces())


def wanted_gateway(params, interfaces):
    if params["gateway"] == "":
        return dict(address=None, interface=None)
    address, nic = check_gateway(params["gateway"], interfaces, params["gateway_interface"])
    return dict(address=address, interface=nic)


def current_gateway(driver):
    gateway = driver.gateway()
    address = gateway.get("address")
    return dict(address=parse_address(address, "appliance gateway") if address else None,
                interface=gateway.get("interface") if address else None)


def route_key(route):
    return (route["destination"], route["gateway"], route["interface"])


def current_routes(driver):
    return sorted((dict(destination=parse_network(route["destination"], "appliance route"),
                        gateway=parse_address(route["gateway"], "appliance route"), interface=route["interface"])
                   for route in driver.static_routes()), key=route_key)


def reachable(module, check, planned):
    """``check()``; a gateway outside every subnet may be on an IP an earlier task of this run
    configures, so check mode plans with ``planned`` instead of failing."""
    try:
        return check()
    except SubnetMissing as exc:
        unmet_precondition(module, str(exc), "configures that subnet")
        return planned


def plan(module, driver):
    """[(name, before, after, write)] for each setting the task manages, all validated."""
    params = module.params
    steps = []
    dns = None if params["dns_servers"] is None else check_dns_servers(params["dns_servers"])
    interfaces = None
    if params["gateway"] is not None or params["static_routes"] is not None:
        interfaces = interfaces_of(driver)
    if params["gateway"] is not None:
        gateway = reachable(module, lambda: wanted_gateway(params, interfaces),
                            dict(address=params["gateway"], interface=params["gateway_interface"]))
        steps.append(("gateway", current_gateway(driver), gateway,
                      lambda: driver.set_gateway(gateway["address"], gateway["interface"])))
    if dns is not None:
        steps.append(("dns_servers", [parse_address(server, "appliance DNS server") for server in driver.dns_servers()],
                      dns, lambda: driver.set_dns_servers(dns)))
    if params["static_routes"] is not None:
        given = [dict(destination=route["destination"], gateway=route["gateway"], interface=route["interface"])
                 for route in params["static_routes"]]
        routes = sorted(reachable(module, lambda: check_static_routes(params["static_routes"], interfaces), given),
                        key=lambda route: tuple(str(value) for value in route_key(route)))
        steps.append(("static_routes", current_routes(driver), routes, lambda: driver.set_static_routes(routes)))
    return steps


def ensure_settings(module, result):
    driver = driver_for(module.params)
    diff = DiffTracker()
    writes = []
    for name, before, after, write in plan(module, driver):
        result[name] = after
        if diff.add(name, before, after):
            writes.append(write)
    if module._diff:
        result["diff"] = diff.diff()
    if module.check_mode:
        result["changed"] = diff.changed
        return
    for write in writes:
        write()
        result["changed"] = True


def main():
    spec = argument_spec(dict(
        gateway=dict(type="str"),
        gateway_interface=dict(type="str"),
        dns_servers=dict(type="list", elements="str"),
        static_routes=dict(type="list", elements="dict", options=ROUTE_SPEC),
    ))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                           required_by=dict(gateway_interface="gateway"))
    run(module, ensure_settings)


if __name__ == "__main__":
    main()
