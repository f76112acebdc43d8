# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Every module: a check_mode and diff_mode attribute of its own, plus these.
    DOCUMENTATION = r"""
attributes:
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

    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
    details: Never changes anything.
  diff_mode:
    description: Reads only; there is nothing to diff.
    support: N/A
"""
