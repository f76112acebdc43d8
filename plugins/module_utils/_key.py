# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inter-appliance key's rule, for the module that sets it and for preflight, which checks the
inventory before anything is written (issue 13). Imports nothing heavy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

KEY_LENGTH = (8, 256)


def key_length_problem(key):
    """None when ``key`` has an acceptable length, else what is wrong and how to fix it (never the key)."""
    if KEY_LENGTH[0] <= len(key) <= KEY_LENGTH[1]:
        return None
    return "must be %d to %d characters long, got %d: choose a longer shared secret" % (
        KEY_LENGTH[0], KEY_LENGTH[1], len(key))
