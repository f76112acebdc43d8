# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import ssl
import sys

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _client
from ansible_collections.sra.appliance.plugins.module_utils._client import (
    ApplianceClient, ApplianceError, CertificateNameMismatch, Response, TlsConfigError, ca_path_problem,
    certificate_names, dns_name_matches, message_from_body, name_matches, retry_after_seconds, server_name_problem)
from ansible_collections.sra.appliance.tests.unit.plugins.module_utils.tls_server import TlsServer

NOW = 1733140800.0  # Mon, 02 Dec 2024 12:00:00 GMT


def answer(status, body=None, headers=None, reason="Reason"):
    text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    return Response(status, reason, headers or {}, text.encode())


class Transport:
    """HttpsTransport stand-in: answers from a script, records every request as sent on the wire."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def send(self, method, target, headers, body, stream=False):
        self.sent.append(dict(method=method, target=target, headers=dict(headers), body=body, stream=stream))
        result = self.answers.pop(0)
        if isinstance(result, BaseException):
            raise result
        return result


def token(value="t1"):
    return answer(200, {"access_token": value, "token_type": "Bearer", "expires_in": 3600})


def client(transport, sleeps, **kwargs):
    options = dict(host="192.0.2.10", client_id="id", client_secret="secret", appliance_user="admin",
                   appliance_password="pw", transport=transport, sleep=sleeps.append, clock=lambda: NOW)
    options.update(kwargs)
    return ApplianceClient(**options)


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


# -- authentication and the wire ------------------------------------------------------------------
def test_token_is_fetched_once_and_reused():
    transport = Transport(token(), answer(200, {"a": 1}), answer(200, {"b": 2}))
    api = client(transport, [])
    assert api.get_json("/login/api/v1/failover") == {"a": 1}
    assert api.get_json("/login/api/v1/cluster") == {"b": 2}
    assert [sent["target"] for sent in transport.sent] == [
        "/oauth2/token", "/login/api/v1/failover", "/login/api/v1/cluster"]
    assert transport.sent[0]["method"] == "POST" and transport.sent[0]["body"] == b"grant_type=client_credentials"
    assert transport.sent[0]["headers"]["Authorization"] == basic("id", "secret")
    assert transport.sent[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert transport.sent[1]["headers"]["Authorization"] == "Bearer t1"
    assert transport.sent[2]["headers"]["Authorization"] == "Bearer t1"


def test_every_request_closes_the_connection():
    transport = Transport(token(), answer(200, {}), answer(500, {"message": "no"}))
    api = client(transport, [])
    api.get_json("/login/api/v1/failover")
    with pytest.raises(ApplianceError):
        api.send_json("POST", "/login/api/v1/failover/sync")
    assert [sent["headers"]["Connection"] for sent in transport.sent] == ["close"] * 3
    assert all(sent["headers"]["User-Agent"] == "sra.appliance" for sent in transport.sent)


def test_clients_sharing_a_token_mint_one():
    shared = _client.Token()
    first, second = Transport(token("one"), answer(200, {})), Transport(answer(200, {}))
    client(first, [], token=shared).get_json("/login/api/v1/failover")
    client(second, [], token=shared).get_json("/login/api/v1/cluster")
    assert second.sent[0]["headers"]["Authorization"] == "Bearer one" and len(second.sent) == 1


def test_query_and_bodies_are_encoded():
    transport = Transport(token(), answer(200, "<x/>"), answer(200, {}), answer(200, "<x/>"))
    api = client(transport, [])
    api.request("GET", "/api/command", params={"action": "check_health"})
    api.send_json("PUT", "/login/api/v1/failover/shared-ips", {"ips": ["192.0.2.50"]})
    api.request("POST", "/api/command", data={"action": "set_failover_role", "role": "primary"}, idempotent=False)
    assert transport.sent[1]["target"] == "/api/command?action=check_health" and transport.sent[1]["body"] is None
    assert json.loads(transport.sent[2]["body"]) == {"ips": ["192.0.2.50"]}
    assert transport.sent[2]["headers"]["Content-Type"] == "application/json"
    assert transport.sent[3]["body"] == b"action=set_failover_role&role=primary"
    assert transport.sent[3]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_401_fetches_one_new_token_and_repeats_once():
    transport = Transport(token("old"), answer(401, {"error": "access_denied"}), token("new"), answer(200, {"ok": 1}))
    api = client(transport, [])
    assert api.get_json("/login/api/v1/failover") == {"ok": 1}
    assert transport.sent[3]["headers"]["Authorization"] == "Bearer new"


def test_second_401_is_an_auth_error_with_a_hint():
    transport = Transport(token("old"), answer(401, {"error": "access_denied", "message": "denied"}), token("new"),
                          answer(401, {"error": "access_denied", "message": "denied"}))
    with pytest.raises(ApplianceError) as info:
        client(transport, []).get_json("/login/api/v1/failover")
    assert info.value.status == 401 and info.value.kind == "auth"
    assert "Check client_id and client_secret" in str(info.value)
    assert len(transport.sent) == 4


def test_basic_auth_for_appliance_interface():
    transport = Transport(answer(200, {"hostname": "x"}))
    client(transport, []).get_json("/appliance/api/v1/status", auth="basic")
    assert transport.sent[0]["headers"]["Authorization"] == basic("admin", "pw")


def test_no_auth_sends_no_authorization():
    transport = Transport(answer(200, "Success"))
    client(transport, []).request("GET", "/check_health", auth=None)
    assert "Authorization" not in transport.sent[0]["headers"]


# -- retries ------------------------------------------------------------------------------------
def test_idempotent_request_retried_with_backoff_on_5xx_and_connection_errors():
    sleeps = []
    transport = Transport(answer(503, {"message": "busy"}), ConnectionResetError("reset"), answer(200, {"ok": 1}))
    assert client(transport, sleeps, backoff=0.5).get_json("/appliance/api/v1/status", auth="basic") == {"ok": 1}
    assert sleeps == [0.5, 1.0]


def test_eof_in_the_handshake_is_a_connection_cut_and_retried():
    sleeps = []
    transport = Transport(ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), answer(200, {}))
    client(transport, sleeps).get_json("/appliance/api/v1/status", auth="basic")
    assert sleeps == [0.5]


@pytest.mark.parametrize("header, pause", [
    ("7", 7.0),                                   # delay-seconds
    ("Mon, 02 Dec 2024 12:00:30 GMT", 30.0),      # IMF-fixdate, RFC 9110's preferred HTTP-date
    ("Monday, 02-Dec-24 12:00:05 GMT", 5.0),      # obsolete RFC 850 form
    ("Mon Dec  2 12:00:09 2024", 9.0),            # obsolete asctime form
    ("Mon, 02 Dec 2024 11:00:00 GMT", 0.0),       # a moment already past: retry at once
])
def test_retry_after_as_seconds_or_http_date(header, pause):
    sleeps = []
    transport = Transport(answer(503, {"message": "swap under way"}, headers={"Retry-After": header}), answer(200, {}))
    client(transport, sleeps).get_json("/appliance/api/v1/status", auth="basic")
    assert sleeps == [pause]


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "soon"}])
def test_without_a_readable_retry_after_the_current_pause_applies(headers):
    sleeps = []
    transport = Transport(answer(503, {}, headers=headers), answer(503, {}, headers=headers), answer(200, {}))
    client(transport, sleeps, backoff=0.5).get_json("/appliance/api/v1/status", auth="basic")
    assert sleeps == [0.5, 1.0]


def test_429_without_retry_after_pauses_at_least_a_second_growing():
    sleeps = []
    transport = Transport(token(), answer(429, {"message": "rate"}), answer(429, {"message": "rate"}),
                          answer(200, {}))
    client(transport, sleeps).get_json("/login/api/v1/failover")
    assert sleeps == [1.0, 2.0]


def test_a_retry_after_longer_than_the_limit_is_reported_not_waited():
    sleeps = []
    transport = Transport(token(), answer(429, {"message": "rate"}, headers={"Retry-After": "3600"}))
    with pytest.raises(ApplianceError) as info:
        client(transport, sleeps).get_json("/login/api/v1/failover")
    assert sleeps == [] and info.value.status == 429
    assert "(Retry-After: 3600)" in str(info.value)


def test_retry_after_seconds_reads_both_forms():
    assert retry_after_seconds(None, NOW) is None
    assert retry_after_seconds("", NOW) is None
    assert retry_after_seconds("1.5", NOW) == 1.5
    assert retry_after_seconds("Mon, 02 Dec 2024 12:01:00 GMT", NOW) == 60.0
    assert retry_after_seconds("not a date", NOW) is None


def test_retries_give_up_after_the_limit():
    sleeps = []
    transport = Transport(*[answer(502, {"message": "bad gateway"})] * 4)
    with pytest.raises(ApplianceError) as info:
        client(transport, sleeps, retries=3).get_json("/appliance/api/v1/status", auth="basic")
    assert info.value.status == 502 and len(transport.sent) == 4 and len(sleeps) == 3
    assert info.value.kind == "http"


def test_retry_statuses_narrow_what_is_retried():
    transport = Transport(answer(500, "Failure"))
    response = client(transport, []).request("GET", "/check_health", auth=None, expected=(200, 500),
                                             retry_statuses=(502, 503, 504))
    assert response.status_code == 500 and len(transport.sent) == 1


def test_post_is_not_retried_on_5xx():
    transport = Transport(token(), answer(500, {"message": "internal"}))
    with pytest.raises(ApplianceError) as info:
        client(transport, []).send_json("POST", "/login/api/v1/failover/sync")
    assert info.value.status == 500 and len(transport.sent) == 2


def test_connection_error_on_post_is_not_retried():
    sleeps = []
    transport = Transport(token(), ConnectionResetError("connection reset by peer"))
    with pytest.raises(ApplianceError) as info:
        client(transport, sleeps).send_json("POST", "/login/api/v1/failover/relationship", {"backup_host": "b"})
    assert len(transport.sent) == 2 and sleeps == []
    assert "cannot connect" in str(info.value) and info.value.kind == "unreachable"
    assert "not retried because it changes state" in str(info.value)


def test_429_is_retried_even_for_post_honouring_headers():
    sleeps = []
    transport = Transport(token(), answer(429, {"message": "rate"}, headers={"Retry-After": "2"}),
                          answer(429, {"message": "rate"}, headers={"X-RateLimit-Remaining": "0"}),
                          answer(202, {"message": "started"}))
    api = client(transport, sleeps)
    assert api.send_json("POST", "/login/api/v1/failover/sync") == {"message": "started"}
    assert sleeps == [2.0, 2.0]
    assert len(transport.sent) == 4


# -- errors ---------------------------------------------------------------------------------------
def test_error_names_appliance_method_path_status_and_message():
    transport = Transport(answer(422, {"message": "invalid field", "errors": {"ips": ["prefix out of range"]}}))
    with pytest.raises(ApplianceError) as info:
        client(transport, [], port=8443).send_json("PUT", "/appliance/api/v1/network/interfaces/eth0/ips",
                                                   {"ips": []}, auth="basic")
    text = str(info.value)
    assert text.startswith("192.0.2.10:8443: PUT /appliance/api/v1/network/interfaces/eth0/ips answered HTTP 422")
    assert "invalid field - ips: prefix out of range" in text
    assert info.value.to_result() == dict(appliance="192.0.2.10:8443", method="PUT",
                                          path="/appliance/api/v1/network/interfaces/eth0/ips", status=422,
                                          appliance_message="invalid field - ips: prefix out of range",
                                          failure="refused")


@pytest.mark.parametrize("status, kind", [(401, "auth"), (403, "auth"), (404, "http"), (406, "http"),
                                          (409, "refused"), (422, "refused"), (500, "http"), (None, "unreachable")])
def test_failure_kinds_follow_the_status(status, kind):
    assert ApplianceError("a", "GET", "/x", status, "m").kind == kind


def test_tls_verification_error_says_what_was_checked_and_how_to_fix():
    failure = ssl.SSLCertVerificationError(1, "certificate verify failed")
    failure.verify_message = "unable to get local issuer certificate"
    transport = Transport(failure)
    api = client(transport, [], tls_server_name="support.example.com")
    with pytest.raises(ApplianceError) as info:
        api.get_json("/appliance/api/v1/status", auth="basic")
    text = str(info.value)
    assert "TLS verification failed (checked support.example.com and 192.0.2.10 (SNI support.example.com))" in text
    assert "unable to get local issuer certificate" in text and "ca_path" in text
    assert info.value.kind == "tls" and len(transport.sent) == 1


def test_tls_name_mismatch_names_both_sides_and_tls_server_name():
    cert = {"subjectAltName": (("DNS", "support.example.com"),)}
    transport = Transport(CertificateNameMismatch(["192.0.2.10"], cert))
    with pytest.raises(ApplianceError) as info:
        client(transport, []).get_json("/appliance/api/v1/status", auth="basic")
    text = str(info.value)
    assert "the certificate served names DNS:support.example.com, none of which is 192.0.2.10" in text
    assert "(checked 192.0.2.10 (no SNI))" in text and "Set tls_server_name" in text
    assert info.value.kind == "tls"


def test_other_handshake_failures_are_tls_errors_not_retried():
    transport = Transport(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"))
    with pytest.raises(ApplianceError) as info:
        client(transport, []).get_json("/appliance/api/v1/status", auth="basic")
    assert "TLS handshake failed" in str(info.value) and info.value.kind == "tls" and len(transport.sent) == 1


def test_unloadable_ca_path_is_a_configuration_error():
    transport = Transport(TlsConfigError("cannot load ca_path /nope.pem: No such file"))
    with pytest.raises(ApplianceError) as info:
        client(transport, []).get_json("/appliance/api/v1/status", auth="basic")
    assert info.value.kind == "config" and "/nope.pem" in str(info.value)


def test_missing_credentials_say_what_to_set():
    with pytest.raises(ApplianceError, match="Set client_id and client_secret") as info:
        client(Transport(), [], client_id=None).get_json("/login/api/v1/failover")
    assert info.value.kind == "config"
    with pytest.raises(ApplianceError, match="Set appliance_user and appliance_password"):
        client(Transport(), [], appliance_password=None).get_json("/appliance/api/v1/status", auth="basic")


def test_wrong_client_credentials():
    transport = Transport(answer(401, {"error": "invalid_client"}))
    with pytest.raises(ApplianceError) as info:
        client(transport, []).get_json("/login/api/v1/failover")
    assert "POST /oauth2/token answered HTTP 401" in str(info.value) and "client_secret" in str(info.value)
    assert info.value.kind == "auth"


def test_a_token_answer_without_a_token_is_an_error():
    transport = Transport(answer(200, {"error": "x"}))
    with pytest.raises(ApplianceError, match="holds no access_token"):
        client(transport, []).get_json("/login/api/v1/failover")


def test_a_json_read_that_is_not_json():
    transport = Transport(answer(200, "<html/>"))
    with pytest.raises(ApplianceError, match="not JSON"):
        client(transport, []).get_json("/appliance/api/v1/status", auth="basic")


def test_host_header_follows_tls_server_name():
    assert client(Transport(), []).host_header is None
    assert client(Transport(), [], tls_server_name="support.example.com").host_header == "support.example.com"
    assert client(Transport(), [], tls_server_name="support.example.com", port=8443).host_header == \
        "support.example.com:8443"
    transport = Transport(answer(200, {}))
    client(transport, [], tls_server_name="support.example.com").get_json("/x", auth="basic")
    assert transport.sent[0]["headers"]["Host"] == "support.example.com"


@pytest.mark.parametrize("body, message", [
    ('{"message": "m", "errors": {"f": ["bad"]}}', "m - f: bad"),
    ('{"error": "access_denied"}', "access_denied"),
    ('<?xml version="1.0"?><error xmlns="http://www.beyondtrust.com/sra/namespaces/API/command">No</error>', "No"),
    ("plain text", "plain text"),
    ("", None),
])
def test_message_from_body(body, message):
    assert message_from_body(body) == message


def test_response_streams_and_decodes():
    class Stream:
        def __init__(self):
            self.parts, self.closed = [b"ab", b"cd", b""], False

        def read(self, size):
            return self.parts.pop(0)

        def close(self):
            self.closed = True

    stream = Stream()
    response = Response(200, "OK", [("content-type", "text/plain; charset=latin-1")], stream=stream)
    assert list(response.iter_content(2)) == [b"ab", b"cd"]
    response.close()
    assert stream.closed and response.headers.get("Content-Type").startswith("text/plain")
    assert Response(200, "OK", {"Content-Type": "text/plain; charset=latin-1"}, b"caf\xe9").text == u"caf\xe9"
    assert list(Response(200, body=b"abcde").iter_content(2)) == [b"ab", b"cd", b"e"]


# -- certificate names (RFC 6125) ---------------------------------------------------------------
@pytest.mark.parametrize("pattern, name, matches", [
    ("support.example.com", "support.example.com", True),
    ("Support.Example.COM", "support.example.com.", True),
    ("support.example.com", "site1.example.com", False),
    ("*.example.com", "site1.example.com", True),
    ("*.example.com", "a.b.example.com", False),      # one label only
    ("*.example.com", "example.com", False),
    ("*.com", "example.com", False),                  # not over a single-label suffix
    ("s*.example.com", "site1.example.com", False),   # partial wildcards are not accepted
    ("site1.*.com", "site1.example.com", False),      # only the left-most label
    ("*.*.example.com", "a.b.example.com", False),
    ("*.example.com", "127.0.0.1", False),
    ("", "example.com", False),
])
def test_dns_name_matches(pattern, name, matches):
    assert dns_name_matches(pattern, name) is matches


SITE_ONLY = {"subject": ((("commonName", "support.example.com"),),),
             "subjectAltName": (("DNS", "support.example.com"), ("DNS", "*.lab.example.com"))}
FACTORY = {"subject": ((("commonName", "site1.example.com"),),),
           "subjectAltName": (("DNS", "site1.example.com"), ("IP Address", "192.0.2.10"),
                              ("IP Address", "2001:DB8:0:0:0:0:0:10\n"))}


@pytest.mark.parametrize("cert, name, matches", [
    (SITE_ONLY, "support.example.com", True),
    (SITE_ONLY, "tn1.lab.example.com", True),
    (SITE_ONLY, "192.0.2.10", False),                  # an address needs an IP SAN
    (FACTORY, "192.0.2.10", True),
    (FACTORY, "2001:db8::10", True),
    (FACTORY, "[2001:db8::10]", True),
    (FACTORY, "192.0.2.11", False),
    (FACTORY, "support.example.com", False),
    ({"subject": ((("commonName", "old.example.com"),),)}, "old.example.com", True),   # no SAN: the CN
    ({"subject": ((("commonName", "192.0.2.10"),),)}, "192.0.2.10", False),            # never an IP from the CN
    ({"subject": ((("commonName", "cn.example.com"),),), "subjectAltName": (("DNS", "san.example.com"),)},
     "cn.example.com", False),                                                          # SANs replace the CN
])
def test_name_matches(cert, name, matches):
    assert name_matches(cert, name) is matches


def test_certificate_names():
    assert certificate_names(FACTORY) == (["site1.example.com"], ["192.0.2.10", "2001:DB8:0:0:0:0:0:10"])


@pytest.mark.parametrize("name, problem", [
    ("support.example.com", False), ("support.example.com.", False), ("192.0.2.10", False), ("2001:db8::1", False),
    ("localhost", False), ("https://support.example.com", True), ("support.example.com:443", True),
    ("*.example.com", True), ("support example", True), ("-bad.example.com", True), ("a" * 64 + ".com", True),
])
def test_server_name_problem(name, problem):
    assert bool(server_name_problem(name)) is problem


def test_ca_path_problems(tmp_path, monkeypatch):
    assert "does not exist" in ca_path_problem(str(tmp_path / "missing.pem"))
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    assert "holds no usable PEM certificate" in ca_path_problem(str(not_pem))
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert "is not readable" in ca_path_problem(str(not_pem))


# -- real TLS: by address, verified by name -------------------------------------------------------
@pytest.fixture
def site_only(tmp_path):
    """A server whose certificate names only the site (no IP SAN), as an operator's CA issues it."""
    server = TlsServer(tmp_path, [u"support.example.com"])
    yield server
    server.close()


