"""Role swaps, force, shared IPs moving, and the conflicts of "Resolve Conflicts in a Failover Setup"."""
import re

import pytest

from lab import cli
from lab.tests.blocks import block
from lab.tests.conftest import running_lab, wait_for
from lab.tests.pairs import (
    add_shared_ip,
    clean_nodes,
    establish,
    factory_fingerprint,
    health,
    history_has,
    holder,
    pair_topology,
    role,
    set_role,
    shared_address,
    site_names,
    status,
)

SYNC_FIRST = "Successfully started data sync. Role change will occur upon successful completion."
CHANGED = "Successfully changed role."
CONFLICT = "There is a conflict in the primary and secondary site instances."


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, pair_topology("foroles", block(2)))


@pytest.fixture
def pair(lab):
    """site1 primary and site2 backup, both with the shared IP selected, synced once."""
    nodes = clean_nodes(lab)
    site1, site2 = nodes["site1"], nodes["site2"]
    shared = shared_address(lab)
    add_shared_ip(site1, shared, enabled=True)
    add_shared_ip(site2, shared, enabled=False)
    establish(site1, site2)
    return site1, site2


def test_swap_without_sync_moves_the_shared_ip(pair, lab):
    site1, site2 = pair
    shared, port = shared_address(lab), lab["port"]
    assert holder(shared, port) == factory_fingerprint(site1)
    assert CHANGED in set_role(site2, "primary")
    assert role(site2) == "primary" and role(site1) == "backup"
    assert wait_for(lambda: holder(shared, port) == factory_fingerprint(site2))
    assert health(site2)["ip"] == shared and "ip" not in health(site1)
    # The v2 API drives the same engine.
    answer = site1.api("POST", "/api/command/v2/failover-role", json={"role": "primary"})
    assert answer.status_code == 200 and answer.json() == {"message": CHANGED}
    assert role(site1) == "primary" and role(site2) == "backup"
    assert wait_for(lambda: holder(shared, port) == factory_fingerprint(site1))


def test_swap_with_data_sync_first_passes_through_both_backup(pair, lab):
    site1, site2 = pair
    site1.control("POST", "/control/site-data", {"kind": "users", "name": "late-user"})
    site1.control("POST", "/control/site-data", {"kind": "recordings", "name": "rec", "size": 300_000})
    site2.control("POST", "/control/settings", {"swap_both_backup": 1.0})
    # A form POST, as the vendor's API also accepts.
    answer = site1.api("POST", "/api/command", data={"action": "set_failover_role", "role": "backup",
                                                     "data_sync_first": "1"})
    assert SYNC_FIRST in answer.text
    busy = site1.api("GET", "/api/command", params={"action": "get_api_info"})
    # The vendor documents no Retry-After: none unless the busy_retry_after setting asks for one.
    assert busy.status_code == 503 and "Retry-After" not in busy.headers
    site2.control("POST", "/control/settings", {"busy_retry_after": 2})
    busy = site2.login("GET", "/failover/backup-settings")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert site1.login("GET", "/failover").json()["swap"]["target_role"] == "backup"
    seen = set()

    def swapped():
        seen.add((role(site1), role(site2)))
        return ("backup", "primary") in seen

    assert wait_for(swapped, timeout=6, interval=0.02)
    assert ("backup", "backup") in seen
    # The sync ran before the swap: the new primary holds the old primary's data.
    assert "late-user" in site_names(site2, "users")
    assert wait_for(lambda: holder(shared_address(lab), lab["port"]) == factory_fingerprint(site2))
    assert wait_for(lambda: site1.api("GET", "/api/command/v2/info").status_code == 200)
    assert status(site2)["swap"] is None and history_has(site2, "role swap with data sync first completed")


def test_failed_sync_cancels_the_swap(pair):
    site1, site2 = pair
    before = int(health_times(site2))
    site2.control("POST", "/control/faults", {"failing_syncs": 1, "failing_sync_message": "link dropped"})
    assert SYNC_FIRST in set_role(site2, "primary", data_sync_first=True)
    assert wait_for(lambda: history_has(site2, "The role swap was canceled"), timeout=3)
    assert wait_for(lambda: status(site1)["swap"] is None and status(site2)["swap"] is None, timeout=3)
    assert_cancelled_swap_visible(site1, site2, "link dropped", before)


