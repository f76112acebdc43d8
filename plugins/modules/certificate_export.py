#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: certificate_export
short_description: Export a B Series appliance's certificate with its key to a PKCS#12 file on the controller
description:
  - Exports a certificate of C(/appliance) > Security > Certificates with its private key (and chain) as PKCS#12,
    protected by O(passphrase). The file is written on the controller with mode 0600, atomically, so it can be imported
    on the peer of a failover pair with M(sra.appliance.certificate) (the vendor's "Replicate SSL Certificate
    Configuration on the Backup B Series Appliance").
  - The certificate is chosen by O(fingerprint), by an IP it is served on (O(assigned_ip)), or else it is the
    appliance's default certificate.
  - With O(force=false), when O(dest) already opens with O(passphrase) and holds the same certificate, nothing is
    exported and the module reports no change (it still corrects the file's mode to 0600).
  - The output holds the file's path and the certificate's fingerprint, never the key or the passphrase.
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
      - Reads the certificate table and the existing file; exports nothing and writes no file.
      - A certificate named by O(fingerprint) that is not on the appliance yet is taken to be imported by an earlier task
        of the same run; the module warns and predicts the export.
  diff_mode:
    support: full
    details: Shows the fingerprint the file holds before and after, and its mode.
options:
  dest:
    description:
      - The file on the controller to write. Its directory must exist.
    type: path
    required: true
  passphrase:
    description:
      - The passphrase protecting the PKCS#12 file; needed again to import it.
    type: str
    required: true
  fingerprint:
    description:
      - The SHA-256 fingerprint of the certificate to export (hex, colons allowed).
    type: str
  assigned_ip:
    description:
      - Export the certificate served on this IP of the appliance (the vendor's guide exports "the certificate chain that
        is assigned to the active IP address").
    type: str
  include_chain:
    description:
      - Include the certificate's chain (the intermediates the appliance holds).
    type: bool
    default: true
  force:
    description:
      - Export and write the file even when it already holds the same certificate.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Export the primary's default certificate
  sra.appliance.certificate_export:
    host: "{{ sra_address }}"
    dest: /secure/site.p12
    passphrase: "{{ sra_certificate_export_passphrase }}"
  delegate_to: localhost

- name: Import it on the backup
  sra.appliance.certificate:
    host: "{{ hostvars['site2.example.com'].sra_address }}"
    pkcs12_path: /secure/site.p12
    pkcs12_passphrase: "{{ sra_certificate_export_passphrase }}"
    default: true
"""

RETURN = r"""
dest:
  description: The file written (or that would be written).
  returned: success
  type: str
  sample: /secure/site.p12
fingerprint:
  description: The SHA-256 fingerprint of the exported certificate.
  returned: success
  type: str
  sample: 9a3e1f0c5b2d4e6f8a7b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f
mode:
  description: The file's mode.
  returned: success
  type: str
  sample: "0600"
"""

import base64
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run, unmet_precondition)
from ansible_collections.sra.appliance.plugins.module_utils._files import PRIVATE_MODE, file_mode, make_private, write_private_file
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_address
from ansible_collections.sra.appliance.plugins.module_utils._x509 import load_pkcs12, normalize_fingerprint, require_cryptography

PRIVATE = "%04o" % PRIVATE_MODE


def chosen_certificate(params, table):
    """The table entry to export: by fingerprint, by assigned IP, or the default."""
    entries = table["certificates"]
    if params["fingerprint"]:
        wanted = normalize_fingerprint(params["fingerprint"])
        found = [entry for entry in entries if entry["fingerprint"].lower() == wanted]
        how = "with fingerprint %s" % wanted
    elif params["assigned_ip"]:
        address = parse_address(params["assigned_ip"], "assigned_ip")
        found = [entry for entry in entries if address in (entry.get("assigned_ips") or [])]
        how = "assigned to %s" % address
    else:
        found = [entry for entry in entries if table.get("default") and entry["fingerprint"] == table["default"]]
        how = "set as default (the appliance serves its factory certificate by default)"
    if not found:
        raise ModuleFailure("The appliance holds no certificate %s; give fingerprint (see appliance_info) of the "
                            "certificate to export" % how)
    entry = found[0]
    if not entry.get("has_private_key", True):
        raise ModuleFailure("certificate %s has no private key on the appliance; an export for the peer needs one, so "
                            "import the certificate with its key first" % entry["fingerprint"])
    return entry


def holds(table, fingerprint):
    wanted = normalize_fingerprint(fingerprint)
    return any(entry["fingerprint"].lower() == wanted for entry in table["certificates"])


def file_fingerprint(path, passphrase):
    """The leaf fingerprint the file holds, or None when it is missing or does not open with the passphrase."""
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return load_pkcs12(data, passphrase, "dest").fingerprint
    except ModuleFailure:
        return None


def export(driver, params, fp):
    answer = driver.export_certificate(fp, params["passphrase"], include_chain=params["include_chain"])
    data = base64.b64decode(answer["pkcs12"])
    exported = load_pkcs12(data, params["passphrase"], "the appliance's export").fingerprint
    if exported != fp:
        raise ModuleFailure("The appliance exported certificate %s instead of %s; nothing was written" % (exported, fp))
    return data


def ensure_export(module, result):
    params = module.params
    require_cryptography()
    if not params["passphrase"]:
        raise ModuleFailure("passphrase is empty; the export holds the private key, so protect it with a passphrase")
    dest = params["dest"]
    if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        raise ModuleFailure("dest %s: the directory %s does not exist; create it first"
                            % (dest, os.path.dirname(os.path.abspath(dest))))
    driver = driver_for(params)
    table = driver.certificates()
    if params["fingerprint"] and not holds(table, params["fingerprint"]):
        wanted = normalize_fingerprint(params["fingerprint"])
        unmet_precondition(module, "certificate %s is not on the appliance yet" % wanted, "imports it",
                           failure="The appliance holds no certificate with fingerprint %s; import it first "
                                   "(sra.appliance.certificate), or give the fingerprint of one it holds (see "
                                   "appliance_info)" % wanted)
        result.update(changed=True, dest=dest, fingerprint=wanted, mode=PRIVATE)
        return
    fp = chosen_certificate(params, table)["fingerprint"].lower()
    result.update(dest=dest, fingerprint=fp)
    held = None if params["force"] else file_fingerprint(dest, params["passphrase"])
    diff = DiffTracker()
    write = diff.add("fingerprint", held, fp) or params["force"]
    diff.add("mode", file_mode(dest), PRIVATE, changed=write or file_mode(dest) != PRIVATE)
    if module._diff:
        result["diff"] = diff.diff()
    if module.check_mode:
        result.update(changed=diff.changed, mode=PRIVATE)
        return
    if write:
        write_private_file(dest, export(driver, params, fp))
        result["changed"] = True
    elif make_private(dest):
        result["changed"] = True
    result["mode"] = file_mode(dest)


def main():
    spec = argument_spec(dict(
        dest=dict(type="path", required=True),
        passphrase=dict(type="str", required=True, no_log=True),
        fingerprint=dict(type="str"),
        assigned_ip=dict(type="str"),
        include_chain=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
    ))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                           mutually_exclusive=[("fingerprint", "assigned_ip")])
    run(module, ensure_export)


if __name__ == "__main__":
    main()
