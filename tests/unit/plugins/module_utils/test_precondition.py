# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check-mode rule of DESIGN §4 (unmet_precondition), written once for five modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, unmet_precondition


class Module:
    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def test_check_mode_warns_and_goes_on():
    module = Module(check_mode=True)
    assert unmet_precondition(module, "the key is not set on site2.", "sets the keys", failure="never raised") is None
    assert module.warnings == ["Precondition not met yet: the key is not set on site2. Assuming an earlier task of this "
                               "run sets the keys; applying fails if it is still so"]


@pytest.mark.parametrize("failure, message", [(None, "the key is not set on site2"),
                                              ("Cannot establish: the key is not set", "Cannot establish: the key")])
def test_applying_fails_before_any_write(failure, message):
    module = Module(check_mode=False)
    with pytest.raises(ModuleFailure, match=message):
        unmet_precondition(module, "the key is not set on site2", "sets the keys", failure=failure)
    assert module.warnings == []
