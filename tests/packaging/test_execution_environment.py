# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml is accepted by `ansible-builder create` (which needs no container
engine), its context holds the collection it names, and ansible-builder's introspection of the
installed collection finds the modules' Python packages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import tarfile

import pytest
import yaml

from helpers import REPO, run, user_env


def requirement_lines(path):
    with open(path) as handle:
        return [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]


@pytest.fixture(scope="module")
def context(fresh_clone, tarball, tmp_path_factory):
    """What `make ee-context` does: the tarball in build/dist, then ansible-builder create (in a
    directory of its own holding the definition, so the shared fresh clone stays as cloned)."""
    work = str(tmp_path_factory.mktemp("ee"))
    shutil.copy(os.path.join(fresh_clone, "execution-environment.yml"), work)
    os.makedirs(os.path.join(work, "build", "dist"))
    shutil.copy(tarball, os.path.join(work, "build", "dist"))
    context = os.path.join(work, "context")
    run("ansible-builder create -f execution-environment.yml -c %s --output-filename Containerfile" % context,
        cwd=work, env=user_env(str(tmp_path_factory.mktemp("home"))))
    return context


def test_ansible_builder_create_accepts_the_definition(context):
    with open(os.path.join(context, "Containerfile")) as handle:
        containerfile = handle.read()
    assert 'ARG EE_BASE_IMAGE="ee-minimal-rhel9:latest"' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile


def test_the_context_holds_the_collection_the_definition_names(context):
    with open(os.path.join(context, "_build", "requirements.yml")) as handle:
        wanted = yaml.safe_load(handle)["collections"]
    assert [entry.get("type") for entry in wanted] == ["file"]
    with tarfile.open(os.path.join(context, "_build", wanted[0]["name"])) as archive:
        info = json.load(archive.extractfile("MANIFEST.json"))["collection_info"]
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    assert (info["namespace"], info["name"], info["version"]) == ("sra", "appliance", version), \
        "execution-environment.yml names another version than galaxy.yml: update both"


def test_introspection_of_the_installed_collection_finds_its_python_packages(tarball, tmp_path):
    collections = str(tmp_path / "collections")
    env = user_env(str(tmp_path), ANSIBLE_COLLECTIONS_PATH=collections)
    run("ansible-galaxy collection install -p %s %s" % (collections, tarball), cwd=str(tmp_path), env=env)
    found = yaml.safe_load(run("ansible-builder introspect --sanitize %s" % collections, cwd=str(tmp_path),
                               env=env).stdout)
    declared = requirement_lines(os.path.join(REPO, "requirements.txt"))
    assert declared
    assert sorted(line.split("#")[0].strip() for line in found["python"]) == sorted(declared)
    assert all(line.endswith("# from collection sra.appliance") for line in found["python"])
