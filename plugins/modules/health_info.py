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
      - Also read the certificate the appliance serves, from a TLS handshake with O(host) and O(port), with the same
        SNI as the API requests (O(tls_server_name), else O(host) when it is a name).
      - With O(validate_certs=true) the chain is verified against O(ca_path) (or the system's trust store); its names,
        validity dates and which of O(tls_server_name) and O(host) it names are returned. A certificate that names
        neither is returned with a warning rather than a failure, so the days left can still be reported.
      - With O(validate_certs=false) only the fingerprint is returned, because the details of an unverified
        certificate are not worth reporting.
    type: bool
    default: false
  tls_server_name:
    description:
      - The connection option O(tls_server_name) (the name sent as SNI and accepted in the certificate besides
        O(host)), for the API requests and the certificate read alike.
      - O(server_name) is its earlier name, kept as an alias; before it became the connection option it only set the
        SNI of the certificate read.
    aliases: [server_name]
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
    tls_server_name: support.example.com
    certificate: true
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
    transient:
      description:
        - The probe kept answering 502, 503 or 504 (a gateway or an appliance busy with a role swap or a restart),
          so RV(probe.healthy) is false for now without the appliance reporting a problem.
      type: bool
appliances:
  description:
    - The appliances of the pair or cluster.
    - Null when the appliance answered the list with an error (PRA may lack C(get_appliances)); see
      RV(appliances_error).
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
appliances_error:
  description: Why the appliance list could not be read; the rest of the read is returned anyway, with a warning.
  returned: when O(appliances=true) and the appliance answered the list with an error
  type: str
  sample: "get_appliances refused: Unknown action"
api_info:
  description:
    - API version, server time (epoch seconds) and the API account's permissions.
    - With O(api=xml) read through C(get_api_info), falling back to v2 C(/info) when the XML API answers as if it
      were disabled (how it does is undocumented; an C(<error>), 403 or 404 is taken as that). RV(api_info.source)
      and RV(api_info.xml_api) say so.
  returned: when O(api_info=true)
  type: dict
  contains:
    permissions:
      description: The account's permissions, e.g. C(perm_command) (V(full_access), V(read_only) or V(deny)) and
        C(perm_backup) (boolean).
      type: dict
    source:
      description: The API that answered, V(xml) or V(json).
      type: str
    xml_api:
      description: V(enabled) when the XML API answered, V(unavailable) when it did not, null when not asked.
      type: str
    xml_api_error:
      description: How the XML API answered when it was unavailable.
      type: str
failure:
  description:
    - What kind of failure stopped the read, for a report that must not show every problem as unreachable.
    - V(unreachable) (no HTTP answer), V(tls) (handshake or certificate), V(auth) (credentials or permission),
      V(refused) (the appliance refused the request), V(http) (another unexpected answer), V(config) (the module's
      options are incomplete or wrong; nothing was sent).
  returned: failure
  type: str
  sample: tls
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
    sni:
      description: The name sent as SNI in the handshake; null when none was sent.
      type: str
      sample: support.example.com
    dns_names:
      description: The certificate's DNS names (the subject's common name when it has no SANs); null when not verified.
      type: list
      elements: str
    ip_addresses:
      description: The certificate's IP address SANs; null when not verified.
      type: list
      elements: str
    matched_name:
      description: The first of O(tls_server_name) and O(host) the certificate names; null when neither, or not verified.
      type: str
    matches_tls_server_name:
      description: Whether the certificate names O(tls_server_name) (the site host name, typically); null when no
        O(tls_server_name) was given or the certificate was not verified.
      type: bool
