# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

NAME = "certificate"


@pytest.fixture
def site(pki):
    """A CA-issued site certificate with its key and CA."""
    return pki.leaf(ip_addresses=["192.0.2.10"])


def pem_params(pki, site, **extra):
    cert, key, ca = site
    params = dict(certificate_chain=pki.pem(cert, ca), private_key=pki.key_pem(key))
    params.update(extra)
    return params


def test_import_default_assign_then_idempotent(run, driver, pki, site):
    params = pem_params(pki, site, default=True, assigned_ips=["192.0.2.10"])
    result = run(NAME, params, driver, diff=True)
    fp = pki.fingerprint(site[0])
    assert result["changed"] is True and result["fingerprint"] == fp
    assert sorted(result["imported"]) == sorted([fp, pki.fingerprint(site[2])])
    assert [call[0] for call in driver.writes] == ["import_pem", "set_default_certificate", "set_certificate_ips"]
    assert driver.default == fp and driver.certs[fp]["assigned_ips"] == ["192.0.2.10"]
    assert result["diff"] == dict(before=dict(present=False, default=False, assigned_ips=[]),
                                  after=dict(present=True, default=True, assigned_ips=["192.0.2.10"]))
    assert "PRIVATE KEY" not in json.dumps(result)
    driver.calls[:] = []
    again = run(NAME, params, driver)
    assert again["changed"] is False and driver.writes == []
    assert [call[0] for call in driver.calls] == ["certificates", "interfaces"]


