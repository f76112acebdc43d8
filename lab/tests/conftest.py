"""One small lab for the whole test session, in its own address block and state dir."""
import socket
import ssl
import time

import pytest
import requests
import requests.adapters
import yaml
from cryptography import x509

from lab import cli, labstate, pki
from lab.tests.blocks import block

BLOCK = block(0)
CLIENT_ID = "test-api-client"
CLIENT_SECRET = "test-api-secret-0123456789"
# Generous limits by default so that quick test sequences are not throttled; tests that
# exercise the limits lower them and the `site1` fixture puts these back.
DEFAULT_SETTINGS = {"xml_namespace": "current", "product": "rs", "token_lifetime": 3600,
                    "health_cache": 0, "requests_per_second": 10000, "requests_per_hour": 100000,
                    "tokens_per_account": 30, "permissions": {}, "backup_password": None,
                    "version": None, "build": None}
TEST_TOPOLOGY = {
    "name": "test",
    "block": BLOCK,
    "site_hostname": "support.test.sra.test",
    "product": "rs",
    "version": "24.3.1",
    "build": "12345-0123abcd",
    "company_name": "SRA Test",
    "api_account": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    "appliance_admin": {"user": "admin", "password": "Test-Admin-Pass-1"},
    "inter_appliance_key": "test-inter-appliance-key",
    "shared_ips": [{"offset": 52, "prefix": 24}],
    "timers": {"listener_retry": 0.2, "health_cache": 0},
    "limits": {"requests_per_second": 10000, "requests_per_hour": 100000},
    "appliances": {
        "site1": {"offset": 11, "hostname": "site1.test.sra.test", "model": "B400", "role": "pair",
                  "normal_role": "primary"},
        "site2": {"offset": 12, "hostname": "site2.test.sra.test", "model": "B400", "role": "pair",
                  "normal_role": "backup"},
    },
}


def running_lab(tmp_path_factory, topology):
    """Starts a lab of `topology` in its own state dir; yields lab.json; stops it afterwards."""
    state_dir = tmp_path_factory.mktemp(topology["name"]) / "state"
    topology_file = state_dir.parent / f"{topology['name']}.yml"
    topology_file.write_text(yaml.safe_dump(topology))
    started = time.monotonic()
    assert cli.main(["up", "--topology", str(topology_file), "--state-dir", str(state_dir)]) == 0
    info = labstate.load(state_dir)
    info["start_seconds"] = time.monotonic() - started
    yield info
    cli.main(["down", "--state-dir", str(state_dir)])


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, TEST_TOPOLOGY)


class Node:
    """A client of one lab appliance over TLS verified against the lab's trust bundle."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name
        self.entry = lab["nodes"][name]
        self.address = self.entry["address"]
        self.base = f"https://{self.address}:{self.entry['port']}"
        self.http = requests.Session()
        self.http.verify = lab["trust_bundle"]
        self.http.trust_env = False
        # What the reference says a client sends: v2 needs it, the rest of the lab ignores it.
        self.http.headers["Accept"] = "application/json"
        self._token = None

    def verify_name(self, name):
        """Connect by address, send `name` as SNI and verify the certificate against it: how a client
        talks to an appliance whose certificate names the site, not the address."""
        adapter = requests.adapters.HTTPAdapter()
        adapter.init_poolmanager(10, 10, server_hostname=name)
        self.http.mount(self.base, adapter)
        return self

    def control(self, method, path, payload=None):
        return labstate.control(self.entry, method, path, payload)

    def token(self):
        response = self.http.post(f"{self.base}/oauth2/token", auth=(CLIENT_ID, CLIENT_SECRET),
                                  data={"grant_type": "client_credentials"})
        response.raise_for_status()
        return response.json()["access_token"]

    def bearer(self):
        if self._token is None:
            self._token = self.token()
        return {"Authorization": f"Bearer {self._token}"}

    def api(self, method, path, **kwargs):
        headers = {**self.bearer(), **kwargs.pop("headers", {})}
        return self.http.request(method, self.base + path, headers=headers, **kwargs)

    def command(self, action, **params):
        return self.api("GET", "/api/command", params={"action": action, **params})

    def admin(self, method, path, password="password", **kwargs):
        return self.http.request(method, f"{self.base}/appliance/api/v1{path}",
                                 auth=("admin", password), **kwargs)

    def login(self, method, path, **kwargs):
        return self.api(method, f"/login/api/v1{path}", **kwargs)

    def requests_since(self, since, writes=False):
        query = f"?since={since}" + ("&writes=1" if writes else "")
        return self.control("GET", f"/control/requests{query}")["requests"]

    def last_request_id(self):
        rows = self.control("GET", "/control/requests")["requests"]
        return rows[-1]["id"] if rows else 0

    def kill_and_start(self):
        state_dir = self.lab["state_dir"]
        assert cli.main(["kill", self.name, "--state-dir", state_dir]) == 0
        assert cli.main(["start", self.name, "--state-dir", state_dir]) == 0
        self.entry = labstate.load(state_dir)["nodes"][self.name]
        self.lab["nodes"][self.name] = self.entry


def fresh_node(lab, name):
    node = Node(lab, name)
    node.control("POST", "/control/settings/reset")
    node.control("POST", "/control/settings", DEFAULT_SETTINGS)
    node.control("POST", "/control/reset")
    return node


@pytest.fixture
def site1(lab):
    node = fresh_node(lab, "site1")
    yield node
    node.control("POST", "/control/settings", DEFAULT_SETTINGS)


@pytest.fixture
def site2(lab):
    node = fresh_node(lab, "site2")
    yield node
    node.control("POST", "/control/reset")


def served_certificate(address, port, server_name=None):
    """The fingerprint of the certificate the appliance serves for this SNI (None: no SNI)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((address, port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=server_name) as tls:
        der = tls.getpeercert(binary_form=True)
    return pki.fingerprint(x509.load_der_x509_certificate(der))


def wait_for(predicate, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
