# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared unit-test fixtures: run a module's main() in-process against a fake management
driver, and make test certificates at test time (no private key is committed).

Other engineers: add fixtures in separate functions below the marked line at the end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import ipaddress
import json

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._x509 import certificate_facts
from ansible_collections.sra.appliance.tests import module_runner
CONNECTION = dict(host="192.0.2.10", appliance_user="admin", appliance_password="s3cret-pass")


# -- running a module ---------------------------------------------------------------------------

def run_module(monkeypatch, name, params, driver, check_mode=False, diff=False):
    """main() of plugins/modules/<name>.py with ``driver`` in place of the management driver.

    Returns the module's JSON result (``failed`` is true when it called fail_json).
    """
    monkeypatch.setattr(module_runner.import_module(name), "driver_for", driver.for_params)
    # Warnings are collected process-wide; each run reports only its own.
    monkeypatch.setattr(ansible_warnings, "_global_warnings", {})
    return module_runner.run_module(name, dict(CONNECTION, **params), check_mode=check_mode, diff=diff)


@pytest.fixture
def run(monkeypatch):
    def runner(name, params, driver, check_mode=False, diff=False):
        return run_module(monkeypatch, name, params, driver, check_mode=check_mode, diff=diff)
    return runner


# -- the fake management driver -------------------------------------------------------------------

WRITE_METHODS = ("set_interface_ips", "set_gateway", "set_dns_servers", "set_static_routes", "import_pem",
                 "import_pkcs12", "delete_certificate", "set_default_certificate", "set_certificate_ips",
                 "change_admin_password", "set_key", "set_shared_ips")


def _fp(cert):
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _iso(value):
    return value.astimezone(datetime.timezone.utc).isoformat()


