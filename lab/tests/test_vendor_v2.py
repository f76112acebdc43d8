"""Command API v2 (JSON) and the backup API."""
import io
import json
import zipfile

from lab.tests.blocks import address


def test_info_fields(site1):
    response = site1.api("GET", "/api/command/v2/info")
    body = response.json()
    assert set(body) == {"permissions", "current_time", "command_api_version", "config_api_version",
                         "reporting_api_version", "backup_api_version", "product"}
    assert body["current_time"].endswith("+00:00")
    assert body["permissions"]["perm_backup"] is True
    assert body["permissions"]["perm_command"] == "full_access"
    assert body["product"] == "rs"


def test_health_fields_of_a_standalone_appliance(site1):
    response = site1.api("GET", "/api/command/v2/health")
    assert response.status_code == 200
    assert response.json() == {
        "version": "24.3.1", "build": "12345-0123abcd", "appliance_hostname": "site1.test.sra.test",
        "appliance_id": response.json()["appliance_id"], "cluster_role": "single",
        "failover_role": "none", "enabled_shared_ips": None, "last_data_sync": None,
        "last_data_sync_status": None}


def test_health_answers_from_its_cache(site1, site2):
    site1.control("POST", "/control/settings", {"health_cache": 60})
    first = site1.api("GET", "/api/command/v2/health")
    # An IP conflict makes the appliance unhealthy, but a cached answer stays 200 for a while.
    shared = address(0, 52)
    site2.admin("PUT", "/network/interfaces/eth0/ips", json={"ips": [
        {"address": address(0, 12), "prefix": 24, "enabled": True},
        {"address": shared, "prefix": 24, "enabled": True}]})
    conflicted = site1.admin("PUT", "/network/interfaces/eth0/ips", json={"ips": [
        {"address": address(0, 11), "prefix": 24, "enabled": True},
        {"address": shared, "prefix": 24, "enabled": True}]})
    assert conflicted.json()["conflicts"] == [shared]
    assert site1.api("GET", "/api/command/v2/health").json() == first.json()
    site1.control("POST", "/control/settings", {"health_cache": 0})
    unhealthy = site1.api("GET", "/api/command/v2/health")
    assert unhealthy.status_code == 500
    assert "conflict" in unhealthy.json()["message"]


def test_appliance_is_an_array(site1):
    body = site1.api("GET", "/api/command/v2/appliance").json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"id", "name", "public_hostname", "cluster_role", "failover_role",
                            "accepting_connections", "timezone_offset"}
    assert body[0]["accepting_connections"] is True and body[0]["timezone_offset"] == 0


def test_head_where_get_and_405_elsewhere(site1):
    head = site1.api("HEAD", "/api/command/v2/health")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) > 0
    refused = site1.api("DELETE", "/api/command/v2/health")
    assert refused.status_code == 405
    assert "GET" in refused.headers["Allow"]
    assert site1.api("GET", "/api/command/v2/failover-role").status_code == 405


def test_failover_role_validation(site1):
    bad = site1.api("POST", "/api/command/v2/failover-role", json={"role": "boss", "force": "yes"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"role", "force"}
    assert site1.api("POST", "/api/command/v2/failover-role", json={"role": "primary", "x": 1}).status_code == 400
    standalone = site1.api("POST", "/api/command/v2/failover-role", json={"role": "primary"})
    assert standalone.status_code == 422
    assert "not configured" in standalone.json()["message"]


def test_backup_contains_the_site_data(site1):
    site1.control("POST", "/control/site-data", {"kind": "users", "name": "alice", "value": "admin"})
    site1.control("POST", "/control/site-data", {"kind": "files", "name": "small.txt", "size": 1000})
    site1.control("POST", "/control/site-data", {"kind": "files", "name": "large.bin", "size": 300 * 1024})
    site1.control("POST", "/control/site-data", {"kind": "recordings", "name": "rec1", "size": 5000})
    response = site1.api("GET", "/api/backup")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert [u["name"] for u in json.loads(archive.read("users.json"))] == ["alice"]
    assert len(archive.read("files/small.txt")) == 1000
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["excluded"] == ["files/large.bin", "recordings/rec1"]


def test_password_protected_backup(site1):
    site1.control("POST", "/control/settings", {"backup_password": "s3cret-backup"})
    assert site1.api("POST", "/api/backup").status_code == 403
    assert site1.api("POST", "/api/backup", json={"password": "wrong"}).status_code == 403
    assert site1.api("POST", "/api/backup", json={"password": "s3cret-backup"}).status_code == 200


def test_backup_needs_the_permission(site1):
    site1.control("POST", "/control/settings", {"permissions": {"perm_backup": False}})
    assert site1.api("GET", "/api/backup").status_code == 403
