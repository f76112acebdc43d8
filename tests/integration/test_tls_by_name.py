# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS by address, verified by name, against the pair lab (docs/tls.md).

The lab CA issues a site certificate the way an operator's CA would: for the site host name only,
without the appliances' IP addresses. Imported as the default certificate of both appliances, it
is what every connection by address is served. With validate_certs on, every vendor read, the
backup and a role swap work by address with tls_server_name set to the site host name, and fail
with a message that names the fix without it. The same runs reach the appliances while they still
serve their factory certificates (which name their addresses).

Also: an API account without the backup permission is refused before the backup is asked for.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import zipfile

import pytest

SITE = "support.lab.sra.test"
KEY = "tls-test-inter-appliance-key"
# Seconds: the pair topology's initial sync delay would dominate the swap test.
FAST_TIMERS = dict(initial_sync_delay=0.5, swap_both_backup=1)
NODES = ("site1", "site2")


class SitePair:
    """The pair lab with a site-name-only certificate at hand; runs modules by address."""

    def __init__(self, lab, runner, clear_warnings, cert_file, key_file):
        self.lab = lab
        self.runner = runner
        self.clear_warnings = clear_warnings
        self.chain = open(cert_file).read()
        self.key = open(key_file).read()
        self.primary, self.backup = lab.address("site1"), lab.address("site2")

    def run(self, name, node, check_mode=False, **options):
        self.clear_warnings()
        return self.runner(name, self.lab.params(node, **options), check_mode=check_mode)

    def by_name(self, name, node, **options):
        """A module run by address, verified against the site host name."""
        return self.run(name, node, tls_server_name=SITE, **options)

    def import_site_certificate(self):
        for node in NODES:
            result = self.by_name("certificate", node, certificate_chain=self.chain, private_key=self.key, default=True)
            assert result["changed"] and not result.failed, result.get("msg")

    def writes(self, node):
        return self.lab.writes(node)


@pytest.fixture
def site_pair(pair_lab, module_runner, fresh_warnings, tmp_path):
    saved = {}
    for node in NODES:
        current = pair_lab.control(node, "GET", "settings")
        saved[node] = dict((name, current[name]) for name in FAST_TIMERS)
        pair_lab.control(node, "POST", "settings", dict(FAST_TIMERS, permissions=dict(current["permissions"])))
        saved[node]["permissions"] = dict(current["permissions"])
    cert_file, key_file = str(tmp_path / "site.pem"), str(tmp_path / "site.key")
    pair_lab.cli("issue-cert", "--name", SITE, "--san", SITE, "--out-cert", cert_file, "--out-key", key_file)
    yield SitePair(pair_lab, module_runner, fresh_warnings, cert_file, key_file)
    for node in NODES:
        pair_lab.control(node, "POST", "settings", saved[node])
        pair_lab.reset(node)  # the factory certificate again, for the other tests of the session


def test_the_site_certificate_names_no_address(site_pair):
    site_pair.import_site_certificate()
    for node, address in (("site1", site_pair.primary), ("site2", site_pair.backup)):
        # Without SNI the appliance serves its default certificate: the site certificate.
        served = site_pair.run("health_info", node, health=False, certificate=True)
        assert not served.failed, served.get("msg")
        certificate = served["certificate"]
        assert (certificate["dns_names"], certificate["ip_addresses"]) == ([SITE], [])
        assert certificate["sni"] is None and certificate["matched_name"] is None
        assert any("serves names DNS:%s, not %s" % (SITE, address) in text for text in warnings(served))
        by_name = site_pair.by_name("health_info", node, health=False, certificate=True)["certificate"]
        assert by_name["sha256"] == certificate["sha256"]
        assert by_name["matched_name"] == SITE and by_name["matches_tls_server_name"] is True


def test_without_tls_server_name_every_module_fails_naming_the_fix(site_pair, tmp_path):
    site_pair.import_site_certificate()
    site_pair.lab.mark("site1")
    for name, options in (("health_info", {}), ("health_info", dict(api="json")),
                          ("backup", dict(dest=str(tmp_path / "never-written.nsb"))),
                          ("failover_role", dict(state="primary")), ("appliance_info", {})):
        result = site_pair.run(name, "site1", **options)
        assert result.failed and result["failure"] == "tls", (name, result.get("msg"))
        assert "the certificate served names DNS:%s, none of which is %s" % (SITE, site_pair.primary) in result["msg"]
        assert "Set tls_server_name" in result["msg"]
    # Refused in the handshake: not one request reached the appliance, nothing was written.
    assert site_pair.lab.requests("site1") == [] and not (tmp_path / "never-written.nsb").exists()


