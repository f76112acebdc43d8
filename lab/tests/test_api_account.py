"""API account variants (permissions, Enable XML API) and a backup download whose body is an error."""
import xml.etree.ElementTree as ET

import pytest

from lab import cli

V2 = "/api/command/v2"


def xml_root(response):
    root = ET.fromstring(response.content)
    return root.tag.split("}")[1], root


def xml_permissions(node):
    _, root = xml_root(node.command("get_api_info"))
    return {element.get("name"): element.text for element in root.iter() if element.get("name")}


@pytest.mark.parametrize("access", ["full_access", "read_only", "deny"])
def test_get_api_info_and_v2_info_report_the_same_permissions(site1, access):
    site1.control("POST", "/control/settings", {"permissions": {"perm_command": access, "perm_backup": False}})
    if access == "deny":
        return   # neither can be read: see test_a_denied_account_has_no_command_api
    xml = xml_permissions(site1)
    v2 = site1.api("GET", V2 + "/info").json()["permissions"]
    assert xml["perm_command"] == v2["perm_command"] == access
    assert xml["perm_backup"] == "0" and v2["perm_backup"] is False
    assert set(xml) == set(v2)
    for name, value in v2.items():
        if isinstance(value, bool):
            assert xml[name] == ("1" if value else "0"), name


def test_a_read_only_account_reads_but_cannot_change_roles(site1):
    site1.control("POST", "/control/settings", {"permissions": {"perm_command": "read_only"}})
    assert xml_root(site1.command("check_health"))[0] == "health_check"
    assert site1.api("GET", V2 + "/health").status_code == 200
    tag, root = xml_root(site1.command("set_failover_role", role="primary"))
    assert tag == "error" and "full access" in root.text
    refused = site1.api("POST", V2 + "/failover-role", json={"role": "primary"})
    assert refused.status_code == 403 and "full access" in refused.json()["message"]


def test_a_denied_account_has_no_command_api(site1):
    site1.control("POST", "/control/settings", {"permissions": {"perm_command": "deny"}})
    for action in ("check_health", "get_appliances", "get_api_info", "set_failover_role"):
        tag, root = xml_root(site1.command(action, role="primary"))
        assert tag == "error" and "access to the command API" in root.text, action
    for path in ("/info", "/health", "/appliance"):
        assert site1.api("GET", V2 + path).status_code == 403, path
    assert site1.api("POST", V2 + "/failover-role", json={"role": "primary"}).status_code == 403
    # The unauthenticated probe is not the command API.
    assert site1.http.get(site1.base + "/check_health").status_code == 200


def test_xml_api_disabled(site1):
    site1.control("POST", "/control/settings", {"xml_api_enabled": False})
    for params in ({"action": "check_health"}, {"action": "get_api_info"}, {}):
        answer = site1.api("GET", "/api/command", params=params)
        tag, root = xml_root(answer)
        assert answer.status_code == 403 and tag == "error" and "Enable XML API" in root.text
    # Lab choice: Command API v2 is not gated by the switch; its permission gate stays.
    assert site1.api("GET", V2 + "/health").status_code == 200
    assert site1.api("GET", V2 + "/info").json()["permissions"]["perm_command"] == "full_access"
    site1.control("POST", "/control/settings", {"xml_api_enabled": True})
    assert site1.command("check_health").status_code == 200


def test_no_backup_permission(site1):
    site1.control("POST", "/control/settings", {"permissions": {"perm_backup": False}})
    assert site1.api("POST", "/api/backup").status_code == 403


@pytest.mark.parametrize("body, content_type", [
    ("Invalid credentials", "text/plain; charset=UTF-8"),
    ('{"error": "access_denied", "message": "no"}', "application/json"),
    ('<?xml version="1.0"?><error>Backup failed</error>', "text/xml; charset=UTF-8")])
def test_a_200_backup_whose_body_is_an_error(site1, lab, body, content_type):
    assert cli.main(["fault", "backup-error", "site1", "--body", body, "--state-dir", lab["state_dir"]]) == 0
    answer = site1.api("GET", "/api/backup")
    assert answer.status_code == 200 and answer.text == body
    assert answer.headers["Content-Type"] == content_type
    site1.control("POST", "/control/faults/heal")
    healed = site1.api("GET", "/api/backup")
    assert healed.headers["Content-Type"] == "application/octet-stream" and healed.content[:2] == b"PK"
