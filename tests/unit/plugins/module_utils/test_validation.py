# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib

import pytest

from cryptography.hazmat.primitives import serialization

from ansible_collections.sra.appliance.plugins.module_utils import _validation as validation
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure


def fails(match, function, *args, **kwargs):
    with pytest.raises(ModuleFailure, match=match):
        function(*args, **kwargs)


# -- addresses ---------------------------------------------------------------------------------

def test_address_is_canonical():
    assert validation.parse_address("2001:DB8:0::1", "f") == "2001:db8::1"
    assert validation.parse_address(" 192.0.2.1 ", "f") == "192.0.2.1"


@pytest.mark.parametrize("text", ["192.0.2.256", "192.0.2", "abc", "", "192.0.2.1/24", "01.2.3.4"])
def test_malformed_address(text):
    fails("is not an IP address", validation.parse_address, text, "config[0].ips[0]")


def test_ip_with_prefix_in_address():
    assert validation.parse_ip_prefix("192.0.2.10/24", None, "f") == ("192.0.2.10", 24)
    assert validation.parse_ip_prefix("192.0.2.10", 24, "f") == ("192.0.2.10", 24)
    assert validation.parse_ip_prefix("2001:db8::10/64", None, "f") == ("2001:db8::10", 64)


def test_prefix_33_is_out_of_range():
    fails(r"prefix 33 of 192.0.2.10 is out of range; an IPv4 prefix is 0 to 32", validation.parse_ip_prefix,
          "192.0.2.10/33", None, "config[0].ips[0]")


def test_ipv6_prefix_129_is_out_of_range():
    fails("IPv6 prefix is 0 to 128", validation.parse_ip_prefix, "2001:db8::1", 129, "f")


def test_missing_and_conflicting_prefix():
    fails("has no prefix; write it as 192.0.2.10/24", validation.parse_ip_prefix, "192.0.2.10", None, "f")
    fails("carries prefix /24 but prefix is 16", validation.parse_ip_prefix, "192.0.2.10/24", 16, "f")
    fails("is not a number", validation.parse_ip_prefix, "192.0.2.10/x", None, "f")


def test_network_and_broadcast_addresses_are_not_host_addresses():
    fails("is the network address of subnet 192.0.2.0/24", validation.parse_ip_prefix, "192.0.2.0/24", None, "f")
    fails("is the broadcast address", validation.parse_ip_prefix, "192.0.2.255/24", None, "f")
    assert validation.parse_ip_prefix("192.0.2.0/31", None, "f") == ("192.0.2.0", 31)


def test_network_needs_zero_host_bits():
    assert validation.parse_network("10.20.0.0/16", "f") == "10.20.0.0/16"
    fails("has host bits set; the network is 10.20.0.0/16", validation.parse_network, "10.20.0.1/16", "f")
    fails("is not a network; write it in CIDR notation", validation.parse_network, "10.20.0.0", "f")


def ip(address, prefix=24, enabled=True):
    return dict(address=address, prefix=prefix, enabled=enabled)


def test_duplicate_address_on_two_nics():
    fails("IP address 192.0.2.10 appears on eth0 and on eth1", validation.check_interfaces,
          {"eth0": [ip("192.0.2.10")], "eth1": [ip("192.0.2.10", 25)]})


def test_duplicate_address_on_one_nic():
    fails("appears twice on eth0", validation.check_interfaces, {"eth0": [ip("192.0.2.10"), ip("192.0.2.10")]})


def test_two_nics_on_one_subnet():
    fails(r"192.0.2.10 on eth0 and 192.0.2.20 on eth1 are on the same subnet.*two NICs cannot share a subnet",
          validation.check_interfaces, {"eth0": [ip("192.0.2.10")], "eth1": [ip("192.0.2.20")]})


def test_overlapping_subnets_on_two_nics():
    fails("same subnet", validation.check_interfaces, {"eth0": [ip("10.0.0.1", 8)], "eth1": [ip("10.1.0.1", 16)]})


def test_valid_interfaces_pass():
    validation.check_interfaces({"eth0": [ip("192.0.2.10"), ip("192.0.2.11")], "eth1": [ip("198.51.100.1")]})


def test_gateway_inside_enabled_subnet():
    interfaces = {"eth0": [ip("192.0.2.10")], "eth1": [ip("198.51.100.1", 24, False)]}
    assert validation.check_gateway("192.0.2.1", interfaces) == ("192.0.2.1", "eth0")


def test_gateway_outside_every_subnet():
    interfaces = {"eth0": [ip("192.0.2.10")], "eth1": [ip("198.51.100.1", 24, False)]}
    fails(r"gateway: 203.0.113.1 is outside every subnet of an enabled IP \(192.0.2.0/24 on eth0\)",
          validation.check_gateway, "203.0.113.1", interfaces)
    fails("outside every subnet", validation.check_gateway, "198.51.100.254", interfaces)
    fails("of eth1", validation.check_gateway, "192.0.2.1", interfaces, "eth1")
    fails("NIC eth9 does not exist", validation.check_gateway, "192.0.2.1", interfaces, "eth9")


def test_static_routes():
    interfaces = {"eth0": [ip("192.0.2.10")], "eth1": [ip("10.0.0.5")]}
    routes = validation.check_static_routes([dict(destination="10.20.0.0/16", gateway="10.0.0.1")], interfaces)
    assert routes == [dict(destination="10.20.0.0/16", gateway="10.0.0.1", interface="eth1")]
    fails("appears more than once", validation.check_static_routes,
          [dict(destination="10.20.0.0/16", gateway="10.0.0.1")] * 2, interfaces)
    fails(r"static_routes\[0\].gateway: 10.0.0.1 is outside every subnet of eth0", validation.check_static_routes,
          [dict(destination="10.20.0.0/16", gateway="10.0.0.1", interface="eth0")], interfaces)
    fails("has host bits set", validation.check_static_routes,
          [dict(destination="10.20.0.1/16", gateway="10.0.0.1")], interfaces)


