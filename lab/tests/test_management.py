"""The management API: /appliance (HTTP Basic) and /login (bearer) endpoints."""
import base64
import hashlib
import hmac
import socket
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from lab import pki
from lab.tests.blocks import address

OWN = address(0, 11)


def ips(*entries):
    return {"ips": [{"address": a, "prefix": p, "enabled": e} for a, p, e in entries]}


def test_basic_auth_is_required(site1):
    response = site1.admin("GET", "/status", password="wrong")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="appliance"'
    assert "message" in response.json()


def test_status(site1):
    body = site1.admin("GET", "/status").json()
    assert body["hostname"] == "site1.test.sra.test" and body["model"] == "B400"
    assert body["version"] == "24.3.1" and body["build"] == "12345-0123abcd" and body["product"] == "rs"
    assert len(body["appliance_id"]) == 32


def test_fresh_interfaces(site1):
    (eth0, eth1) = site1.admin("GET", "/network/interfaces").json()["interfaces"]
    assert eth0["ips"] == [{"address": OWN, "prefix": 24, "enabled": True}]
    assert eth1["ips"] == [] and eth0["link_detected"] is True


@pytest.mark.parametrize("body, status", [
    (ips(("not-an-ip", 24, True)), 422),
    (ips((OWN, 33, True)), 422),
    (ips((OWN, 24, True), (OWN, 24, False)), 422),
    (ips((OWN, 24, "yes")), 422),
    ({"ips": [{"address": OWN, "prefix": 24, "enabled": True, "mtu": 1500}]}, 400),
    ({"ips": [], "extra": 1}, 400),
])
def test_ip_validation(site1, body, status):
    assert site1.admin("PUT", "/network/interfaces/eth0/ips", json=body).status_code == status


def test_ip_validation_across_nics(site1):
    same_address = site1.admin("PUT", "/network/interfaces/eth1/ips", json=ips((OWN, 24, False)))
    assert same_address.status_code == 422
    same_subnet = site1.admin("PUT", "/network/interfaces/eth1/ips", json=ips((address(0, 99), 24, False)))
    assert same_subnet.status_code == 422
    other_subnet = site1.admin("PUT", "/network/interfaces/eth1/ips", json=ips(("10.9.9.9", 24, True)))
    assert other_subnet.status_code == 200
    assert site1.admin("PUT", "/network/interfaces/eth9/ips", json=ips()).status_code == 404
    assert site1.admin("PUT", "/network/interfaces/eth0/ips", data="{").status_code == 400


def test_gateway_dns_routes(site1):
    assert site1.admin("GET", "/network/gateway").json() == {"address": None, "interface": None}
    assert site1.admin("PUT", "/network/gateway", json={"address": address(0, 1)}).status_code == 422
    assert site1.admin("PUT", "/network/gateway", json={"address": "10.0.0.1", "interface": "eth0"}).status_code == 422
    good = site1.admin("PUT", "/network/gateway", json={"address": address(0, 1), "interface": "eth0"})
    assert good.json() == {"address": address(0, 1), "interface": "eth0"}
    assert site1.admin("PUT", "/network/dns", json={"servers": ["1.1.1.1"] * 2}).status_code == 422
    assert site1.admin("PUT", "/network/dns", json={"servers": [f"10.0.0.{i}" for i in range(5)]}).status_code == 422
    assert site1.admin("PUT", "/network/dns", json={"servers": ["10.0.0.53"]}).json() == {"servers": ["10.0.0.53"]}
    route = {"destination": "10.20.0.0/16", "gateway": address(0, 1), "interface": "eth0"}
    assert site1.admin("PUT", "/network/static-routes",
                       json={"routes": [{**route, "destination": "10.20.0.1/16"}]}).status_code == 422
    assert site1.admin("PUT", "/network/static-routes", json={"routes": [route, route]}).status_code == 422
    assert site1.admin("PUT", "/network/static-routes",
                       json={"routes": [{**route, "gateway": "10.0.0.1"}]}).status_code == 422
    assert site1.admin("PUT", "/network/static-routes", json={"routes": [route]}).json() == {"routes": [route]}


def test_admin_password(site1):
    new = "Test-Admin-Pass-1"

    def change(current, wanted):
        body = {"current_password": current, "new_password": wanted}
        return site1.admin("PUT", "/admin/password", json=body).status_code

    assert change("bad", new) == 422
    assert change("password", "short") == 422
    assert change("password", "password") == 422
    assert change("password", new) == 204
    assert site1.admin("GET", "/status").status_code == 401
    assert site1.admin("GET", "/status", password=new).status_code == 200


