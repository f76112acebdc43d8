# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import stat

import pytest

from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    NS, FakeAppliance, FakeNetwork, response, run_module, xml)

# Binary, as a backup is (the lab's is a zip; the .nsb format is undocumented).
BACKUP = b"PK\x03\x04" + bytes(range(256)) * 8


@pytest.fixture
def network():
    appliance = FakeAppliance("192.0.2.10", role="primary")
    appliance.backup_body = BACKUP
    return FakeNetwork(appliance)


def permissions(appliance, perm_backup="1", perm_command="full_access"):
    appliance.xml_get_api_info = lambda params: xml(
        '<api_information xmlns="%s"><api_version>1.24.0</api_version><permissions>'
        '<permission name="perm_backup">%s</permission><permission name="perm_command">%s</permission>'
        '</permissions></api_information>' % (NS, perm_backup, perm_command))


def paths(network):
    return [(entry[1], entry[2]) for entry in network["192.0.2.10"].log]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_downloads_atomically_with_mode_0600(monkeypatch, network, tmp_path):
    dest = tmp_path / "site.nsb"
    result = run_module(monkeypatch, "backup", dict(dest=str(dest)), network)
    body = network["192.0.2.10"].backup_body
    assert result["changed"] is True
    assert (result["size"], result["sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
    assert dest.read_bytes() == body and mode(dest) == 0o600
    assert os.listdir(tmp_path) == ["site.nsb"]  # no temporary file left behind


def test_same_backup_again_is_no_change(monkeypatch, network, tmp_path):
    dest = tmp_path / "site.nsb"
    run_module(monkeypatch, "backup", dict(dest=str(dest)), network)
    result = run_module(monkeypatch, "backup", dict(dest=str(dest)), network)
    assert result["changed"] is False


def test_changed_backup_replaces_the_file(monkeypatch, network, tmp_path):
    dest = tmp_path / "site.nsb"
    dest.write_bytes(b"old")
    dest.chmod(0o644)
    result = run_module(monkeypatch, "backup", dict(dest=str(dest)), network, diff=True)
    assert result["changed"] is True and dest.read_bytes() == network["192.0.2.10"].backup_body
    assert mode(dest) == 0o600
    assert result["diff"]["before"]["file"]["size"] == 3


def test_check_mode_downloads_nothing(monkeypatch, network, tmp_path):
    dest = tmp_path / "site.nsb"
    result = run_module(monkeypatch, "backup", dict(dest=str(dest)), network, check_mode=True)
    assert result["changed"] is True and not dest.exists()
    # The account check is a read; the backup is never asked for.
    assert paths(network) == [("/oauth2/token", None), ("/api/command", "get_api_info")]


def test_the_account_is_checked_first_with_one_read(monkeypatch, network, tmp_path):
    run_module(monkeypatch, "backup", dict(dest=str(tmp_path / "b.nsb")), network)
    assert paths(network) == [("/oauth2/token", None), ("/api/command", "get_api_info"), ("/api/backup", None)]


def test_no_backup_permission_refuses_before_anything_is_written(monkeypatch, network, tmp_path):
    permissions(network["192.0.2.10"], perm_backup="0")
    dest = tmp_path / "site.nsb"
    for check_mode in (False, True):
        result = run_module(monkeypatch, "backup", dict(dest=str(dest)), network, check_mode=check_mode)
        assert result["failed"] and result["failure"] == "auth"
        assert result["msg"] == (
            "the API account of 192.0.2.10 has no backup permission (perm_backup off); the backup API needs it: "
            "/login > Management > API Configuration > <the account> > Backup API: Allow Access. "
            "Nothing was downloaded or written")
    assert ("/api/backup", None) not in paths(network) and os.listdir(tmp_path) == []


def test_check_account_false_skips_the_read(monkeypatch, network, tmp_path):
    permissions(network["192.0.2.10"], perm_backup="0")
    result = run_module(monkeypatch, "backup", dict(dest=str(tmp_path / "b.nsb"), check_account=False), network)
    assert result["changed"] is True
    assert paths(network) == [("/oauth2/token", None), ("/api/backup", None)]


def test_an_account_that_cannot_read_its_permissions_is_told_about_check_account(monkeypatch, network, tmp_path):
    appliance = network["192.0.2.10"]
    appliance.xml_get_api_info = lambda params: response(403, "Forbidden", "text/plain")
    appliance.v2_info = lambda method, body: response(403, dict(message="no command API access"))
    result = run_module(monkeypatch, "backup", dict(dest=str(tmp_path / "b.nsb")), network)
    assert result["failed"] and "set check_account: false" in result["msg"] and os.listdir(tmp_path) == []


@pytest.mark.parametrize("body, content_type, quoted", [
    (b"Invalid credentials", "application/octet-stream", "Invalid credentials"),
    (b'{"error": "access_denied", "message": "The resource owner denied the request."}', "application/json",
     "The resource owner denied the request."),
    (('<?xml version="1.0" encoding="UTF-8"?>\n\n<error xmlns="%s">Backup is not available.</error>' % NS).encode(),
     "text/xml; charset=UTF-8", "Backup is not available."),
])
def test_an_error_answered_with_200_is_refused_and_nothing_written(monkeypatch, network, tmp_path, body,
                                                                   content_type, quoted):
    appliance = network["192.0.2.10"]
    original = appliance.handle

    def handle(method, path, params, data, json_body):
        if path == "/api/backup":
            return response(200, body, content_type)
        return original(method, path, params, data, json_body)
    appliance.handle = handle
    dest = tmp_path / "site.nsb"
    dest.write_bytes(b"old backup")
    result = run_module(monkeypatch, "backup", dict(dest=str(dest)), network)
    assert result["failed"] and result["failure"] == "refused" and result["changed"] is False
    assert result["msg"] == ("192.0.2.10: GET /api/backup answered HTTP 200: the answer is an error, not a backup: "
                             "%s. Nothing was written" % quoted.rstrip("."))
    assert dest.read_bytes() == b"old backup" and os.listdir(tmp_path) == ["site.nsb"]


def test_directory_dest_gets_a_timestamped_name(monkeypatch, network, tmp_path):
    result = run_module(monkeypatch, "backup", dict(dest=str(tmp_path)), network)
    name = os.path.basename(result["dest"])
    assert name.startswith("192.0.2.10-") and name.endswith(".nsb") and os.path.exists(result["dest"])


def test_password_is_sent_and_never_logged(monkeypatch, network, tmp_path):
    result = run_module(monkeypatch, "backup", dict(dest=str(tmp_path / "b.nsb"), password="bk-pass"), network)
    assert result["changed"] is True
    assert "bk-pass" not in str(result)
    assert network["192.0.2.10"].log[-1][:2] == ("POST", "/api/backup")


def test_wrong_password_fails_and_keeps_the_old_file(monkeypatch, network, tmp_path):
    dest = tmp_path / "site.nsb"
    dest.write_bytes(b"old")
    result = run_module(monkeypatch, "backup", dict(dest=str(dest), password="wrong"), network)
    assert result["failed"] and "HTTP 401" in result["msg"] and "/api/backup" in result["msg"]
    assert dest.read_bytes() == b"old" and os.listdir(tmp_path) == ["site.nsb"]


def test_missing_directory_is_an_error(monkeypatch, network, tmp_path):
    result = run_module(monkeypatch, "backup", dict(dest=str(tmp_path / "nope" / "b.nsb")), network)
    assert result["failed"] and "does not exist" in result["msg"]
