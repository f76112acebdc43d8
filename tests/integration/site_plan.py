# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`site` run as an operator runs it (a separate ansible-playbook) with the sra.appliance.plan callback,
for the drift tests: the plan a run leaves, the changes it lists, and a lab page set by hand."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def playbook(name, inventory_file, plan_file, *extra, check=False):
    """Run playbooks/NAME.yml (with --check --diff when ``check``): (the finished process, the plan it left)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_CALLBACKS_ENABLED="sra.appliance.plan", SRA_PLAN_FILE=plan_file,
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory_file,
               os.path.join(REPO, "playbooks", name + ".yml")] + (["--check", "--diff"] if check else []) + list(extra)
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    with open(plan_file) as handle:
        return done, json.load(handle)


def site(inventory_file, plan_file, *extra, check=False):
    return playbook("site", inventory_file, plan_file, *extra, check=check)


def changes(plan):
    """(host, module, task) of every change the plan lists."""
    return sorted((host, change["action"], change["task"]) for host, entry in plan["hosts"].items()
                  for change in entry["changes"])


def warnings(plan):
    """(host, module, warning) of every warning the plan lists, of tasks that change something and of tasks that do
    not."""
    return sorted((host, entry["action"], warning) for host, plan_host in plan["hosts"].items()
                  for entry in plan_host["changes"] + plan_host["warnings"] for warning in entry.get("warnings", []))


def page(lab, node, method, path, body=None):
    answer = lab.control(node, "POST", "page", dict(method=method, path=path, body=body))
    assert answer["status"] < 400, answer
    return answer["body"]


def write_inventory(inventory, tmp_path):
    """The inventory as a file in tmp_path, and where the runs leave their plan: (inventory file, plan file)."""
    inventory_file, plan_file = str(tmp_path / "hosts.yml"), str(tmp_path / "plan.json")
    with open(inventory_file, "w") as handle:
        yaml.safe_dump(inventory, handle)
    return inventory_file, plan_file


def deploy(inventory, tmp_path):
    """Write the inventory, run site and check that the plan after it is clean: (inventory file, plan file)."""
    inventory_file, plan_file = write_inventory(inventory, tmp_path)
    done, plan = site(inventory_file, plan_file)
    assert done.returncode == 0, done.stdout[-4000:]
    done, plan = site(inventory_file, plan_file, check=True)
    assert (done.returncode, plan["status"]) == (0, "in_sync"), done.stdout[-4000:]
    return inventory_file, plan_file
