#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: certificate
short_description: Import, remove and assign TLS certificates of a B Series appliance
description:
  - Manages C(/appliance) > Security > Certificates. It imports a certificate chain with its private key (PEM, or
    PKCS#12 with a passphrase) and removes certificates. It also makes a certificate the default for clients that send no
    (or a wrong) SNI, and sets the IPs it is served on.
  - Idempotent by the SHA-256 fingerprint of the leaf certificate. It imports only when the appliance does not hold that
    fingerprint, and reads the certificate table once.
  - Validates with cryptography before the first write. The data must parse and the passphrase must open it. The private
    key must match the leaf certificate, and the certificate must not be expired. A self-signed or factory certificate
    cannot become the default (the vendor forbids both, "Replicate SSL Certificate Configuration on the Backup B Series
    Appliance").
  - Warns when a Let's Encrypt certificate is used on a failover pair. The vendor advises against it because only the
    appliance the site name points to can renew it. The module knows the appliance is in a pair from
    O(failover_pair), or, when O(failover_pair) is not given and O(client_id) is, from the appliance's failover status.
  - Both appliances of a failover pair need the same certificate. Export it with M(sra.appliance.certificate_export)
    and import the file on the peer with O(pkcs12_path).
  - Uses the sra.appliance management API (no vendor API exists for this page); see the collection's
    C(docs/management-api.md).
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
requirements:
  - cryptography
attributes:
  check_mode:
    support: full
    details:
      - Validates the input, reads the certificate table (and NICs, failover status) and reports what it would do.
      - An O(assigned_ips) entry not configured on the appliance yet is taken to be added by an earlier task of the same
        run; the module warns instead of failing. Without check mode it fails before writing.
  diff_mode:
    support: full
    details: Shows whether the certificate is present, whether it is the default, and its assigned IPs; never the key.
options:
  state:
    description:
      - V(present) imports the certificate when the appliance does not hold it and applies O(default) and O(assigned_ips).
      - V(absent) removes the leaf certificate. The intermediates imported with it stay, because other certificates may
        share them. IPs assigned to it are unassigned first and fall back to the default certificate. The default
        certificate and the factory certificate cannot be removed.
    type: str
    choices: [present, absent]
    default: present
  certificate_chain:
    description:
      - The PEM text of the leaf certificate followed by its intermediates.
      - With O(state=absent) it only identifies the certificate; no key is needed.
    type: str
  private_key:
    description:
      - The PEM text of the leaf certificate's private key. Required with O(certificate_chain) and O(state=present).
    type: str
  private_key_passphrase:
    description:
      - The passphrase of an encrypted O(private_key).
    type: str
  pkcs12_path:
    description:
      - A PKCS#12 (.p12/.pfx) file on the controller with the certificate, its chain and private key, as
        M(sra.appliance.certificate_export) writes it.
    type: path
  pkcs12:
    description:
      - The same as O(pkcs12_path), given as the base64 text of the file.
    type: str
  pkcs12_passphrase:
    description:
      - The passphrase of the PKCS#12 data.
    type: str
  fingerprint:
    description:
      - Identifies a certificate the appliance already holds, by the SHA-256 fingerprint of its DER form (hex, colons
        allowed), instead of giving its data. Use it to remove a certificate, or to change O(default) or O(assigned_ips).
    type: str
  default:
    description:
      - V(true) makes the certificate the default, served to clients that send no or a wrong SNI.
      - V(false) fails when the certificate is the default. The appliance always has a default; make another certificate
        the default instead.
      - Omit it to leave the default as it is.
    type: bool
  assigned_ips:
    description:
      - The complete list of the appliance's IPs this certificate is served on. An IP is served with one certificate, so
        assigning it here takes it from any other. Every IP must be configured on the appliance.
      - Omit it to leave the assignment as it is; an empty list unassigns the certificate from every IP.
    type: list
    elements: str
  failover_pair:
    description:
      - Whether the appliance is, or will be, one of a failover pair; only used to warn about Let's Encrypt certificates.
      - When omitted, the module reads the failover status if O(client_id) is given, and assumes no pair otherwise.
    type: bool
"""

EXAMPLES = r"""
- name: Import the site certificate and make it the default
  sra.appliance.certificate:
    host: "{{ sra_address }}"
    certificate_chain: "{{ sra_certificate.chain }}"
    private_key: "{{ sra_certificate.key }}"
    default: true
    assigned_ips: ["{{ sra_address }}"]

- name: Import the certificate exported from the primary
  sra.appliance.certificate:
    host: "{{ sra_address }}"
    pkcs12_path: /secure/site.p12
    pkcs12_passphrase: "{{ sra_certificate_export_passphrase }}"
    default: true

- name: Remove an old certificate
  sra.appliance.certificate:
    host: "{{ sra_address }}"
    fingerprint: 3f1c0a...
    state: absent
"""

RETURN = r"""
fingerprint:
  description: The SHA-256 fingerprint of the leaf certificate (lowercase hex, no colons).
  returned: success
  type: str
  sample: 9a3e1f0c5b2d4e6f8a7b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f
certificate:
  description: What the module knows about the leaf certificate; nothing secret.
  returned: success, when the certificate was given or is on the appliance
  type: dict
  sample: {"subject": "CN=support.example.com", "issuer": "CN=Example CA", "dns_names": ["support.example.com"],
           "not_after": "2026-01-01T00:00:00+00:00", "self_signed": false}
imported:
  description: Fingerprints the appliance added (the leaf and any intermediates it did not hold). Empty in check mode.
  returned: success
  type: list
  elements: str
  sample: []
"""

import base64
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run, unmet_precondition)
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_address
from ansible_collections.sra.appliance.plugins.module_utils._x509 import (
    certificate_facts, check_not_expired, decode_base64, fingerprint, load_pem_bundle, load_pem_chain, load_pkcs12,
    normalize_fingerprint)

SOURCES = ("certificate_chain", "pkcs12_path", "pkcs12", "fingerprint")
LETS_ENCRYPT_ISSUER = "o=let's encrypt"
LETS_ENCRYPT_WARNING = ("%s is issued by Let's Encrypt and %s is in a failover pair: the vendor advises against Let's "
                        "Encrypt certificates for failover pairs, because only the appliance the site name points to "
                        "can request or renew it (Replicate SSL Certificate Configuration on the Backup B Series "
                        "Appliance). Use a certificate from another CA on both appliances.")


def read_pkcs12(params):
    if params["pkcs12_path"]:
        path = params["pkcs12_path"]
        if not os.path.isfile(path):
            raise ModuleFailure("pkcs12_path %s is not a file on the controller; give the path of the .p12/.pfx file"
                                % path)
        with open(path, "rb") as handle:
            return handle.read()
    return decode_base64(params["pkcs12"], "pkcs12")


class Source:
    """The task's certificate input, validated: a bundle to import, or just a leaf or a fingerprint."""

    def __init__(self, fingerprint, leaf=None, bundle=None, pkcs12_data=None):
        self.fingerprint = fingerprint
        self.leaf = leaf
        self.bundle = bundle
        self.pkcs12_data = pkcs12_data


def given_source(params):
    if params["fingerprint"]:
        return Source(normalize_fingerprint(params["fingerprint"]))
    if params["certificate_chain"] and params["state"] == "absent":
        leaf = load_pem_chain(params["certificate_chain"])[0]
        return Source(fingerprint(leaf), leaf)
    if params["certificate_chain"]:
        if not params["private_key"]:
            raise ModuleFailure("private_key is empty; give the PEM text of the certificate's private key with "
                                "certificate_chain")
        bundle = load_pem_bundle(params["certificate_chain"], params["private_key"], params["private_key_passphrase"])
        return Source(bundle.fingerprint, bundle.leaf, bundle)
    data = read_pkcs12(params)
    bundle = load_pkcs12(data, params["pkcs12_passphrase"], "pkcs12_path" if params["pkcs12_path"] else "pkcs12")
    return Source(bundle.fingerprint, bundle.leaf, bundle, data)


def find(table, wanted):
    for entry in table["certificates"]:
        if entry["fingerprint"].lower() == wanted:
            return entry
    return None


def check_default_allowed(entry, leaf, fp):
    """The vendor forbids a self-signed or factory certificate as default."""
    facts = certificate_facts(leaf) if leaf is not None else entry
    if facts["self_signed"]:
        raise ModuleFailure("certificate %s (%s) is self-signed and cannot be the default certificate; use a certificate "
                            "issued by a CA for the default, or leave default unset" % (facts["subject"], fp))
    if entry is not None and entry.get("factory"):
        raise ModuleFailure("certificate %s is the appliance's factory certificate and cannot be the default; import "
                            "a CA-issued certificate and make that the default" % fp)
    if entry is not None and not entry.get("has_private_key", True):
        raise ModuleFailure("certificate %s has no private key on the appliance and cannot be the default; import it "
                            "with its private key" % fp)


def check_assigned_ips(module, driver, ips):
    wanted = sorted(set(parse_address(ip, "assigned_ips[%d]" % index) for index, ip in enumerate(ips)))
    configured = set(parse_address(ip["address"], "appliance IP") for nic in driver.interfaces() for ip in nic["ips"])
    missing = [ip for ip in wanted if ip not in configured]
    if missing:
        unmet_precondition(module, "assigned_ips: %s %s not configured on the appliance yet (it has %s); configure it "
                                   "first with network_ips" % (", ".join(missing), "is" if len(missing) == 1 else "are",
                                                               ", ".join(sorted(configured)) or "no IPs"),
                           "configures it")
    return wanted


def in_failover_pair(module, driver):
    if module.params["failover_pair"] is not None:
        return module.params["failover_pair"]
    if not module.params["client_id"]:
        return False
    return driver.failover().get("relationship") is not None


def issued_by_lets_encrypt(entry, leaf):
    if leaf is not None:
        return certificate_facts(leaf)["lets_encrypt"]
    return LETS_ENCRYPT_ISSUER in (entry or {}).get("issuer", "").lower()


def state_of(entry, table):
    if entry is None:
        return dict(present=False, default=False, assigned_ips=[])
    return dict(present=True, default=table.get("default") == entry["fingerprint"],
                assigned_ips=sorted(entry.get("assigned_ips") or []))


def plan_present(module, driver, table, source):
    """(before, after, writes) for state=present, every precondition checked first."""
    params = module.params
    bundle, leaf, fp = source.bundle, source.leaf, source.fingerprint
    entry = find(table, fp)
    before = state_of(entry, table)
    if entry is None and bundle is None:
        raise ModuleFailure("certificate %s is not on the appliance; give certificate_chain and private_key, or "
                            "pkcs12_path, to import it" % fp)
    if leaf is not None:
        check_not_expired(leaf)
    if params["default"]:
        check_default_allowed(entry, leaf, fp)
    if params["default"] is False and before["default"]:
        raise ModuleFailure("certificate %s is the default certificate and the appliance always has one; make another "
                            "certificate the default instead of setting default=false" % fp)
    after = dict(before, present=True)
    writes = []
    if entry is None:
        writes.append(lambda: import_source(driver, source, params["pkcs12_passphrase"]))
    if params["default"]:
        after["default"] = True
        if not before["default"]:
            writes.append(lambda: driver.set_default_certificate(fp))
    if params["assigned_ips"] is not None:
        after["assigned_ips"] = check_assigned_ips(module, driver, params["assigned_ips"])
        if after["assigned_ips"] != before["assigned_ips"]:
            writes.append(lambda: driver.set_certificate_ips(fp, after["assigned_ips"]))
    if issued_by_lets_encrypt(entry, leaf) and in_failover_pair(module, driver):
        module.warn(LETS_ENCRYPT_WARNING % (fp, params["host"]))
    return before, after, writes


def plan_absent(driver, table, fp):
    entry = find(table, fp)
    before = state_of(entry, table)
    after = dict(present=False, default=False, assigned_ips=[])
    if entry is None:
        return before, before, []
    if entry.get("factory"):
        raise ModuleFailure("certificate %s is the appliance's factory certificate, which cannot be removed" % fp)
    if before["default"]:
        raise ModuleFailure("certificate %s is the default certificate; make another certificate the default "
                            "(default=true on that one) before removing it" % fp)
    writes = []
    if before["assigned_ips"]:
        writes.append(lambda: driver.set_certificate_ips(fp, []))
    writes.append(lambda: driver.delete_certificate(fp))
    return before, after, writes


def import_source(driver, source, passphrase):
    if source.pkcs12_data is None:
        answer = driver.import_pem(source.bundle.chain_pem(), source.bundle.key_pem())
    else:
        # The file as the user gave it: the appliance opens it with the passphrase itself.
        answer = driver.import_pkcs12(base64.b64encode(source.pkcs12_data).decode("ascii"), passphrase)
    return answer.get("imported", [])


def ensure_certificate(module, result):
    params = module.params
    source = given_source(params)
    driver = driver_for(params)
    table = driver.certificates()
    result.update(fingerprint=source.fingerprint, imported=[])
    entry = find(table, source.fingerprint)
    if source.leaf is not None:
        result["certificate"] = certificate_facts(source.leaf)
    elif entry is not None:
        result["certificate"] = dict((key, entry.get(key)) for key in (
            "subject", "issuer", "dns_names", "ip_addresses", "not_after", "self_signed", "factory"))
    if params["state"] == "present":
        before, after, writes = plan_present(module, driver, table, source)
    else:
        before, after, writes = plan_absent(driver, table, source.fingerprint)
    diff = DiffTracker()
    for key in ("present", "default", "assigned_ips"):
        diff.add(key, before[key], after[key])
    if module._diff:
        result["diff"] = diff.diff()
    if module.check_mode:
        result["changed"] = bool(writes)
        return
    for write in writes:
        imported = write()
        result["changed"] = True
        if isinstance(imported, list):
            result["imported"] = imported


def main():
    spec = argument_spec(dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        certificate_chain=dict(type="str"),
        private_key=dict(type="str", no_log=True),
        private_key_passphrase=dict(type="str", no_log=True),
        pkcs12_path=dict(type="path"),
        pkcs12=dict(type="str", no_log=True),
        pkcs12_passphrase=dict(type="str", no_log=True),
        fingerprint=dict(type="str"),
        default=dict(type="bool"),
        assigned_ips=dict(type="list", elements="str"),
        failover_pair=dict(type="bool"),
    ))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, mutually_exclusive=[SOURCES],
                           required_one_of=[SOURCES])
    run(module, ensure_certificate)


if __name__ == "__main__":
    main()
