# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import socket
import ssl

import pytest

from ansible_collections.sra.appliance.plugins.modules import health_info
from ansible_collections.sra.appliance.tests.unit.plugins.module_utils.tls_server import TlsServer
from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeAppliance, FakeNetwork, response, run_module, warnings, xml)


@pytest.fixture
def network():
    primary, backup = FakeAppliance("192.0.2.10", role="primary"), FakeAppliance("192.0.2.11", role="backup")
    primary.shared = ["192.0.2.50"]
    primary.data_sync = dict(state="idle", last_data_sync_time="2024-12-02T12:00:00+00:00",
                             last_data_sync_status="Success")
    net = FakeNetwork(primary, backup)
    net.pair(primary, backup)
    return net


def test_xml_health_with_appliances_fills_cluster_role(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(appliances=True, probe=True, api_info=True), network)
    assert result["changed"] is False
    health = result["health"]
    assert (health["role"], health["enabled_shared_ips"], health["last_data_sync_epoch"]) == (
        "primary", ["192.0.2.50"], 1733140800)
    assert (health["version"], health["build"], health["cluster_role"]) == ("24.3.1", "12345-abc", "single")
    assert result["probe"] == dict(healthy=True, status=200, message="Healthy", transient=False)
    assert result["appliances"][0]["failover_role"] == "primary"
    assert result["api_info"]["permissions"]["perm_command"] == "full_access"
    assert network.writes == []


def test_json_health(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(api="json"), network, check_mode=True)
    assert result["health"]["role"] == "primary" and result["health"]["cluster_role"] == "single"
    assert [entry[1] for entry in network["192.0.2.10"].log] == ["/oauth2/token", "/api/command/v2/health"]


def test_probe_only_needs_no_token(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(health=False, probe=True, client_id=None,
                                                         client_secret=None), network)
    assert "health" not in result and result["probe"]["healthy"] is True
    assert [entry[1] for entry in network["192.0.2.10"].log] == ["/check_health"]


def test_nothing_to_read_is_an_error(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(health=False), network)
    assert result["failed"] and "nothing to read" in result["msg"]


def test_unreachable_appliance_names_it(monkeypatch, network):
    network["192.0.2.10"].down = True
    result = run_module(monkeypatch, "health_info", {}, network)
    assert result["failed"] and result["msg"].startswith("192.0.2.10: POST /oauth2/token failed: cannot connect")
    assert result["failure"] == "unreachable"


def refuse_appliances(appliance, text="Unknown action: get_appliances"):
    appliance.xml_get_appliances = lambda params: xml('<error xmlns="%s">%s</error>' % (NS, text))


NS = "https://www.beyondtrust.com/namespaces/API/command"


def test_an_appliance_list_refused_still_returns_the_health(monkeypatch, network):
    """PRA may lack get_appliances: health without the list, the reason, and a warning."""
    refuse_appliances(network["192.0.2.10"])
    result = run_module(monkeypatch, "health_info", dict(appliances=True), network)
    assert not result.get("failed"), result
    assert result["health"]["role"] == "primary" and result["health"]["cluster_role"] is None
    assert result["appliances"] is None
    assert result["appliances_error"] == "get_appliances refused: Unknown action: get_appliances"
    assert any("the appliance list could not be read" in text for text in warnings(result))


def test_a_v2_appliance_list_answered_404_is_reported_too(monkeypatch, network):
    network["192.0.2.10"].v2_appliance = lambda method, body: response(404, {"message": "Not Found"})
    result = run_module(monkeypatch, "health_info", dict(api="json", appliances=True), network)
    assert not result.get("failed") and result["appliances"] is None and result["appliances_error"] == "Not Found"


def test_a_lost_connection_during_the_list_is_still_a_failure(monkeypatch, network):
    appliance = network["192.0.2.10"]

    def gone(params):
        appliance.down = True
        raise ConnectionResetError("reset")
    appliance.xml_get_appliances = gone
    result = run_module(monkeypatch, "health_info", dict(appliances=True), network)
    assert result["failed"] and result["failure"] == "unreachable"