@pytest.fixture
def factory_like(tmp_path):
    """A server whose certificate names the appliance's address, as a factory certificate does."""
    server = TlsServer(tmp_path, [u"site1.example.com", u"127.0.0.1"])
    yield server
    server.close()


def real(server, **kwargs):
    options = dict(host="127.0.0.1", port=server.port, client_id="id", client_secret="secret",
                   appliance_user="admin", appliance_password="pw", ca_path=server.ca_file, timeout=5,
                   sleep=lambda seconds: None)
    options.update(kwargs)
    return ApplianceClient(**options)


def test_by_address_with_a_site_certificate_needs_tls_server_name(site_only):
    with pytest.raises(ApplianceError) as info:
        real(site_only).get_json("/login/api/v1/failover")
    assert info.value.kind == "tls" and "DNS:support.example.com, none of which is 127.0.0.1" in str(info.value)
    assert site_only.requests == []  # nothing was sent over the unverified connection


def test_tls_server_name_sends_sni_and_host_and_verifies_by_name(site_only):
    api = real(site_only, tls_server_name="support.example.com")
    assert api.get_json("/login/api/v1/failover") == {"ok": True}
    assert site_only.server_names == ["support.example.com", "support.example.com"]  # the token, the read
    assert site_only.requests[1]["headers"]["Host"] == "support.example.com:%d" % site_only.port
    assert site_only.requests[1]["headers"]["Connection"] == "close"


