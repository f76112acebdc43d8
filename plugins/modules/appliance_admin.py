#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: appliance_admin
short_description: Set the password of a B Series appliance's /appliance admin account
description:
  - Changes the password of the C(/appliance) admin account named by O(appliance_user). A new appliance ships with a
    well-known password that must be replaced before the appliance is exposed.
  - The password cannot be read back. The module first signs in with the desired O(password). If that works, the password
    is already set and nothing changes. Otherwise it signs in with O(appliance_password), the current password, and
    changes it. A run that finds the password already set therefore makes no failed sign-in, and one that changes it
    makes exactly one. Mind C(/appliance) > Security > Appliance Administration's failed-login limit when a play retries.
  - O(state=gathered) signs in the same way and only reports which password the appliance accepts
    (RV(signed_in_with)), without changing it, for a play that must read a fresh appliance before its password is
    replaced.
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
    details: Signs in as described (reads only) and reports whether it would change the password. To find out which
      password signs in, use O(state=gathered) rather than check mode.
  diff_mode:
    support: full
    details: Shows the password masked, and whether it changes; never the password.
options:
  password:
    description:
      - The desired password of the account, at least 8 characters, not the factory password.
      - O(appliance_password) is the current password, used only when O(password) does not sign in yet.
    type: str
    required: true
  state:
    description:
      - V(present) sets O(password). V(gathered) changes nothing and reports in RV(signed_in_with) which password signs
        in; it fails when neither does.
    type: str
    choices: [present, gathered]
    default: present
notes:
  - With C(module_defaults) setting O(appliance_password) to the desired password for every other module, give this task
    the current (for example the factory) password in O(appliance_password) explicitly.
"""

EXAMPLES = r"""
- name: Replace the factory password of the /appliance admin account
  sra.appliance.appliance_admin:
    host: "{{ sra_address }}"
    appliance_user: admin
    appliance_password: password        # what a new appliance ships with
    password: "{{ sra_appliance_password }}"

- name: Which password does the appliance accept (the inventory's, or still the factory one)?
  sra.appliance.appliance_admin:
    host: "{{ sra_address }}"
    appliance_password: password
    password: "{{ sra_appliance_password }}"
    state: gathered
  register: admin
"""

RETURN = r"""
signed_in_with:
  description:
    - Which password signed in. V(desired) means O(password), already set. V(current) means O(appliance_password), and
      the password was changed (or would be, in check mode; with O(state=gathered), it is still in use).
    - Not the words of the options themselves, because Ansible masks every occurrence of a no_log value, and the factory
      password is a common word.
  returned: success
  type: str
  choices: [desired, current]
  sample: desired
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._management import signed_in_status
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    FACTORY_PASSWORD, ModuleFailure, argument_spec, driver_for, run)

MIN_LENGTH = 8


def validate_password(password):
    if len(password) < MIN_LENGTH:
        raise ModuleFailure("password must be at least %d characters long, got %d: choose a longer password"
                            % (MIN_LENGTH, len(password)))
    if password == FACTORY_PASSWORD:
        raise ModuleFailure("password is the factory password every new appliance ships with: choose another one")


def signs_in(module, password):
    """Whether the account signs in with ``password``; any answer other than 401 is an error."""
    return signed_in_status(driver_for(dict(module.params, appliance_password=password))) is not None


def accepted_password(module):
    """'desired' when O(password) signs in, 'current' when only appliance_password does. The
    desired one is tried first, so a settled appliance sees no failed sign-in."""
    params = module.params
    if signs_in(module, params["password"]):
        return "desired"
    current = params["appliance_password"]
    if not current or current == params["password"] or not signs_in(module, current):
        raise ModuleFailure("Neither password nor appliance_password signs in as %s on %s; give the current "
                            "password in appliance_password" % (params["appliance_user"], params["host"]))
    return "current"


def ensure_password(module, result):
    params = module.params
    password = params["password"]
    validate_password(password)
    if not params["appliance_user"]:
        raise ModuleFailure("appliance_user is required: set it (or SRA_APPLIANCE_USER) to the /appliance admin account")
    result["signed_in_with"] = accepted_password(module)
    if params["state"] == "gathered":
        return
    diff = DiffTracker()
    if result["signed_in_with"] == "desired":
        diff.add("password", password, password, secret=True, changed=False)
    else:
        diff.add("password", params["appliance_password"], password, secret=True, changed=True)
    if module._diff:
        result["diff"] = diff.diff()
    if diff.changed and not module.check_mode:
        driver_for(params).change_admin_password(params["appliance_password"], password)
    result["changed"] = diff.changed


def main():
    module = AnsibleModule(argument_spec=argument_spec(dict(
        password=dict(type="str", required=True, no_log=True),
        state=dict(type="str", default="present", choices=["present", "gathered"]),
    )), supports_check_mode=True)
    run(module, ensure_password)


if __name__ == "__main__":
    main()
