# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor API layer on recorded documents (the vendor's reference examples and a real
19.1.8 answer) and on a fake transport that records what goes on the wire."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import xml.etree.ElementTree as ET

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceClient, ApplianceError, Response
from ansible_collections.sra.appliance.plugins.module_utils import _vendor
from ansible_collections.sra.appliance.plugins.module_utils._vendor import (
    VendorApi, account_problems, backup_error, parse_api_info, parse_appliances, parse_health_check,
    parse_v2_appliances, parse_v2_health, parse_xml, read_account, split_version, sync_time, xml_api_may_be_disabled)

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


# -- the API over a fake transport -----------------------------------------------------------------
class Transport:
    """Answers in order; records (method, path, params, form, json, headers, stream) as sent."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def send(self, method, target, headers, body, stream=False):
        parts = urlsplit(target)
        form = json_body = None
        if body is not None and headers.get("Content-Type") == "application/json":
            json_body = json.loads(body)
        elif body is not None:
            form = dict((key, values[0]) for key, values in parse_qs(body.decode()).items())
        self.sent.append(dict(method=method, path=parts.path, params=dict(parse_qs(parts.query)) or None, data=form,
                              json=json_body, headers=dict(headers), stream=stream))
        result = self.answers.pop(0)
        if isinstance(result, BaseException):
            raise result
        return result


def answer(status, body, content_type="application/json", headers=None):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Response(status, "OK" if status < 400 else "Error", dict({"Content-Type": content_type}, **(headers or {})),
                    data)


def token():
    return answer(200, {"access_token": "a" * 40, "token_type": "Bearer", "expires_in": 3600})


def api(*answers):
    transport = Transport(token(), *answers)
    client = ApplianceClient("bt-a.example.com", client_id="id", client_secret="secret", transport=transport,
                             sleep=lambda seconds: None)
    return VendorApi(client), transport


def test_check_health_is_a_get_with_action_and_connection_close():
    vendor, transport = api(answer(200, PRIMARY % LEGACY, "text/xml; charset=UTF-8"))
    assert vendor.check_health()["role"] == "primary"
    sent = transport.sent[1]
    assert (sent["method"], sent["path"], sent["params"]) == ("GET", "/api/command", {"action": ["check_health"]})
    assert sent["headers"]["Connection"] == "close"
    assert sent["headers"]["Authorization"] == "Bearer " + "a" * 40


def test_set_failover_role_is_a_form_post_never_retried():
    vendor, transport = api(ConnectionResetError("reset"))
    with pytest.raises(ApplianceError) as caught:
        vendor.set_failover_role("primary", data_sync_first=True)
    assert len(transport.sent) == 2  # the token, then one attempt: no retry
    sent = transport.sent[1]
    assert sent["method"] == "POST" and sent["params"] is None
    assert sent["data"] == dict(action="set_failover_role", role="primary", data_sync_first="1", force="0")
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert "not retried" in str(caught.value)


def test_set_failover_role_5xx_is_not_retried():
    vendor, transport = api(answer(502, "Bad Gateway", "text/plain"))
    with pytest.raises(ApplianceError, match="HTTP 502"):
        vendor.set_failover_role("backup", force=True)
    assert len(transport.sent) == 2


def test_set_failover_role_success_and_error_texts():
    vendor, dummy = api(answer(200, '<success xmlns="%s">Successfully started data sync. Role change will occur '
                                    'upon successful completion.</success>' % CURRENT, "text/xml"))
    assert vendor.set_failover_role("backup", data_sync_first=True).startswith("Successfully started data sync")
    vendor, dummy = api(answer(200, '<error xmlns="%s">Unable to contact the peer.</error>' % LEGACY, "text/xml"))
    with pytest.raises(ApplianceError) as caught:
        vendor.set_failover_role("backup")
    assert "bt-a.example.com: POST /api/command?action=set_failover_role" in str(caught.value)
    assert "Unable to contact the peer." in str(caught.value) and caught.value.kind == "refused"


def test_set_failover_role_rejects_an_invalid_role_before_sending():
    vendor, transport = api()
    with pytest.raises(ValueError, match="role must be one of primary, backup"):
        vendor.set_failover_role("secondary")
    assert transport.sent == []


V2_CALLS = [
    ("v2_health", (), answer(200, V2_HEALTHY)),
    ("v2_appliances", (), answer(200, V2_APPLIANCES)),
    ("v2_info", (), answer(200, {"permissions": {}, "current_time": "2024-12-02T12:00:00+00:00"})),
    ("v2_set_failover_role", ("primary",), answer(200, {"message": "Successfully changed role."})),
]


@pytest.mark.parametrize("method, args, reply", V2_CALLS, ids=[call[0] for call in V2_CALLS])
def test_every_v2_request_accepts_json(method, args, reply):
    """The reference: v2 GET, HEAD and DELETE need Accept: application/json (a strict appliance: 406)."""
    vendor, transport = api(reply)
    getattr(vendor, method)(*args)
    assert transport.sent[1]["path"].startswith("/api/command/v2/")
    assert transport.sent[1]["headers"]["Accept"] == "application/json"


def test_every_v2_method_of_the_api_is_covered_above():
    v2_methods = sorted(name for name in dir(VendorApi) if name.startswith("v2_") and name != "v2_request")
    assert v2_methods == sorted(call[0] for call in V2_CALLS)


def test_v2_request_keeps_accept_whatever_the_caller_passes():
    vendor, transport = api(answer(200, {}))
    vendor.v2_request("DELETE", "/anything", headers={"Accept": "text/html", "X-Extra": "1"})
    sent = transport.sent[1]
    assert sent["headers"]["Accept"] == "application/json" and sent["headers"]["X-Extra"] == "1"


def test_v2_bodies_are_json():
    vendor, transport = api(answer(200, {"message": "ok"}))
    vendor.v2_set_failover_role("backup", force=True)
    assert transport.sent[1]["headers"]["Content-Type"] == "application/json"
    assert transport.sent[1]["json"] == dict(role="backup", data_sync_first=False, force=True)


def test_v2_health_500_is_an_answer_not_retried():
    vendor, transport = api(answer(500, V2_UNHEALTHY))
    health = vendor.v2_health()
    assert health["success"] is False and len(transport.sent) == 2
    assert transport.sent[1]["path"] == "/api/command/v2/health"


def test_v2_health_retries_a_transient_gateway_error():
    vendor, transport = api(answer(503, "busy", "text/plain"), answer(200, V2_HEALTHY))
    assert vendor.v2_health()["success"] is True and len(transport.sent) == 3


def test_v2_failover_role_422_names_the_field():
    vendor, transport = api(answer(422, V2_422))
    with pytest.raises(ApplianceError) as caught:
        vendor.v2_set_failover_role("primary", data_sync_first=True)
    assert caught.value.status == 422
    assert "role: The selected role is invalid." in str(caught.value)
    assert transport.sent[1]["json"] == dict(role="primary", data_sync_first=True, force=False)


def test_v2_appliance_and_info():
    vendor, dummy = api(answer(200, V2_APPLIANCES), answer(200, {
        "permissions": {"perm_backup": True, "perm_command": "read_only"}, "current_time": "2024-12-02T12:00:00+00:00",
        "command_api_version": "2.0.0", "product": "rs"}))
    assert [entry["name"] for entry in vendor.v2_appliances()] == ["site1", "site2"]
    info = vendor.v2_info()
    assert info["timestamp"] == 1733140800 and info["permissions"]["perm_command"] == "read_only"


def test_v2_answer_that_is_not_json():
    vendor, dummy = api(answer(200, "<html>proxy</html>", "text/html"))
    with pytest.raises(ApplianceError, match="not JSON"):
        vendor.v2_appliances()


def probe_api(*answers):
    transport = Transport(*answers)
    return VendorApi(ApplianceClient("bt-a.example.com", transport=transport, sleep=lambda seconds: None)), transport


def test_probe_needs_no_token_and_reads_500():
    vendor, transport = probe_api(answer(500, "Failure", "text/plain"))
    assert vendor.probe() == dict(healthy=False, status=500, message="Failure", transient=False)
    assert "Authorization" not in transport.sent[0]["headers"] and len(transport.sent) == 1


def test_probe_retries_a_transient_503():
    vendor, transport = probe_api(answer(503, "Service Unavailable", "text/plain"), answer(200, "Success", "text/plain"))
    assert vendor.probe() == dict(healthy=True, status=200, message="Success", transient=False)
    assert len(transport.sent) == 2


def test_a_persistent_502_is_unhealthy_and_transient_not_unreachable():
    vendor, transport = probe_api(*[answer(502, "Bad Gateway", "text/plain")] * 4)
    assert vendor.probe() == dict(healthy=False, status=502, message="Bad Gateway", transient=True)
    assert len(transport.sent) == 4


# -- the API account ----------------------------------------------------------------------------
FULL = dict(permissions=dict(perm_command="full_access", perm_backup=True), xml_api="enabled")
READ_ONLY = dict(permissions=dict(perm_command="read_only", perm_backup=False), xml_api="enabled")
DENY = dict(permissions=dict(perm_command="deny", perm_backup=True), xml_api="enabled")


def test_a_full_account_has_no_problems():
    assert account_problems(FULL, ["read", "role_change", "backup"], "site1") == []


def test_read_only_cannot_change_roles_and_says_where_to_fix_it():
    assert account_problems(READ_ONLY, ["role_change"], "site1") == [
        "the API account of site1 has perm_command read_only; set_failover_role needs full access: "
        "/login > Management > API Configuration > <the account> > Command API: Full Access"]
    assert account_problems(READ_ONLY, ["read"], "site1") == []


def test_deny_cannot_read():
    problems = account_problems(DENY, ["read"], "site1")
    assert len(problems) == 1 and "perm_command deny" in problems[0] and "Command API: Read Only" in problems[0]


def test_backup_needs_perm_backup():
    assert account_problems(READ_ONLY, ["backup"], "site1") == [
        "the API account of site1 has no backup permission (perm_backup off); the backup API needs it: "
        "/login > Management > API Configuration > <the account> > Backup API: Allow Access"]
    assert account_problems(dict(permissions={}), ["backup"], "s") == [
        "the API account of s has no backup permission (perm_backup not listed); the backup API needs it: "
        "/login > Management > API Configuration > <the account> > Backup API: Allow Access"]


def test_every_problem_is_listed():
    problems = account_problems(dict(permissions={}), ["role_change", "backup"], "s")
    assert len(problems) == 2 and "perm_command (not listed)" in problems[0]


def test_a_disabled_xml_api_is_a_problem_only_for_the_xml_api():
    info = dict(FULL, xml_api="unavailable", xml_api_error="HTTP 200: XML API is disabled")
    problems = account_problems(info, ["read"], "site1")
    assert problems == ["the XML API of site1 did not answer get_api_info (HTTP 200: XML API is disabled): "
                        "/login > Management > API Configuration > Enable XML API may be off; check it, or use the "
                        "command API v2 (api=json)"]
    assert account_problems(info, ["read"], "site1", api="json") == []
    assert account_problems(info, ["backup"], "site1") == []


def test_unknown_needs_are_a_programming_error():
    with pytest.raises(ValueError, match="unknown account needs fly"):
        account_problems(FULL, ["fly"])


XML_INFO = API_INFO % CURRENT
V2_INFO = {"permissions": {"perm_backup": False, "perm_command": "full_access"},
           "current_time": "2024-12-02T12:00:00+00:00", "command_api_version": "2.0.0", "product": "rs"}


def test_read_account_through_xml():
    vendor, transport = api(answer(200, XML_INFO, "text/xml"))
    info = read_account(vendor)
    assert (info["source"], info["xml_api"], info["permissions"]["perm_backup"]) == ("xml", "enabled", True)
    assert [sent["path"] for sent in transport.sent] == ["/oauth2/token", "/api/command"]


@pytest.mark.parametrize("xml_answer", [
    answer(200, '<error xmlns="%s">The XML API is disabled.</error>' % CURRENT, "text/xml"),
    answer(403, "Forbidden", "text/plain"),
    answer(404, "Not Found", "text/html"),
])
def test_read_account_falls_back_to_v2_when_the_xml_api_looks_disabled(xml_answer):
    vendor, transport = api(xml_answer, answer(200, V2_INFO))
    info = read_account(vendor)
    assert (info["source"], info["xml_api"]) == ("json", "unavailable")
    assert info["xml_api_error"].startswith("HTTP %s" % xml_answer.status_code)
    assert info["permissions"]["perm_backup"] is False
    assert transport.sent[2]["path"] == "/api/command/v2/info"


def test_read_account_reports_both_answers_when_v2_fails_too():
    vendor, dummy = api(answer(403, "Forbidden", "text/plain"), answer(403, {"message": "no command permission"}))
    with pytest.raises(ApplianceError) as caught:
        read_account(vendor)
    text = str(caught.value)
    assert "/api/command/v2/info answered HTTP 403: no command permission" in text
    assert "get_api_info on the XML API answered HTTP 403: Forbidden" in text and "Enable XML API" in text


def test_read_account_does_not_mistake_bad_credentials_for_a_disabled_xml_api():
    vendor, dummy = api(answer(401, {"error": "access_denied"}), answer(200, {"access_token": "b" * 40}),
                        answer(401, {"error": "access_denied"}))
    with pytest.raises(ApplianceError) as caught:
        read_account(vendor)
    assert caught.value.status == 401


def test_read_account_through_json():
    vendor, transport = api(answer(200, V2_INFO))
    info = read_account(vendor, api="json")
    assert (info["source"], info["xml_api"]) == ("json", None) and len(transport.sent) == 2


def test_only_command_api_answers_can_mean_a_disabled_xml_api():
    assert xml_api_may_be_disabled(ApplianceError("a", "GET", "/api/command?action=get_api_info", 200, "x",
                                                  kind="refused"))
    assert not xml_api_may_be_disabled(ApplianceError("a", "GET", "/api/command?action=get_api_info", 200,
                                                      "not XML", kind="http"))
    assert not xml_api_may_be_disabled(ApplianceError("a", "GET", "/api/command/v2/info", 404, "x"))
    assert not xml_api_may_be_disabled(ApplianceError("a", "GET", "/api/command", None, "cannot connect"))


# -- backups ------------------------------------------------------------------------------------
@pytest.mark.parametrize("content_type, body, message", [
    ("application/json", b'{"error": "access_denied", "message": "Invalid credentials"}', "Invalid credentials"),
    ("application/octet-stream", b'  {"message": "backup password required"}', "backup password required"),
    ("text/xml", b'<?xml version="1.0"?>\n\n<error xmlns="%s">No permission.</error>' % CURRENT.encode(),
     "No permission."),
    ("application/octet-stream", b"Invalid credentials", "Invalid credentials"),
    ("text/plain", b"Invalid credentials\n", "Invalid credentials"),
    ("text/html", b"<!DOCTYPE html><html><body><p>Login</p><br></body></html>", "an HTML page"),
    ("application/xml", b"<status><code>403</code><text>denied</text></status>", "403 denied"),
    ("application/octet-stream", b"", "an empty answer"),
    ("application/octet-stream", b"\xef\xbb\xbfInvalid credentials", "Invalid credentials"),
])
def test_error_bodies_are_not_backups(content_type, body, message):
    assert backup_error(content_type, body).startswith(message)


@pytest.mark.parametrize("content_type, body", [
    ("application/octet-stream", b"PK\x03\x04" + b"\x00" * 200),                  # a zip, as the lab makes
    ("application/octet-stream", b"\x1f\x8b\x08" + bytes(range(256))),           # gzip, or anything binary
    ("application/octet-stream", b"backup " * 1000),                                # long text: not an error answer
    ("application/json", b'{"message": "x"}' + b" " * (_vendor.ERROR_BODY_MAX + 1)),  # too big for an error
])
def test_backups_in_any_format_pass(content_type, body):
    assert backup_error(content_type, body) is None


def test_backup_streams_and_hashes():
    body = b"\x00x" * (_vendor.BACKUP_CHUNK // 2 + 10)
    vendor, transport = api(answer(200, body, "application/octet-stream"))
    stream = io.BytesIO()
    size, sha256 = vendor.download_backup(stream)
    assert size == len(body) and stream.getvalue() == body
    assert sha256 == hashlib.sha256(body).hexdigest()
    assert (transport.sent[1]["method"], transport.sent[1]["stream"]) == ("GET", True)


def test_a_small_backup_is_written_whole():
    vendor, dummy = api(answer(200, b"PK\x03\x04small", "application/octet-stream"))
    stream = io.BytesIO()
    assert vendor.download_backup(stream)[0] == 9 and stream.getvalue() == b"PK\x03\x04small"


def test_an_error_with_http_200_writes_nothing():
    vendor, dummy = api(answer(200, b"Invalid credentials", "application/octet-stream"))
    stream = io.BytesIO()
    with pytest.raises(ApplianceError) as caught:
        vendor.download_backup(stream)
    assert stream.getvalue() == b""
    assert str(caught.value) == ("bt-a.example.com: GET /api/backup answered HTTP 200: the answer is an error, not a "
                                 "backup: Invalid credentials. Nothing was written")
    assert caught.value.kind == "refused"


def test_a_download_that_breaks_off_is_an_error():
    class Broken:
        def read(self, size):
            raise ConnectionResetError("reset by peer")

        def close(self):
            pass

    vendor, dummy = api(Response(200, "OK", {}, stream=Broken()))
    with pytest.raises(ApplianceError, match="the download broke off after 0 bytes: reset by peer"):
        vendor.download_backup(io.BytesIO())


def test_backup_password_travels_in_the_body():
    vendor, transport = api(answer(200, b"\x00nsb", "application/octet-stream"))
    vendor.download_backup(io.BytesIO(), password="bk-pass")
    sent = transport.sent[1]
    assert sent["method"] == "POST" and sent["json"] == {"password": "bk-pass"} and sent["params"] is None
