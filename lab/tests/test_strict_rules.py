"""The lab is strict where the reference says what a client must send; each leniency is a setting."""
import email.utils
import time

import pytest
import requests

from lab import labstate, topology
from lab.tests.conftest import TEST_TOPOLOGY

V2 = "/api/command/v2"


def v2_get(node, path, accept=None, **kwargs):
    headers = {"Accept": accept} if accept is not None else {}
    return node.api("GET", V2 + path, headers=headers, **kwargs)


def without_accept(node, method, path):
    """A request whose Accept header is left out altogether (requests would send */*)."""
    request = node.http.prepare_request(requests.Request(method, node.base + path, headers=node.bearer()))
    request.headers.pop("Accept", None)
    return node.http.send(request)


@pytest.mark.parametrize("accept", ["*/*", "application/*", "text/html", "application/json;q=0",
                                    "application/xml, text/*"])
def test_v2_get_needs_accept_application_json(site1, accept):
    answer = v2_get(site1, "/health", accept)
    assert answer.status_code == 406, accept
    assert "Accept: application/json" in answer.json()["message"]


def test_v2_get_without_accept_and_head_are_refused(site1):
    for method in ("GET", "HEAD"):
        assert without_accept(site1, method, V2 + "/info").status_code == 406, method


@pytest.mark.parametrize("accept", ["application/json", "text/html, application/json;q=0.5",
                                    "APPLICATION/JSON; charset=utf-8"])
def test_v2_get_with_accept_application_json(site1, accept):
    assert v2_get(site1, "/appliance", accept).status_code == 200, accept


def test_accept_leniencies(site1):
    site1.control("POST", "/control/settings", {"v2_accept": "wildcard"})
    assert v2_get(site1, "/health", "*/*").status_code == 200
    assert v2_get(site1, "/health", "application/*").status_code == 200
    assert v2_get(site1, "/health", "text/html").status_code == 406
    assert without_accept(site1, "GET", V2 + "/health").status_code == 406
    site1.control("POST", "/control/settings", {"v2_accept": "any"})
    assert without_accept(site1, "GET", V2 + "/health").status_code == 200
    assert v2_get(site1, "/health", "text/html").status_code == 200


def test_xml_command_api_needs_no_accept(site1):
    assert without_accept(site1, "GET", "/api/command?action=check_health").status_code == 200


