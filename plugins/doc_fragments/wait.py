# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the operation has completed on the appliance.
      - With V(false) the module returns as soon as the appliance has accepted the request.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait. On a timeout the module fails and returns C(elapsed) and C(last_state), the last state it saw.
    type: int
    default: 600
"""

    # Modules that wait long and show progress through the collection's action plugin.
    PROGRESS = r"""
options:
  progress_file:
    description:
      - A file the module appends its progress to while it waits (JSON lines). The collection's action plugin of the
        module sets it and shows each line as it appears, so a long wait is not silent; leave it unset.
    type: path
"""