@pytest.mark.parametrize("api", ["xml", "json"])
def test_every_vendor_read_works_by_address_verified_by_name(site_pair, api):
    site_pair.import_site_certificate()
    site_pair.lab.mark("site1")
    result = site_pair.by_name("health_info", "site1", api=api, probe=True, appliances=True, api_info=True,
                               certificate=True)
    assert not result.failed, result.get("msg")
    assert result["health"]["success"] is True and result["health"]["role"] == "none"
    assert result["probe"]["healthy"] is True and result["appliances"][0]["cluster_role"] == "single"
    assert result["api_info"]["permissions"]["perm_command"] == "full_access"
    assert result["api_info"]["source"] == api
    assert result["certificate"]["matches_tls_server_name"] is True
    assert site_pair.writes("site1") == []


def test_the_backup_works_by_address_verified_by_name(site_pair, tmp_path):
    site_pair.import_site_certificate()
    dest = tmp_path / "site1.nsb"
    result = site_pair.by_name("backup", "site1", dest=str(dest))
    assert result["changed"] and not result.failed, result.get("msg")
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    with zipfile.ZipFile(str(dest)) as archive:
        assert "manifest.json" in archive.namelist()


def test_one_run_reaches_factory_fresh_and_deployed_appliances(site_pair):
    """site1 serves the site certificate, site2 still its factory one: both verify with one option."""
    result = site_pair.by_name("certificate", "site1", certificate_chain=site_pair.chain,
                               private_key=site_pair.key, default=True)
    assert not result.failed, result.get("msg")
    deployed, fresh = (site_pair.by_name("health_info", node, certificate=True) for node in NODES)
    assert not deployed.failed and not fresh.failed, (deployed.get("msg"), fresh.get("msg"))
    assert deployed["certificate"]["matched_name"] == SITE
    assert fresh["certificate"]["matched_name"] == site_pair.backup  # the factory certificate names the address


def test_a_role_swap_by_address_verified_by_name(site_pair):
    site_pair.import_site_certificate()
    for node in NODES:
        assert not site_pair.by_name("inter_appliance_key", node, key=KEY).failed
    relationship = site_pair.by_name("failover_relationship", "site1", backup_host=site_pair.backup,
                                     reverse_host=site_pair.primary, wait_timeout=30)
    assert relationship["changed"] and not relationship.failed, relationship.get("msg")

    swap = site_pair.by_name("failover_role", "site2", state="primary", data_sync_first=True,
                             peer_host=site_pair.primary, wait_timeout=30)
    assert swap["changed"] and not swap.failed, swap.get("msg")
    assert (swap["previous_role"], swap["role"], swap["peer_role"]) == ("backup", "primary", "backup")

    back = site_pair.by_name("failover_role", "site1", state="primary", data_sync_first=True, api="json",
                             peer_host=site_pair.backup, wait_timeout=30)
    assert back["changed"] and not back.failed, back.get("msg")
    assert (back["role"], back["peer_role"]) == ("primary", "backup")

    site_pair.lab.mark("site1")
    refused = site_pair.run("failover_role", "site1", state="backup", peer_host=site_pair.backup)
    assert refused.failed and refused["failure"] == "tls" and site_pair.writes("site1") == []


# -- the API account before the backup ------------------------------------------------------------
def test_an_account_without_backup_permission_is_refused_before_the_backup(site_pair, tmp_path):
    site_pair.lab.control("site1", "POST", "settings", dict(permissions=dict(perm_backup=False)))
    site_pair.lab.mark("site1")
    backups = tmp_path / "backups"
    backups.mkdir()
    for check_mode in (True, False):
        result = site_pair.run("backup", "site1", check_mode=check_mode, dest=str(backups))
        assert result.failed and result["failure"] == "auth", result
        assert result["msg"].startswith("the API account of %s has no backup permission (perm_backup off)"
                                        % site_pair.primary)
    assert os.listdir(str(backups)) == []
    served = [(entry["path"], entry["action"]) for entry in site_pair.lab.requests("site1")]
    assert ("/api/command", "get_api_info") in served and "/api/backup" not in [path for path, dummy in served]


def warnings(result):
    return [item["event"]["msg"] if isinstance(item, dict) else item for item in result.get("warnings", [])]
