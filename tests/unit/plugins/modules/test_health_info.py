# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import socket
import ssl
import threading

import pytest

from ansible_collections.sra.appliance.plugins.modules import health_info
from ansible_collections.sra.appliance.tests.unit.plugins.modules.failover_fakes import (
    FakeAppliance, FakeNetwork, run_module)


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
    assert result["probe"] == dict(healthy=True, status=200, message="Healthy")
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


# -- certificate: a real TLS handshake with a local server -------------------------------------

@pytest.fixture
def tls_server(tmp_path):
    """A TLS listener on 127.0.0.1 serving a trustme certificate; yields (port, ca_file, leaf)."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    leaf = ca.issue_cert(u"support.example.com", u"127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn = listener.accept()[0]
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], str(ca_file), leaf
    stop.set()
    listener.close()


def leaf_sha256(leaf):
    pem = leaf.cert_chain_pems[0].bytes().decode("ascii")
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def served(port, **params):
    args = dict(host="127.0.0.1", port=port, validate_certs=True, ca_path=None, timeout=5, server_name=None)
    args.update(params)
    return health_info.served_certificate(args, now=NOW)


NOW = 1733140800  # 2024-12-02T12:00:00Z


def test_served_certificate_is_verified_against_ca_path(tls_server):
    port, ca_file, leaf = tls_server
    certificate = served(port, ca_path=ca_file, server_name="support.example.com")
    assert certificate["verified"] is True
    assert certificate["sha256"] == leaf_sha256(leaf)
    assert certificate["issuer"] and certificate["not_before"] < certificate["not_after"]
    expires = datetime.datetime.fromisoformat(certificate["not_after"])
    assert expires.tzinfo is not None
    assert certificate["days_left"] == int((expires.timestamp() - NOW) // 86400)
    assert certificate["days_left"] > 0


def test_served_certificate_from_an_unknown_ca_fails_with_a_fix(tls_server):
    port = tls_server[0]
    with pytest.raises(health_info.ModuleFailure) as failure:
        served(port)  # the system trust store does not hold the test CA
    assert "127.0.0.1:%d" % port in str(failure.value) and "ca_path" in str(failure.value)


def test_unverified_certificate_has_only_a_fingerprint(tls_server):
    port, leaf = tls_server[0], tls_server[2]
    certificate = served(port, validate_certs=False)
    assert certificate == dict(sha256=leaf_sha256(leaf), verified=False, subject=None, issuer=None,
                               not_before=None, not_after=None, days_left=None)


def test_closed_port_names_the_appliance():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(health_info.ModuleFailure) as failure:
        served(port)
    assert str(failure.value).startswith("127.0.0.1:%d: cannot read the served certificate" % port)


def test_certificate_alone_is_something_to_read(monkeypatch, network, tls_server):
    port, ca_file, leaf = tls_server
    result = run_module(monkeypatch, "health_info", dict(health=False, certificate=True, host="127.0.0.1",
                                                         port=port, ca_path=ca_file), network)
    assert result["changed"] is False and result["certificate"]["sha256"] == leaf_sha256(leaf)
    assert "health" not in result and network.writes == []
