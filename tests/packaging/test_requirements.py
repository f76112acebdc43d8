# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lists of Python packages stay in step: what the modules need is what ansible-test units
installs, and the floor's virtualenv has the ansible-core release requires_ansible names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import yaml

from helpers import REPO


def requirement_names(*path):
    with open(os.path.join(REPO, *path)) as handle:
        lines = [line.split("#")[0].strip() for line in handle]
    return set(re.split(r"[<>=!~;\[ ]", line)[0].lower() for line in lines if line)


def test_ansible_test_units_installs_what_the_modules_import():
    assert requirement_names("requirements.txt") <= requirement_names("tests", "unit", "requirements.txt")


def test_the_floor_virtualenv_has_the_oldest_supported_ansible_core():
    with open(os.path.join(REPO, "meta", "runtime.yml")) as handle:
        floor = re.match(r">=(\d+\.\d+)\.0$", yaml.safe_load(handle)["requires_ansible"]).group(1)
    with open(os.path.join(REPO, "tests", "requirements-floor.txt")) as handle:
        text = handle.read()
    assert "ansible-core==%s.*" % floor in text, "tests/requirements-floor.txt must pin ansible-core %s" % floor
