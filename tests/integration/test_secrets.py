# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret of the inventory in any output: `site`, a planned failover and a failback against a
fresh pair lab at -vvv with --diff and ANSIBLE_LOG_PATH, every line of every output searched for
every secret the inventory holds (issue 13: a secret at -v reaches CI logs and log files)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import yaml

from .conftest import REPO

PLAYBOOKS = ("site", "planned_failover", "failback")


def secrets_of(inventory, state_dir):
    """Every secret value of the lab's inventory, and the site certificate's private key body."""
    variables = inventory["all"]["vars"]
    found = {name: variables[name] for name in ("sra_client_secret", "sra_appliance_password",
                                                "sra_inter_appliance_key")}
    with open(os.path.join(state_dir, "site.key")) as handle:
        key_lines = [line for line in handle.read().splitlines() if line and not line.startswith("-----")]
    # One line of the key's base64 is enough to show it was printed; the longest is the surest.
    found["site certificate private key"] = max(key_lines, key=len)
    return found


def run_playbook(name, inventory_file, log_file, backup_dir):
    env = dict(os.environ, ANSIBLE_LOG_PATH=log_file, ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    done = subprocess.run([ansible_playbook, "-vvv", "--diff", "-i", inventory_file,
                           os.path.join(REPO, "playbooks", name + ".yml"), "-e", "sra_backup_dir=" + backup_dir],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, "%s failed:\n%s" % (name, done.stdout[-4000:])
    return done.stdout + done.stderr


def test_no_secret_in_any_output(lab_factory, tmp_path):
    lab = lab_factory("pair")
    lab.reset()
    inventory_file = str(tmp_path / "hosts.yml")
    with open(inventory_file, "w") as handle:
        yaml.safe_dump(lab.inventory, handle)
    log_file = str(tmp_path / "ansible.log")
    outputs = dict((name, run_playbook(name, inventory_file, log_file, str(tmp_path / "backups")))
                   for name in PLAYBOOKS)
    with open(log_file) as handle:
        outputs["ANSIBLE_LOG_PATH"] = handle.read()
    leaks = ["%s in the output of %s" % (secret, where)
             for secret, value in secrets_of(lab.inventory, lab.state_dir).items()
             for where, text in outputs.items() if value in text]
    assert leaks == [], "\n".join(leaks)
