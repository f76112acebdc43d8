# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover modules against the pair lab: the vendor-API modules (health_info, backup,
failover_role) on a standalone appliance (a node in its factory state), then a failover pair (lab/README.md, Failover):
establishing, settings, syncs, planned swaps, automatic failover after kill -9, and bad inputs
that must fail before the first write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import stat
import time
import zipfile

import pytest

KEY = "failover-test-inter-appliance-key"
# Seconds. The pair topology's initial sync delay (5) would dominate every pair test.
FAST_TIMERS = dict(initial_sync_delay=0.5, swap_both_backup=1)
PRIMARY_TIMEOUT = 2        # seconds of silence before the backup fails over


# -- a failover pair ---------------------------------------------------------------------------

class Pair:
    """site1 (normal primary) and site2 (normal backup) of the pair lab, and a module runner
    that reports each run's own warnings."""

    def __init__(self, lab, runner, clear_warnings):
        self.lab = lab
        self.runner = runner
        self.clear_warnings = clear_warnings
        self.primary, self.backup = lab.address("site1"), lab.address("site2")
        self.shared = self.primary.rsplit(".", 1)[0] + ".52"

    def run(self, name, node, check_mode=False, **options):
        self.clear_warnings()
        return self.runner(name, self.lab.params(node, **options), check_mode=check_mode)

    def mark(self):
        """Writes before now no longer count in writes()."""
        for node in ("site1", "site2"):
            self.lab.mark(node)

    def writes(self, *nodes):
        return [entry for node in nodes or ("site1", "site2") for entry in self.lab.writes(node)]

    def relationship(self, **extra):
        return dict(dict(backup_host=self.backup, reverse_host=self.primary, wait_timeout=30), **extra)

    def prepare(self):
        """The inter-appliance key and the shared IP (disabled) on both: what the relationship needs."""
        for node in ("site1", "site2"):
            assert not self.run("inter_appliance_key", node, key=KEY).failed
            result = self.run("network_ips", node, state="merged", config=[
                dict(name="eth0", ips=[dict(address=self.shared + "/24", enabled=False)])])
            assert not result.failed, result["msg"]

    def establish(self):
        self.prepare()
        result = self.run("failover_relationship", "site1", **self.relationship())
        assert result["changed"] and not result.failed, result.get("msg")
        return result

    def settings(self, node, **options):
        result = self.run("failover_settings", node, shared_ips=[self.shared], network_method="shared_ip", **options)
        assert not result.failed, result.get("msg")
        return result

    def health(self, node, **options):
        result = self.run("health_info", node, **options)
        assert not result.failed, result.get("msg")
        return result


def warnings_of(result):
    return [item["event"]["msg"] if isinstance(item, dict) else item for item in result.get("warnings", [])]


@pytest.fixture
def pair(pair_lab, module_runner, fresh_warnings):
    """Both appliances of the pair lab healed, in factory state (each a standalone appliance), with
    short timers. Faults and lab settings survive a factory reset: they are put back afterwards."""
    saved = {}
    for node in ("site1", "site2"):
        pair_lab.control(node, "POST", "faults/heal", {})
        current = pair_lab.control(node, "GET", "settings")
        saved[node] = dict((name, current[name]) for name in FAST_TIMERS)
        pair_lab.control(node, "POST", "settings", dict(FAST_TIMERS, build=None))
    yield Pair(pair_lab, module_runner, fresh_warnings)
    for node in ("site1", "site2"):
        pair_lab.control(node, "POST", "faults/heal", {})
        pair_lab.control(node, "POST", "settings", dict(saved[node], build=None))


# -- the vendor-API modules on a standalone appliance -------------------------------------------

def test_health_info_xml_and_json_agree_and_write_nothing(pair):
    options = dict(appliances=True, probe=True, api_info=True)
    xml = pair.run("health_info", "site1", **options)
    json_ = pair.run("health_info", "site1", api="json", **options)
    assert not xml.failed and not json_.failed and not xml["changed"]
    for health in (xml["health"], json_["health"]):
        assert (health["role"], health["success"], health["cluster_role"]) == ("none", True, "single")
        assert (health["version"], health["build"]) == ("24.3.1", "12345-0123abcd")
        assert health["last_data_sync_time"] is None and health["enabled_shared_ips"] == []
    assert xml["health"]["appliance_id"] == json_["health"]["appliance_id"]
    assert xml["probe"] == dict(healthy=True, status=200, message="Success", transient=False)
    assert xml["appliances"][0]["failover_role"] == "none"
    assert xml["api_info"]["permissions"]["perm_command"] == "full_access"
    assert pair.writes("site1") == []


