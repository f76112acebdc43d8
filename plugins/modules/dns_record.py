#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dns_record
short_description: Set an A record with an RFC 2136 dynamic update signed with TSIG, for DNS swing
description:
  - Points a host name (usually the site host name) at an IPv4 address on the zone's authoritative DNS server, the
    "DNS swing" network method of the vendor's "Failover Dynamics and Options".
  - Reads the record from the server first (a TSIG-signed query), so a run that finds the record as intended sends no
    update and reports no change. The update replaces the record's A set in one atomic message.
  - O(state=gathered) only reads the record and returns its addresses and TTL (RV(addresses), RV(ttl)), for a playbook
    that decides on them, such as the DNS tie-breaker of a conflict or the check after a swing.
  - Talks DNS (TCP) to the server, not HTTPS to an appliance, so it takes its own options and is not in the
    C(sra.appliance.appliance) action group.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.attributes.MODES
attributes:
  check_mode:
    support: full
    details: Reads the record (a signed query, so a wrong key is found in check mode too) and sends no update. To read
      the record, use O(state=gathered) rather than check mode.
  diff_mode:
    support: full
    details: Shows the record's addresses and TTL before and after.
  platform:
    description: Runs on the controller and talks DNS over TCP to the server.
    support: full
    platforms: posix
options:
  server:
    description:
      - The zone's primary (authoritative) DNS server, an IP address or a host name the controller resolves (once,
        before the first query).
    type: str
    required: true
  port:
    description:
      - The server's DNS port (TCP).
    type: int
    default: 53
  zone:
    description:
      - The zone that holds the record, e.g. V(example.com).
    type: str
    required: true
  record:
    description:
      - The record's name. A name ending in a dot, or ending in O(zone), is taken as written; a name without a dot is
        relative to O(zone); V(@) is the zone's apex.
      - A name with a dot outside O(zone) (a site host name with the wrong zone) is refused before any request.
    type: str
    required: true
  value:
    description:
      - The IPv4 address the record points at. Required with O(state=present); with O(state=absent) only this address
        is removed (all A records of the name without it). Ignored with O(state=gathered).
    type: str
  ttl:
    description:
      - The record's TTL in seconds. Keep it short for DNS swing, so clients follow a swing quickly. Ignored with
        O(state=gathered).
    type: int
    default: 60
  tsig_name:
    description:
      - The TSIG key's name, as the server's C(key) statement names it.
    type: str
  tsig_secret:
    description:
      - The TSIG key's secret, base64, as C(tsig-keygen) prints it.
    type: str
  tsig_algorithm:
    description:
      - The TSIG key's algorithm.
    type: str
    default: hmac-sha256
    choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5]
  state:
    description:
      - Whether the record exists (V(present), V(absent)), or V(gathered) to read it and change nothing.
    type: str
    choices: [present, absent, gathered]
    default: present
  timeout:
    description:
      - Seconds to wait for each answer of the server.
    type: float
    default: 10
requirements:
  - dnspython
seealso:
  - module: sra.appliance.failover_role
"""

EXAMPLES = r"""
- name: Swing the site host name to the new primary
  sra.appliance.dns_record:
    server: "{{ sra_dns.server }}"
    zone: "{{ sra_dns.zone }}"
    record: "{{ sra_site_hostname }}"
    value: "{{ hostvars[new_primary].sra_address }}"
    ttl: 60
    tsig_name: "{{ sra_dns.tsig_name }}"
    tsig_secret: "{{ sra_dns.tsig_secret }}"
    tsig_algorithm: "{{ sra_dns.tsig_algorithm | default('hmac-sha256') }}"
  delegate_to: localhost
  run_once: true

- name: Read where the site host name points
  sra.appliance.dns_record:
    server: "{{ sra_dns.server }}"
    zone: "{{ sra_dns.zone }}"
    record: "{{ sra_site_hostname }}"
    tsig_name: "{{ sra_dns.tsig_name }}"
    tsig_secret: "{{ sra_dns.tsig_secret }}"
    state: gathered
  delegate_to: localhost
  run_once: true
  register: site_record