def test_the_address_still_verifies_when_tls_server_name_is_not_in_the_certificate(factory_like):
    """A factory-fresh appliance: its certificate names its address, not the site."""
    api = real(factory_like, tls_server_name="support.example.com")
    assert api.get_json("/appliance/api/v1/status", auth="basic") == {"ok": True}


def test_no_sni_for_an_address(factory_like):
    real(factory_like).get_json("/appliance/api/v1/status", auth="basic")
    assert factory_like.server_names == [None]


def test_sni_is_the_host_when_it_is_a_name(factory_like):
    api = real(factory_like, host="localhost")
    with pytest.raises(ApplianceError) as info:  # "localhost" is not in the certificate: SNI sent, name refused
        api.get_json("/appliance/api/v1/status", auth="basic")
    assert factory_like.server_names == ["localhost"] and info.value.kind == "tls"


def test_an_unknown_ca_fails_verification_with_the_fix(site_only):
    api = real(site_only, ca_path=None, tls_server_name="support.example.com")  # the system store
    with pytest.raises(ApplianceError) as info:
        api.get_json("/appliance/api/v1/status", auth="basic")
    assert "TLS verification failed (checked support.example.com and 127.0.0.1 (SNI support.example.com))" in \
        str(info.value)
    assert "ca_path" in str(info.value) and info.value.kind == "tls"