def test_probe_without_credentials(pair):
    params = pair.lab.params("site1", health=False, probe=True)
    del params["client_id"], params["client_secret"]
    result = pair.runner("health_info", params)
    assert result["probe"]["healthy"] and "health" not in result


def test_backup_to_a_private_file(pair, tmp_path):
    dest = tmp_path / "site1.nsb"
    check = pair.run("backup", "site1", check_mode=True, dest=str(dest))
    assert check["changed"] and not dest.exists()
    result = pair.run("backup", "site1", dest=str(dest))
    assert result["changed"] and not result.failed
    data = dest.read_bytes()
    assert data[:2] == b"PK" and result["size"] == len(data)  # the lab's backup is a zip
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["site1.nsb"]
    assert pair.writes("site1") == []


def test_failover_role_on_a_standalone_appliance_is_refused_without_a_write(pair):
    for api in ("xml", "json"):
        result = pair.run("failover_role", "site1", state="primary", api=api)
        assert result.failed and "not in a failover relationship" in result["msg"]
    assert pair.writes("site1") == []


# -- the pair ----------------------------------------------------------------------------------

def test_establish_the_pair_check_apply_idempotent(pair):
    pair.prepare()
    pair.mark()
    check = pair.run("failover_relationship", "site1", check_mode=True, **pair.relationship())
    assert check["changed"] and not check.failed and check["role"] == "primary"
    assert pair.writes() == []

    started = time.monotonic()
    applied = pair.run("failover_relationship", "site1", **pair.relationship())
    assert applied["changed"] and not applied.failed, applied.get("msg")
    assert time.monotonic() - started < 15
    assert applied["role"] == "primary" and applied["data_sync"]["last_data_sync_status"] == "Success"
    assert applied["relationship"] == dict(backup_host=pair.backup, backup_port=443, reverse_host=pair.primary,
                                           reverse_port=443)
    assert [(w["method"], w["path"]) for w in pair.writes("site1")] == [
        ("POST", "/login/api/v1/failover/relationship")]

    pair.mark()
    again = pair.run("failover_relationship", "site1", **pair.relationship())
    assert not again["changed"] and not again.failed and pair.writes() == []
    # Seen from the backup's end it is the same relationship.
    from_backup = pair.run("failover_relationship", "site2", check_mode=True, backup_host=pair.primary,
                           reverse_host=pair.backup)
    assert not from_backup["changed"] and from_backup["role"] == "backup"

    status = pair.run("appliance_info", "site1", gather_subset=["failover"])["failover"]
    assert status["role"] == "primary" and status["peer_host"]["reachable"]
    for node, role, shared in (("site1", "primary", []), ("site2", "backup", [])):
        health = pair.health(node, appliances=True)
        assert health["health"]["role"] == role and health["health"]["success"]
        assert health["health"]["last_data_sync_status"] == "Success"
        assert health["health"]["enabled_shared_ips"] == shared  # none selected yet
        assert sorted(a["failover_role"] for a in health["appliances"]) == ["backup", "primary"]
    assert pair.writes() == []


NEW_KEY = "failover-test-inter-appliance-key-2"


def test_a_key_change_on_one_appliance_of_a_pair_is_refused_and_both_change_together(pair):
    pair.establish()
    pair.mark()
    alone = pair.run("inter_appliance_key", "site1", key=NEW_KEY)
    assert alone.failed and not alone["changed"]
    assert alone["msg"].startswith("%s is in a failover relationship (primary, with " % pair.primary)
    assert "Give every other appliance of the pair and cluster in peers" in alone["msg"]
    assert pair.writes() == []

    peers = [dict(host=pair.backup)]
    plan = pair.run("inter_appliance_key", "site1", check_mode=True, key=NEW_KEY, peers=peers)
    assert plan["changed"] and plan["changed_appliances"] == [pair.backup, pair.primary]
    assert pair.writes() == []

    together = pair.run("inter_appliance_key", "site1", key=NEW_KEY, peers=peers)
    assert together["changed"] and not together.failed, together.get("msg")
    assert [(w["method"], w["path"]) for w in pair.writes("site2") + pair.writes("site1")] == [
        ("PUT", "/login/api/v1/security/inter-appliance-key")] * 2
    pair.mark()
    again = pair.run("inter_appliance_key", "site1", key=NEW_KEY, peers=peers)
    assert not again["changed"] and again["changed_appliances"] == [] and pair.writes() == []
    # The pair still trusts itself: one primary, one backup, and a data sync that works.
    synced = pair.run("failover_sync", "site1", wait_timeout=30)
    assert not synced.failed, synced.get("msg")
    roles = sorted(pair.health(node)["health"]["role"] for node in ("site1", "site2"))
    assert roles == ["backup", "primary"]


