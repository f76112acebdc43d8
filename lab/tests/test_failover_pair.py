"""The failover relationship and data syncs ("Failover Dynamics and Options")."""
import time

import pytest

from lab.tests.blocks import address, block
from lab.tests.conftest import running_lab, wait_for
from lab.tests.pairs import (
    KEY,
    Stopwatch,
    add_shared_ip,
    clean_nodes,
    establish,
    health,
    history_has,
    last_sync,
    pair_topology,
    relationship,
    set_backup_settings,
    shared_address,
    site_names,
    status,
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, pair_topology("fopair", block(1)))


@pytest.fixture
def pair(lab):
    nodes = clean_nodes(lab)
    return nodes["site1"], nodes["site2"]


def test_establish_is_refused_with_the_reason(pair):
    site1, site2 = pair
    body = relationship(site1, site2)
    site2.login("PUT", "/security/inter-appliance-key", json={"key": "another-key-123"})
    refused = site1.login("POST", "/failover/relationship", json=body)
    assert refused.status_code == 409 and "inter-appliance key" in refused.json()["message"]
    site2.login("PUT", "/security/inter-appliance-key", json={"key": KEY})
    site2.control("POST", "/control/settings", {"build": "99999-ffff"})
    refused = site1.login("POST", "/failover/relationship", json=body)
    assert refused.status_code == 409 and "Product Version and Build differ" in refused.json()["message"]
    site2.control("POST", "/control/settings", {"build": None})
    unreachable = site1.login("POST", "/failover/relationship", json={**body, "backup_host": address(1, 99)})
    assert unreachable.status_code == 409 and "Cannot connect" in unreachable.json()["message"]
    wrong_reverse = site1.login("POST", "/failover/relationship", json={**body, "reverse_host": address(1, 98)})
    assert wrong_reverse.status_code == 409 and "connect back" in wrong_reverse.json()["message"]
    assert site1.login("POST", "/failover/relationship", json={**body, "backup_port": 0}).status_code == 422
    assert site1.login("POST", "/failover/relationship", json={**body, "extra": 1}).status_code == 400
    assert status(site1)["role"] == "none" and status(site2)["role"] == "none"
    establish(site1, site2, wait_for_sync=False)
    again = site1.login("POST", "/failover/relationship", json=body)
    assert again.status_code == 409 and "already in a failover relationship" in again.json()["message"]


def test_missing_key_is_refused(pair):
    site1, site2 = pair
    site1.control("POST", "/control/reset")
    refused = site1.login("POST", "/failover/relationship", json=relationship(site1, site2))
    assert refused.status_code == 409 and "no inter-appliance key" in refused.json()["message"]


def test_initial_sync_copies_the_site_data_but_not_the_failover_settings(pair, lab):
    site1, site2 = pair
    for kind, name in (("users", "alice"), ("settings", "smtp"), ("files", "kb.pdf"), ("logs", "l1"),
                       ("recordings", "r1")):
        site1.control("POST", "/control/site-data", {"kind": kind, "name": name, "size": 1000})
    site2.control("POST", "/control/site-data", {"kind": "users", "name": "stale-user"})
    site2.control("POST", "/control/site-data", {"kind": "recordings", "name": "r-on-backup", "size": 10})
    shared = shared_address(lab)
    add_shared_ip(site2, shared, enabled=False)
    set_backup_settings(site2, automatic_failover=True, primary_timeout=3600)
    clock = Stopwatch()
    answer = establish(site1, site2, wait_for_sync=False)
    assert answer["role"] == "primary" and answer["peer_host"]["role"] == "backup"
    assert answer["data_sync"]["state"] == "scheduled"
    assert wait_for(lambda: last_sync(site2)[1] == "Success", timeout=5)
    # The initial sync starts after timers.initial_sync_delay (0.5 s), not at once.
    assert clock.elapsed() >= 0.5
    assert site_names(site2, "users") == ["alice"]
    assert site_names(site2, "recordings") == ["r-on-backup", "r1"]
    assert {"smtp"} == set(site_names(site2, "settings")) and site_names(site2, "files") == ["kb.pdf"]
    # Failover settings are per site instance: the backup keeps its own.
    assert site2.login("GET", "/failover/shared-ips").json() == {"ips": [shared]}
    assert site2.login("GET", "/failover/backup-settings").json()["automatic_failover"] is True
    assert site1.login("GET", "/failover/shared-ips").json() == {"ips": []}
    backup = status(site2)
    assert backup["role"] == "backup" and backup["peer_host"]["hostname"] == site1.entry["hostname"]
    assert backup["peer_host"]["reachable"] and backup["peer_host"]["last_status_check"].endswith("+00:00")
    assert history_has(site2, "Data sync (initial)")