def test_validate_certs_false_skips_both_checks_but_keeps_sni(site_only):
    api = real(site_only, validate_certs=False, ca_path=None, tls_server_name="support.example.com")
    assert api.get_json("/appliance/api/v1/status", auth="basic") == {"ok": True}
    assert site_only.server_names == ["support.example.com"]


def test_a_closed_port_is_unreachable():
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    api = ApplianceClient("127.0.0.1", port=port, appliance_user="a", appliance_password="b", timeout=2,
                          retries=0)
    with pytest.raises(ApplianceError) as info:
        api.get_json("/appliance/api/v1/status", auth="basic")
    assert info.value.kind == "unreachable" and "cannot connect" in str(info.value)


def test_a_module_run_imports_no_http_library():
    """Every module run pays for its imports (issue 18 measured requests at about 0.18 CPU-s)."""
    import subprocess
    root = os.path.abspath(os.path.join(os.path.dirname(_client.__file__), *[os.pardir] * 5))
    code = ("import sys; import ansible_collections.sra.appliance.plugins.modules.health_info; "
            "print(sorted(name for name in ('requests', 'urllib3') if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=root), capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


# -- one client per appliance per module run (_module.client_for) ---------------------------------
PARAMS = dict(host="192.0.2.10", port=443, client_id="id", client_secret="secret", appliance_user="admin",
              appliance_password="pw", validate_certs=True, ca_path=None, timeout=30, tls_server_name=None)


@pytest.fixture
def fresh_clients():
    from ansible_collections.sra.appliance.plugins.module_utils import _module
    _module.reset_clients()
    yield _module
    _module.reset_clients()


def test_client_for_returns_the_same_client_for_the_same_appliance(fresh_clients):
    first = fresh_clients.client_for(PARAMS)
    assert fresh_clients.client_for(dict(PARAMS)) is first
    assert fresh_clients.client_for(PARAMS, host="192.0.2.10") is first
    assert fresh_clients.driver_for(PARAMS).client is first


def test_other_appliances_get_their_own_client_and_token(fresh_clients):
    this, peer = fresh_clients.client_for(PARAMS), fresh_clients.client_for(PARAMS, host="192.0.2.11")
    other_port = fresh_clients.client_for(dict(PARAMS, port=8443))
    assert len({id(this), id(peer), id(other_port)}) == 3
    assert len({id(this.token), id(peer.token), id(other_port.token)}) == 3


def test_other_basic_credentials_share_the_appliance_token(fresh_clients):
    """appliance_admin signs in with two passwords: still one OAuth token for the appliance."""
    this = fresh_clients.client_for(PARAMS)
    other = fresh_clients.client_for(dict(PARAMS, appliance_password="new"))
    assert other is not this and other.token is this.token and other.appliance_password == "new"
    assert fresh_clients.client_for(dict(PARAMS, client_id="other")).token is not this.token


def test_one_token_for_one_appliance_within_a_run(fresh_clients):
    transport = Transport(token("only"), answer(200, {}), answer(200, {}))
    first = fresh_clients.client_for(PARAMS)
    first.transport = transport
    first.get_json("/login/api/v1/failover")
    second = fresh_clients.client_for(dict(PARAMS, appliance_password="new"))
    second.transport = transport
    second.get_json("/login/api/v1/cluster")
    assert [sent["target"] for sent in transport.sent].count("/oauth2/token") == 1


def test_a_new_module_run_starts_afresh(fresh_clients):
    first = fresh_clients.client_for(PARAMS)

    class Module:
        params = dict(PARAMS)
        warnings = []

        def warn(self, text):
            self.warnings.append(text)

        def fail_json(self, **kwargs):
            raise AssertionError(kwargs)
    fresh_clients.validate_connection(Module())
    assert fresh_clients.client_for(PARAMS) is not first


def test_the_client_gets_every_connection_option(fresh_clients):
    api = fresh_clients.client_for(dict(PARAMS, tls_server_name="support.example.com", validate_certs=False,
                                        ca_path="/tmp/ca.pem", timeout=7))
    assert (api.tls.server_name, api.tls.validate_certs, api.tls.ca_path, api.timeout) == (
        "support.example.com", False, "/tmp/ca.pem", 7)