def test_failover_settings_shared_ip_and_backup_settings(pair, router):
    pair.establish()
    primary = dict(normal_role="primary", backup_operations=False, automatic_failover=False)
    backup = dict(normal_role="backup", backup_operations=True, automatic_failover=True,
                  primary_timeout=PRIMARY_TIMEOUT, sync_interval=3600, bandwidth_limit=0,
                  connectivity_test_ips=[router], peer_host=pair.primary)
    pair.mark()
    check = pair.run("failover_settings", "site2", check_mode=True, shared_ips=[pair.shared], **backup)
    assert check["changed"] and pair.writes() == []

    first = [pair.settings("site1", **primary), pair.settings("site2", **backup)]
    assert all(result["changed"] for result in first)
    assert first[1]["backup_settings"] == dict(backup_operations=True, automatic_failover=True,
                                               primary_timeout=PRIMARY_TIMEOUT, sync_interval=3600,
                                               bandwidth_limit=0, connectivity_test_ips=[router])
    assert all(warnings_of(result) == [] for result in first)  # both follow the best-practice table
    pair.mark()
    again = [pair.settings("site1", **primary), pair.settings("site2", **backup)]
    assert not any(result["changed"] for result in again) and pair.writes() == []
    for node in ("site1", "site2"):
        assert pair.run("failover_settings", node)["shared_ips"] == [pair.shared]
    # Selected on both; only the primary serves it.
    assert pair.health("site1")["health"]["enabled_shared_ips"] == [pair.shared]
    assert pair.health("site2")["health"]["enabled_shared_ips"] == []

    contrary = pair.run("failover_settings", "site1", check_mode=True, normal_role="primary",
                        automatic_failover=True, backup_operations=True)
    assert any("best-practice" in warning for warning in warnings_of(contrary))
    assert pair.writes() == []


def test_a_shared_ip_disabled_by_hand_on_the_primary_is_enabled_again(pair):
    pair.establish()
    pair.settings("site1", normal_role="primary")
    pair.settings("site2", normal_role="backup")
    assert pair.health("site1")["health"]["enabled_shared_ips"] == [pair.shared]
    # A person unticks the shared IP's Enabled box on the primary's IP Configuration page.
    ips = [dict(address=pair.primary, prefix=24, enabled=True), dict(address=pair.shared, prefix=24, enabled=False)]
    answer = pair.lab.control("site1", "POST", "page", dict(method="PUT", path="/appliance/api/v1/network/interfaces/eth0/ips",
                                                            body=dict(ips=ips)))
    assert answer["status"] < 400, answer
    assert pair.health("site1")["health"]["enabled_shared_ips"] == []
    config = [dict(name="eth0", ips=[dict(address=pair.primary + "/24", enabled=True),
                                     dict(address=pair.shared + "/24", initially_enabled=True)])]
    pair.mark()
    plan = pair.run("network_ips", "site1", check_mode=True, config=config)
    assert plan["changed"] and pair.writes() == []
    repaired = pair.run("network_ips", "site1", config=config)
    assert repaired["changed"] and not repaired.failed, repaired.get("msg")
    assert pair.health("site1")["health"]["enabled_shared_ips"] == [pair.shared]
    pair.mark()
    assert not pair.run("network_ips", "site1", config=config)["changed"] and pair.writes() == []
    # The backup's flag stays the appliance's (disabled).
    backup = [dict(name="eth0", ips=[dict(address=pair.backup + "/24", enabled=True),
                                     dict(address=pair.shared + "/24", initially_enabled=False)])]
    assert not pair.run("network_ips", "site2", config=backup)["changed"]


def test_failover_sync_moves_the_time_and_fails_with_the_status(pair):
    pair.establish()
    before = pair.health("site1")["health"]["last_data_sync_epoch"]
    synced = pair.run("failover_sync", "site1", wait_timeout=20)
    assert synced["changed"] and not synced.failed, synced.get("msg")
    assert synced["data_sync"]["last_data_sync_status"] == "Success"
    after = pair.health("site2")["health"]
    assert after["last_data_sync_epoch"] > before and after["last_data_sync_status"] == "Success"

    pair.lab.cli("fault", "fail-sync", "site2", "--count", "1", "--message", "disk full")
    failed = pair.run("failover_sync", "site1", wait_timeout=20)
    assert failed.failed and "Failed: disk full" in failed["msg"]
    assert failed["data_sync"]["last_data_sync_status"] == "Failed: disk full"


