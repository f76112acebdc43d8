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
    FakeAppliance, FakeNetwork, run_module)


@pytest.fixture
def network():
    return FakeNetwork(FakeAppliance("192.0.2.10", role="primary"))


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
    assert [entry[1] for entry in network["192.0.2.10"].log] == []


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
