# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's commands work exactly as typed from a fresh clone (those without a lab; the lab
ones are in test_lab.py), and the collection they install works from anywhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from helpers import REPO, run, user_env
from readme import SETUP, ansible_commands, is_ansible_command, sh_lines


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("user-home"))


@pytest.fixture(scope="module")
def readme_results(fresh_clone, home):
    """Run the README's lab-free Ansible commands in order, in the fresh clone."""
    results = {}
    for command in ansible_commands(lab=False):
        results[command] = run(command, cwd=fresh_clone, env=user_env(home))
    return results


def test_every_readme_line_is_an_ansible_command_or_a_known_setup_step():
    unknown = [line for line in sh_lines() if not is_ansible_command(line) and line not in SETUP]
    assert unknown == [], "teach tests/packaging/readme.py how to run these README lines: %s" % unknown
    # The commands a new user needs most are there (and so are tested).
    commands = sh_lines()
    for expected in ("make venv link", ". .venv/bin/activate",
                     "ansible-playbook -i inventories/lab playbooks/site.yml --check --diff",
                     "ansible-playbook -i inventories/lab playbooks/site.yml",
                     "ansible-playbook -i inventories/lab playbooks/health.yml",
                     "ansible-doc sra.appliance.failover_role"):
        assert expected in commands


def test_the_readme_commands_resolve_the_collection_to_the_checkout(readme_results, fresh_clone):
    checkout_copy = os.path.join(fresh_clone, "build", "collections", "ansible_collections", "sra", "appliance")
    module_doc = readme_results["ansible-doc sra.appliance.failover_role"].stdout
    assert os.path.join(checkout_copy, "plugins", "modules", "failover_role.py") in module_doc
    role_doc = " ".join(readme_results["ansible-doc -t role sra.appliance.failover"].stdout.split())
    assert re.search(r"ENTRY POINT: \W*planned\W", role_doc) and "Perform Failover for Planned Maintenance" in role_doc


def test_without_the_repository_ansible_cfg_the_collection_is_not_found(fresh_clone, tmp_path):
    """What ./ansible.cfg fixes: the same command without it fails, as issue 16 found."""
    home = str(tmp_path)  # its own: nothing installed in ~/.ansible/collections
    empty = os.path.join(home, "empty.cfg")
    open(empty, "w").close()
    done = run("ansible-doc sra.appliance.failover_role", cwd=fresh_clone, env=user_env(home, ANSIBLE_CONFIG=empty))
    assert "sra.appliance.failover_role was not found" in done.stderr


PLAYBOOKS = sorted(name for name in os.listdir(os.path.join(REPO, "playbooks")) if name.endswith(".yml"))


def test_every_playbook_passes_syntax_check_from_the_fresh_clone(fresh_clone, home):
    assert "site.yml" in PLAYBOOKS and "health.yml" in PLAYBOOKS
    # One ansible-playbook for all of them: it checks every playbook named on its command line.
    done = run("ansible-playbook -i inventories/lab --syntax-check %s" % " ".join("playbooks/" + name for name in PLAYBOOKS),
               cwd=fresh_clone, env=user_env(home))
    assert done.stdout.count("playbook: ") == len(PLAYBOOKS)


def test_the_installed_collection_works_from_any_directory(readme_results, home, fresh_clone):
    installed = os.path.join(home, ".ansible", "collections", "ansible_collections", "sra", "appliance")
    assert os.path.exists(os.path.join(installed, "MANIFEST.json")), readme_results
    elsewhere = dict(cwd=home, env=user_env(home))
    assert installed in run("ansible-doc sra.appliance.failover_role", **elsewhere).stdout
    assert installed in run("ansible-doc -t callback sra.appliance.plan", **elsewhere).stdout
    names = " ".join("sra.appliance." + name[:-len(".yml")] for name in PLAYBOOKS)
    done = run("ansible-playbook -i %s/inventories/lab --syntax-check %s" % (fresh_clone, names), **elsewhere)
    assert done.stdout.count("playbook: ") == len(PLAYBOOKS)