def test_sync_results_in_check_health_and_v2_health(pair):
    site1, site2 = pair
    establish(site1, site2)
    for node in (site1, site2):
        facts = health(node)
        assert facts["last_data_sync_status"] == "Success" and facts["last_data_sync_time"].endswith("+00:00")
    assert site1.api("GET", "/api/command/v2/health").json()["last_data_sync_status"] == "Success"
    backup = site2.api("GET", "/api/command/v2/health").json()
    assert backup["last_data_sync"] is None and backup["last_data_sync_status"] is None


def test_break_keeps_the_copied_data(pair):
    site1, site2 = pair
    site1.control("POST", "/control/site-data", {"kind": "users", "name": "bob"})
    establish(site1, site2)
    broken = site2.login("DELETE", "/failover/relationship")
    assert broken.status_code == 200 and broken.json()["role"] == "none"
    assert status(site1)["role"] == "none" and status(site1)["relationship"] is None
    assert site_names(site2, "users") == ["bob"]
    assert "last_data_sync_time" not in health(site2)
    assert site1.login("DELETE", "/failover/relationship").status_code == 409


def test_sync_now_takes_time_in_proportion_to_data_and_bandwidth(pair):
    site1, site2 = pair
    establish(site1, site2)
    assert site1.login("POST", "/failover/sync").status_code == 202
    assert wait_for(lambda: status(site2)["data_sync"]["state"] == "idle", timeout=3)
    # 250 kB at a 1 Mbit/s bandwidth limit (the backup's setting) is 2 s, plus the overhead.
    site1.control("POST", "/control/site-data", {"kind": "recordings", "name": "big", "size": 250_000})
    set_backup_settings(site2, bandwidth_limit=1)
    before = last_sync(site2)[0]
    clock = Stopwatch()
    assert site2.login("POST", "/failover/sync").status_code == 202
    busy = site1.login("POST", "/failover/sync")
    assert busy.status_code == 409 and "already running" in busy.json()["message"]
    assert site2.login("POST", "/failover/sync").status_code == 409
    assert wait_for(lambda: status(site1)["data_sync"]["state"] == "running", timeout=1)
    assert wait_for(lambda: last_sync(site2)[0] != before, timeout=5)
    assert 1.9 <= clock.elapsed() <= 3.5
    assert site_names(site2, "recordings") == ["big"]


def test_sync_now_without_a_relationship_is_refused(pair):
    site1, _ = pair
    refused = site1.login("POST", "/failover/sync")
    assert refused.status_code == 409 and "not configured" in refused.json()["message"]


def test_failing_and_slow_syncs(pair):
    site1, site2 = pair
    establish(site1, site2)
    site2.control("POST", "/control/faults", {"failing_syncs": 1, "failing_sync_message": "disk full on backup"})
    site2.login("POST", "/failover/sync")
    assert wait_for(lambda: last_sync(site2)[1] == "Failed: disk full on backup", timeout=3)
    assert wait_for(lambda: health(site1)["last_data_sync_status"] == "Failed: disk full on backup", timeout=2)
    site1.control("POST", "/control/site-data", {"kind": "files", "name": "iso", "size": 100_000})
    site2.control("POST", "/control/faults", {"sync_throughput": 100_000})
    clock = Stopwatch()
    site2.login("POST", "/failover/sync")
    assert wait_for(lambda: last_sync(site2)[1] == "Success" and clock.elapsed() > 0.5, timeout=4)
    assert clock.elapsed() >= 1.0


def test_periodic_syncs_follow_the_interval(pair):
    site1, site2 = pair
    set_backup_settings(site2, sync_interval=1)
    establish(site1, site2)
    initial = last_sync(site2)[0]
    assert wait_for(lambda: last_sync(site2)[0] != initial, timeout=2.5)
    # With backup operations off, the backup pulls no more scheduled syncs.
    set_backup_settings(site2, sync_interval=1, backup_operations=False)
    settled = last_sync(site2)[0]
    time.sleep(1.3)
    assert last_sync(site2)[0] == settled


def test_shared_ips_and_backup_settings_validation(pair):
    site1, _ = pair
    refused = site1.login("PUT", "/failover/shared-ips", json={"ips": [address(1, 77)]})
    assert refused.status_code == 422 and "IP Configuration" in refused.json()["message"]
    settings = site1.login("GET", "/failover/backup-settings").json()
    assert settings == {"backup_operations": True, "primary_timeout": 300, "sync_interval": 3600,
                        "bandwidth_limit": 0, "automatic_failover": False, "connectivity_test_ips": []}
    for bad in ({"primary_timeout": 0}, {"bandwidth_limit": -1}, {"automatic_failover": "yes"},
                {"connectivity_test_ips": ["nope"]}):
        assert site1.login("PUT", "/failover/backup-settings", json={**settings, **bad}).status_code == 422
    partial = dict(settings)
    partial.pop("sync_interval")
    assert site1.login("PUT", "/failover/backup-settings", json=partial).status_code == 422