def test_dns_servers():
    assert validation.check_dns_servers(["192.0.2.53", "2001:DB8::53"]) == ["192.0.2.53", "2001:db8::53"]
    fails("appears more than once", validation.check_dns_servers, ["192.0.2.53", "192.0.2.53"])
    fails("at most 4", validation.check_dns_servers, ["192.0.2.%d" % n for n in range(1, 6)])
    fails(r"dns_servers\[1\]: 'dns.example.com' is not an IP address", validation.check_dns_servers,
          ["192.0.2.53", "dns.example.com"])


# -- certificates -------------------------------------------------------------------------------

def test_fingerprint_is_sha256_of_der(pki):
    cert, dummy, dummy2 = pki.leaf()
    expected = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert validation.fingerprint(cert) == expected
    assert len(expected) == 64 and expected == expected.lower() and ":" not in expected
    assert validation.normalize_fingerprint(":".join(expected[i:i + 2].upper() for i in range(0, 64, 2))) == expected
    fails("is not a SHA-256 fingerprint", validation.normalize_fingerprint, "abc")


def test_pem_bundle_loads_and_matches(pki):
    cert, key, ca = pki.leaf()
    bundle = validation.load_pem_bundle(pki.pem(cert, ca), pki.key_pem(key))
    assert bundle.fingerprint == pki.fingerprint(cert)
    assert [validation.fingerprint(c) for c in bundle.chain] == [pki.fingerprint(ca)]
    reloaded = validation.load_pem_bundle(bundle.chain_pem(), bundle.key_pem())
    assert reloaded.fingerprint == bundle.fingerprint


def test_encrypted_key(pki):
    cert, key, dummy = pki.leaf()
    encrypted = pki.key_pem(key, "right-pass")
    assert validation.load_pem_bundle(pki.pem(cert), encrypted, "right-pass").fingerprint == pki.fingerprint(cert)
    fails("the passphrase is wrong", validation.load_pem_bundle, pki.pem(cert), encrypted, "wrong-pass")
    fails("is encrypted: give its passphrase", validation.load_pem_bundle, pki.pem(cert), encrypted)
    fails("is not encrypted, but a passphrase was given", validation.load_private_key, pki.key_pem(key), "x")


def test_key_does_not_match_certificate(pki):
    cert, dummy, dummy2 = pki.leaf()
    other = pki.key()
    fails("private_key does not match the certificate CN=support.example.com", validation.load_pem_bundle,
          pki.pem(cert), pki.key_pem(other))


def test_empty_and_garbage_inputs(pki):
    cert, dummy, dummy2 = pki.leaf()
    fails("private_key is empty", validation.load_private_key, "  ")
    fails("holds no PEM private key", validation.load_private_key, "not a key")
    fails("certificate_chain is empty", validation.load_pem_chain, "")
    fails("holds no PEM certificate", validation.load_pem_chain, "/etc/ssl/site.pem")
    fails("cannot be parsed", validation.load_pem_chain,
          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    fails("pkcs12 is empty", validation.load_pkcs12, b"")
    fails("is not base64", validation.decode_base64, "***", "pkcs12")


def test_pkcs12(pki):
    cert, key, ca = pki.leaf()
    data = pki.pkcs12(cert, key, [ca], "p12-pass")
    bundle = validation.load_pkcs12(data, "p12-pass")
    assert bundle.fingerprint == pki.fingerprint(cert)
    assert len(bundle.chain) == 1
    fails("the passphrase is wrong", validation.load_pkcs12, data, "wrong")
    fails("the passphrase is wrong, or the data is not PKCS#12", validation.load_pkcs12, b"garbage", "p")


def test_expiry(pki):
    expired, dummy, dummy2 = pki.leaf(days=(-30, -1))
    fails("expired on", validation.check_not_expired, expired)
    future, dummy, dummy2 = pki.leaf(days=(2, 30))
    fails("is not valid before", validation.check_not_expired, future)
    valid, dummy, dummy2 = pki.leaf(days=(-1, 10))
    validation.check_not_expired(valid)
    assert validation.days_left(valid, pki.now) in (9, 10)


def test_self_signed(pki):
    own, dummy = pki.self_signed()
    issued, dummy2, ca = pki.leaf()
    assert validation.is_self_signed(own)
    assert validation.is_self_signed(ca)
    assert not validation.is_self_signed(issued)


def test_lets_encrypt_issuer(pki):
    le_ca = pki.ca("R11", organization="Let's Encrypt")
    cert, dummy, dummy2 = pki.leaf(ca=le_ca)
    other, dummy3, dummy4 = pki.leaf(ca=pki.ca("Example CA", organization="Example Inc"))
    assert validation.is_lets_encrypt(cert)
    assert not validation.is_lets_encrypt(other)


def test_subject_alternative_names(pki):
    cert, dummy, dummy2 = pki.leaf(cn="site1.example.com", ip_addresses=["192.0.2.10"])
    assert validation.subject_alternative_names(cert) == (["site1.example.com"], ["192.0.2.10"])
    ca, dummy3 = pki.ca()
    assert validation.subject_alternative_names(ca) == ([], [])


def test_certificate_facts_hold_nothing_secret(pki):
    cert, key, dummy = pki.leaf()
    facts = validation.certificate_facts(cert, now=pki.now + datetime.timedelta(days=1))
    assert facts["fingerprint"] == pki.fingerprint(cert)
    assert facts["subject"] == "CN=support.example.com"
    assert not facts["self_signed"] and not facts["lets_encrypt"]
    assert "PRIVATE" not in repr(facts)
