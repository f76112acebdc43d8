# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the packaging tests: what a user gets from a fresh clone and from the built
collection, run as a user runs it (command lines, never imports of the collection).

A "fresh clone" is a copy of the files git would commit (tracked and untracked-not-ignored), so
the tests see the working tree a clone of the next commit would hold, without its .venv, build/,
.lab/ or other local state.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The virtualenv these tests run in; its bin/ is what `. .venv/bin/activate` puts on PATH.
VENV_BIN = os.path.dirname(sys.executable)


def run(command, cwd, env=None, check=True, timeout=600):
    """Run a shell command line; a failure shows the command, its status and its output."""
    done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and done.returncode:
        raise AssertionError("`%s` in %s exited %d:\n%s\n%s"
                             % (command, cwd, done.returncode, done.stdout[-6000:], done.stderr[-6000:]))
    return done


def user_env(home, venv_bin=VENV_BIN, **extra):
    """A user's shell after `. .venv/bin/activate`: the venv first on PATH, no Ansible settings
    inherited from the caller (the Makefile exports ANSIBLE_COLLECTIONS_PATH), HOME of its own so
    ~/.ansible/collections starts empty."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_", "MOLECULE_", "BT_", "SRA_")) and key != "PYTHONPATH"}
    env.update(PATH=venv_bin + os.pathsep + env.get("PATH", "/usr/bin:/bin"), HOME=home,
               VIRTUAL_ENV=os.path.dirname(venv_bin), ANSIBLE_NOCOLOR="1")
    env.update(extra)
    return env


def copy_fresh_clone(destination):
    """Copy the files a clone of the next commit holds into destination."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = os.path.join(REPO, name)
        if not os.path.lexists(source):  # deleted in the working tree, not yet committed
            continue
        target = os.path.join(destination, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return destination


def build_tarball(source, output):
    """ansible-galaxy collection build of a checkout; returns the tarball's path."""
    run("ansible-galaxy collection build --force --output-path %s ." % output, cwd=source,
        env=user_env(os.path.join(output, "home")))
    tarballs = [name for name in os.listdir(output) if name.endswith(".tar.gz")]
    assert len(tarballs) == 1, tarballs
    return os.path.join(output, tarballs[0])


def credential_types():
    import yaml  # ansible-core depends on PyYAML
    with open(os.path.join(REPO, "extensions", "aap", "credential_types.yml")) as handle:
        return {item["name"]: item for item in yaml.safe_load(handle)}


def inject_credential(credential_type, inputs):
    """The environment and extra vars a job gets from a credential of this type, rendered as the
    controller renders injectors: a Jinja sandbox, empty inputs left out of the namespace (so they
    render empty), missing booleans False. Returns (env, extra_vars)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # ansible-core depends on Jinja2
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {key: value for key, value in inputs.items() if value or isinstance(value, bool)}
    for field in credential_type["inputs"]["fields"]:
        if field.get("type") == "boolean":
            namespace.setdefault(field["id"], False)

    def render(template):
        return sandbox.from_string(template).render(**namespace)

    injectors = credential_type.get("injectors", {})
    env = {name: render(template) for name, template in injectors.get("env", {}).items()}
    extra_vars = {name: render(template) for name, template in injectors.get("extra_vars", {}).items()}
    return env, extra_vars
