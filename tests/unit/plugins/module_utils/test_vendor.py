# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor API layer on recorded documents (the vendor's reference examples and a real
19.1.8 answer) and on a fake requests.Session."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import xml.etree.ElementTree as ET

import pytest
import requests

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceClient, ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils import _vendor
from ansible_collections.sra.appliance.plugins.module_utils._vendor import (
    VendorApi, parse_api_info, parse_appliances, parse_health_check, parse_v2_appliances, parse_v2_health,
    parse_xml, split_version, sync_time)

CURRENT = "https://www.beyondtrust.com/namespaces/API/command"
LEGACY = "http://www.bomgar.com/namespaces/API/command"

# A real answer of a standalone 19.1.8 appliance (the reference, S-RAGMOB cassette).
STANDALONE_19_1_8 = """<?xml version="1.0" encoding="UTF-8"?>

<health_check xmlns="http://www.bomgar.com/namespaces/API/command">
  <appliance id="50adeb59f0f04163b09b7591af1949ea">ip-10-156-64-136</appliance>
  <version>19.1.8 (37380-749b17ca33d2475427428f263608ae98d69f7a35)</version>
  <success>1</success>
  <failover_role>none</failover_role>
</health_check>
"""

# The reference's example of a primary with a shared IP and a sync time.
PRIMARY = """<?xml version="1.0" encoding="UTF-8"?>

<health_check xmlns="%s">
  <appliance id="0123456789abcdef0123456789abcdef">bt-a.example.com</appliance>
  <version>24.3.1 (12345-0123abcd)</version>
  <success>1</success>
  <failover_role>primary</failover_role>
  <enabled_shared_ips><ip>10.0.0.10</ip></enabled_shared_ips>
  <last_data_sync_time ts="1733140800">2024-12-02T12:00:00+00:00</last_data_sync_time>
  <last_data_sync_status>Success</last_data_sync_status>
</health_check>
"""

UNHEALTHY_BACKUP = """<health_check xmlns="%s">
  <appliance id="fedcba9876543210fedcba9876543210">bt-b.example.com</appliance>
  <version>24.3.1 (12345-0123abcd)</version>
  <success>0</success>
  <error_message>The primary site instance cannot be reached.</error_message>
  <failover_role>backup</failover_role>
  <last_data_sync_time>2019-10-07T00:32:50.877+0000</last_data_sync_time>
  <last_data_sync_status>success</last_data_sync_status>
</health_check>"""

APPLIANCES = """<?xml version="1.0" encoding="UTF-8"?>
<appliances xmlns="%s">
  <appliance id="0123456789abcdef0123456789abcdef">
    <name>site1</name><public_hostname>site1.example.com</public_hostname>
    <cluster_role>primary</cluster_role><failover_role>primary</failover_role>
    <accepting_connections>1</accepting_connections><timezone_offset>3600</timezone_offset>
  </appliance>
  <appliance id="fedcba9876543210fedcba9876543210">
    <name>tn1</name><public_hostname>tn1.eu.example.com</public_hostname>
    <cluster_role>traffic</cluster_role><failover_role>none</failover_role>
    <accepting_connections>0</accepting_connections><timezone_offset>-10800</timezone_offset>
  </appliance>
</appliances>"""

API_INFO = """<?xml version="1.0" encoding="UTF-8"?>
<api_information xmlns="%s">
  <api_version>1.19.0</api_version>
  <company_name>Example</company_name>
  <timestamp>1574638362</timestamp>
  <permissions>
    <permission name="perm_backup">1</permission>
    <permission name="perm_command">full_access</permission>
    <permission name="perm_reporting_archive">0</permission>
  </permissions>
</api_information>"""

V2_HEALTHY = {"version": "24.3.1", "build": "12345-0123abcd", "appliance_hostname": "bt-a.example.com",
              "appliance_id": "0123456789abcdef0123456789abcdef", "cluster_role": "single", "failover_role": "primary",
              "enabled_shared_ips": ["10.0.0.10"], "last_data_sync": "2024-12-02T12:00:00+00:00",
              "last_data_sync_status": "Success"}
V2_UNHEALTHY = {"version": "24.3.1", "build": "12345-0123abcd", "appliance_hostname": "bt-b.example.com",
                "appliance_id": "fedcba9876543210fedcba9876543210", "cluster_role": "single",
                "failover_role": "backup", "enabled_shared_ips": None, "last_data_sync": None,
                "last_data_sync_status": None, "message": "The primary site instance cannot be reached."}
