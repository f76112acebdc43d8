#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: health_info
short_description: Read the health, failover role and cluster view of a B Series appliance
description:
  - Reads C(check_health) through the vendor's XML command API (C(/api/command)) or its JSON command API v2
    (C(/api/command/v2/health)) and returns it in one normalised shape, whichever API answered.
  - Parses both the current BeyondTrust and the legacy Bomgar XML namespace, and a standalone appliance's answer,
    which has no failover elements.
  - Optionally runs the unauthenticated C(/check_health) probe, lists the appliances of the failover pair or Atlas
    cluster (C(get_appliances) or v2 C(/appliance)) and reads the API account's permissions (C(get_api_info) or v2
    C(/info)).
  - Optionally reads the TLS certificate the appliance serves (O(certificate)), from the TLS handshake itself, to
    report the days left before it expires.
  - Uses only the vendor's public APIs and TLS, so it works unchanged against a real appliance. Changes nothing.
  - The v2 C(/health) answer may come from a cache up to a minute old (the vendor's API reference); use O(api=xml)
    when the answer must be current.
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
  api:
    description:
      - Which vendor API to read. V(xml) is the command API C(/api/command); V(json) the command API v2.
    type: str
    choices: [xml, json]
    default: xml
  health:
    description:
      - Read C(check_health) (needs the API account's OAuth credentials).
      - Set to V(false) with O(probe=true) to check an appliance without credentials.
    type: bool
    default: true
  probe:
    description:
      - Also run the unauthenticated C(/check_health) probe (HTTP 200 healthy, 500 not).
    type: bool
    default: false
  appliances:
    description:
      - Also list the appliances of the failover pair or cluster (C(get_appliances) or v2 C(/appliance)).
    type: bool
    default: false
  api_info:
    description:
      - Also read the API version, server time and the API account's permissions (C(get_api_info) or v2 C(/info)).
    type: bool
    default: false
  certificate:
    description:
      - Also read the certificate the appliance serves, from a TLS handshake with O(host) and O(port).
      - With O(validate_certs=true) the chain is verified against O(ca_path) (or the system's trust store) and the
        validity dates are returned. With O(validate_certs=false) only the fingerprint is returned, because the
        dates of an unverified certificate are not worth reporting.
      - The host name is not checked, because O(host) is the appliance's own address and the point is the expiry date.
    type: bool
    default: false
  server_name:
    description:
      - The host name sent as SNI with O(certificate=true), usually the site host name, so the appliance serves
        the certificate a client of the site sees. Without it no SNI is sent and the appliance serves the
        certificate of the IP, or its default certificate.
    type: str
"""

EXAMPLES = r"""
- name: Read the health of every appliance of the pair
  sra.appliance.health_info:
    host: "{{ sra_address }}"
    appliances: true
  register: health

- name: Read the health and the days left of the certificate the site's clients are served
  sra.appliance.health_info:
    host: "{{ sra_address }}"
    ca_path: /etc/pki/site-ca.pem
    certificate: true
    server_name: support.example.com
  register: health

- name: Probe the site without credentials
  sra.appliance.health_info:
    host: "{{ sra_address }}"
    health: false
    probe: true
"""

RETURN = r"""
health:
  description: The normalised C(check_health) answer.
  returned: when O(health=true)
  type: dict
  contains:
    role:
      description: Failover role, V(none), V(primary) or V(backup).
      type: str
      sample: primary
    success:
      description: Whether the appliance reports itself healthy.
      type: bool
      sample: true
    error_message:
      description: The problem the appliance reports, if any.
      type: str
      sample: null
    enabled_shared_ips:
      description: The shared IPs this appliance has enabled (empty when none).
      type: list
      elements: str
      sample: [12.12.1.52]
    last_data_sync_time:
      description: The last data sync between primary and backup, ISO 8601 in UTC; null when there is none.
      type: str
      sample: "2024-12-02T12:00:00+00:00"
    last_data_sync_epoch:
      description: The same moment in seconds since the epoch.
      type: int
      sample: 1733140800
    last_data_sync_status:
      description: The status of the last data sync, as the appliance words it.
      type: str
      sample: Success
    version:
      description: Product version.
      type: str
      sample: 24.3.1
    build:
      description: Product build.
      type: str
      sample: 12345-0123abcd
    hostname:
      description: The appliance's host name.
      type: str
    appliance_id:
      description: The appliance's GUID.
      type: str
    cluster_role:
      description:
        - V(single), V(primary) or V(traffic). From v2 C(/health), or from the appliance list with O(appliances=true);
          null when the XML answer alone cannot tell.
      type: str
probe:
  description: The C(/check_health) probe.
  returned: when O(probe=true)
  type: dict
  contains:
    healthy:
      description: HTTP 200.
      type: bool
    status:
      description: The HTTP status.
      type: int
    message:
      description: The human-readable text of the answer.
      type: str
appliances:
  description: The appliances of the pair or cluster.
  returned: when O(appliances=true)
  type: list
  elements: dict
  sample:
    - id: 0123456789abcdef0123456789abcdef
      name: site1
      public_hostname: site1.example.com
      cluster_role: single
      failover_role: primary
      accepting_connections: true
      timezone_offset: 0
api_info:
  description: API version, server time (epoch seconds) and the API account's permissions.
  returned: when O(api_info=true)
  type: dict
certificate:
  description: The certificate the appliance served in the TLS handshake.
  returned: when O(certificate=true)
  type: dict
  contains:
    sha256:
      description: SHA-256 fingerprint of the certificate's DER form, lower-case hex.
      type: str
    verified:
      description: Whether the chain was verified (O(validate_certs)).
      type: bool
    subject:
      description: The subject's common name (all its attributes when it has none); null when not verified.
      type: str
      sample: support.example.com
    issuer:
      description: The issuer's common name (all its attributes when it has none); null when not verified.
      type: str
    not_before:
      description: Start of validity, ISO 8601 in UTC; null when not verified.
      type: str
      sample: "2024-12-02T12:00:00+00:00"
    not_after:
      description: End of validity, ISO 8601 in UTC; null when not verified.
      type: str
      sample: "2025-12-02T12:00:00+00:00"
    days_left:
      description: Whole days until RV(certificate.not_after), negative once expired; null when not verified.
      type: int
      sample: 364
"""

import datetime
import hashlib
import socket
import ssl
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, client_for, run
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi


def read_health(vendor, api):
    return vendor.check_health() if api == "xml" else vendor.v2_health()


def read_appliances(vendor, api):
    return vendor.appliances() if api == "xml" else vendor.v2_appliances()


def read_api_info(vendor, api):
    return vendor.api_info() if api == "xml" else vendor.v2_info()


def cluster_role_from(appliances, appliance_id):
    for entry in appliances:
        if appliance_id and entry["id"] == appliance_id:
            return entry["cluster_role"]
    return None


def name_text(name):
    """A subject or issuer as ssl.getpeercert() returns it (RDN tuples): its CN, else every attribute."""
    pairs = [pair for rdn in name or () for pair in rdn]
    for key, value in pairs:
        if key == "commonName":
            return value
    return ", ".join("%s=%s" % pair for pair in pairs) or None


def iso_utc(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat()


def tls_context(params):
    context = ssl.create_default_context(cafile=params.get("ca_path") if params["validate_certs"] else None)
    # The host is the appliance's own address; the certificate is read for its dates, not to trust the name.
    context.check_hostname = False
    if not params["validate_certs"]:
        context.verify_mode = ssl.CERT_NONE  # what validate_certs=false asks for; only the fingerprint is returned
    return context


def served_certificate(params, now=None):
    """The certificate the appliance serves: a TLS handshake, nothing sent after it."""
    context = tls_context(params)
    where = "%s:%s" % (params["host"], params["port"])
    try:
        with socket.create_connection((params["host"], params["port"]), timeout=params["timeout"]) as raw:
            with context.wrap_socket(raw, server_hostname=params.get("server_name")) as tls:
                der, details = tls.getpeercert(binary_form=True), tls.getpeercert()
    except ssl.SSLCertVerificationError as exc:
        raise ModuleFailure("%s: the served certificate does not verify (%s); give the CA that issued it in ca_path"
                            % (where, exc.verify_message or exc))
    except (OSError, ssl.SSLError) as exc:
        raise ModuleFailure("%s: cannot read the served certificate: %s" % (where, exc))
    certificate = dict(sha256=hashlib.sha256(der).hexdigest(), verified=bool(details), subject=None, issuer=None,
                       not_before=None, not_after=None, days_left=None)
    if details:
        not_after = ssl.cert_time_to_seconds(details["notAfter"])
        certificate.update(
            subject=name_text(details.get("subject")), issuer=name_text(details.get("issuer")),
            not_before=iso_utc(ssl.cert_time_to_seconds(details["notBefore"])), not_after=iso_utc(not_after),
            days_left=int((not_after - (now if now is not None else time.time())) // 86400))
    return certificate


def gather(module, result):
    params = module.params
    if not (params["health"] or params["probe"] or params["appliances"] or params["api_info"] or params["certificate"]):
        raise ModuleFailure("nothing to read: set health, probe, appliances, api_info or certificate to true")
    vendor = VendorApi(client_for(params))
    if params["probe"]:
        result["probe"] = vendor.probe()
    if params["health"]:
        result["health"] = read_health(vendor, params["api"])
    if params["appliances"]:
        result["appliances"] = read_appliances(vendor, params["api"])
        if params["health"] and result["health"]["cluster_role"] is None:
            result["health"]["cluster_role"] = cluster_role_from(result["appliances"], result["health"]["appliance_id"])
    if params["api_info"]:
        result["api_info"] = read_api_info(vendor, params["api"])
    if params["certificate"]:
        result["certificate"] = served_certificate(params)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            api=dict(type="str", default="xml", choices=["xml", "json"]),
            health=dict(type="bool", default=True),
            probe=dict(type="bool", default=False),
            appliances=dict(type="bool", default=False),
            api_info=dict(type="bool", default=False),
            certificate=dict(type="bool", default=False),
            server_name=dict(type="str"),
        )),
        supports_check_mode=True)
    run(module, gather)


if __name__ == "__main__":
    main()