def test_tcp_connection_test_really_connects(site1):
    listener = socket.socket()
    listener.bind((address(0, 200), 0))
    listener.listen()
    port = listener.getsockname()[1]
    target = {"host": address(0, 200), "port": port}
    result = site1.admin("POST", "/utilities/tcp-connection-test", json=target).json()
    assert result["success"] is True and result["elapsed"] >= 0
    _, (source, _) = listener.accept()
    assert source == OWN
    listener.close()
    failed = site1.admin("POST", "/utilities/tcp-connection-test", json={**target, "timeout": 1}).json()
    assert failed["success"] is False
    bad_port = site1.admin("POST", "/utilities/tcp-connection-test", json={"host": "x", "port": 0})
    assert bad_port.status_code == 422


def _pem_import(cert, key):
    return {"format": "pem", "certificate_chain": pki.cert_pem(cert), "private_key": pki.key_pem(key)}


def test_certificate_import_default_assign_export_delete(site1, lab, tmp_path):
    ca_cert, _ = pki.LabCA(lab["state_dir"]).load()
    cert, key = pki.LabCA(lab["state_dir"]).issue("site1.test.sra.test", ["site1.test.sra.test", OWN])
    fingerprint = pki.fingerprint(cert)
    body = _pem_import(cert, key)
    body["certificate_chain"] += pki.cert_pem(ca_cert)
    created = site1.admin("POST", "/certificates", json=body)
    assert created.status_code == 201
    assert created.json() == {"fingerprint": fingerprint, "imported": [fingerprint, pki.fingerprint(ca_cert)]}
    assert site1.admin("POST", "/certificates", json=body).status_code == 200
    table = site1.admin("GET", "/certificates").json()
    assert table["default"] is None
    described = {c["fingerprint"]: c for c in table["certificates"]}
    assert described[fingerprint]["issuer_fingerprint"] == pki.fingerprint(ca_cert)
    assert described[pki.fingerprint(ca_cert)]["has_private_key"] is False

    factory = next(c for c in table["certificates"] if c["factory"])
    assert site1.admin("PUT", "/certificates/default", json={"fingerprint": factory["fingerprint"]}).status_code == 422
    without_key = {"fingerprint": pki.fingerprint(ca_cert)}
    assert site1.admin("PUT", "/certificates/default", json=without_key).status_code == 422
    assert site1.admin("PUT", "/certificates/default", json={"fingerprint": "0" * 64}).status_code == 404
    assert site1.admin("PUT", "/certificates/default", json={"fingerprint": fingerprint}).json()["default"] is True

    assigned = site1.admin("PUT", f"/certificates/{fingerprint}/assigned-ips", json={"ips": [OWN]})
    assert assigned.json()["assigned_ips"] == [OWN]
    unknown_ip = site1.admin("PUT", f"/certificates/{fingerprint}/assigned-ips", json={"ips": ["10.1.1.1"]})
    assert unknown_ip.status_code == 422

    export = site1.admin("POST", f"/certificates/{fingerprint}/export", json={"passphrase": "export-pass"})
    key_back, cert_back, chain = pkcs12.load_key_and_certificates(
        base64.b64decode(export.json()["pkcs12"]), b"export-pass")
    assert pki.fingerprint(cert_back) == fingerprint and len(chain) == 1
    assert site1.admin("POST", f"/certificates/{fingerprint}/export", json={"passphrase": ""}).status_code == 422

    for refused in (factory["fingerprint"], fingerprint):
        assert site1.admin("DELETE", f"/certificates/{refused}").status_code == 409
    assert site1.admin("DELETE", f"/certificates/{pki.fingerprint(ca_cert)}").status_code == 204
    assert site1.admin("DELETE", f"/certificates/{pki.fingerprint(ca_cert)}").status_code == 404


