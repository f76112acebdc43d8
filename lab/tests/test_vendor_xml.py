"""The XML command API: envelope, namespaces, root elements, optional elements."""
import xml.etree.ElementTree as ET

import pytest

CURRENT = "https://www.beyondtrust.com/namespaces/API/command"
LEGACY = "http://www.bomgar.com/namespaces/API/command"


def parse(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n\n<')
    return ET.fromstring(response.content)


def children(root, namespace=CURRENT):
    return [child.tag.replace(f"{{{namespace}}}", "") for child in root]


@pytest.mark.parametrize("setting, namespace", [("current", CURRENT), ("legacy", LEGACY)])
def test_namespace_follows_the_setting(site1, setting, namespace):
    site1.control("POST", "/control/settings", {"xml_namespace": setting})
    root = parse(site1.command("check_health"))
    assert root.tag == f"{{{namespace}}}health_check"
    assert parse(site1.command("nonsense")).tag == f"{{{namespace}}}error"


def test_standalone_check_health_has_no_failover_elements(site1):
    root = parse(site1.command("check_health"))
    assert children(root) == ["appliance", "version", "success", "failover_role"]
    ns = {"c": CURRENT}
    appliance = root.find("c:appliance", ns)
    assert appliance.text == "site1.test.sra.test"
    assert len(appliance.get("id")) == 32
    assert root.find("c:version", ns).text == "24.3.1 (12345-0123abcd)"
    assert root.find("c:success", ns).text == "1"
    assert root.find("c:failover_role", ns).text == "none"


def test_get_appliances_lists_this_appliance(site1):
    root = parse(site1.command("get_appliances"))
    assert root.tag == f"{{{CURRENT}}}appliances"
    (appliance,) = list(root)
    assert children(appliance) == ["name", "public_hostname", "cluster_role", "failover_role",
                                   "accepting_connections", "timezone_offset"]
    values = {tag: child.text for tag, child in zip(children(appliance), appliance, strict=True)}
    assert values["cluster_role"] == "single" and values["failover_role"] == "none"
    assert values["accepting_connections"] == "1" and values["timezone_offset"] == "0"


def test_get_api_info_rs_and_pra(site1):
    root = parse(site1.command("get_api_info"))
    assert root.tag == f"{{{CURRENT}}}api_information"
    assert children(root) == ["api_version", "company_name", "timestamp", "permissions"]
    permissions = {p.get("name"): p.text for p in root.find(f"{{{CURRENT}}}permissions")}
    assert permissions["perm_command"] == "full_access" and permissions["perm_backup"] == "1"
    site1.control("POST", "/control/settings", {"product": "pra"})
    root = parse(site1.command("get_api_info"))
    assert "company_name" not in children(root)
    permissions = {p.get("name") for p in root.find(f"{{{CURRENT}}}permissions")}
    assert {"perm_reporting", "perm_vault_backup"} <= permissions


def test_set_failover_role_without_relationship_is_an_error(site1):
    root = parse(site1.command("set_failover_role", role="primary"))
    assert root.tag == f"{{{CURRENT}}}error"
    assert "not configured" in root.text
    assert "role" in parse(site1.command("set_failover_role", role="boss")).text


def test_form_post_is_accepted_and_multipart_refused(site1):
    root = parse(site1.api("POST", "/api/command", data={"action": "check_health"}))
    assert root.tag == f"{{{CURRENT}}}health_check"
    refused = parse(site1.api("POST", "/api/command", files={"action": (None, "check_health")}))
    assert refused.tag == f"{{{CURRENT}}}error"


def test_missing_action_is_an_error(site1):
    assert parse(site1.api("GET", "/api/command")).tag == f"{{{CURRENT}}}error"


def test_unauthenticated_probe(site1):
    response = site1.http.get(f"{site1.base}/check_health")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")


def test_connection_close_is_respected(site1):
    response = site1.api("GET", "/api/command", params={"action": "check_health"},
                         headers={"Connection": "close"})
    assert response.headers.get("Connection") == "close"