def test_v2_post_needs_a_json_content_type(site1):
    form = site1.api("POST", V2 + "/failover-role", data={"role": "primary"})
    assert form.status_code == 415
    assert "Content-Type: application/json" in form.json()["message"]
    plain = site1.api("POST", V2 + "/failover-role", data=b'{"role": "primary"}',
                      headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    site1.control("POST", "/control/settings", {"v2_content_type": "any"})
    # The body is read as JSON whatever the header says: on to the appliance's own answer.
    lenient = site1.api("POST", V2 + "/failover-role", data=b'{"role": "primary"}',
                        headers={"Content-Type": "text/plain"})
    assert lenient.status_code == 422 and "not configured" in lenient.json()["message"]


def test_v2_refuses_unknown_query_parameters_and_body_fields(site1):
    for path in ("/health", "/info", "/appliance"):
        answer = v2_get(site1, path, params={"verbose": "1"})
        assert answer.status_code == 400 and "verbose" in answer.json()["message"], path
    extra = site1.api("POST", V2 + "/failover-role", json={"role": "primary", "comment": "x"})
    assert extra.status_code == 400 and "comment" in extra.json()["message"]
    site1.control("POST", "/control/settings", {"v2_unknown_parameters": "ignore"})
    assert v2_get(site1, "/health", params={"verbose": "1"}).status_code == 200
    ignored = site1.api("POST", V2 + "/failover-role", json={"role": "primary", "comment": "x"})
    assert ignored.status_code == 422


def test_a_429_has_no_retry_after_unless_configured(site1):
    site1.control("POST", "/control/settings", {"requests_per_hour": 2})
    statuses = [site1.api("GET", V2 + "/info") for _ in range(2)]
    assert statuses[-1].status_code == 429 and "Retry-After" not in statuses[-1].headers
    # Changing a limit starts the counters afresh: one request passes, the next is limited.
    site1.control("POST", "/control/settings", {"requests_per_hour": 1, "rate_limit_retry_after": 1})
    seconds = [site1.api("GET", V2 + "/info") for _ in range(2)][-1]
    assert seconds.status_code == 429 and seconds.headers["Retry-After"] == "1"
    site1.control("POST", "/control/settings", {"requests_per_hour": 1, "rate_limit_retry_after": 30,
                                                "retry_after_format": "http-date"})
    dated = [site1.api("GET", V2 + "/info") for _ in range(2)][-1]
    assert dated.status_code == 429
    moment = email.utils.parsedate_to_datetime(dated.headers["Retry-After"]).timestamp()
    assert time.time() + 25 <= moment <= time.time() + 32


def test_head_options_and_405_stay(site1):
    head = site1.api("HEAD", V2 + "/health")
    assert head.status_code == 200 and head.content == b""
    options = site1.api("OPTIONS", V2 + "/health")
    assert options.status_code == 204 and "GET" in options.headers["Allow"]
    assert site1.api("DELETE", V2 + "/health").status_code == 405


@pytest.mark.parametrize("bad", [{"v2_accept": "sometimes"}, {"rate_limit_retry_after": -1},
                                 {"busy_retry_after": "soon"}, {"retry_after_format": "minutes"},
                                 {"sync_status_words": []}, {"sync_failure_format": "Failed"},
                                 {"sync_failure_format": "{reason} {other}"},
                                 {"backup_health_when_primary_down": "maybe"}, {"xml_api_enabled": "no"},
                                 {"management_api": 1}, {"nonsense": True}])
def test_bad_settings_are_refused(site1, bad):
    with pytest.raises(labstate.LabError, match="422"):
        site1.control("POST", "/control/settings", bad)


def test_settings_reset_returns_to_the_topology(site1):
    site1.control("POST", "/control/settings", {"v2_accept": "any", "health_cache": 5})
    settings = site1.control("POST", "/control/settings/reset")
    assert settings["v2_accept"] == "exact" and settings["health_cache"] == 0
    assert settings["rate_limit_retry_after"] is None and settings["busy_retry_after"] is None


def test_topology_blocks_are_checked():
    good = topology.resolve({**TEST_TOPOLOGY, "leniency": {"v2_accept": "wildcard"},
                             "behaviour": {"sync_status_words": ["Success."]}})
    assert good["leniency"] == {"v2_accept": "wildcard"}
    assert good["appliances"]["site1"]["management_api"] is True
    for bad in ({"leniency": {"v2_accept": "never"}}, {"leniency": {"sync_status_words": ["x"]}},
                {"behaviour": {"v2_accept": "any"}}, {"management_api": "off"}):
        with pytest.raises(topology.TopologyError):
            topology.resolve({**TEST_TOPOLOGY, **bad})


def test_topology_gateway_and_pair_settings():
    resolved = topology.resolve({**TEST_TOPOLOGY, "gateway": {"offset": 254},
                                 "pair_settings": {"automatic_failover": True,
                                                   "connectivity_test_ips": [{"offset": 254}, "10.9.9.9"]}})
    base = resolved["block"].rsplit(".", 1)[0]
    assert resolved["gateway"] == resolved["gateway_device"]["address"] == f"{base}.254"
    assert resolved["pair_settings"] == {"automatic_failover": True, "primary_timeout": 300, "sync_interval": 3600,
                                         "bandwidth_limit": 0, "connectivity_test_ips": [f"{base}.254", "10.9.9.9"]}
    plain = topology.resolve(TEST_TOPOLOGY)
    assert plain["gateway"] == f"{base}.1" and "gateway_device" not in plain
    for bad in ({"gateway": {"offset": 300}}, {"gateway": 1}, {"pair_settings": {"automatic": True}},
                {"pair_settings": {"connectivity_test_ips": ["router"]}}):
        with pytest.raises(topology.TopologyError):
            topology.resolve({**TEST_TOPOLOGY, **bad})
