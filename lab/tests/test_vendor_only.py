"""Vendor-only appliances: no management API, pages set by hand, deploy-pair, the gateway device."""
import json
import socket
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from lab import cli, labstate
from lab.tests.blocks import block
from lab.tests.conftest import running_lab, served_certificate, wait_for
from lab.tests.pairs import (
    factory_nodes,
    health,
    holder,
    page,
    role,
    set_role,
    shared_address,
    vendor_topology,
)

MANAGEMENT_PATHS = ["/appliance/api/v1/status", "/appliance/api/v1/network/interfaces",
                    "/appliance/api/v1/certificates", "/appliance/api/v1/nonexistent", "/appliance/api/v1",
                    "/login/api/v1/failover", "/login/api/v1/security/inter-appliance-key",
                    "/login/api/v1/cluster/traffic-nodes/tn1", "/login/api/v1"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, vendor_topology("vendor", block(6)))


@pytest.fixture
def nodes(lab):
    yield factory_nodes(lab)
    cli.main(["gateway", "up", "--state-dir", lab["state_dir"]])


@pytest.fixture
def deployed(nodes, lab, capsys):
    assert cli.main(["deploy-pair", "--state-dir", lab["state_dir"], "--timeout", "20"]) == 0
    capsys.readouterr()
    # The site certificate is the default now: it names the site, not the addresses.
    site_name = lab["topology"]["site_hostname"]
    return nodes["site1"].verify_name(site_name), nodes["site2"].verify_name(site_name)


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE", "PATCH"])
def test_every_management_path_is_an_unknown_url(nodes, method):
    site1 = nodes["site1"]
    since = site1.last_request_id()
    for path in MANAGEMENT_PATHS:
        for auth in ({"auth": ("admin", "password")}, {"headers": site1.bearer()}, {}):
            answer = site1.http.request(method, site1.base + path, json={"ips": []}, **auth)
            assert answer.status_code == 404, (method, path)
            assert answer.headers["Content-Type"].startswith("text/html") and "<h1>Not Found</h1>" in answer.text
    logged = [row for row in site1.requests_since(since) if row["path"] != "/oauth2/token"]
    assert len(logged) == 3 * len(MANAGEMENT_PATHS)
    assert all(row["status"] == 404 and not row["changed"] and row["api"] == "management" for row in logged)


def test_vendor_apis_work_as_before(nodes):
    site1 = nodes["site1"]
    assert health(site1)["success"] == "1"
    assert site1.api("GET", "/api/command/v2/health").status_code == 200
    assert site1.http.get(site1.base + "/check_health").status_code == 200
    assert site1.command("get_appliances").status_code == 200


def test_the_switch_per_appliance(nodes):
    site2 = nodes["site2"]
    site2.control("POST", "/control/settings", {"management_api": True})
    assert site2.admin("GET", "/status").json()["hostname"] == site2.entry["hostname"]
    assert nodes["site1"].admin("GET", "/status").status_code == 404


def test_pages_set_by_hand_run_the_management_handlers(nodes):
    site1 = nodes["site1"]
    since = site1.last_request_id()
    assert page(site1, "PUT", "/login/api/v1/security/inter-appliance-key", {"key": "short"})[0] == 422
    status, body = page(site1, "PUT", "/login/api/v1/security/inter-appliance-key", {"key": "a-key-by-hand"})
    assert status == 200 and body["set"] is True
    assert page(site1, "GET", "/appliance/api/v1/status")[1]["hostname"] == site1.entry["hostname"]
    rows = site1.requests_since(since)
    assert [(row["path"], row["status"], row["changed"], row["via"]) for row in rows] == [
        ("/login/api/v1/security/inter-appliance-key", 422, False, "control"),
        ("/login/api/v1/security/inter-appliance-key", 200, True, "control"),
        ("/appliance/api/v1/status", 200, False, "control")]
    for bad in ({"method": "GET", "path": "/api/command/v2/health"}, {"method": "TRACE", "path": "/login/api/v1"},
                {"method": "PUT", "path": "/login/api/v1/failover/shared-ips", "body": [1]}):
        with pytest.raises(labstate.LabError, match="422"):
            site1.control("POST", "/control/page", bad)


def test_page_cli(nodes, lab, capsys):
    body = json.dumps({"key": "a-key-by-the-cli"})
    assert cli.main(["page", "site2", "PUT", "/login/api/v1/security/inter-appliance-key", body,
                     "--state-dir", lab["state_dir"]]) == 0
    assert json.loads(capsys.readouterr().out)["set"] is True
    assert cli.main(["page", "site2", "PUT", "/login/api/v1/security/inter-appliance-key", '{"key": 1}',
                     "--state-dir", lab["state_dir"]]) == 1


def test_deploy_pair_deploys_by_hand_and_a_rerun_changes_nothing(deployed, lab, capsys):
    site1, site2 = deployed
    shared = shared_address(lab)
    assert role(site1) == "primary" and role(site2) == "backup"
    assert health(site2)["last_data_sync_status"] == "Success"
    assert holder(shared, lab["port"]) is not None and health(site1)["ip"] == shared
    settings = {name: page(node, "GET", "/login/api/v1/failover/backup-settings")[1]
                for name, node in deployed_nodes(deployed).items()}
    assert settings["site1"]["backup_operations"] is False and settings["site1"]["automatic_failover"] is False
    assert settings["site2"]["backup_operations"] is True and settings["site2"]["automatic_failover"] is True
    assert settings["site2"]["connectivity_test_ips"] == [lab["topology"]["gateway"]]
    since = {name: node.last_request_id() for name, node in deployed_nodes(deployed).items()}
    assert cli.main(["deploy-pair", "--state-dir", lab["state_dir"]]) == 0
    assert "deploy-pair: 0 change(s)" in capsys.readouterr().out
    for name, node in deployed_nodes(deployed).items():
        rows = node.requests_since(since[name])
        assert rows and all(row["via"] == "control" and not row["changed"] for row in rows), name


