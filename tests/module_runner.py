# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one in-process module runner of the collection's tests (unit and integration).

It runs ``main()`` of plugins/modules/<name>.py with the given arguments, as AnsiballZ would
hand them over, and returns the JSON result the module printed (``failed`` is true when it
called fail_json). What a caller fakes around it (a driver, the network, the clock, the
process-wide warning list) stays with the caller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import importlib
import io
import json

import pytest

from ansible.module_utils.testing import patch_module_args

MODULES = "ansible_collections.sra.appliance.plugins.modules."


def import_module(name):
    """plugins/modules/<name>.py as a Python module (to patch it before running it)."""
    return importlib.import_module(MODULES + name)


def run_module(name, args, check_mode=False, diff=False):
    """The result of one run of module ``name`` with ``args``, in check and diff mode as asked."""
    module = import_module(name)
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    stdout = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(stdout):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(stdout.getvalue())