V2_APPLIANCES = [
    {"id": "0123456789abcdef0123456789abcdef", "name": "site1", "public_hostname": "site1.example.com",
     "cluster_role": "primary", "failover_role": "primary", "accepting_connections": True, "timezone_offset": 3600},
    {"id": "fedcba9876543210fedcba9876543210", "name": "site2", "public_hostname": "site2.example.com",
     "cluster_role": "primary", "failover_role": "backup", "accepting_connections": True, "timezone_offset": 3600}]
V2_422 = {"message": "The given data was invalid.", "errors": {"role": ["The selected role is invalid."]}}


def root(text):
    return ET.fromstring(text.encode("utf-8"))


# -- parsers ------------------------------------------------------------------------------------
def test_standalone_19_1_8_has_no_failover_elements():
    health = parse_health_check(root(STANDALONE_19_1_8))
    assert health == dict(role="none", success=True, error_message=None, enabled_shared_ips=[],
                          last_data_sync_time=None, last_data_sync_epoch=None, last_data_sync_status=None,
                          version="19.1.8", build="37380-749b17ca33d2475427428f263608ae98d69f7a35",
                          hostname="ip-10-156-64-136", appliance_id="50adeb59f0f04163b09b7591af1949ea",
                          cluster_role=None)


@pytest.mark.parametrize("namespace", [CURRENT, LEGACY])
def test_primary_with_shared_ip_and_sync_in_both_namespaces(namespace):
    health = parse_health_check(root(PRIMARY % namespace))
    assert health["role"] == "primary"
    assert health["success"] is True
    assert health["enabled_shared_ips"] == ["10.0.0.10"]
    assert health["last_data_sync_time"] == "2024-12-02T12:00:00+00:00"
    assert health["last_data_sync_epoch"] == 1733140800
    assert health["last_data_sync_status"] == "Success"
    assert (health["version"], health["build"]) == ("24.3.1", "12345-0123abcd")
    assert (health["hostname"], health["appliance_id"]) == ("bt-a.example.com", "0123456789abcdef0123456789abcdef")


def test_unhealthy_backup_without_ts_attribute():
    health = parse_health_check(root(UNHEALTHY_BACKUP % LEGACY))
    assert health["success"] is False
    assert health["error_message"] == "The primary site instance cannot be reached."
    assert health["role"] == "backup"
    assert health["enabled_shared_ips"] == []
    assert health["last_data_sync_time"] == "2019-10-07T00:32:50.877000+00:00"
    assert health["last_data_sync_epoch"] == 1570408370


def test_namespace_free_answer_parses():
    health = parse_health_check(root("<health_check><success>1</success><failover_role>backup</failover_role>"
                                     "</health_check>"))
    assert (health["role"], health["success"], health["version"]) == ("backup", True, None)


@pytest.mark.parametrize("namespace", [CURRENT, LEGACY])
def test_get_appliances(namespace):
    assert parse_appliances(root(APPLIANCES % namespace)) == [
        dict(id="0123456789abcdef0123456789abcdef", name="site1", public_hostname="site1.example.com",
             cluster_role="primary", failover_role="primary", accepting_connections=True, timezone_offset=3600),
        dict(id="fedcba9876543210fedcba9876543210", name="tn1", public_hostname="tn1.eu.example.com",
             cluster_role="traffic", failover_role="none", accepting_connections=False, timezone_offset=-10800)]


@pytest.mark.parametrize("namespace", [CURRENT, LEGACY])
def test_get_api_info(namespace):
    assert parse_api_info(root(API_INFO % namespace)) == dict(
        api_version="1.19.0", company_name="Example", timestamp=1574638362,
        permissions=dict(perm_backup=True, perm_command="full_access", perm_reporting_archive=False))


def test_wrong_root_is_an_error():
    with pytest.raises(ApplianceError, match="expected a <health_check> answer, got <appliances>"):
        parse_health_check(root(APPLIANCES % CURRENT), "bt-a")


