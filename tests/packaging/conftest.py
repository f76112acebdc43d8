# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the packaging tests: a fresh clone after `make link`, and its built tarball."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import tarfile

import pytest

from helpers import build_tarball, copy_fresh_clone, run, user_env


@pytest.fixture(scope="session")
def fresh_clone(tmp_path_factory):
    """A fresh clone after `make link` (the README's first step, without the virtualenv part)."""
    clone = copy_fresh_clone(str(tmp_path_factory.mktemp("clone") / "sra-appliance"))
    run("make --no-print-directory link", cwd=clone, env=user_env(str(tmp_path_factory.mktemp("home"))))
    return clone


@pytest.fixture(scope="session")
def tarball(fresh_clone, tmp_path_factory):
    return build_tarball(fresh_clone, str(tmp_path_factory.mktemp("dist")))


@pytest.fixture(scope="session")
def tarball_names(tarball):
    with tarfile.open(tarball) as archive:
        return sorted(member.name for member in archive.getmembers() if not member.isdir())
