# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The appliance modules against a lab: check mode, apply, apply again, bad inputs, and the
certificate a TLS client is served.

Every test starts from a factory-reset appliance; ``writes`` counts the state-changing requests
the lab logged since the reset.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import os
import socket
import ssl
import stat

import pytest
import trustme

NEW_ADMIN_PASSWORD = "Integration-Admin-1"
EXPORT_PASSPHRASE = "integration-export-1"


def subnet_ip(lab, node, last):
    """An address in the node's own /24 (the lab's block)."""
    return "%s.%d" % (lab.address(node).rsplit(".", 1)[0], last)


def issue_lab_certificate(lab, node, tmp_path, name="support.lab.sra.test"):
    """A certificate from the lab CA (in trust.pem) with the node's host name and address as SANs."""
    cert, key = str(tmp_path / (node + ".pem")), str(tmp_path / (node + ".key"))
    lab.cli("issue-cert", "--name", name, "--san", name, "--node", node, "--out-cert", cert, "--out-key", key)
    with open(cert) as cert_file, open(key) as key_file:
        return cert_file.read(), key_file.read()


def served_fingerprint(lab, node, server_name=None):
    """SHA-256 of the certificate the appliance serves to a TLS client (no SNI by default)."""
    context = ssl.create_default_context(cafile=os.path.join(lab.state_dir, "trust.pem"))
    context.check_hostname = False
    with socket.create_connection((lab.address(node), lab.info.get("port", 443)), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


# -- network_ips and network_settings ---------------------------------------------------------------

def test_network_ips_check_apply_again(single_lab, module_runner):
    shared = subnet_ip(single_lab, "site1", 52)
    config = [dict(name="eth0", ips=[dict(address=shared + "/24", enabled=False)])]
    params = single_lab.params("site1", config=config)

    check = module_runner("network_ips", params, check_mode=True, diff=True)
    assert check["changed"] and not check.failed
    assert dict(address=shared, prefix=24, enabled=False) in check["diff"]["after"]["eth0"]
    assert single_lab.writes("site1") == []

    first = module_runner("network_ips", params)
    second = module_runner("network_ips", params)
    assert first["changed"] and not second["changed"], second
    writes = single_lab.writes("site1")
    assert [(w["method"], w["path"]) for w in writes] == [("PUT", "/appliance/api/v1/network/interfaces/eth0/ips")]

    info = module_runner("appliance_info", single_lab.params("site1", gather_subset=["network"]))
    eth0 = [nic for nic in info["interfaces"] if nic["name"] == "eth0"][0]
    assert dict(address=shared, prefix=24, enabled=False) in eth0["ips"]


def test_network_settings_check_apply_again(single_lab, module_runner):
    params = single_lab.params("site1", gateway=subnet_ip(single_lab, "site1", 1),
                               dns_servers=[subnet_ip(single_lab, "site1", 53)],
                               static_routes=[dict(destination="10.20.0.0/16", gateway=subnet_ip(single_lab, "site1", 254))])
    check = module_runner("network_settings", params, check_mode=True, diff=True)
    assert check["changed"] and single_lab.writes("site1") == []
    first = module_runner("network_settings", params)
    second = module_runner("network_settings", params)
    assert first["changed"] and not second["changed"], second
    assert len(single_lab.writes("site1")) == 3
    info = module_runner("appliance_info", single_lab.params("site1", gather_subset=["network"]))
    assert info["gateway"] == dict(address=subnet_ip(single_lab, "site1", 1), interface="eth0")
    assert info["static_routes"][0]["destination"] == "10.20.0.0/16"


def test_network_ips_resource_states_and_the_empty_overridden_refusal(single_lab, module_runner):
    own = single_lab.address("site1")
    extra = subnet_ip(single_lab, "site1", 60)
    merged = module_runner("network_ips", single_lab.params("site1", config=[dict(
        name="eth0", ips=[dict(address=extra + "/24", initially_enabled=False)])]))
    assert not merged.failed and merged["commands"] == ["eth0: add %s/24 (disabled)" % extra]
    assert merged["changes"] == [dict(action="update", name="eth0")]

    refused = module_runner("network_ips", single_lab.params("site1", config=[], state="overridden"))
    assert refused.failed and "allow_empty=true" in refused["msg"]
    single_lab.mark("site1")
    overridden = module_runner("network_ips", single_lab.params("site1", state="overridden", config=[dict(
        name="eth0", ips=[dict(address=own + "/24")])]))
    assert overridden["commands"] == ["eth0: remove %s/24" % extra]
    assert len(single_lab.writes("site1")) == 1
    gathered = module_runner("network_ips", single_lab.params("site1", state="gathered"))
    assert [nic["ips"] for nic in gathered["gathered"] if nic["name"] == "eth0"] == [
        [dict(address=own, prefix=24, enabled=True)]]


# -- appliance_admin ------------------------------------------------------------------------------

def test_admin_gathered_tells_which_password_signs_in(single_lab, module_runner):
    params = single_lab.params("site1", password=NEW_ADMIN_PASSWORD, state="gathered")
    assert module_runner("appliance_admin", params)["signed_in_with"] == "current"
    module_runner("appliance_admin", single_lab.params("site1", password=NEW_ADMIN_PASSWORD))
    single_lab.mark("site1")
    again = module_runner("appliance_admin", params)
    assert not again.failed and not again["changed"] and again["signed_in_with"] == "desired"
    assert single_lab.writes("site1") == []
    # The desired password is tried first: an appliance that has it sees no failed sign-in.
    assert [entry["status"] for entry in single_lab.requests("site1")] == [200]


def test_admin_password_from_factory_then_unchanged(single_lab, module_runner):
    params = single_lab.params("site1", password=NEW_ADMIN_PASSWORD)
    check = module_runner("appliance_admin", params, check_mode=True)
    assert check["changed"] and single_lab.writes("site1") == []
    first = module_runner("appliance_admin", params)
    second = module_runner("appliance_admin", params)
    assert first["changed"] and not second["changed"] and second["signed_in_with"] == "desired"
    assert len(single_lab.writes("site1")) == 1
    info = module_runner("appliance_info", single_lab.params("site1", appliance_password=NEW_ADMIN_PASSWORD,
                                                             gather_subset=["status"]))
    assert not info.failed and info["status"]["hostname"] == single_lab.node("site1")["hostname"]


# -- certificate and certificate_export ---------------------------------------------------------------

def test_certificate_import_default_is_what_tls_clients_see(single_lab, module_runner, tmp_path):
    chain, key = issue_lab_certificate(single_lab, "site1", tmp_path)
    params = single_lab.params("site1", certificate_chain=chain, private_key=key, default=True,
                               assigned_ips=[single_lab.address("site1")])
    factory = served_fingerprint(single_lab, "site1")

    check = module_runner("certificate", params, check_mode=True, diff=True)
    assert check["changed"]
    assert check["diff"]["after"] == dict(present=True, default=True, assigned_ips=[single_lab.address("site1")])
    assert single_lab.writes("site1") == []
    assert served_fingerprint(single_lab, "site1") == factory

    first = module_runner("certificate", params)
    assert first["changed"] and not first.failed, first
    second = module_runner("certificate", params)
    assert not second["changed"], second
    assert [w["method"] for w in single_lab.writes("site1")] == ["POST", "PUT", "PUT"]
    assert "PRIVATE KEY" not in repr(first)

    assert served_fingerprint(single_lab, "site1") == first["fingerprint"] != factory
    assert served_fingerprint(single_lab, "site1", "unknown.example.com") == first["fingerprint"]
    info = module_runner("appliance_info", single_lab.params("site1", gather_subset=["certificates"]))
    assert info["default_certificate"] == first["fingerprint"]
    entry = [cert for cert in info["certificates"] if cert["fingerprint"] == first["fingerprint"]][0]
    assert entry["default"] and entry["days_left"] > 0 and not entry["self_signed"]


def test_certificate_export_then_import_on_the_peer(pair_lab, module_runner, tmp_path):
    chain, key = issue_lab_certificate(pair_lab, "site1", tmp_path)
    imported = module_runner("certificate", pair_lab.params("site1", certificate_chain=chain, private_key=key,
                                                            default=True))
    assert imported["changed"], imported
    dest = str(tmp_path / "site.p12")
    export = pair_lab.params("site1", dest=dest, passphrase=EXPORT_PASSPHRASE)

    check = module_runner("certificate_export", export, check_mode=True)
    assert check["changed"] and not os.path.exists(dest)
    first = module_runner("certificate_export", export)
    assert first["changed"] and first["fingerprint"] == imported["fingerprint"], first
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert EXPORT_PASSPHRASE not in repr(first)
    second = module_runner("certificate_export", export)
    assert not second["changed"]

    on_peer = pair_lab.params("site2", pkcs12_path=dest, pkcs12_passphrase=EXPORT_PASSPHRASE, default=True)
    peer = module_runner("certificate", on_peer)
    assert peer["changed"] and peer["fingerprint"] == imported["fingerprint"], peer
    assert not module_runner("certificate", on_peer)["changed"]
    # An export is a read: site1 logged only the import and the default.
    assert [w["method"] for w in pair_lab.writes("site1")] == ["POST", "PUT"]


# -- bad inputs: a clear message and zero state-changing requests --------------------------------------

@pytest.fixture(scope="module")
def bad_certificates():
    ca = trustme.CA()
    now = datetime.datetime.now(datetime.timezone.utc)
    good = ca.issue_cert("support.lab.sra.test")
    other = ca.issue_cert("other.lab.sra.test")
    expired = ca.issue_cert("support.lab.sra.test", not_before=now - datetime.timedelta(days=30),
                            not_after=now - datetime.timedelta(days=1))
    return dict(
        good_chain=good.cert_chain_pems[0].bytes().decode(), good_key=good.private_key_pem.bytes().decode(),
        other_key=other.private_key_pem.bytes().decode(),
        expired_chain=expired.cert_chain_pems[0].bytes().decode(),
        expired_key=expired.private_key_pem.bytes().decode(),
        ca_chain=ca.cert_pem.bytes().decode(), ca_key=ca.private_key_pem.bytes().decode(),
    )


def eth1(ips):
    return [dict(name="eth1", ips=ips)]


def bad_inputs(lab, certs, tmp_path):
    own = lab.address("site1")
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_text(trustme.CA().cert_pem.bytes().decode())
    return [
        ("network_ips", dict(config=eth1([dict(address="10.0.0.300/24")])), "is not an IP address"),
        ("network_ips", dict(config=eth1([dict(address="10.0.0.5/33")])), "prefix 33 of 10.0.0.5 is out of range"),
        ("network_ips", dict(config=eth1([dict(address=own + "/24")])), "appears on eth0 and on eth1"),
        ("network_ips", dict(config=eth1([dict(address=subnet_ip(lab, "site1", 70) + "/24")])),
         "are on the same subnet"),
        ("network_ips", dict(config=[dict(name="eth0")], state="deleted"), "the address this module talks to"),
        ("network_ips", dict(config=eth1([dict(address="10.0.0.5/24")]), appliance_password="wrong-password-1"),
         "answered HTTP 401"),
        ("network_settings", dict(gateway="203.0.113.1"), "is outside every subnet of an enabled IP"),
        ("network_settings", dict(dns_servers=["192.0.2.53", "192.0.2.53"]), "appears more than once"),
        ("certificate", dict(certificate_chain=certs["good_chain"], private_key=certs["other_key"]),
         "does not match the certificate"),
        ("certificate", dict(certificate_chain=certs["good_chain"], private_key=""), "private_key is empty"),
        ("certificate", dict(certificate_chain=certs["expired_chain"], private_key=certs["expired_key"]), "expired on"),
        ("certificate", dict(certificate_chain=certs["ca_chain"], private_key=certs["ca_key"], default=True),
         "is self-signed and cannot be the default"),
        ("certificate", dict(pkcs12=base64.b64encode(b"not pkcs12").decode(), pkcs12_passphrase="x-pass-1"),
         "cannot be opened"),
        ("appliance_admin", dict(password="short"), "at least 8 characters"),
        ("certificate_export", dict(dest=str(tmp_path / "x.p12"), passphrase=""), "passphrase is empty"),
        ("appliance_info", dict(ca_path=str(other_ca)), "TLS verification failed"),
        ("appliance_info", dict(host=subnet_ip(lab, "site1", 99), timeout=2), "cannot connect"),
    ]


def test_bad_inputs_fail_clearly_with_zero_writes(single_lab, module_runner, bad_certificates, tmp_path):
    cases = bad_inputs(single_lab, bad_certificates, tmp_path)
    assert len(cases) >= 15
    for module, extra, message in cases:
        result = module_runner(module, single_lab.params("site1", **extra))
        assert result.failed, (module, extra)
        assert message in result["msg"], (module, message, result["msg"])
    assert single_lab.writes("site1") == []