@pytest.mark.parametrize("namespace", [CURRENT, LEGACY])
def test_error_root_with_http_200_is_a_failure(namespace):
    with pytest.raises(ApplianceError) as caught:
        parse_xml('<?xml version="1.0"?>\n\n<error xmlns="%s">Failover is not configured.</error>' % namespace,
                  "set_failover_role", "bt-a", method="POST")
    assert caught.value.appliance_message == "set_failover_role refused: Failover is not configured."
    assert (caught.value.method, caught.value.path, caught.value.status) == ("POST", "/api/command?action=set_failover_role", 200)


def test_not_xml_is_a_failure():
    with pytest.raises(ApplianceError, match="not XML"):
        parse_xml("<html>oops", "check_health", "bt-a")


def test_v2_health_200():
    health = parse_v2_health(V2_HEALTHY, 200)
    assert health == dict(role="primary", success=True, error_message=None, enabled_shared_ips=["10.0.0.10"],
                          last_data_sync_time="2024-12-02T12:00:00+00:00", last_data_sync_epoch=1733140800,
                          last_data_sync_status="Success", version="24.3.1", build="12345-0123abcd",
                          hostname="bt-a.example.com", appliance_id="0123456789abcdef0123456789abcdef",
                          cluster_role="single")


def test_v2_health_500_with_nulls():
    health = parse_v2_health(V2_UNHEALTHY, 500)
    assert health["success"] is False
    assert health["error_message"] == "The primary site instance cannot be reached."
    assert health["enabled_shared_ips"] == []
    assert health["last_data_sync_time"] is None and health["last_data_sync_epoch"] is None
    assert health["role"] == "backup"


def test_v2_appliances():
    entries = parse_v2_appliances(V2_APPLIANCES)
    assert [entry["failover_role"] for entry in entries] == ["primary", "backup"]
    assert entries[0]["accepting_connections"] is True and entries[0]["timezone_offset"] == 3600


@pytest.mark.parametrize("text, expected", [
    ("24.3.1 (12345-abc)", ("24.3.1", "12345-abc")),
    ("19.1.8 (37380-749b17ca33d2)", ("19.1.8", "37380-749b17ca33d2")),
    ("24.3.1", ("24.3.1", None)),
    (None, (None, None)),
])
def test_split_version(text, expected):
    assert split_version(text) == expected


