"""The request log: every request, with `changed` true only for real changes."""
from lab import cli
from lab.tests.blocks import address


def test_reads_are_unchanged_and_writes_changed(site1):
    site1.bearer()
    since = site1.last_request_id()
    site1.command("check_health")
    site1.admin("GET", "/network/dns")
    site1.admin("PUT", "/network/dns", json={"servers": ["10.0.0.53"]})
    site1.admin("PUT", "/network/dns", json={"servers": ["10.0.0.53"]})
    site1.admin("POST", "/utilities/tcp-connection-test", json={"host": address(0, 11), "port": 1, "timeout": 0.5})
    rows = site1.requests_since(since)
    assert [(r["method"], r["path"], r["action"], r["changed"]) for r in rows] == [
        ("GET", "/api/command", "check_health", False),
        ("GET", "/appliance/api/v1/network/dns", None, False),
        ("PUT", "/appliance/api/v1/network/dns", None, True),
        ("PUT", "/appliance/api/v1/network/dns", None, False),
        ("POST", "/appliance/api/v1/utilities/tcp-connection-test", None, False),
    ]
    assert all(r["appliance"] == "site1" and r["status"] == 200 for r in rows)
    assert [r["path"] for r in site1.requests_since(since, writes=True)] == ["/appliance/api/v1/network/dns"]


def test_cli_prints_the_log(site1, lab, capsys):
    site1.command("get_api_info")
    assert cli.main(["requests", "site1", "--writes", "--state-dir", lab["state_dir"]]) == 0
    assert cli.main(["requests", "site1", "--state-dir", lab["state_dir"]]) == 0
    assert "action=get_api_info" in capsys.readouterr().out