class FakeDriver:
    """The management API's state in memory, with the ManagementDriver's method names.

    ``calls`` lists every call, ``writes`` the state-changing ones: tests assert that check mode
    and bad inputs leave ``writes`` empty.
    """

    def __init__(self):
        self.calls = []
        self.interfaces_state = [dict(name="eth0", mac_address="02:00:00:00:00:01", link_detected=True,
                                      ips=[dict(address="192.0.2.10", prefix=24, enabled=True)]),
                                 dict(name="eth1", mac_address="02:00:00:00:00:02", link_detected=True, ips=[])]
        self.gateway_state = dict(address=None, interface=None)
        self.dns_state = []
        self.routes_state = []
        self.certs = {}          # fingerprint -> entry
        self.keys = {}           # fingerprint -> private key
        self.cert_objects = {}   # fingerprint -> x509 certificate
        self.default = None
        self.admin_password = CONNECTION["appliance_password"]
        self.password_in_use = None
        self.failover_state = dict(role="none", relationship=None)
        self.shared = []
        self.key_fingerprint = None
        self.status_state = dict(hostname="site1.example.com", model="B400", serial="B4001", version="24.3.1",
                                 build="1-abc", product="rs", appliance_id="0" * 32)
        self.cluster_state = dict(role="single", method="random", traffic_nodes=[], node_status=[], history=[])

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in WRITE_METHODS]

    def for_params(self, params, host=None):
        self.password_in_use = params.get("appliance_password")
        return self

    def _call(self, name, *args):
        self.calls.append((name,) + args)

    # /appliance: status and network
    def status(self):
        self._call("status")
        if self.password_in_use != self.admin_password:
            raise ApplianceError("192.0.2.10", "GET", "/appliance/api/v1/status", 401, "authentication failed")
        return dict(self.status_state)

    def interfaces(self):
        self._call("interfaces")
        return json.loads(json.dumps(self.interfaces_state))

    def set_interface_ips(self, nic, ips):
        self._call("set_interface_ips", nic, ips)
        for entry in self.interfaces_state:
            if entry["name"] == nic:
                entry["ips"] = json.loads(json.dumps(ips))
                return entry
        raise ApplianceError("192.0.2.10", "PUT", "/appliance/api/v1/network/interfaces/%s/ips" % nic, 404, "no NIC")

    def gateway(self):
        self._call("gateway")
        return dict(self.gateway_state)

    def set_gateway(self, address, interface):
        self._call("set_gateway", address, interface)
        self.gateway_state = dict(address=address, interface=interface)
        return dict(self.gateway_state)

    def dns_servers(self):
        self._call("dns_servers")
        return list(self.dns_state)

    def set_dns_servers(self, servers):
        self._call("set_dns_servers", servers)
        self.dns_state = list(servers)
        return list(servers)

    def static_routes(self):
        self._call("static_routes")
        return json.loads(json.dumps(self.routes_state))

    def set_static_routes(self, routes):
        self._call("set_static_routes", routes)
        self.routes_state = json.loads(json.dumps(routes))
        return routes

    # /appliance: certificates
    def add_certificate(self, cert, key=None, factory=False):
        fp = _fp(cert)
        if fp not in self.certs:
            facts = certificate_facts(cert)
            self.certs[fp] = dict(
                fingerprint=fp, subject=facts["subject"], common_name=None, dns_names=facts["dns_names"],
                ip_addresses=facts["ip_addresses"], issuer=facts["issuer"], not_before=_iso(cert.not_valid_before_utc),
                not_after=facts["not_after"], self_signed=facts["self_signed"], factory=factory,
                has_private_key=key is not None, is_ca=False, assigned_ips=[])
            self.cert_objects[fp] = cert
            if key is not None:
                self.keys[fp] = key
            return [fp]
        return []

    def certificates(self):
        self._call("certificates")
        entries = [dict(entry, default=(fp == self.default)) for fp, entry in self.certs.items()]
        return json.loads(json.dumps(dict(certificates=entries, default=self.default)))

    def import_pem(self, chain_pem, key_pem):
        self._call("import_pem", chain_pem, key_pem)
        chain = x509.load_pem_x509_certificates(chain_pem.encode())
        key = serialization.load_pem_private_key(key_pem.encode(), None)
        imported = self.add_certificate(chain[0], key)
        for cert in chain[1:]:
            imported += self.add_certificate(cert)
        return dict(fingerprint=_fp(chain[0]), imported=imported)

    def import_pkcs12(self, pkcs12_b64, passphrase):
        self._call("import_pkcs12", pkcs12_b64, passphrase)
        key, cert, others = pkcs12.load_key_and_certificates(base64.b64decode(pkcs12_b64),
                                                             passphrase.encode() if passphrase else None)
        imported = self.add_certificate(cert, key)
        for other in others:
            imported += self.add_certificate(other)
        return dict(fingerprint=_fp(cert), imported=imported)

    def delete_certificate(self, fingerprint):
        self._call("delete_certificate", fingerprint)
        del self.certs[fingerprint]

    def set_default_certificate(self, fingerprint):
        self._call("set_default_certificate", fingerprint)
        self.default = fingerprint
        return self.certs[fingerprint]

    def set_certificate_ips(self, fingerprint, ips):
        self._call("set_certificate_ips", fingerprint, ips)
        for entry in self.certs.values():
            entry["assigned_ips"] = [ip for ip in entry["assigned_ips"] if ip not in ips]
        self.certs[fingerprint]["assigned_ips"] = list(ips)
        return self.certs[fingerprint]

    def export_certificate(self, fingerprint, passphrase, include_private_key=True, include_chain=True):
        self._call("export_certificate", fingerprint)
        cert = self.cert_objects[fingerprint]
        data = pkcs12.serialize_key_and_certificates(
            b"export", self.keys[fingerprint], cert, None,
            serialization.BestAvailableEncryption(passphrase.encode()))
        return dict(pkcs12=base64.b64encode(data).decode(), fingerprint=fingerprint)

    # /appliance: admin
    def change_admin_password(self, current_password, new_password):
        self._call("change_admin_password", "********", "********")
        assert current_password == self.admin_password
        self.admin_password = new_password

    # /login
    def key_state(self):
        self._call("key_state")
        return dict(set=self.key_fingerprint is not None, fingerprint=self.key_fingerprint)

    def failover(self):
        self._call("failover")
        return dict(self.failover_state)

    def shared_ips(self):
        self._call("shared_ips")
        return list(self.shared)

    def cluster(self):
        self._call("cluster")
        return dict(self.cluster_state)


@pytest.fixture
def driver():
    return FakeDriver()


# -- test certificates ------------------------------------------------------------------------------

