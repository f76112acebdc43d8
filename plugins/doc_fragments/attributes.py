# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Every module states the support and details of check_mode and diff_mode; the descriptions are
    # here. (ansible-test's yamllint reads fragments as literal strings, so no string is composed.)

    # Modules of the action group (they take the connection options).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  action_group:
    description: Use C(group/sra.appliance.appliance) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - sra.appliance.appliance
  platform:
    description: Runs on the controller and talks HTTPS to the appliance.
    support: full
    platforms: beyondtrust_sra
"""

    # Modules outside the action group (dns_record): the mode descriptions only.
    MODES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""
