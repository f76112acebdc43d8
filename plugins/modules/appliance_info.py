#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: appliance_info
short_description: Read the configuration and state of a B Series appliance
description:
  - Reads what the appliance's C(/appliance) and C(/login) pages show. That is its status (host name, model, serial,
    version, build), NICs and IPs, gateway, DNS servers and static routes, and certificates. It also reads the
    inter-appliance key's fingerprint and the failover and cluster state.
  - The C(/appliance) subsets (V(status), V(network), V(certificates)) need O(appliance_user) and O(appliance_password);
    the C(/login) subsets (V(key), V(failover), V(cluster)) need O(client_id) and O(client_secret).
  - Uses the sra.appliance management API (no vendor API exists for these pages); see the collection's
    C(docs/management-api.md). For health and roles through the vendor's own APIs use M(sra.appliance.health_info).
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode and never changes anything.
  diff_mode:
    support: N/A
    details: Reads only; there is nothing to diff.
options:
  gather_subset:
    description:
      - What to read. V(all) reads every subset whose credentials are given, and skips the others.
      - A subset named explicitly fails when its credentials are missing.
    type: list
    elements: str
    choices: [all, status, network, certificates, key, failover, cluster]
    default: [all]
"""

EXAMPLES = r"""
- name: Everything the credentials allow
  sra.appliance.appliance_info:
    host: "{{ sra_address }}"
  register: appliance

- name: Certificates only
  sra.appliance.appliance_info:
    host: "{{ sra_address }}"
    gather_subset: [certificates]
  register: certs

- name: Days until the default certificate expires
  ansible.builtin.debug:
    msg: "{{ (certs.certificates | selectattr('default') | first).days_left }}"
"""

RETURN = r"""
gathered_subsets:
  description: The subsets read.
  returned: always
  type: list
  elements: str
  sample: [status, network, certificates]
status:
  description: Status > Basics.
  returned: when V(status) is gathered
  type: dict
  sample: {"hostname": "site1.example.com", "model": "B400", "serial": "B4001234", "version": "24.3.1",
           "build": "12345-0123abcd", "product": "rs"}
interfaces:
  description: The NICs and their IPs.
  returned: when V(network) is gathered
  type: list
  elements: dict
  sample: [{"name": "eth0", "mac_address": "02:00:00:00:00:01", "link_detected": true,
            "ips": [{"address": "12.12.1.50", "prefix": 24, "enabled": true}]}]
gateway:
  description: The default gateway.
  returned: when V(network) is gathered
  type: dict
  sample: {"address": "12.12.1.1", "interface": "eth0"}
dns_servers:
  description: The DNS servers.
  returned: when V(network) is gathered
  type: list
  elements: str
  sample: [12.12.1.10]
static_routes:
  description: The static routes.
  returned: when V(network) is gathered
  type: list
  elements: dict
  sample: [{"destination": "10.20.0.0/16", "gateway": "10.0.0.1", "interface": "eth1"}]
certificates:
  description:
    - The certificates, as the appliance reports them (subject, SANs in C(dns_names) and C(ip_addresses), issuer,
      C(not_after), C(fingerprint), C(self_signed), C(factory), C(default), C(assigned_ips)), with C(days_left) added.
  returned: when V(certificates) is gathered
  type: list
  elements: dict
  sample: [{"fingerprint": "9a3e...", "subject": "CN=support.example.com", "dns_names": ["support.example.com"],
            "issuer": "CN=Example CA", "not_after": "2026-01-01T00:00:00+00:00", "days_left": 200,
            "self_signed": false, "factory": false, "default": true, "assigned_ips": ["12.12.1.50"]}]
default_certificate:
  description: The fingerprint of the default certificate, null when the factory certificate is served.
  returned: when V(certificates) is gathered
  type: str
  sample: 9a3e1f0c5b2d4e6f8a7b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f
inter_appliance_key:
  description: Whether the key is set, and its fingerprint (comparable across appliances; not the key).
  returned: when V(key) is gathered
  type: dict
  sample: {"set": true, "fingerprint": "5f0c0b6a0e3a4a4d9f5bb2a1d2c3e4f5"}
failover:
  description: Management > Failover, the status section (role, relationship, this host, peer host, data sync, history).
  returned: when V(failover) is gathered
  type: dict
  sample: {"role": "primary", "conflict": null}
cluster:
  description: Management > Cluster (role, method, traffic nodes, node status, history).
  returned: when V(cluster) is gathered
  type: dict
  sample: {"role": "single", "method": "random", "traffic_nodes": []}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._module import (
    argument_spec, driver_for, run)
from ansible_collections.sra.appliance.plugins.module_utils._time import days_until

APPLIANCE_SUBSETS = ("status", "network", "certificates")
LOGIN_SUBSETS = ("key", "failover", "cluster")


def subsets(params):
    wanted = params["gather_subset"]
    if "all" not in wanted:
        return [name for name in APPLIANCE_SUBSETS + LOGIN_SUBSETS if name in wanted]
    result = []
    if params["appliance_user"] and params["appliance_password"]:
        result.extend(APPLIANCE_SUBSETS)
    if params["client_id"] and params["client_secret"]:
        result.extend(LOGIN_SUBSETS)
    return result


def gather_network(driver):
    return dict(interfaces=driver.interfaces(), gateway=driver.gateway(), dns_servers=driver.dns_servers(),
                static_routes=driver.static_routes())


def gather_certificates(driver):
    table = driver.certificates()
    certificates = [dict(entry, days_left=days_until(entry["not_after"])) for entry in table["certificates"]]
    return dict(certificates=certificates, default_certificate=table.get("default"))


GATHERERS = dict(
    status=lambda driver: dict(status=driver.status()),
    network=gather_network,
    certificates=gather_certificates,
    key=lambda driver: dict(inter_appliance_key=driver.key_state()),
    failover=lambda driver: dict(failover=driver.failover()),
    cluster=lambda driver: dict(cluster=driver.cluster()),
)


def gather(module, result):
    driver = driver_for(module.params)
    names = subsets(module.params)
    for name in names:
        result.update(GATHERERS[name](driver))
    result["gathered_subsets"] = names


def main():
    spec = argument_spec(dict(
        gather_subset=dict(type="list", elements="str", default=["all"], choices=["all"] + list(GATHERERS)),
    ))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run(module, gather)


if __name__ == "__main__":
    main()