def test_an_existing_relationship_after_a_failed_sync_is_a_warning_not_a_wait(pair):
    pair.establish()
    pair.lab.cli("fault", "fail-sync", "site2", "--count", "1", "--message", "disk full")
    assert pair.run("failover_sync", "site1", wait_timeout=20).failed
    pair.mark()
    started = time.monotonic()
    again = pair.run("failover_relationship", "site1", **pair.relationship(wait_timeout=600))
    assert not again.failed and not again["changed"], again.get("msg")
    assert time.monotonic() - started < 10
    assert any("the last data sync of %s did not succeed (Failed: disk full" % pair.primary in line
               and "playbooks/data_sync.yml" in line for line in warnings_of(again))
    assert pair.writes() == []


def test_a_relationship_the_backup_no_longer_knows_is_one_sided(pair):
    pair.establish()
    pair.lab.reset("site2")  # the backup's factory reset
    pair.mark()
    for check_mode in (True, False):
        result = pair.run("failover_relationship", "site1", check_mode=check_mode, **pair.relationship())
        assert result.failed and not result["changed"] and result["one_sided"]
        assert "answers with failover role none" in result["msg"] and "playbooks/replace_appliance.yml" in result["msg"]
    assert pair.writes() == []


def users_in_backup(pair, node, tmp_path):
    dest = tmp_path / ("%s.nsb" % node)
    result = pair.run("backup", node, dest=str(dest))
    assert not result.failed, result.get("msg")
    with zipfile.ZipFile(str(dest)) as archive:
        return json.dumps(json.loads(archive.read("users.json")))


def test_planned_swap_with_data_sync_first_and_back(pair, tmp_path):
    pair.establish()
    pair.settings("site1", normal_role="primary", backup_operations=False, automatic_failover=False)
    pair.settings("site2", normal_role="backup", backup_operations=True, automatic_failover=False)
    pair.lab.cli("site-data", "site1", "--kind", "users", "--name", "swap-user-1")
    assert "swap-user-1" not in users_in_backup(pair, "site2", tmp_path)

    pair.mark()
    noop = pair.run("failover_role", "site1", state="primary", peer_host=pair.backup)
    assert not noop["changed"] and (noop["role"], noop["peer_role"]) == ("primary", "backup")
    assert pair.writes() == []

    check = pair.run("failover_role", "site2", check_mode=True, state="primary", data_sync_first=True,
                     peer_host=pair.primary)
    assert check["changed"] and check["plan"]["clients_disconnected"] and pair.writes() == []

    swap = pair.run("failover_role", "site2", state="primary", data_sync_first=True, peer_host=pair.primary,
                    wait_timeout=30)
    assert swap["changed"] and not swap.failed, swap.get("msg")
    assert (swap["previous_role"], swap["role"], swap["peer_role"]) == ("backup", "primary", "backup")
    assert swap["message"].startswith("Successfully started data sync")
    assert pair.health("site2")["health"]["enabled_shared_ips"] == [pair.shared]
    assert pair.health("site1")["health"]["enabled_shared_ips"] == []
    assert "swap-user-1" in users_in_backup(pair, "site2", tmp_path)

    pair.lab.cli("site-data", "site2", "--kind", "users", "--name", "swap-user-2")
    back = pair.run("failover_role", "site1", state="primary", data_sync_first=True, peer_host=pair.backup,
                    api="json", wait_timeout=30)
    assert back["changed"] and (back["role"], back["peer_role"]) == ("primary", "backup"), back.get("msg")
    assert "swap-user-2" in users_in_backup(pair, "site1", tmp_path)
    assert pair.health("site1")["health"]["enabled_shared_ips"] == [pair.shared]
    # Already there: nothing to do, whichever API asks.
    pair.mark()
    for api in ("xml", "json"):
        assert not pair.run("failover_role", "site1", state="primary", api=api)["changed"]
        assert not pair.run("failover_role", "site2", state="backup", api=api)["changed"]
    assert pair.writes() == []


