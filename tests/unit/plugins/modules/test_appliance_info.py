# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

NAME = "appliance_info"


def test_all_reads_what_the_credentials_allow(run, driver, pki):
    cert, key, dummy = pki.leaf()
    driver.add_certificate(cert, key)
    result = run(NAME, dict(), driver)
    assert result["changed"] is False
    assert result["gathered_subsets"] == ["status", "network", "certificates"]
    assert result["status"]["model"] == "B400"
    assert result["interfaces"][0]["name"] == "eth0"
    assert result["certificates"][0]["fingerprint"] == pki.fingerprint(cert)
    assert result["certificates"][0]["days_left"] in (88, 89)
    assert "failover" not in result and driver.writes == []


def test_login_subsets_with_api_account(run, driver):
    driver.key_fingerprint = "f" * 32
    result = run(NAME, dict(client_id="id", client_secret="secret", gather_subset=["key", "failover", "cluster"]),
                 driver, check_mode=True)
    assert result["gathered_subsets"] == ["key", "failover", "cluster"]
    assert result["inter_appliance_key"] == dict(set=True, fingerprint="f" * 32)
    assert result["cluster"]["role"] == "single"
    assert "status" not in result


def test_invalid_subset(run, driver):
    result = run(NAME, dict(gather_subset=["nics"]), driver)
    assert result["failed"] and "gather_subset" in result["msg"]
