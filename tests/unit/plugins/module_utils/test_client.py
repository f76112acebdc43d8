# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.sra.appliance.plugins.module_utils._client import (
    ApplianceClient, ApplianceError, message_from_body)


class Response:
    def __init__(self, status, body=None, headers=None, reason="Reason"):
        self.status_code = status
        self.text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
        self.content = self.text.encode()
        self.headers = headers or {}
        self.reason = reason
        self.closed = False

    def json(self):
        return json.loads(self.text)

    def close(self):
        self.closed = True


class Session:
    """requests.Session stand-in: answers from a script, records every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append(dict(kwargs, method=method, url=url))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def token(value="t1"):
    return Response(200, {"access_token": value, "token_type": "Bearer", "expires_in": 3600})


def client(session, sleeps, **kwargs):
    options = dict(host="192.0.2.10", client_id="id", client_secret="secret", appliance_user="admin",
                   appliance_password="pw", session=session, sleep=sleeps.append)
    options.update(kwargs)
    return ApplianceClient(**options)


def test_token_is_fetched_once_and_reused():
    session = Session(token(), Response(200, {"a": 1}), Response(200, {"b": 2}))
    api = client(session, [])
    assert api.get_json("/login/api/v1/failover") == {"a": 1}
    assert api.get_json("/login/api/v1/cluster") == {"b": 2}
    assert [sent["url"] for sent in session.sent] == [
        "https://192.0.2.10/oauth2/token", "https://192.0.2.10/login/api/v1/failover",
        "https://192.0.2.10/login/api/v1/cluster"]
    assert session.sent[0]["data"] == {"grant_type": "client_credentials"}
    assert session.sent[0]["auth"] == ("id", "secret")
    assert session.sent[1]["headers"]["Authorization"] == "Bearer t1"
    assert session.sent[2]["headers"]["Authorization"] == "Bearer t1"
    assert all(sent["headers"]["Connection"] == "close" for sent in session.sent)


def test_401_fetches_one_new_token_and_repeats_once():
    session = Session(token("old"), Response(401, {"error": "access_denied"}), token("new"), Response(200, {"ok": 1}))
    api = client(session, [])
    assert api.get_json("/login/api/v1/failover") == {"ok": 1}
    assert session.sent[3]["headers"]["Authorization"] == "Bearer new"


def test_second_401_is_an_error_with_a_hint():
    session = Session(token("old"), Response(401, {"error": "access_denied", "message": "denied"}), token("new"),
                      Response(401, {"error": "access_denied", "message": "denied"}))
    with pytest.raises(ApplianceError) as info:
        client(session, []).get_json("/login/api/v1/failover")
    assert info.value.status == 401
    assert "Check client_id and client_secret" in str(info.value)
    assert len(session.sent) == 4


def test_basic_auth_for_appliance_interface():
    session = Session(Response(200, {"hostname": "x"}))
    client(session, []).get_json("/appliance/api/v1/status", auth="basic")
    assert session.sent[0]["auth"] == ("admin", "pw")
    assert "Authorization" not in session.sent[0]["headers"]


def test_idempotent_request_retried_with_backoff_on_5xx_and_connection_errors():
    sleeps = []
    session = Session(Response(503, {"message": "busy"}), requests.exceptions.ConnectionError("reset"),
                      Response(200, {"ok": 1}))
    assert client(session, sleeps, backoff=0.5).get_json("/appliance/api/v1/status", auth="basic") == {"ok": 1}
    assert sleeps == [0.5, 1.0]


def test_retry_after_header_sets_the_pause():
    sleeps = []
    session = Session(Response(503, {"message": "swap under way"}, headers={"Retry-After": "7"}), Response(200, {}))
    client(session, sleeps).get_json("/appliance/api/v1/status", auth="basic")
    assert sleeps == [7.0]


def test_retries_give_up_after_the_limit():
    sleeps = []
    session = Session(*[Response(502, {"message": "bad gateway"})] * 4)
    with pytest.raises(ApplianceError) as info:
        client(session, sleeps, retries=3).get_json("/appliance/api/v1/status", auth="basic")
    assert info.value.status == 502 and len(session.sent) == 4 and len(sleeps) == 3


def test_post_is_not_retried_on_5xx():
    session = Session(token(), Response(500, {"message": "internal"}))
    with pytest.raises(ApplianceError) as info:
        client(session, []).send_json("POST", "/login/api/v1/failover/sync")
    assert info.value.status == 500 and len(session.sent) == 2


def test_connection_error_on_post_is_not_retried():
    sleeps = []
    session = Session(token(), requests.exceptions.ConnectionError("connection reset by peer"))
    with pytest.raises(ApplianceError) as info:
        client(session, sleeps).send_json("POST", "/login/api/v1/failover/relationship", {"backup_host": "b"})
    assert len(session.sent) == 2 and sleeps == []
    assert "cannot connect" in str(info.value)
    assert "not retried because it changes state" in str(info.value)


def test_429_is_retried_even_for_post_honouring_headers():
    sleeps = []
    session = Session(token(), Response(429, {"message": "rate"}, headers={"Retry-After": "2"}),
                      Response(429, {"message": "rate"}, headers={"X-RateLimit-Remaining": "0"}),
                      Response(202, {"message": "started"}))
    api = client(session, sleeps)
    assert api.send_json("POST", "/login/api/v1/failover/sync") == {"message": "started"}
    # Retry-After when given; otherwise a pause that grows, at least the one second of the 20/s limit.
    assert sleeps[0] == 2.0 and sleeps[1] >= 1.0
    assert len(session.sent) == 4


def test_error_names_appliance_method_path_status_and_message():
    session = Session(Response(422, {"message": "invalid field", "errors": {"ips": ["prefix out of range"]}}))
    with pytest.raises(ApplianceError) as info:
        client(session, [], port=8443).send_json("PUT", "/appliance/api/v1/network/interfaces/eth0/ips",
                                                 {"ips": []}, auth="basic")
    text = str(info.value)
    assert text.startswith("192.0.2.10:8443: PUT /appliance/api/v1/network/interfaces/eth0/ips answered HTTP 422")
    assert "invalid field - ips: prefix out of range" in text
    assert info.value.to_result() == dict(appliance="192.0.2.10:8443", method="PUT",
                                          path="/appliance/api/v1/network/interfaces/eth0/ips", status=422,
                                          appliance_message="invalid field - ips: prefix out of range")


def test_tls_error_hints_at_ca_path():
    session = Session(requests.exceptions.SSLError("certificate verify failed: self-signed certificate"))
    with pytest.raises(ApplianceError) as info:
        client(session, []).get_json("/appliance/api/v1/status", auth="basic")
    assert "TLS verification failed" in str(info.value) and "ca_path" in str(info.value)
    assert len(session.sent) == 1


def test_ca_path_and_validate_certs_reach_requests():
    session = Session(Response(200, {}), Response(200, {}))
    client(session, [], ca_path="/tmp/trust.pem").get_json("/appliance/api/v1/status", auth="basic")
    client(session, [], validate_certs=False).get_json("/appliance/api/v1/status", auth="basic")
    assert session.sent[0]["verify"] == "/tmp/trust.pem" and session.sent[1]["verify"] is False


def test_missing_credentials_say_what_to_set():
    with pytest.raises(ApplianceError, match="Set client_id and client_secret"):
        client(Session(), [], client_id=None).get_json("/login/api/v1/failover")
    with pytest.raises(ApplianceError, match="Set appliance_user and appliance_password"):
        client(Session(), [], appliance_password=None).get_json("/appliance/api/v1/status", auth="basic")


def test_wrong_client_credentials():
    session = Session(Response(401, {"error": "invalid_client"}))
    with pytest.raises(ApplianceError) as info:
        client(session, []).get_json("/login/api/v1/failover")
    assert "POST /oauth2/token answered HTTP 401" in str(info.value) and "client_secret" in str(info.value)


def test_ipv6_host_is_bracketed():
    session = Session(Response(200, {}))
    client(session, [], host="2001:db8::10").get_json("/appliance/api/v1/status", auth="basic")
    assert session.sent[0]["url"] == "https://[2001:db8::10]/appliance/api/v1/status"


@pytest.mark.parametrize("body, message", [
    ('{"message": "m", "errors": {"f": ["bad"]}}', "m - f: bad"),
    ('{"error": "access_denied"}', "access_denied"),
    ('<?xml version="1.0"?><error xmlns="http://www.beyondtrust.com/sra/namespaces/API/command">No</error>', "No"),
    ("plain text", "plain text"),
    ("", None),
])
def test_message_from_body(body, message):
    assert message_from_body(body) == message