"""

import datetime
import hashlib
import ssl
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._client import (
    CONFIG, HTTP, REFUSED, TLS, UNREACHABLE, ApplianceError, TlsConfigError, TlsSettings, certificate_names,
    name_matches)
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, client_for, run
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi, read_account


def read_health(vendor, api):
    return vendor.check_health() if api == "xml" else vendor.v2_health()


def read_appliances(vendor, api):
    return vendor.appliances() if api == "xml" else vendor.v2_appliances()


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


def tls_settings(params):
    return TlsSettings(params["host"], params["validate_certs"], params.get("ca_path"), params.get("tls_server_name"))


def served_certificate(params, now=None):
    """The certificate the appliance serves: a TLS handshake as the API requests make it
    (same SNI, same chain verification), nothing sent after it. The names are reported, not
    enforced, so an expiring certificate is seen even when it names the wrong host."""
    tls = tls_settings(params)
    where = "%s:%s" % (params["host"], params["port"])
    try:
        with tls.connect(params["port"], params["timeout"], check_names=False) as sock:
            der, details = sock.getpeercert(binary_form=True), sock.getpeercert()
    except TlsConfigError as exc:
        raise ModuleFailure("%s: %s" % (where, exc), failure=CONFIG)
    except ssl.SSLCertVerificationError as exc:
        raise ModuleFailure("%s: the served certificate does not verify (%s): %s; give the CA that issued it in ca_path"
                            % (where, tls.describe(), exc.verify_message or exc), failure=TLS)
    except ssl.SSLError as exc:
        raise ModuleFailure("%s: cannot read the served certificate (%s): %s" % (where, tls.describe(), exc),
                            failure=TLS)
    except OSError as exc:
        raise ModuleFailure("%s: cannot read the served certificate: %s" % (where, exc), failure=UNREACHABLE)
    certificate = dict(sha256=hashlib.sha256(der).hexdigest(), verified=bool(details), subject=None, issuer=None,
                       not_before=None, not_after=None, days_left=None, sni=tls.sni, dns_names=None,
                       ip_addresses=None, matched_name=None, matches_tls_server_name=None)
    if details:
        not_after = ssl.cert_time_to_seconds(details["notAfter"])
        dns_names, addresses = certificate_names(details)
        matched = [name for name in tls.names if name_matches(details, name)]
        certificate.update(
            subject=name_text(details.get("subject")), issuer=name_text(details.get("issuer")),
            not_before=iso_utc(ssl.cert_time_to_seconds(details["notBefore"])), not_after=iso_utc(not_after),
            days_left=int((not_after - (now if now is not None else time.time())) // 86400),
            dns_names=dns_names, ip_addresses=addresses, matched_name=matched[0] if matched else None,
            matches_tls_server_name=tls.server_name in matched if tls.server_name else None)
    return certificate


def name_warning(params, certificate):
    """A warning when the verified certificate names neither tls_server_name nor host."""
    if not certificate["verified"] or certificate["matched_name"]:
        return None
    names = ["DNS:%s" % name for name in certificate["dns_names"]] + ["IP:%s" % ip for ip in certificate["ip_addresses"]]
    return ("the certificate %s serves names %s, not %s: requests by that name fail verification; set "
            "tls_server_name to a name the certificate holds, or give the appliance a certificate that names it"
            % (params["host"], ", ".join(names) or "no name", " or ".join(tls_settings(params).names)))


def read_appliances_or_error(vendor, api):
    """(appliances, None), or (None, message) when the appliance answered the list with an error:
    PRA may lack get_appliances, and the health is worth returning without it."""
    try:
        return read_appliances(vendor, api), None
    except ApplianceError as exc:
        if exc.kind not in (REFUSED, HTTP):
            raise
        return None, exc.appliance_message or str(exc)


def gather(module, result):
    params = module.params
    if not (params["health"] or params["probe"] or params["appliances"] or params["api_info"] or params["certificate"]):
        raise ModuleFailure("nothing to read: set health, probe, appliances, api_info or certificate to true",
                            failure=CONFIG)
    vendor = VendorApi(client_for(params))
    if params["probe"]:
        result["probe"] = vendor.probe()
    if params["health"]:
        result["health"] = read_health(vendor, params["api"])
    if params["appliances"]:
        result["appliances"], error = read_appliances_or_error(vendor, params["api"])
        if error is not None:
            result["appliances_error"] = error
            module.warn("%s: the appliance list could not be read (%s); the rest of the health is returned"
                        % (vendor.name, error))
        elif params["health"] and result["health"]["cluster_role"] is None:
            result["health"]["cluster_role"] = cluster_role_from(result["appliances"], result["health"]["appliance_id"])
    if params["api_info"]:
        result["api_info"] = read_account(vendor, params["api"])
    if params["certificate"]:
        result["certificate"] = served_certificate(params)
        warning = name_warning(params, result["certificate"])
        if warning:
            module.warn(warning)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            api=dict(type="str", default="xml", choices=["xml", "json"]),
            health=dict(type="bool", default=True),
            probe=dict(type="bool", default=False),
            appliances=dict(type="bool", default=False),
            api_info=dict(type="bool", default=False),
            certificate=dict(type="bool", default=False),
            tls_server_name=dict(type="str", aliases=["server_name"]),
        )),
        supports_check_mode=True)
    run(module, gather)


if __name__ == "__main__":
    main()
