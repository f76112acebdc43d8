# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""inventories/lab/ is lab/topologies/demo.yml as an inventory: one description drives both."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import yaml

from .conftest import REPO

RELATIVE_PATHS = ("sra_lab_state_dir", "sra_ca_path")


def generated_inventory():
    state_dir = os.path.join(REPO, ".lab", "demo")
    text = subprocess.run([sys.executable, "-m", "lab", "inventory", "--topology", "lab/topologies/demo.yml",
                           "--state-dir", state_dir], cwd=REPO, check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(text)


def committed_inventory():
    with open(os.path.join(REPO, "inventories", "lab", "hosts.yml")) as handle:
        return yaml.safe_load(handle)


def test_the_committed_lab_inventory_is_the_demo_topology():
    generated, committed = generated_inventory(), committed_inventory()
    for name in RELATIVE_PATHS:
        assert "{{" in committed["all"]["vars"].pop(name)
        generated["all"]["vars"].pop(name)
    assert committed == generated, "run `make lab-inventory` to rewrite inventories/lab/hosts.yml"


def test_the_relative_paths_lead_to_the_demo_lab_state():
    variables = committed_inventory()["all"]["vars"]
    assert variables["sra_lab_state_dir"] == "{{ inventory_dir }}/../../.lab/demo"
    assert variables["sra_ca_path"] == "{{ sra_lab_state_dir }}/trust.pem"