class Pki:
    """Makes CAs, leaf certificates and keys at test time."""

    def __init__(self):
        self.now = datetime.datetime.now(datetime.timezone.utc)

    @staticmethod
    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def certificate(self, subject_cn, key, issuer=None, issuer_key=None, organization=None, days=(-1, 90),
                    dns_names=(), ip_addresses=(), ca=False):
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]
        if organization:
            attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        subject = x509.Name(attributes)
        builder = (x509.CertificateBuilder().subject_name(subject)
                   .issuer_name(issuer.subject if issuer is not None else subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(self.now + datetime.timedelta(days=days[0]))
                   .not_valid_after(self.now + datetime.timedelta(days=days[1]))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        names = [x509.DNSName(name) for name in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(issuer_key or key, hashes.SHA256())

    def ca(self, name="Test CA", organization=None):
        key = self.key()
        return self.certificate(name, key, organization=organization, days=(-1, 3650), ca=True), key

    def leaf(self, cn="support.example.com", ca=None, days=(-1, 90), ip_addresses=()):
        """(leaf, key, ca certificate) issued by ``ca`` (a fresh CA when None)."""
        ca_cert, ca_key = ca or self.ca()
        key = self.key()
        cert = self.certificate(cn, key, issuer=ca_cert, issuer_key=ca_key, days=days, dns_names=[cn],
                                ip_addresses=ip_addresses)
        return cert, key, ca_cert

    def self_signed(self, cn="support.example.com"):
        key = self.key()
        return self.certificate(cn, key, dns_names=[cn]), key

    @staticmethod
    def pem(*certs):
        return "".join(cert.public_bytes(serialization.Encoding.PEM).decode() for cert in certs)

    @staticmethod
    def key_pem(key, passphrase=None):
        encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                      else serialization.NoEncryption())
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()

    @staticmethod
    def pkcs12(cert, key, chain=(), passphrase="p12-pass"):
        return pkcs12.serialize_key_and_certificates(
            b"test", key, cert, list(chain) or None,
            serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
            else serialization.NoEncryption())

    fingerprint = staticmethod(_fp)


@pytest.fixture(scope="session")
def pki():
    return Pki()


# -- Fixtures added by other engineers go below this line, each in its own function. -------------


# --- eng-cluster: an Atlas cluster's primary node (cluster, traffic_nodes) ---

CLUSTER_WRITE_METHODS = ("set_cluster_method", "add_traffic_node", "update_traffic_node", "delete_traffic_node",
                         "cluster_sync", "disband_cluster")


class FakeClusterDriver(FakeDriver):
    """The primary node's cluster page, and the vendor's get_appliances view of it, as the lab has them.

    Every change pushes the configuration to every node in the background: the nodes are
    ``pending`` for the next ``pending_reads`` reads of the page, then ``ok``, or ``refused``
    for a node named in ``refusing`` (as with a wrong inter-appliance key). get_appliances on
    the primary lists every configured node, whether or not it accepted.
    """

    def __init__(self):
        super(FakeClusterDriver, self).__init__()
        self.cluster_state = dict(role="primary", method="random", traffic_nodes=[], node_status=[],
                                  last_sync_time=None, history=[])
        self.refusing = set()
        self.syncs = 0
        self.pending_reads = 0
        self._pending_left = 0
        self.client = self  # VendorApi(driver.client) finds appliances() here

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in WRITE_METHODS + CLUSTER_WRITE_METHODS]

    def _push(self):
        self._pending_left = self.pending_reads
        self.cluster_state["node_status"] = [dict(name=node["name"], state="pending", message="Pushing.")
                                             for node in self.cluster_state["traffic_nodes"]]

    def _pushed(self):
        self.cluster_state["node_status"] = [
            dict(name=status["name"], state="refused" if status["name"] in self.refusing else "ok",
                 message="inter-appliance key mismatch" if status["name"] in self.refusing else "configuration applied")
            if status["state"] == "pending" else status
            for status in self.cluster_state["node_status"]]

    def cluster(self):
        self._call("cluster")
        if self._pending_left:
            self._pending_left -= 1
        else:
            self._pushed()
        return json.loads(json.dumps(self.cluster_state))

    def set_cluster_method(self, method):
        self._call("set_cluster_method", method)
        self.cluster_state["method"] = method
        self._push()
        return json.loads(json.dumps(self.cluster_state))

    def add_traffic_node(self, node):
        self._call("add_traffic_node", node)
        assert node["name"] not in [item["name"] for item in self.cluster_state["traffic_nodes"]]
        self.cluster_state["traffic_nodes"].append(json.loads(json.dumps(node)))
        self._push()
        return node

    def update_traffic_node(self, node):
        self._call("update_traffic_node", node)
        nodes = self.cluster_state["traffic_nodes"]
        index = [item["name"] for item in nodes].index(node["name"])
        nodes[index] = json.loads(json.dumps(node))
        self._push()
        return node

    def delete_traffic_node(self, name):
        self._call("delete_traffic_node", name)
        self.cluster_state["traffic_nodes"] = [item for item in self.cluster_state["traffic_nodes"]
                                               if item["name"] != name]
        self._push()

    def cluster_sync(self):
        self._call("cluster_sync")
        self.syncs += 1
        self.cluster_state["last_sync_time"] = "2024-12-02T12:00:%02d+00:00" % self.syncs
        self._push()
        return dict(message="Sync started")

    def disband_cluster(self):
        self._call("disband_cluster")
        self.cluster_state.update(role="single", traffic_nodes=[], node_status=[])
        return json.loads(json.dumps(self.cluster_state))

    def appliances(self):
        """get_appliances as module_utils._vendor parses it (timezone_offset in seconds)."""
        self._call("get_appliances")
        view = [dict(id="0" * 32, name="site1.example.com", public_hostname="site1.example.com",
                     cluster_role=self.cluster_state["role"], failover_role="primary", accepting_connections=True,
                     timezone_offset=0)]
        view.extend(dict(id="%032x" % (index + 1), name=node["name"], public_hostname=node["public_host"],
                         cluster_role="traffic", failover_role="none",
                         accepting_connections=node["accepting_connections"],
                         timezone_offset=int(node["timezone_offset"] * 3600))
                    for index, node in enumerate(self.cluster_state["traffic_nodes"]))
        return view


@pytest.fixture
def cluster_driver():
    return FakeClusterDriver()
