# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built collection ships runtime content only, and what it declares is true (licence, URLs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import os
import tarfile

from helpers import REPO

# What a user of the installed collection runs or reads. fnmatch: `*` also matches `/`.
ALLOWED = (
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "changelogs/changelog.yaml",
    "plugins/*", "roles/*", "playbooks/*", "docs/*", "inventories/examples/*", "examples/*",
    "extensions/aap/*", "extensions/eda/*",
)
REQUIRED = (
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "changelogs/changelog.yaml",
    "playbooks/site.yml", "playbooks/health.yml", "plugins/callback/plan.py",
    "extensions/aap/credential_types.yml", "docs/aap.md", "docs/pipelines.md",
)
# Trees whose every file a user needs: none of them may be lost to a build_ignore pattern.
RUNTIME_TREES = ("plugins/", "roles/", "playbooks/", "docs/", "inventories/examples/", "meta/")


def test_tarball_holds_only_allowed_content(tarball_names):
    unexpected = [name for name in tarball_names if not any(fnmatch.fnmatch(name, pattern) for pattern in ALLOWED)]
    assert unexpected == [], "not runtime content, add it to build_ignore in galaxy.yml: %s" % unexpected


def test_tarball_holds_the_runtime_files(tarball_names, fresh_clone):
    missing = [name for name in REQUIRED if name not in tarball_names]
    assert missing == []
    in_clone = []
    for top, _dirs, files in os.walk(fresh_clone):
        for name in files:
            relative = os.path.relpath(os.path.join(top, name), fresh_clone)
            if relative.startswith(RUNTIME_TREES) and "__pycache__" not in relative:
                in_clone.append(relative)
    lost = sorted(set(in_clone) - set(tarball_names))
    assert lost == [], "runtime files left out of the tarball: %s" % lost


def test_tarball_leaves_out_the_lab_and_what_needs_it(tarball_names):
    for prefix in ("lab/", "tests/", "extensions/molecule/", "inventories/lab/", "tools/", ".ci/"):
        assert not [name for name in tarball_names if name.startswith(prefix)], prefix
    for name in ("Makefile", "pytest.ini", "ansible.cfg", ".ansible-lint", "galaxy.yml", "execution-environment.yml"):
        assert name not in tarball_names


def test_manifest_declares_the_licence_and_no_placeholder(tarball):
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
        texts = [archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()]
    info = manifest["collection_info"]
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["namespace"] == "sra" and info["name"] == "appliance"
    # Optional URLs are left out rather than invented.
    for field in ("repository", "documentation", "homepage", "issues"):
        assert not info.get(field) or "example.invalid" not in info[field]
    assert not [text for text in texts if b"example.invalid" in text]


def test_license_is_the_full_gpl_3_text():
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as handle:
        text = handle.read()
    debian_copy = "/usr/share/common-licenses/GPL-3"
    if os.path.exists(debian_copy):
        with open(debian_copy, encoding="utf-8") as handle:
            assert text == handle.read()
    assert text.lstrip().startswith("GNU GENERAL PUBLIC LICENSE")
    assert "Version 3, 29 June 2007" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(text.splitlines()) > 600
