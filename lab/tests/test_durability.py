"""Every management write survives kill -9 and a restart."""
from lab import pki
from lab.tests.blocks import address

NEW_PASSWORD = "Durable-Pass-1"


def test_writes_survive_kill_9(site2, lab):
    admin = site2.admin
    cert, key = pki.LabCA(lab["state_dir"]).issue("durable.test", ["durable.test", address(0, 12)])
    fingerprint = pki.fingerprint(cert)
    writes = [
        ("PUT", "/network/interfaces/eth1/ips", {"ips": [{"address": "10.7.0.5", "prefix": 24, "enabled": True}]}),
        ("PUT", "/network/gateway", {"address": address(0, 1), "interface": "eth0"}),
        ("PUT", "/network/dns", {"servers": ["10.7.0.53", "10.7.0.54"]}),
        ("PUT", "/network/static-routes", {"routes": [{"destination": "10.8.0.0/16", "gateway": "10.7.0.1",
                                                       "interface": "eth1"}]}),
        ("POST", "/certificates", {"format": "pem", "certificate_chain": pki.cert_pem(cert),
                                   "private_key": pki.key_pem(key)}),
        ("PUT", f"/certificates/{fingerprint}/assigned-ips", {"ips": [address(0, 12)]}),
    ]
    for method, path, body in writes:
        assert admin(method, path, json=body).status_code < 300, path
    assert admin("PUT", "/admin/password", json={"current_password": "password",
                                                 "new_password": NEW_PASSWORD}).status_code == 204
    assert site2.login("PUT", "/security/inter-appliance-key", json={"key": "durable-key-123"}).status_code == 200
    before = _snapshot(site2)

    site2.kill_and_start()

    assert admin("GET", "/status").status_code == 401
    assert _snapshot(site2) == before
    assert site2.login("GET", "/security/inter-appliance-key").json()["set"] is True


def _snapshot(node):
    def get(path):
        return node.admin("GET", path, password=NEW_PASSWORD).json()

    certificates = get("/certificates")
    return {
        "interfaces": get("/network/interfaces"),
        "gateway": get("/network/gateway"),
        "dns": get("/network/dns"),
        "routes": get("/network/static-routes"),
        "certificates": sorted((c["fingerprint"], tuple(c["assigned_ips"])) for c in certificates["certificates"]),
        "key": node.login("GET", "/security/inter-appliance-key").json(),
    }
