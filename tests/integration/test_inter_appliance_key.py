# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""inter_appliance_key against a lab appliance: check mode, apply, idempotence, secrecy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

KEY = "integration-key-0123"


def test_check_mode_writes_nothing_and_predicts_the_change(single_lab, module_runner):
    result = module_runner("inter_appliance_key", single_lab.params("site1", key=KEY), check_mode=True, diff=True)
    assert result["changed"] and not result.failed
    assert result["diff"]["before"] == {"key_fingerprint": None}
    assert single_lab.writes("site1") == []


def test_apply_then_apply_again_is_unchanged(single_lab, module_runner):
    first = module_runner("inter_appliance_key", single_lab.params("site1", key=KEY))
    second = module_runner("inter_appliance_key", single_lab.params("site1", key=KEY))
    assert first["changed"] and not second["changed"]
    assert first["fingerprint"] == second["fingerprint"]
    writes = single_lab.writes("site1")
    assert len(writes) == 1 and writes[0]["method"] == "PUT"


def test_the_key_never_appears_in_the_result(single_lab, module_runner):
    result = module_runner("inter_appliance_key", single_lab.params("site1", key=KEY), diff=True)
    assert KEY not in repr(result)


def test_a_short_key_is_refused_before_any_write(single_lab, module_runner):
    result = module_runner("inter_appliance_key", single_lab.params("site1", key="short"))
    assert result.failed and "8 to 256 characters" in result["msg"]
    assert single_lab.writes("site1") == []


def test_wrong_api_credentials_name_the_appliance_and_endpoint(single_lab, module_runner):
    result = module_runner("inter_appliance_key", single_lab.params("site1", key=KEY, client_secret="wrong"))
    assert result.failed
    assert single_lab.address("site1") in result["msg"] and "/oauth2/token" in result["msg"]
    assert result["status"] == 401
