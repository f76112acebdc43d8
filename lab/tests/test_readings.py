"""What the vendor leaves undocumented, played either way: the sync-status wording, and the backup's
own health while it cannot reach its primary."""
import pytest

from lab import cli
from lab.tests.blocks import block
from lab.tests.conftest import running_lab, wait_for
from lab.tests.pairs import clean_nodes, establish, health, last_sync, pair_topology, status

WORDS = ["Success", "Success.", "Data sync completed successfully"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, pair_topology("readings", block(7)))


@pytest.fixture
def pair(lab):
    nodes = clean_nodes(lab)
    return nodes["site1"], nodes["site2"]


def syncs_done(node):
    """Sync Now results in the failover history (the times have one-second resolution)."""
    return sum(1 for entry in status(node)["history"] if entry["message"].startswith("Data sync (sync now)"))


def sync_now(backup):
    """Sync Now on the backup, waited for; its last_data_sync_status."""
    before = syncs_done(backup)
    assert backup.login("POST", "/failover/sync").status_code == 202
    assert wait_for(lambda: syncs_done(backup) > before and status(backup)["data_sync"]["state"] == "idle",
                    timeout=5)
    return last_sync(backup)[1]


def test_successful_syncs_cycle_through_the_words(pair):
    site1, site2 = pair
    site2.control("POST", "/control/settings", {"sync_status_words": WORDS})
    establish(site1, site2, wait_for_sync=False)
    assert wait_for(lambda: last_sync(site2)[1] == WORDS[0], timeout=5)
    seen = [WORDS[0]] + [sync_now(site2) for _ in range(3)]
    assert seen == WORDS + WORDS[:1]
    # The puller words it; both record it, in every view of the vendor API.
    assert wait_for(lambda: last_sync(site1)[1] == WORDS[0])
    assert health(site1)["last_data_sync_status"] == health(site2)["last_data_sync_status"] == WORDS[0]
    assert site1.api("GET", "/api/command/v2/health").json()["last_data_sync_status"] == WORDS[0]


def test_the_failure_wording(pair):
    site1, site2 = pair
    establish(site1, site2)
    site2.control("POST", "/control/settings", {"sync_failure_format": "Data sync failed: {reason}"})
    site2.control("POST", "/control/faults", {"failing_syncs": 1, "failing_sync_message": "disk full"})
    assert sync_now(site2) == "Data sync failed: disk full"
    assert health(site2)["last_data_sync_status"] == "Data sync failed: disk full"


def test_default_wording(pair):
    site1, site2 = pair
    establish(site1, site2)
    site2.control("POST", "/control/faults", {"failing_syncs": 1, "failing_sync_message": "link down"})
    assert sync_now(site2) == "Failed: link down"


@pytest.mark.parametrize("reading", ["healthy", "unhealthy"])
def test_the_backups_health_while_its_primary_is_down(pair, lab, reading):
    site1, site2 = pair
    site2.control("POST", "/control/settings", {"backup_health_when_primary_down": reading})
    establish(site1, site2)
    assert health(site2)["success"] == "1"
    assert cli.main(["kill", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: not status(site2)["peer_host"]["reachable"], timeout=3)
    facts = health(site2)
    v2 = site2.api("GET", "/api/command/v2/health")
    probe = site2.http.get(site2.base + "/check_health")
    if reading == "healthy":
        assert facts["success"] == "1" and "error_message" not in facts
        assert v2.status_code == 200 and probe.status_code == 200
    else:
        assert facts["success"] == "0"
        assert facts["error_message"].startswith("Unable to reach the primary site instance")
        assert v2.status_code == 500 and v2.json()["message"].startswith("Unable to reach the primary")
        assert probe.status_code == 500
    assert cli.main(["start", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: health(site2)["success"] == "1", timeout=3)


def test_unhealthy_reading_is_only_for_a_backup_that_cannot_see_its_primary(pair, lab):
    site1, site2 = pair
    for node in (site1, site2):
        node.control("POST", "/control/settings", {"backup_health_when_primary_down": "unhealthy"})
    assert health(site2)["success"] == "1"          # in no relationship
    establish(site1, site2)
    assert cli.main(["fault", "isolate", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: not status(site1)["peer_host"]["reachable"], timeout=3)
    assert health(site1)["success"] == "1"          # the primary that cannot see its backup
    assert wait_for(lambda: health(site2)["success"] == "0", timeout=3)
