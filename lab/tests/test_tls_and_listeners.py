"""Served certificates follow SNI and the default; listeners follow the enabled IPs."""
import socket
import ssl

from lab import pki
from lab.tests.blocks import address
from lab.tests.conftest import served_certificate, wait_for

SHARED = address(0, 52)


def _factory(node):
    table = node.admin("GET", "/certificates").json()["certificates"]
    return next(c["fingerprint"] for c in table if c["factory"])


def _import(node, lab, common_name, names):
    cert, key = pki.LabCA(lab["state_dir"]).issue(common_name, names)
    body = {"format": "pem", "certificate_chain": pki.cert_pem(cert), "private_key": pki.key_pem(key)}
    assert node.admin("POST", "/certificates", json=body).status_code == 201
    return pki.fingerprint(cert)


def test_fresh_appliance_serves_its_factory_certificate(site1):
    factory = _factory(site1)
    assert served_certificate(site1.address, site1.entry["port"]) == factory
    assert served_certificate(site1.address, site1.entry["port"], "site1.test.sra.test") == factory


def test_sni_then_assigned_ip_then_default(site1, lab):
    port = site1.entry["port"]
    by_name = _import(site1, lab, "support.test.sra.test", ["support.test.sra.test", "*.apps.test"])
    default = _import(site1, lab, "default.test", ["default.test"])
    assert served_certificate(site1.address, port, "support.test.sra.test") == by_name
    assert served_certificate(site1.address, port, "x.apps.test") == by_name
    assert served_certificate(site1.address, port) == _factory(site1)
    site1.admin("PUT", "/certificates/default", json={"fingerprint": default})
    assert served_certificate(site1.address, port) == default
    assert served_certificate(site1.address, port, "unknown.test") == default
    site1.admin("PUT", f"/certificates/{by_name}/assigned-ips", json={"ips": [site1.address]})
    assert served_certificate(site1.address, port) == by_name
    # The lab CA in the trust bundle verifies the imported certificate by host name.
    context = ssl.create_default_context(cafile=lab["trust_bundle"])
    with socket.create_connection((site1.address, port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="support.test.sra.test") as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def _listens(address, port):
    try:
        socket.create_connection((address, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_listener_follows_the_enabled_flag(site1):
    port = site1.entry["port"]
    own = {"address": site1.address, "prefix": 24, "enabled": True}
    assert not _listens(SHARED, port)
    enabled = site1.admin("PUT", "/network/interfaces/eth0/ips",
                          json={"ips": [own, {"address": SHARED, "prefix": 24, "enabled": True}]})
    assert enabled.json()["conflicts"] == []
    assert _listens(SHARED, port)
    assert served_certificate(SHARED, port) == _factory(site1)
    site1.admin("PUT", "/network/interfaces/eth0/ips",
                json={"ips": [own, {"address": SHARED, "prefix": 24, "enabled": False}]})
    assert wait_for(lambda: not _listens(SHARED, port))


def test_two_holders_of_a_shared_ip_conflict(site1, site2):
    port = site1.entry["port"]
    both = [{"address": SHARED, "prefix": 24, "enabled": True}]
    first = site1.admin("PUT", "/network/interfaces/eth0/ips",
                        json={"ips": [{"address": site1.address, "prefix": 24, "enabled": True}, *both]})
    assert first.json()["conflicts"] == []
    second = site2.admin("PUT", "/network/interfaces/eth0/ips",
                         json={"ips": [{"address": site2.address, "prefix": 24, "enabled": True}, *both]})
    assert second.json()["conflicts"] == [SHARED]
    history = site2.login("GET", "/failover").json()["history"]
    assert any(SHARED in entry["message"] and "conflict" in entry["message"] for entry in history)
    assert site2.command("check_health").text.count("<success>0</success>") == 1
    # When the holder lets go, the other appliance takes the address over.
    site1.control("POST", "/control/reset")
    assert wait_for(lambda: site2.admin("GET", "/network/interfaces").json()["interfaces"][0]["conflicts"] == [])
    assert _listens(SHARED, port)


def test_reset_returns_to_factory(site1, lab):
    fingerprint = _import(site1, lab, "reset.test", ["reset.test"])
    site1.admin("PUT", "/certificates/default", json={"fingerprint": fingerprint})
    site1.admin("PUT", "/admin/password", json={"current_password": "password", "new_password": "Reset-Pass-1"})
    site1.login("PUT", "/security/inter-appliance-key", json={"key": "reset-key-123"})
    site1.control("POST", "/control/site-data", {"kind": "users", "name": "bob"})
    site1.control("POST", "/control/reset")
    state = site1.control("GET", "/control/state")
    assert state["admin_password_is_factory"] and not state["inter_appliance_key_set"]
    assert state["certificates"] == [_factory(site1)] and state["default_certificate"] is None
    assert state["site_data"] == []
    assert state["interfaces"][0]["ips"] == [{"address": site1.address, "prefix": 24, "enabled": True}]
    assert served_certificate(site1.address, site1.entry["port"], "reset.test") == _factory(site1)
    # The API account stays.
    assert site1.token()
