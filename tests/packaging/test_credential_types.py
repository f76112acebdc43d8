# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX/AAP credential types inject what the collection reads, and nothing else."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from helpers import REPO, credential_types, inject_credential

TYPES = credential_types()
API, ADMIN, TSIG = "BeyondTrust SRA API account", "BeyondTrust SRA appliance administration", "BeyondTrust SRA DNS TSIG key"


def read(*path):
    with open(os.path.join(REPO, *path), encoding="utf-8") as handle:
        return handle.read()


def documented_environment_variables():
    """E(NAME) in the connection doc fragment: the variables every module falls back to."""
    return set(re.findall(r"E\(([A-Z_]+)\)", read("plugins", "doc_fragments", "connection.py")))


def test_the_three_types_and_only_the_fields_the_controller_knows():
    assert sorted(TYPES) == sorted([API, ADMIN, TSIG])
    for credential_type in TYPES.values():
        assert set(credential_type) == {"name", "description", "kind", "inputs", "injectors"}
        assert credential_type["kind"] in ("cloud", "net")
        ids = [field["id"] for field in credential_type["inputs"]["fields"]]
        assert len(ids) == len(set(ids))
        assert set(credential_type["inputs"]["required"]) <= set(ids)
        for field in credential_type["inputs"]["fields"]:
            assert set(field) <= {"id", "label", "type", "secret", "help_text", "multiline", "default", "choices",
                                  "format"}, field
            assert field["type"] in ("string", "boolean")


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_secret_input_is_secret_and_every_injected_input_is_required(name):
    credential_type = TYPES[name]
    for field in credential_type["inputs"]["fields"]:
        if re.search("secret|password|key", field["id"]):
            assert field.get("secret") is True, field["id"]
    # An empty optional input would be injected as an empty string and override the inventory.
    injected = set()
    sandbox = ImmutableSandboxedEnvironment()
    for kind in ("env", "extra_vars"):
        for template in credential_type["injectors"].get(kind, {}).values():
            injected |= meta.find_undeclared_variables(sandbox.parse(template))
    assert injected == set(credential_type["inputs"]["required"])


def test_the_environment_variables_are_those_the_modules_read():
    injected = set()
    for credential_type in TYPES.values():
        injected |= set(credential_type["injectors"].get("env", {}))
    assert injected == documented_environment_variables() == {
        "BT_CLIENT_ID", "BT_CLIENT_SECRET", "SRA_APPLIANCE_USER", "SRA_APPLIANCE_PASSWORD"}
    for name in injected:
        assert name in read("plugins", "module_utils", "_module.py")


def test_the_extra_vars_are_those_the_roles_and_the_guide_name():
    assert inject_credential(TYPES[ADMIN], dict(appliance_user="admin", appliance_password="pw-1",
                                                inter_appliance_key="k"))[1] == dict(sra_inter_appliance_key="k")
    assert "sra_inter_appliance_key" in read("roles", "inter_appliance_key", "tasks", "main.yml")
    assert inject_credential(TYPES[TSIG], dict(tsig_secret="c2VjcmV0"))[1] == dict(sra_dns_tsig_secret="c2VjcmV0")
    assert 'tsig_secret: "{{ sra_dns_tsig_secret }}"' in read("docs", "aap.md")


def test_injection_renders_the_inputs_themselves():
    env, extra = inject_credential(TYPES[API], dict(client_id="lab-api-client", client_secret="s3cret{{x}}"))
    assert env == dict(BT_CLIENT_ID="lab-api-client", BT_CLIENT_SECRET="s3cret{{x}}") and extra == {}
    env, extra = inject_credential(TYPES[ADMIN], dict(appliance_user="admin", appliance_password="Pass-1",
                                                      inter_appliance_key="key"))
    assert env == dict(SRA_APPLIANCE_USER="admin", SRA_APPLIANCE_PASSWORD="Pass-1")


def test_the_common_role_falls_back_to_the_injected_admin_variables():
    defaults = read("roles", "common", "defaults", "main.yml")
    assert "lookup('ansible.builtin.env', 'SRA_APPLIANCE_USER')" in defaults
    assert "lookup('ansible.builtin.env', 'SRA_APPLIANCE_PASSWORD')" in defaults