"""

RETURN = r"""
record:
  description: The record's absolute name.
  returned: success
  type: str
  sample: support.example.com.
addresses:
  description: The record's A addresses after the run (in check mode, what they would be; with O(state=gathered), what
    they are). Empty when the record does not exist.
  returned: success
  type: list
  elements: str
  sample: [12.12.1.51]
ttl:
  description: The record's TTL after the run; null when the record does not exist.
  returned: success
  type: int
  sample: 60
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._dns import (
    ALGORITHMS, DNSPYTHON_IMPORT_ERROR, HAS_DNSPYTHON, DnsError, DnsServer, absolute_name, tsig_key)
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_ipv4

MAX_TTL = 2147483647


def validate(params):
    if not 1 <= params["port"] <= 65535:
        raise DnsError("port must be between 1 and 65535, got %s" % params["port"])
    if not 0 <= params["ttl"] <= MAX_TTL:
        raise DnsError("ttl must be 0 to %d seconds, got %s" % (MAX_TTL, params["ttl"]))
    if params["timeout"] <= 0:
        raise DnsError("timeout must be a positive number of seconds, got %s" % params["timeout"])
    for option in ("server", "zone", "record"):
        if not params[option].strip():
            raise DnsError("%s is empty" % option)
    if bool(params["tsig_name"]) != bool(params["tsig_secret"]):
        raise DnsError("tsig_name and tsig_secret go together: give both to sign with a TSIG key, or neither")
    if params["state"] == "present" and not params["value"]:
        raise DnsError("value is empty: state=present needs the IPv4 address the record points at")
    if params["state"] == "gathered" or not params["value"]:
        return None
    return parse_ipv4(params["value"], "value")


def wanted_addresses(state, current, value):
    if state == "present":
        return [value]
    if value:
        return [address for address in current if address != value]
    return []


def ensure_record(module, result):
    params = module.params
    value = validate(params)
    key = tsig_key(params["tsig_name"], params["tsig_secret"], params["tsig_algorithm"]) if params["tsig_name"] else None
    server = DnsServer(params["server"], params["port"], params["zone"], key, params["timeout"])
    name = absolute_name(params["record"], params["zone"])
    current, ttl = server.read_a(name)
    if params["state"] == "gathered":
        result.update(record=name.to_text(), addresses=current, ttl=ttl)
        return
    wanted = wanted_addresses(params["state"], current, value)
    # Removing one address of several keeps the set's TTL; only state=present sets it.
    wanted_ttl = params["ttl"] if params["state"] == "present" else (ttl if wanted else None)
    diff = DiffTracker()
    diff.add("addresses", current, wanted)
    if params["state"] == "present" and current:
        diff.add("ttl", ttl, wanted_ttl)
    result.update(record=name.to_text(), addresses=wanted, ttl=wanted_ttl, changed=diff.changed)
    if module._diff:
        result["diff"] = diff.diff()
    if not diff.changed or module.check_mode:
        return
    if not wanted:
        server.delete_a(name)
    elif params["state"] == "absent":
        server.delete_a(name, value)
    else:
        server.replace_a(name, wanted, params["ttl"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            server=dict(type="str", required=True),
            port=dict(type="int", default=53),
            zone=dict(type="str", required=True),
            record=dict(type="str", required=True),
            value=dict(type="str"),
            ttl=dict(type="int", default=60),
            tsig_name=dict(type="str"),
            tsig_secret=dict(type="str", no_log=True),
            tsig_algorithm=dict(type="str", default="hmac-sha256", choices=list(ALGORITHMS)),
            state=dict(type="str", default="present", choices=["present", "absent", "gathered"]),
            timeout=dict(type="float", default=10),
        ),
        required_together=[("tsig_name", "tsig_secret")],
        required_if=[("state", "present", ["value"])],
        supports_check_mode=True)
    if not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython"), exception=str(DNSPYTHON_IMPORT_ERROR))
    result = dict(changed=False)
    try:
        ensure_record(module, result)
    except (DnsError, ModuleFailure) as exc:
        result["changed"] = False
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
