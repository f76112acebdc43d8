# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The changelog lints, CHANGELOG.rst is what changelogs/changelog.yaml renders, and a release
of the pending fragments names every module, plugin, role and playbook exactly once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from helpers import REPO, copy_fresh_clone, run, user_env


@pytest.fixture(scope="module")
def collection_copy(tmp_path_factory):
    """A fresh clone at <tmp>/ansible_collections/sra/appliance, where antsibull-changelog and
    ansible-doc find the collection (through ANSIBLE_COLLECTIONS_PATH=<tmp>)."""
    root = tmp_path_factory.mktemp("changelog")
    copy = copy_fresh_clone(str(root / "ansible_collections" / "sra" / "appliance"))
    return copy, user_env(str(root), ANSIBLE_COLLECTIONS_PATH=str(root))


def changelog(copy, env, *args):
    return run("antsibull-changelog " + " ".join(args), cwd=copy, env=env)


def galaxy_version():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


def new_entries(rst):
    """The `- name - text` lines of each "New ..." section of an RST changelog (Callback is a
    subsection of New Plugins), as {section: [name, ...]}: a module and a role or a playbook may
    share a name."""
    sections = {}
    current = None
    lines = rst.splitlines()
    for number, line in enumerate(lines):
        underline = lines[number + 1] if number + 1 < len(lines) else ""
        if line and underline and set(underline) <= set("-~=") and len(underline) == len(line):
            current = line
        match = re.match(r"^- (\S+) - ", line)
        if match and current:
            sections.setdefault(current, []).append(match.group(1))
    return sections


def test_fragments_and_changelog_yaml_lint(collection_copy):
    copy, env = collection_copy
    changelog(copy, env, "lint")
    changelog(copy, env, "lint-changelog-yaml", "changelogs/changelog.yaml")


def test_changelog_rst_is_generated_from_changelog_yaml(collection_copy):
    copy, env = collection_copy
    with open(os.path.join(REPO, "CHANGELOG.rst"), encoding="utf-8") as handle:
        committed = handle.read()
    changelog(copy, env, "generate")
    with open(os.path.join(copy, "CHANGELOG.rst"), encoding="utf-8") as handle:
        assert handle.read() == committed, "CHANGELOG.rst is generated: run `make changelog`, do not edit it"


def test_a_release_names_everything_new_exactly_once(collection_copy):
    copy, env = collection_copy
    changelog(copy, env, "release", "--version", galaxy_version())
    with open(os.path.join(copy, "CHANGELOG.rst"), encoding="utf-8") as handle:
        rst = handle.read()
    listed = new_entries(rst)

    def names(directory, suffix):
        return sorted("sra.appliance." + name[:len(name) - len(suffix)] for name in os.listdir(os.path.join(REPO, directory))
                      if name.endswith(suffix) and name != "__init__.py")

    expected = {"New Modules": names("plugins/modules", ".py"), "Callback": names("plugins/callback", ".py"),
                "New Roles": names("roles", ""), "New Playbooks": names("playbooks", ".yml")}
    for section, wanted in expected.items():
        assert sorted(listed.get(section, [])) == wanted, section


def test_no_fragment_announces_a_new_module_itself():
    """antsibull-changelog lists new modules and plugins from their version_added: a fragment
    line saying the same made every module appear twice (issue 16)."""
    fragments = os.path.join(REPO, "changelogs", "fragments")
    modules = [name[:-3] for name in os.listdir(os.path.join(REPO, "plugins", "modules")) if name.endswith(".py")]
    announced = []
    for name in os.listdir(fragments) if os.path.isdir(fragments) else []:
        with open(os.path.join(fragments, name), encoding="utf-8") as handle:
            text = handle.read()
        announced += [module for module in modules if re.search(r"^\s*- %s - new (resource )?module" % module, text, re.M)]
    assert announced == []