def health_times(node):
    """The ts attribute of check_health's last_data_sync_time."""
    text = node.command("check_health").text
    return re.search(r'<last_data_sync_time ts="(\d+)"', text).group(1)


def assert_cancelled_swap_visible(primary, puller, reason, before):
    """What the vendor API shows of a cancelled swap: the roles where they were, and the failed sync
    in last_data_sync_time/last_data_sync_status of the appliance that pulled."""
    assert role(puller) == "backup"
    facts = health(puller)
    assert facts["last_data_sync_status"].startswith("Failed: ") and reason in facts["last_data_sync_status"]
    assert int(health_times(puller)) >= before
    assert status(puller)["data_sync"]["last_data_sync_status"] == facts["last_data_sync_status"]


@pytest.mark.parametrize("cut", ["kill", "partition"])
def test_peer_gone_during_the_sync_cancels_the_swap(pair, lab, cut):
    site1, site2 = pair
    before = int(health_times(site2))
    site1.control("POST", "/control/site-data", {"kind": "files", "name": "big.iso", "size": 3_000_000})
    site2.control("POST", "/control/faults", {"sync_throughput": 1_000_000})    # a sync of ~3 s
    assert SYNC_FIRST in set_role(site2, "primary", data_sync_first=True)
    assert wait_for(lambda: status(site2)["swap"] is not None, timeout=2)
    if cut == "kill":
        assert cli.main(["kill", "site1", "--state-dir", lab["state_dir"]]) == 0
    else:
        assert cli.main(["fault", "partition", "site1", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: history_has(site2, "The role swap was canceled"), timeout=6)
    assert status(site2)["swap"] is None
    assert_cancelled_swap_visible(site1, site2, "lost during the data sync", before)
    if cut == "partition":
        assert role(site1) == "primary"
        assert wait_for(lambda: status(site1)["swap"] is None, timeout=3)


def test_become_backup_needs_the_peer_or_force(pair, lab):
    site1, site2 = pair
    assert cli.main(["stop", "site2", "--state-dir", lab["state_dir"]]) == 0
    refused = set_role(site1, "backup")
    assert "<error" in refused and "cannot be contacted" in refused and role(site1) == "primary"
    assert CHANGED in set_role(site1, "backup", force=True)
    assert role(site1) == "backup"
    assert holder(shared_address(lab), lab["port"]) is None
    # The old backup comes back as backup: both backup, the vendor's conflict.
    assert cli.main(["start", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: status(site1)["conflict"] == "both_backup", timeout=3)
    assert CONFLICT in health(site1)["error_message"] and health(site1)["success"] == "0"
    assert CHANGED in set_role(site2, "primary")
    assert wait_for(lambda: status(site1)["conflict"] is None and status(site2)["conflict"] is None, timeout=3)


def test_asking_for_the_role_it_has_is_an_error(pair):
    site1, _ = pair
    answer = set_role(site1, "primary")
    assert "<error" in answer and "already primary" in answer
    v2 = site1.api("POST", "/api/command/v2/failover-role", json={"role": "primary"})
    assert v2.status_code == 422


def test_restarted_old_primary_gives_both_primary(pair, lab):
    site1, site2 = pair
    shared, port = shared_address(lab), lab["port"]
    assert cli.main(["kill", "site1", "--state-dir", lab["state_dir"]]) == 0
    # Unplanned failover: the backup is made primary while the primary is down.
    assert CHANGED in set_role(site2, "primary")
    assert wait_for(lambda: holder(shared, port) == factory_fingerprint(site2))
    assert cli.main(["start", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert role(site1) == "primary"
    for node in (site1, site2):
        assert wait_for(lambda node=node: status(node)["conflict"] == "both_primary", timeout=3)
        facts = health(node)
        assert facts["success"] == "0" and CONFLICT in facts["error_message"]
        assert node.api("GET", "/api/command/v2/health").status_code == 500
    # The restarted primary finds its shared IP taken: an IP conflict.
    assert wait_for(lambda: shared in site1.control("GET", "/control/state")["conflicts"])
    assert status(site1)["conflict_message"].startswith(CONFLICT)
    # Resolved as the guide says: Become Backup on the one that should be backup.
    assert CHANGED in set_role(site1, "backup")
    assert wait_for(lambda: status(site2)["conflict"] is None and health(site2)["success"] == "1", timeout=3)
    assert holder(shared, port) == factory_fingerprint(site2)
