# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failure every validator raises, in a file that imports nothing.

It lives apart from ``_module.py`` (which re-exports it) so that the validators (``_net``,
``_x509``, ``_time``, ``_files``) can be used by a module that talks no HTTP, such as
``dns_record``, without importing the HTTP client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleFailure(Exception):
    """Bad input or a refused precondition, found before the first write."""

    def __init__(self, message, **details):
        super(ModuleFailure, self).__init__(message)
        self.details = details
