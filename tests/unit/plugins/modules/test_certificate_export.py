# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from cryptography.hazmat.primitives.serialization import pkcs12

NAME = "certificate_export"
PASSPHRASE = "exp0rt-pass"


@pytest.fixture
def loaded(driver, pki):
    cert, key, dummy = pki.leaf(ip_addresses=["192.0.2.10"])
    driver.add_certificate(cert, key)
    fp = pki.fingerprint(cert)
    driver.default = fp
    driver.certs[fp]["assigned_ips"] = ["192.0.2.10"]
    return driver, fp


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_export_default_then_idempotent(run, loaded, pki, tmp_path):
    driver, fp = loaded
    dest = str(tmp_path / "site.p12")
    result = run(NAME, dict(dest=dest, passphrase=PASSPHRASE), driver, diff=True)
    assert result["changed"] is True and result["fingerprint"] == fp and result["mode"] == "0600"
    assert mode_of(dest) == 0o600
    key, cert, dummy = pkcs12.load_key_and_certificates(open(dest, "rb").read(), PASSPHRASE.encode())
    assert pki.fingerprint(cert) == fp and key is not None
    assert PASSPHRASE not in json.dumps(result) and "pkcs12" not in result
    assert os.listdir(str(tmp_path)) == ["site.p12"]
    driver.calls[:] = []
    again = run(NAME, dict(dest=dest, passphrase=PASSPHRASE), driver)
    assert again["changed"] is False
    assert [call[0] for call in driver.calls] == ["certificates"]


def test_check_mode_writes_no_file(run, loaded, tmp_path):
    driver, dummy = loaded
    dest = tmp_path / "site.p12"
    result = run(NAME, dict(dest=str(dest), passphrase=PASSPHRASE), driver, check_mode=True, diff=True)
    assert result["changed"] is True and not dest.exists()
    assert "export_certificate" not in [call[0] for call in driver.calls]


def test_force_and_other_content_rewrite(run, loaded, tmp_path):
    driver, fp = loaded
    dest = tmp_path / "site.p12"
    dest.write_bytes(b"old content")
    dest.chmod(0o644)
    assert run(NAME, dict(dest=str(dest), passphrase=PASSPHRASE, assigned_ip="192.0.2.10"), driver)["changed"]
    assert mode_of(str(dest)) == 0o600
    assert run(NAME, dict(dest=str(dest), passphrase=PASSPHRASE, force=True), driver)["changed"] is True


def test_wrong_mode_is_corrected_without_export(run, loaded, tmp_path):
    driver, dummy = loaded
    dest = tmp_path / "site.p12"
    run(NAME, dict(dest=str(dest), passphrase=PASSPHRASE), driver)
    dest.chmod(0o644)
    driver.calls[:] = []
    result = run(NAME, dict(dest=str(dest), passphrase=PASSPHRASE), driver)
    assert result["changed"] is True and mode_of(str(dest)) == 0o600
    assert "export_certificate" not in [call[0] for call in driver.calls]


@pytest.mark.parametrize("params, message", [
    (dict(passphrase=""), "passphrase is empty"),
    (dict(fingerprint="ab" * 32), "holds no certificate with fingerprint"),
    (dict(assigned_ip="192.0.2.99"), "holds no certificate assigned to 192.0.2.99"),
    (dict(dest="/nonexistent-dir/site.p12"), "does not exist; create it first"),
])
def test_bad_inputs(run, loaded, tmp_path, params, message):
    driver, dummy = loaded
    args = dict(dest=str(tmp_path / "site.p12"), passphrase=PASSPHRASE)
    args.update(params)
    result = run(NAME, args, driver)
    assert result["failed"] and message in result["msg"]
    assert not (tmp_path / "site.p12").exists()


def test_no_default_certificate(run, driver, tmp_path):
    result = run(NAME, dict(dest=str(tmp_path / "x.p12"), passphrase=PASSPHRASE), driver)
    assert result["failed"] and "factory certificate by default" in result["msg"]


def test_check_mode_predicts_export_of_a_certificate_not_imported_yet(run, driver, tmp_path):
    fp = "ab" * 32
    result = run(NAME, dict(dest=str(tmp_path / "x.p12"), passphrase=PASSPHRASE, fingerprint=fp), driver,
                 check_mode=True)
    assert result["changed"] is True and result["fingerprint"] == fp
    assert "not on the appliance yet" in str(result["warnings"])
    result = run(NAME, dict(dest=str(tmp_path / "x.p12"), passphrase=PASSPHRASE, fingerprint=fp), driver)
    assert result["failed"] and "holds no certificate with fingerprint" in result["msg"]