def test_pkcs12_import_and_refusals(site1, lab):
    cert, key = pki.LabCA(lab["state_dir"]).issue("p12.test", ["p12.test"])
    other_key = pki.new_key()
    data = pkcs12.serialize_key_and_certificates(
        b"p12", key, cert, None, serialization.BestAvailableEncryption(b"p12-pass"))
    body = {"format": "pkcs12", "pkcs12": base64.b64encode(data).decode(), "passphrase": "p12-pass"}
    assert site1.admin("POST", "/certificates", json={**body, "passphrase": "wrong"}).status_code == 422
    assert site1.admin("POST", "/certificates", json=body).status_code == 201
    assert site1.admin("POST", "/certificates", json=_pem_import(cert, other_key)).status_code == 422
    assert site1.admin("POST", "/certificates", json={"format": "der"}).status_code == 422
    assert site1.admin("POST", "/certificates", json={**_pem_import(cert, key), "x": 1}).status_code == 400


def test_inter_appliance_key(site1):
    assert site1.login("GET", "/security/inter-appliance-key").json() == {"set": False, "fingerprint": None}
    assert site1.login("PUT", "/security/inter-appliance-key", json={"key": "short"}).status_code == 422
    key = "test-inter-appliance-key"
    answer = site1.login("PUT", "/security/inter-appliance-key", json={"key": key}).json()
    expected = hmac.new(key.encode(), b"sra.appliance/inter-appliance-key/v1", hashlib.sha256).hexdigest()[:32]
    assert answer == {"set": True, "fingerprint": expected}
    assert key not in site1.login("GET", "/security/inter-appliance-key").text


def test_standalone_failover_and_cluster(site1):
    failover = site1.login("GET", "/failover").json()
    assert failover["role"] == "none" and failover["relationship"] is None and failover["peer_host"] is None
    assert failover["this_host"]["hostname"] == "site1.test.sra.test"
    assert set(failover) >= {"role", "relationship", "this_host", "peer_host", "conflict", "data_sync",
                             "swap", "history"}
    cluster = site1.login("GET", "/cluster").json()
    assert cluster["role"] == "single" and cluster["traffic_nodes"] == []
    # The write endpoints validate first, then refuse what a standalone appliance cannot do.
    assert site1.login("POST", "/failover/relationship", json={}).status_code == 422
    assert site1.login("PUT", "/failover/shared-ips", json={"ips": []}).status_code == 200
    assert site1.login("POST", "/failover/sync").status_code == 409
    assert site1.login("DELETE", "/cluster").status_code == 409


def silent_listener(host):
    """A loopback listener whose accept queue is full: new connections get no answer (SYNs are
    dropped), so a connection test to it takes its whole timeout, as to a silent host."""
    listener = socket.socket()
    listener.bind((host, 0))
    listener.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    time.sleep(0.1)
    return listener, fillers


def test_tcp_connection_test_with_a_list_in_parallel(site1):
    listener = socket.socket()
    listener.bind((address(0, 201), 0))
    listener.listen()
    silent, fillers = silent_listener(address(0, 203))
    silent_target = {"host": address(0, 203), "port": silent.getsockname()[1]}
    targets = [{"host": address(0, 201), "port": listener.getsockname()[1]}, {"host": address(0, 202), "port": 9},
               *[silent_target] * 3]
    started = time.monotonic()
    answer = site1.admin("POST", "/utilities/tcp-connection-test", json={"targets": targets, "timeout": 1})
    took = time.monotonic() - started
    for sock in (listener, silent, *fillers):
        sock.close()
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["host"], r["port"]) for r in results] == [(t["host"], t["port"]) for t in targets]
    assert [r["success"] for r in results] == [True, False, False, False, False]
    assert all(set(r) == {"host", "port", "success", "message", "elapsed"} for r in results)
    # Three silent targets of 1 s each: about 1 s in parallel, 3 s one after another.
    assert all(r["elapsed"] >= 0.9 for r in results[2:])
    assert took < 2.5, f"{took:.2f} s: the targets were not tested in parallel"


@pytest.mark.parametrize("body, status", [
    ({"host": "x", "port": 1, "targets": [{"host": "x", "port": 1}]}, 422),
    ({"timeout": 1}, 422),
    ({"targets": []}, 422),
    ({"targets": [{"host": "x", "port": 1}] * 257}, 422),
    ({"targets": [{"host": "x"}]}, 422),
    ({"targets": [{"host": "x", "port": 1, "proto": "udp"}]}, 400),
    ({"targets": "x:1"}, 422),
    ({"port": 1}, 422)])
def test_tcp_connection_test_validation(site1, body, status):
    answer = site1.admin("POST", "/utilities/tcp-connection-test", json=body)
    assert answer.status_code == status, answer.text