def deployed_nodes(pair):
    return {"site1": pair[0], "site2": pair[1]}


def test_the_site_certificate_names_the_site_without_ip_sans(deployed, lab):
    site1, _ = deployed
    cert = x509.load_pem_x509_certificate((Path(lab["state_dir"]) / "site.pem").read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.IPAddress) == []
    assert set(sans.get_values_for_type(x509.DNSName)) == {lab["topology"]["site_hostname"], "site1.vendor.sra.test",
                                                            "site2.vendor.sra.test"}
    fingerprint = served_certificate(site1.address, lab["port"], lab["topology"]["site_hostname"])
    assert fingerprint == page(site1, "GET", "/appliance/api/v1/certificates")[1]["default"]
    context = ssl.create_default_context(cafile=lab["trust_bundle"])
    with socket.create_connection((site1.address, lab["port"]), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=lab["topology"]["site_hostname"]):
        pass
    # Verified against the address instead, it fails: the certificate names no IP.
    with pytest.raises(ssl.SSLCertVerificationError), \
            socket.create_connection((site1.address, lab["port"]), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=site1.address):
        pass


def test_a_swap_with_data_sync_first_on_vendor_only_appliances(deployed):
    site1, site2 = deployed
    site1.control("POST", "/control/site-data", {"kind": "users", "name": "written-on-site1"})
    assert "Successfully started data sync" in set_role(site1, "backup", data_sync_first=True)
    assert wait_for(lambda: role(site2) == "primary" and role(site1) == "backup", timeout=8)
    names = [row["name"] for row in site2.control("GET", "/control/site-data")["site_data"]]
    assert "written-on-site1" in names


def test_automatic_failover_needs_the_gateway(deployed, lab, capsys):
    site1, site2 = deployed
    assert cli.main(["gateway", "down", "--state-dir", lab["state_dir"]]) == 0
    assert "down" in capsys.readouterr().out
    assert cli.main(["kill", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: history_has_by_hand(site2, "no network connectivity test IP answers"), timeout=6)
    assert role(site2) == "backup"
    assert cli.main(["gateway", "up", "--state-dir", lab["state_dir"]]) == 0
    assert wait_for(lambda: role(site2) == "primary", timeout=6)
    assert history_has_by_hand(site2, "Automatic failover")


def history_has_by_hand(node, fragment):
    """The failover history read from the page (a vendor-only appliance serves no /login/api/v1)."""
    return any(fragment in entry["message"] for entry in page(node, "GET", "/login/api/v1/failover")[1]["history"])


def test_status_and_down_handle_the_gateway(nodes, lab, capsys):
    assert cli.main(["status", "--state-dir", lab["state_dir"]]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("gateway"))
    assert lab["topology"]["gateway"] in line and line.endswith("yes")
    assert cli.main(["gateway", "--state-dir", lab["state_dir"]]) == 0
    assert capsys.readouterr().out.strip().endswith("up")


def test_hand_changes_for_drift_tests(deployed, lab):
    """What a person does by hand that a drift test must see: a unique IP disabled, an extra IP,
    the shared IP disabled on the primary."""
    site1, site2 = deployed
    shared = shared_address(lab)
    ips = page(site2, "GET", "/appliance/api/v1/network/interfaces")[1]["interfaces"][0]["ips"]
    changed = [{**ip, "enabled": False} if ip["address"] == site2.address else ip for ip in ips]
    extra = {"address": site2.address.rsplit(".", 1)[0] + ".99", "prefix": 24, "enabled": True}
    status, nic = page(site2, "PUT", "/appliance/api/v1/network/interfaces/eth0/ips", {"ips": [*changed, extra]})
    assert status == 200
    assert {ip["address"]: ip["enabled"] for ip in nic["ips"]}[site2.address] is False
    assert extra["address"] in site2.control("GET", "/control/state")["listeners"]
    ips = page(site1, "GET", "/appliance/api/v1/network/interfaces")[1]["interfaces"][0]["ips"]
    disabled = [{**ip, "enabled": False} if ip["address"] == shared else ip for ip in ips]
    assert page(site1, "PUT", "/appliance/api/v1/network/interfaces/eth0/ips", {"ips": disabled})[0] == 200
    assert wait_for(lambda: holder(shared, lab["port"]) is None)
    assert "enabled_shared_ips" not in site1.command("check_health").text


def test_request_summary_counts_per_appliance(deployed, lab, capsys):
    site1, _ = deployed
    since = site1.last_request_id()
    site1._token = None
    site1.command("check_health")
    site1.api("GET", "/api/command/v2/health")
    site1.admin("GET", "/status")
    page(site1, "PUT", "/login/api/v1/security/inter-appliance-key", {"key": "changed-by-hand-1"})
    summary = site1.control("GET", f"/control/requests/summary?since={since}")
    assert summary["requests"] == 4 and summary["tokens_minted"] == 1 and summary["writes"] == 0
    assert summary["management"] == {"requests": 1, "writes": 0}
    assert summary["vendor"] == {"requests": 3, "writes": 0}
    assert summary["by_hand"] == {"requests": 1, "writes": 1}
    assert summary["by_status"] == {"200": 3, "404": 1}
    assert cli.main(["requests", "--summary", "--json", "--since", str(since), "--state-dir", lab["state_dir"]]) == 0
    both = json.loads(capsys.readouterr().out)
    assert set(both) == {"site1", "site2"} and both["site1"]["requests"] == 4
    assert cli.main(["requests", "site1", "--summary", "--state-dir", lab["state_dir"]]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("site1")
