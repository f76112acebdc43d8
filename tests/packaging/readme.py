# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell commands of the README, as a user types them.

Every line of a ```sh block is either an Ansible command, which the packaging tests run exactly as
written (comments after `#` removed), or one of the setup lines below, which they reproduce: the
virtualenv is the one the tests run in, `make link` runs as is, the lab is started and stopped by
the lab test's fixture with the same command as `make lab-up`. A new kind of line fails
test_readme.py until the tests learn it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from helpers import REPO

SETUP = {
    "make venv link": "virtualenv: the tests' own; `make link` runs in the fresh clone",
    ". .venv/bin/activate": "the tests put the virtualenv's bin/ first on PATH",
    "make demo": "its own target; its playbooks are the commands below",
    "make test": "CI runs it",
    "make lab-up": "the lab test's fixture runs its command",
    "make lab-down": "the lab test's fixture runs its command",
    "python3 -m pip install -r requirements.txt": "the tests' virtualenv has requirements.txt installed",
}
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*\s+")


def sh_lines():
    """Every command line of the README's ```sh blocks, without comments."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def is_ansible_command(line):
    return ENV_ASSIGNMENT.sub("", line).startswith("ansible")


def ansible_commands(lab):
    """The README's Ansible commands that need the lab (lab=True) or do not."""
    return [line for line in sh_lines() if is_ansible_command(line) and ("inventories/lab" in line) == lab]