def test_check_mode_writes_nothing(run, driver, pki, site):
    result = run(NAME, pem_params(pki, site, default=True), driver, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"]["default"] is True
    assert driver.writes == [] and driver.certs == {}


def test_encrypted_key_is_sent_decrypted_after_checking(run, driver, pki, site):
    cert, key, ca = site
    params = dict(certificate_chain=pki.pem(cert, ca), private_key=pki.key_pem(key, "k3y-pass"),
                  private_key_passphrase="k3y-pass")
    assert run(NAME, params, driver)["changed"] is True
    assert "ENCRYPTED" not in driver.writes[0][2]


def test_pkcs12_path_import(run, driver, pki, site, tmp_path):
    cert, key, ca = site
    path = tmp_path / "site.p12"
    path.write_bytes(pki.pkcs12(cert, key, [ca], "p12-pass"))
    params = dict(pkcs12_path=str(path), pkcs12_passphrase="p12-pass", default=True)
    result = run(NAME, params, driver)
    assert result["changed"] and driver.default == pki.fingerprint(cert)
    assert base64.b64decode(driver.writes[0][1]) == path.read_bytes()
    assert run(NAME, params, driver)["changed"] is False


def test_absent_unassigns_then_deletes(run, driver, pki, site):
    cert, key, ca = site
    fp = pki.fingerprint(cert)
    driver.add_certificate(cert, key)
    driver.certs[fp]["assigned_ips"] = ["192.0.2.10"]
    result = run(NAME, dict(fingerprint=fp.upper(), state="absent"), driver)
    assert result["changed"] and [call[0] for call in driver.writes] == ["set_certificate_ips", "delete_certificate"]
    assert run(NAME, dict(certificate_chain=pki.pem(cert), state="absent"), driver)["changed"] is False


def test_absent_refuses_default_and_factory(run, driver, pki, site):
    cert, key, dummy = site
    driver.add_certificate(cert, key)
    driver.default = pki.fingerprint(cert)
    result = run(NAME, dict(fingerprint=driver.default, state="absent"), driver)
    assert result["failed"] and "make another certificate the default" in result["msg"]
    factory, factory_key = pki.self_signed("factory")
    driver.add_certificate(factory, factory_key, factory=True)
    result = run(NAME, dict(fingerprint=pki.fingerprint(factory), state="absent"), driver)
    assert result["failed"] and "factory certificate, which cannot be removed" in result["msg"]
    assert driver.writes == []


def test_lets_encrypt_warns_on_a_failover_pair(run, driver, pki):
    cert, key, ca = pki.leaf(ca=pki.ca("R11", organization="Let's Encrypt"))
    params = dict(certificate_chain=pki.pem(cert, ca), private_key=pki.key_pem(key))
    driver.failover_state = dict(role="primary", relationship=dict(backup_host="b", backup_port=443,
                                                                   reverse_host="a", reverse_port=443))
    result = run(NAME, dict(params, client_id="id", client_secret="secret"), driver, check_mode=True)
    assert "advises against Let's Encrypt" in str(result["warnings"])
    result = run(NAME, dict(params, failover_pair=False, client_id="id", client_secret="secret"), driver,
                 check_mode=True)
    assert "Let's Encrypt" not in str(result.get("warnings"))
    result = run(NAME, dict(params, failover_pair=True), driver, check_mode=True)
    assert "advises against Let's Encrypt" in str(result["warnings"])


def test_bad_inputs_fail_before_any_write(run, driver, pki, site):
    cert, key, ca = site
    expired, expired_key, dummy = pki.leaf(days=(-30, -1))
    own, own_key = pki.self_signed()
    cases = [
        (dict(certificate_chain=pki.pem(cert), private_key=pki.key_pem(pki.key())), "does not match the certificate"),
        (dict(certificate_chain=pki.pem(cert), private_key=""), "private_key is empty"),
        (dict(certificate_chain=pki.pem(cert), private_key=pki.key_pem(key, "a-pass"), private_key_passphrase="b"),
         "the passphrase is wrong"),
        (dict(certificate_chain=pki.pem(expired), private_key=pki.key_pem(expired_key)), "expired on"),
        (dict(certificate_chain=pki.pem(own), private_key=pki.key_pem(own_key), default=True),
         "is self-signed and cannot be the default"),
        (dict(pkcs12=base64.b64encode(pki.pkcs12(cert, key, [], "right")).decode(), pkcs12_passphrase="wr0ng-pass"),
         "the passphrase is wrong"),
        (dict(pkcs12="not base64!"), "pkcs12 is not base64"),
        (dict(pkcs12_path="/nonexistent/site.p12"), "is not a file on the controller"),
        (dict(certificate_chain="garbage", private_key=pki.key_pem(key)), "holds no PEM certificate"),
        (dict(fingerprint="12:34"), "is not a SHA-256 fingerprint"),
        (dict(fingerprint="ab" * 32), "is not on the appliance"),
        (pem_params(pki, site, assigned_ips=["198.51.100.7"]), "198.51.100.7 is not configured on the appliance"),
        (pem_params(pki, site, assigned_ips=["198.51.100.300"]), "is not an IP address"),
    ]
    for params, message in cases:
        result = run(NAME, params, driver)
        assert result.get("failed") is True, params
        assert message in result["msg"], (message, result["msg"])
    assert driver.writes == []


def test_factory_certificate_cannot_be_default(run, driver, pki):
    factory, factory_key = pki.self_signed("factory")
    driver.add_certificate(factory, factory_key, factory=True)
    driver.certs[pki.fingerprint(factory)]["self_signed"] = False   # only the factory flag should refuse it
    result = run(NAME, dict(fingerprint=pki.fingerprint(factory), default=True), driver)
    assert result["failed"] and "factory certificate and cannot be the default" in result["msg"]
    assert driver.writes == []


def test_default_false_on_the_default_refused(run, driver, pki, site):
    driver.add_certificate(site[0], site[1])
    driver.default = pki.fingerprint(site[0])
    result = run(NAME, pem_params(pki, site, default=False), driver)
    assert result["failed"] and "the appliance always has one" in result["msg"]


def test_sources_are_mutually_exclusive(run, driver, pki, site):
    result = run(NAME, pem_params(pki, site, fingerprint="ab" * 32), driver)
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_check_mode_plans_assignment_to_an_ip_an_earlier_task_adds(run, driver, pki, site):
    result = run(NAME, pem_params(pki, site, assigned_ips=["192.0.2.99"]), driver, check_mode=True)
    assert result["changed"] is True and "not configured on the appliance yet" in str(result["warnings"])
    assert driver.writes == []