@pytest.mark.parametrize("text, epoch, expected", [
    ("2024-12-02T12:00:00+00:00", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("2024-12-02T13:00:00+01:00", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("2024-12-02T12:00:00Z", None, ("2024-12-02T12:00:00+00:00", 1733140800)),
    (None, "1733140800", ("2024-12-02T12:00:00+00:00", 1733140800)),
    ("garbage", None, ("garbage", None)),
    (None, None, (None, None)),
])
def test_sync_time(text, epoch, expected):
    assert sync_time(text, epoch) == expected


# -- the API over a fake session ------------------------------------------------------------------
class Session:
    """Answers in order; records (method, path, params, data, json, headers)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, params=None, data=None, json=None, headers=None, **kwargs):
        self.sent.append(dict(method=method, path=url.split("443", 1)[-1].split("example.com", 1)[-1], params=params,
                              data=data, json=json, headers=headers or {}, stream=kwargs.get("stream")))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def answer(status, body, content_type="application/json"):
    result = requests.Response()
    result.status_code = status
    result._content = (json.dumps(body) if isinstance(body, (dict, list)) else body).encode("utf-8") \
        if not isinstance(body, bytes) else body
    result._content_consumed = True
    result.headers["Content-Type"] = content_type
    return result


TOKEN = answer(200, {"access_token": "a" * 40, "token_type": "Bearer", "expires_in": 3600})


def api(*answers):
    session = Session(TOKEN, *answers)
    client = ApplianceClient("bt-a.example.com", client_id="id", client_secret="secret", session=session,
                             sleep=lambda seconds: None)
    return VendorApi(client), session


def test_check_health_is_a_get_with_action_and_connection_close():
    vendor, session = api(answer(200, PRIMARY % LEGACY, "text/xml; charset=UTF-8"))
    assert vendor.check_health()["role"] == "primary"
    sent = session.sent[1]
    assert (sent["method"], sent["path"], sent["params"]) == ("GET", "/api/command", {"action": "check_health"})
    assert sent["headers"]["Connection"] == "close"
    assert sent["headers"]["Authorization"] == "Bearer " + "a" * 40


def test_set_failover_role_is_a_form_post_never_retried():
    vendor, session = api(requests.exceptions.ConnectionError("reset"))
    with pytest.raises(ApplianceError) as caught:
        vendor.set_failover_role("primary", data_sync_first=True)
    assert len(session.sent) == 2  # the token, then one attempt: no retry
    sent = session.sent[1]
    assert sent["method"] == "POST" and sent["params"] is None
    assert sent["data"] == dict(action="set_failover_role", role="primary", data_sync_first=1, force=0)
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert "not retried" in str(caught.value)


def test_set_failover_role_5xx_is_not_retried():
    vendor, session = api(answer(502, "Bad Gateway", "text/plain"))
    with pytest.raises(ApplianceError, match="HTTP 502"):
        vendor.set_failover_role("backup", force=True)
    assert len(session.sent) == 2


def test_set_failover_role_success_and_error_texts():
    vendor, dummy = api(answer(200, '<success xmlns="%s">Successfully started data sync. Role change will occur '
                                    'upon successful completion.</success>' % CURRENT, "text/xml"))
    assert vendor.set_failover_role("backup", data_sync_first=True).startswith("Successfully started data sync")
    vendor, dummy = api(answer(200, '<error xmlns="%s">Unable to contact the peer.</error>' % LEGACY, "text/xml"))
    with pytest.raises(ApplianceError) as caught:
        vendor.set_failover_role("backup")
    assert "bt-a.example.com: POST /api/command?action=set_failover_role" in str(caught.value)
    assert "Unable to contact the peer." in str(caught.value)


def test_set_failover_role_rejects_an_invalid_role_before_sending():
    vendor, session = api()
    with pytest.raises(ValueError, match="role must be one of primary, backup"):
        vendor.set_failover_role("secondary")
    assert session.sent == []


def test_v2_health_500_is_an_answer_not_retried():
    vendor, session = api(answer(500, V2_UNHEALTHY))
    health = vendor.v2_health()
    assert health["success"] is False and len(session.sent) == 2
    assert session.sent[1]["path"] == "/api/command/v2/health"


def test_v2_failover_role_422_names_the_field():
    vendor, session = api(answer(422, V2_422))
    with pytest.raises(ApplianceError) as caught:
        vendor.v2_set_failover_role("primary", data_sync_first=True)
    assert caught.value.status == 422
    assert "role: The selected role is invalid." in str(caught.value)
    assert session.sent[1]["json"] == dict(role="primary", data_sync_first=True, force=False)


def test_v2_appliance_and_info():
    vendor, dummy = api(answer(200, V2_APPLIANCES), answer(200, {
        "permissions": {"perm_backup": True, "perm_command": "read_only"}, "current_time": "2024-12-02T12:00:00+00:00",
        "command_api_version": "2.0.0", "product": "rs"}))
    assert [entry["name"] for entry in vendor.v2_appliances()] == ["site1", "site2"]
    info = vendor.v2_info()
    assert info["timestamp"] == 1733140800 and info["permissions"]["perm_command"] == "read_only"


def test_probe_needs_no_token_and_reads_500():
    session = Session(answer(500, "Failure", "text/plain"))
    vendor = VendorApi(ApplianceClient("bt-a.example.com", session=session, sleep=lambda seconds: None))
    assert vendor.probe() == dict(healthy=False, status=500, message="Failure")
    assert "Authorization" not in session.sent[0]["headers"] and len(session.sent) == 1


def test_backup_streams_and_hashes():
    vendor, session = api(answer(200, b"x" * (_vendor.BACKUP_CHUNK + 10), "application/octet-stream"))
    stream = io.BytesIO()
    size, sha256 = vendor.download_backup(stream)
    assert size == _vendor.BACKUP_CHUNK + 10 and len(stream.getvalue()) == size
    assert sha256 == __import__("hashlib").sha256(b"x" * size).hexdigest()
    assert (session.sent[1]["method"], session.sent[1]["stream"]) == ("GET", True)


def test_backup_password_travels_in_the_body():
    vendor, session = api(answer(200, b"nsb", "application/octet-stream"))
    vendor.download_backup(io.BytesIO(), password="bk-pass")
    sent = session.sent[1]
    assert sent["method"] == "POST" and sent["json"] == {"password": "bk-pass"} and sent["params"] is None
