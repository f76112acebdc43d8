"""The backup probes the primary and fails over automatically, but not when its own network is cut."""
import socket
import threading
import time

import pytest

from lab import cli
from lab.tests.blocks import block
from lab.tests.conftest import running_lab, wait_for
from lab.tests.pairs import (
    Stopwatch,
    add_shared_ip,
    clean_nodes,
    establish,
    factory_fingerprint,
    health,
    history_has,
    holder,
    pair_topology,
    role,
    set_backup_settings,
    shared_address,
    status,
)

TIMEOUT = 2          # primary_timeout, seconds
PROBE = 0.2          # timers.probe_interval of pair_topology


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, pair_topology("foauto", block(3)))


@pytest.fixture(scope="module")
def router(lab):
    """A device on the network that answers TCP on the lab port: the connectivity test IP."""
    address = lab["topology"]["gateway"]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, lab["port"]))
    listener.listen(16)

    def accept():
        while True:
            try:
                listener.accept()[0].close()
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield address
    listener.close()


@pytest.fixture
def pair(lab, router):
    """site1 primary, site2 backup with automatic failover and the router as connectivity test IP."""
    nodes = clean_nodes(lab)
    site1, site2 = nodes["site1"], nodes["site2"]
    shared = shared_address(lab)
    add_shared_ip(site1, shared, enabled=True)
    add_shared_ip(site2, shared, enabled=False)
    set_backup_settings(site2, automatic_failover=True, primary_timeout=TIMEOUT, connectivity_test_ips=[router])
    establish(site1, site2)
    yield site1, site2
    cli.main(["fault", "heal", "--state-dir", lab["state_dir"]])


def test_automatic_failover_within_the_primary_timeout(pair, lab):
    site1, site2 = pair
    assert cli.main(["kill", "site1", "--state-dir", lab["state_dir"]]) == 0
    clock = Stopwatch()
    assert wait_for(lambda: role(site2) == "primary", timeout=TIMEOUT + 3, interval=0.05)
    # Silence is measured from the last answered probe, at most one probe before the kill.
    assert TIMEOUT - PROBE - 0.1 <= clock.elapsed() <= TIMEOUT + PROBE + 1.0
    assert wait_for(lambda: holder(shared_address(lab), lab["port"]) == factory_fingerprint(site2))
    assert history_has(site2, "Automatic failover")


def test_no_failover_when_the_backup_is_isolated(pair, lab):
    site1, site2 = pair
    assert cli.main(["fault", "isolate", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: not status(site2)["peer_host"]["reachable"], timeout=2)
    assert wait_for(lambda: history_has(site2, "no network connectivity test IP answers"), timeout=TIMEOUT + 2)
    time.sleep(0.5)
    assert role(site2) == "backup" and role(site1) == "primary"
    # The primary cannot reach its backup either.
    assert wait_for(lambda: not status(site1)["peer_host"]["reachable"], timeout=2)


def test_no_failover_without_automatic_failover(pair, lab):
    site1, site2 = pair
    set_backup_settings(site2, automatic_failover=False, primary_timeout=1)
    assert cli.main(["fault", "isolate", "site1", "--state-dir", lab["state_dir"]]) == 0
    time.sleep(1.8)
    assert role(site2) == "backup"


def test_partition_then_heal_gives_both_primary(pair, lab):
    site1, site2 = pair
    shared = shared_address(lab)
    assert cli.main(["fault", "partition", "site1", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: role(site2) == "primary", timeout=TIMEOUT + 3)
    # site1 still holds the shared IP: the new primary's enable is an IP conflict.
    assert wait_for(lambda: shared in site2.control("GET", "/control/state")["conflicts"])
    assert "conflict" in health(site2)["error_message"]
    assert status(site1)["conflict"] is None
    assert cli.main(["fault", "heal", "--state-dir", lab["state_dir"]]) == 0
    for node in (site1, site2):
        assert wait_for(lambda node=node: status(node)["conflict"] == "both_primary", timeout=3)
        assert health(node)["success"] == "0"