def test_kill_9_of_the_primary_with_automatic_failover(pair, router):
    pair.establish()
    pair.settings("site1", normal_role="primary", backup_operations=False, automatic_failover=False)
    pair.settings("site2", normal_role="backup", backup_operations=True, automatic_failover=True,
                  primary_timeout=PRIMARY_TIMEOUT, connectivity_test_ips=[router])
    assert pair.health("site1")["health"]["enabled_shared_ips"] == [pair.shared]

    pair.lab.cli("kill", "site1")
    started = time.monotonic()
    try:
        elapsed, health = wait_for_failover(pair, started)
    finally:
        pair.lab.cli("start", "site1")  # back as primary: the both-primary conflict; the next reset ends it
    assert health["role"] == "primary" and health["enabled_shared_ips"] == [pair.shared], (elapsed, health)
    assert PRIMARY_TIMEOUT - 2.5 <= elapsed <= PRIMARY_TIMEOUT + 5
    # The shared IP answers, and it is the new primary that answers (the same certificate).
    served = [pair.health("site2", host=host, health=False, certificate=True)["certificate"]["sha256"]
              for host in (pair.backup, pair.shared)]
    assert served[0] == served[1]


def wait_for_failover(pair, started):
    """(seconds after the kill, site2's health) once site2 is primary and serves the shared IP."""
    deadline = started + PRIMARY_TIMEOUT + 5  # the probe interval (2 s) and the connectivity test, with margin
    health = None
    while time.monotonic() < deadline:
        health = pair.health("site2")["health"]
        if health["role"] == "primary" and health["enabled_shared_ips"] == [pair.shared]:
            break
        time.sleep(0.25)
    return time.monotonic() - started, health


# -- bad inputs: a clear error and zero state-changing requests ----------------------------------

def set_build(pair, build):
    """Other site software on site2 (lab control settings; None: the topology's)."""
    pair.lab.control("site2", "POST", "settings", {"build": build})


def test_bad_relationship_inputs_write_nothing(pair):
    pair.prepare()
    pair.mark()
    unused = pair.primary.rsplit(".", 1)[0] + ".99"  # no appliance there
    cases = [
        (dict(backup_port=0), "backup_port"),
        (dict(reverse_port=70000), "reverse_port"),
        (dict(wait_timeout=-1), "wait_timeout must be 0 or more"),
        (dict(backup_host=unused), "the backup appliance %s cannot be reached" % unused),
        (dict(backup_host="bad host name!"), "backup_host"),
    ]
    for options, message in cases:
        result = pair.run("failover_relationship", "site1", **pair.relationship(**options))
        assert result.failed and message in result["msg"], (options, result["msg"])
    assert pair.writes() == []


def test_key_mismatch_and_version_mismatch_write_nothing(pair):
    pair.prepare()
    assert pair.run("inter_appliance_key", "site2", key=KEY + "-other")["changed"]
    pair.mark()
    result = pair.run("failover_relationship", "site1", **pair.relationship())
    assert result.failed and "inter-appliance keys of %s" % pair.primary in result["msg"] and "differ" in result["msg"]
    assert pair.writes() == []

    assert pair.run("inter_appliance_key", "site2", key=KEY)["changed"]
    set_build(pair, "12399-ffffffff")
    pair.mark()
    result = pair.run("failover_relationship", "site1", **pair.relationship())
    assert result.failed and "build" in result["msg"] and "12399-ffffffff" in result["msg"], result["msg"]
    assert pair.writes() == []


def test_bad_role_and_settings_inputs_write_nothing(pair):
    pair.establish()
    pair.mark()
    cases = [
        ("failover_role", "site2", dict(state="primary", wait_timeout=-5), "wait_timeout must be 0 or more"),
        ("failover_role", "site2", dict(state="primary", force=True), "force applies only to state=backup"),
        ("failover_role", "site2", dict(state="leader"), "value of state must be one of"),
        ("failover_sync", "site1", dict(wait_timeout=-1), "wait_timeout must be 0 or more"),
        ("failover_settings", "site1", dict(primary_timeout=-3), "primary_timeout must be 1 or more"),
        ("failover_settings", "site1", dict(shared_ips=["10.9.9.52"]), "outside every subnet"),
        ("failover_settings", "site2", dict(automatic_failover=True, peer_host="10.9.9.11"),
         "automatic failover needs both appliances on the same subnet"),
    ]
    for module, node, options, message in cases:
        result = pair.run(module, node, **options)
        assert result.failed and message in result["msg"], (module, options, result["msg"])
    assert pair.writes() == []