def test_failure_kinds_tell_auth_from_unreachable(monkeypatch, network):
    network["192.0.2.10"].handle = lambda *args: response(401, {"error": "access_denied", "message": "denied"})
    result = run_module(monkeypatch, "health_info", {}, network)
    assert result["failed"] and result["failure"] == "auth" and "Check client_id" in result["msg"]


def test_missing_credentials_are_a_configuration_failure(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(client_id=None, client_secret=None), network)
    assert result["failed"] and result["failure"] == "config" and "Set client_id and client_secret" in result["msg"]


def test_nothing_to_read_is_a_configuration_failure(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(health=False), network)
    assert result["failure"] == "config"


def test_a_transient_probe_answer_is_unhealthy_not_unreachable(monkeypatch, network):
    network["192.0.2.10"].handle = lambda *args: response(503, "Service Unavailable", "text/plain")
    result = run_module(monkeypatch, "health_info", dict(health=False, probe=True), network)
    assert not result.get("failed")
    assert result["probe"] == dict(healthy=False, status=503, message="Service Unavailable", transient=True)


def test_api_info_falls_back_to_v2_when_the_xml_api_looks_disabled(monkeypatch, network):
    appliance = network["192.0.2.10"]
    appliance.xml_get_api_info = lambda params: xml('<error xmlns="%s">API disabled</error>' % NS)
    appliance.v2_info = lambda method, body: response(200, dict(
        permissions=dict(perm_command="read_only", perm_backup=False), current_time="2024-12-02T12:00:00+00:00"))
    result = run_module(monkeypatch, "health_info", dict(health=False, api_info=True), network)
    info = result["api_info"]
    assert (info["source"], info["xml_api"]) == ("json", "unavailable")
    assert info["permissions"]["perm_command"] == "read_only"


def test_tls_server_name_and_its_alias_reach_the_client(monkeypatch, network):
    seen = []
    original = health_info.client_for

    def spy(params, host=None):
        seen.append(params["tls_server_name"])
        return original(params, host)
    monkeypatch.setattr(health_info, "client_for", spy)
    run_module(monkeypatch, "health_info", dict(tls_server_name="support.example.com"), network)
    run_module(monkeypatch, "health_info", dict(server_name="support.example.com"), network)
    assert seen == ["support.example.com", "support.example.com"]


def test_validate_certs_false_warns_what_is_given_up(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(validate_certs=False), network)
    assert not result.get("failed")
    assert any(text.startswith("validate_certs=false: the TLS certificate of 192.0.2.10 is not verified")
               for text in warnings(result))


def test_a_missing_ca_path_fails_before_any_request(monkeypatch, network, tmp_path):
    result = run_module(monkeypatch, "health_info", dict(ca_path=str(tmp_path / "nope.pem")), network)
    assert result["failed"] and result["failure"] == "config"
    assert result["msg"] == "ca_path %s does not exist; give the PEM bundle of the CA that issued the appliances' " \
                            "certificates" % (tmp_path / "nope.pem")
    assert network["192.0.2.10"].log == []


def test_a_malformed_tls_server_name_fails_before_any_request(monkeypatch, network):
    result = run_module(monkeypatch, "health_info", dict(tls_server_name="https://support.example.com"), network)
    assert result["failed"] and "tls_server_name must be a host name" in result["msg"]
    assert network["192.0.2.10"].log == []


# -- certificate: a real TLS handshake with a local server -------------------------------------

@pytest.fixture
def tls_server(tmp_path):
    """A TLS listener on 127.0.0.1 serving a certificate for the site name and its address."""
    server = TlsServer(tmp_path, [u"support.example.com", u"127.0.0.1"])
    yield server
    server.close()


@pytest.fixture
def site_only(tmp_path):
    """A TLS listener whose certificate names only the site, as an operator's CA issues it."""
    server = TlsServer(tmp_path, [u"support.example.com"])
    yield server
    server.close()


