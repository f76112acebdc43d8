"""Injected faults (error bursts, expired tokens, network cuts) and the NAT device."""
import pytest

from lab import cli, labstate
from lab.tests.blocks import address, block
from lab.tests.conftest import running_lab, served_certificate, wait_for
from lab.tests.pairs import clean_nodes, establish, factory_fingerprint, pair_topology, status


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, pair_topology("faults", block(5), nat=True))


@pytest.fixture
def nodes(lab):
    yield clean_nodes(lab)
    cli.main(["nat", "--target", "site1", "--state-dir", lab["state_dir"]])


def test_error_bursts(nodes, lab):
    site1 = nodes["site1"]
    site1.bearer()
    burst = ["fault", "burst", "site1", "--count", "2", "--status", "503", "--state-dir", lab["state_dir"]]
    assert cli.main(burst) == 0
    first, second = (site1.command("check_health") for _ in range(2))
    # Injected answers look like the appliance's own: no Retry-After unless a setting asks for one.
    assert first.status_code == second.status_code == 503 and "Retry-After" not in first.headers
    assert site1.command("check_health").status_code == 200
    site1.control("POST", "/control/settings", {"busy_retry_after": 3, "rate_limit_retry_after": 1})
    site1.control("POST", "/control/faults", {"error_burst": 1, "error_status": 503})
    assert site1.command("check_health").headers["Retry-After"] == "3"
    site1.control("POST", "/control/faults", {"error_burst": 1, "error_status": 429})
    limited = site1.login("GET", "/failover")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert site1.login("GET", "/failover").status_code == 200
    site1.control("POST", "/control/faults", {"error_burst": 1, "error_status": 500})
    assert "Retry-After" not in site1.login("GET", "/failover").headers


def test_invalid_faults_are_refused(nodes):
    site1 = nodes["site1"]
    for bad in ({"error_status": 418}, {"isolated": "yes"}, {"partitioned_from": ["x"]}, {"nonsense": 1}):
        with pytest.raises(labstate.LabError):
            site1.control("POST", "/control/faults", bad)


def test_expired_tokens(nodes, lab):
    site1 = nodes["site1"]
    assert site1.command("check_health").status_code == 200
    assert cli.main(["fault", "expire-tokens", "site1", "--state-dir", lab["state_dir"]]) == 0
    expired = site1.command("check_health")
    assert expired.status_code == 401 and expired.json()["error"] == "access_denied"


def test_isolation_cuts_the_peer_channel_both_ways(nodes, lab):
    site1, site2 = nodes["site1"], nodes["site2"]
    establish(site1, site2)
    assert cli.main(["fault", "isolate", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: not status(site2)["peer_host"]["reachable"], timeout=2)
    assert wait_for(lambda: not status(site1)["peer_host"]["reachable"], timeout=2)
    test = site1.admin("POST", "/utilities/tcp-connection-test", json={"host": site2.address, "port": lab["port"]})
    assert test.json()["success"] is False and "isolated" in test.json()["message"]
    assert cli.main(["fault", "heal", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: status(site2)["peer_host"]["reachable"], timeout=2)
    assert status(site2)["peer_host"]["role"] == "primary"


def test_nat_device_swings_between_appliances(nodes, lab, capsys):
    site1, site2 = nodes["site1"], nodes["site2"]
    nat = labstate.load(lab["state_dir"])["nat"]
    assert nat["address"] == address(5, 60) and nat["target"] == "site1"
    assert served_certificate(nat["address"], nat["port"]) == factory_fingerprint(site1)
    assert cli.main(["nat", "--target", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert labstate.load(lab["state_dir"])["nat"]["target"] == "site2"
    assert served_certificate(nat["address"], nat["port"]) == factory_fingerprint(site2)
    assert cli.main(["nat", "--target", "nowhere", "--state-dir", lab["state_dir"]]) == 1
    capsys.readouterr()
    assert cli.main(["nat", "--state-dir", lab["state_dir"]]) == 0
    assert capsys.readouterr().out.strip().endswith(f"-> site2 ({site2.address})")
