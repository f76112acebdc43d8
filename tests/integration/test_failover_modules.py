# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover modules against a lab. The vendor-API modules (health_info, backup,
failover_role) on a standalone appliance; the pair scenarios follow once the lab has its
failover engine (lab/README.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import stat


def test_health_info_xml_and_json_agree_and_write_nothing(single_lab, module_runner):
    params = single_lab.params("site1", appliances=True, probe=True, api_info=True)
    xml = module_runner("health_info", params)
    json_ = module_runner("health_info", dict(params, api="json"))
    assert not xml.failed and not json_.failed and not xml["changed"]
    for health in (xml["health"], json_["health"]):
        assert (health["role"], health["success"], health["cluster_role"]) == ("none", True, "single")
        assert (health["version"], health["build"]) == ("24.3.1", "12345-0123abcd")
        assert health["last_data_sync_time"] is None and health["enabled_shared_ips"] == []
    assert xml["health"]["appliance_id"] == json_["health"]["appliance_id"]
    assert xml["probe"] == dict(healthy=True, status=200, message="Success")
    assert xml["appliances"][0]["failover_role"] == "none"
    assert xml["api_info"]["permissions"]["perm_command"] == "full_access"
    assert single_lab.writes("site1") == []


def test_probe_without_credentials(single_lab, module_runner):
    params = single_lab.params("site1", health=False, probe=True)
    del params["client_id"], params["client_secret"]
    result = module_runner("health_info", params)
    assert result["probe"]["healthy"] and "health" not in result


def test_backup_to_a_private_file(single_lab, module_runner, tmp_path):
    dest = tmp_path / "site1.nsb"
    check = module_runner("backup", single_lab.params("site1", dest=str(dest)), check_mode=True)
    assert check["changed"] and not dest.exists()
    result = module_runner("backup", single_lab.params("site1", dest=str(dest)))
    assert result["changed"] and not result.failed
    data = dest.read_bytes()
    assert data[:2] == b"PK" and result["size"] == len(data)  # the lab's backup is a zip
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["site1.nsb"]
    assert single_lab.writes("site1") == []


def test_failover_role_on_a_standalone_appliance_is_refused_without_a_write(single_lab, module_runner):
    for api in ("xml", "json"):
        result = module_runner("failover_role", single_lab.params("site1", state="primary", api=api))
        assert result.failed and "not in a failover relationship" in result["msg"]
    assert single_lab.writes("site1") == []