def leaf_sha256(leaf):
    pem = leaf.cert_chain_pems[0].bytes().decode("ascii")
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def served(port, **params):
    args = dict(host="127.0.0.1", port=port, validate_certs=True, ca_path=None, timeout=5, tls_server_name=None)
    args.update(params)
    return health_info.served_certificate(args, now=NOW)


NOW = 1733140800  # 2024-12-02T12:00:00Z


def test_served_certificate_is_verified_against_ca_path(tls_server):
    certificate = served(tls_server.port, ca_path=tls_server.ca_file, tls_server_name="support.example.com")
    assert certificate["verified"] is True
    assert certificate["sha256"] == leaf_sha256(tls_server.leaf)
    assert certificate["issuer"] and certificate["not_before"] < certificate["not_after"]
    expires = datetime.datetime.fromisoformat(certificate["not_after"])
    assert expires.tzinfo is not None
    assert certificate["days_left"] == int((expires.timestamp() - NOW) // 86400)
    assert certificate["days_left"] > 0
    assert (certificate["dns_names"], certificate["ip_addresses"]) == (["support.example.com"], ["127.0.0.1"])
    assert certificate["matched_name"] == "support.example.com" and certificate["matches_tls_server_name"] is True
    assert certificate["sni"] == "support.example.com" and tls_server.server_names == ["support.example.com"]


def test_served_certificate_by_address_names_the_address(tls_server):
    certificate = served(tls_server.port, ca_path=tls_server.ca_file)
    assert certificate["matched_name"] == "127.0.0.1" and certificate["matches_tls_server_name"] is None
    assert certificate["sni"] is None and tls_server.server_names == [None]


def test_a_site_certificate_read_by_address_reports_the_mismatch(site_only):
    certificate = served(site_only.port, ca_path=site_only.ca_file)
    assert certificate["verified"] is True and certificate["matched_name"] is None
    warning = health_info.name_warning(dict(host="127.0.0.1", validate_certs=True, ca_path=None,
                                            tls_server_name=None), certificate)
    assert warning.startswith("the certificate 127.0.0.1 serves names DNS:support.example.com, not 127.0.0.1")


def test_served_certificate_from_an_unknown_ca_fails_with_a_fix(tls_server):
    with pytest.raises(health_info.ModuleFailure) as failure:
        served(tls_server.port)  # the system trust store does not hold the test CA
    assert "127.0.0.1:%d" % tls_server.port in str(failure.value) and "ca_path" in str(failure.value)
    assert failure.value.details == dict(failure="tls")


def test_unverified_certificate_has_only_a_fingerprint(tls_server):
    certificate = served(tls_server.port, validate_certs=False)
    assert certificate == dict(sha256=leaf_sha256(tls_server.leaf), verified=False, subject=None, issuer=None,
                               not_before=None, not_after=None, days_left=None, sni=None, dns_names=None,
                               ip_addresses=None, matched_name=None, matches_tls_server_name=None)


def test_closed_port_names_the_appliance():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(health_info.ModuleFailure) as failure:
        served(port)
    assert str(failure.value).startswith("127.0.0.1:%d: cannot read the served certificate" % port)
    assert failure.value.details == dict(failure="unreachable")


def test_certificate_alone_is_something_to_read(monkeypatch, network, tls_server):
    result = run_module(monkeypatch, "health_info", dict(health=False, certificate=True, host="127.0.0.1",
                                                         port=tls_server.port, ca_path=tls_server.ca_file), network)
    assert result["changed"] is False and result["certificate"]["sha256"] == leaf_sha256(tls_server.leaf)
    assert "health" not in result and network.writes == []


def test_a_certificate_naming_neither_name_is_a_warning_not_a_failure(monkeypatch, network, site_only):
    result = run_module(monkeypatch, "health_info", dict(health=False, certificate=True, host="127.0.0.1",
                                                         port=site_only.port, ca_path=site_only.ca_file,
                                                         tls_server_name="other.example.com"), network)
    assert not result.get("failed") and result["certificate"]["matches_tls_server_name"] is False
    assert any("not other.example.com or 127.0.0.1" in text for text in warnings(result))
