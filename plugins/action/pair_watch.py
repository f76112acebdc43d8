# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sra.appliance.pair_watch, with the progress of its hold-down shown while it polls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.plugin_utils._progress import ProgressActionModule


class ActionModule(ProgressActionModule):
    """Runs the module and shows its progress lines (plugins/plugin_utils/_progress.py)."""
