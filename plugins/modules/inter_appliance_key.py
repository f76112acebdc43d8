#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: inter_appliance_key
short_description: Set the inter-appliance communication pre-shared key of a B Series appliance
description:
  - Sets the key of C(/login) > Management > Security that every appliance of a failover pair or Atlas cluster must
    share before they replicate data or join a cluster (the vendor's "Failover Dynamics and Options" and
    "Introduction to Clustering with BeyondTrust Atlas Technology").
  - The key is write-only. The module compares the fingerprint the appliance reports with the fingerprint of O(key),
    so it is idempotent without ever reading the secret back, and the key never appears in its output or diff.
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
    details: Reads the key's fingerprint only and reports whether it would set the key.
  diff_mode:
    support: full
    details: Shows the key's fingerprint before and after, never the key.
options:
  key:
    description:
      - The inter-appliance key, 8 to 256 characters. The same value on every appliance of the pair or cluster.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Set the same inter-appliance key on every appliance
  sra.appliance.inter_appliance_key:
    host: "{{ sra_address }}"
    key: "{{ sra_inter_appliance_key }}"
"""

RETURN = r"""
fingerprint:
  description:
    - The key's fingerprint as the appliance reports it, comparable across appliances (not the key, nor a plain hash
      of it). In check mode, the fingerprint the key would have.
  returned: success
  type: str
  sample: 5f0c0b6a0e3a4a4d9f5bb2a1d2c3e4f5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._management import key_fingerprint
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run)

KEY_LENGTH = (8, 256)


def validate_key(key):
    if not KEY_LENGTH[0] <= len(key) <= KEY_LENGTH[1]:
        raise ModuleFailure("key must be %d to %d characters long, got %d: choose a longer shared secret"
                            % (KEY_LENGTH[0], KEY_LENGTH[1], len(key)))


def ensure_key(module, result):
    key = module.params["key"]
    validate_key(key)
    wanted = key_fingerprint(key)
    driver = driver_for(module.params)
    current = driver.key_state()
    diff = DiffTracker()
    # The fingerprint stands in for the key: comparable, and safe to show.
    diff.add("key_fingerprint", current.get("fingerprint") if current["set"] else None, wanted)
    result.update(fingerprint=wanted if diff.changed else current["fingerprint"])
    if diff.changed and not module.check_mode:
        result["fingerprint"] = driver.set_key(key)["fingerprint"]
    result["changed"] = diff.changed
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(argument_spec=argument_spec(dict(key=dict(type="str", required=True, no_log=True))),
                           supports_check_mode=True)
    run(module, ensure_key)


if __name__ == "__main__":
    main()
