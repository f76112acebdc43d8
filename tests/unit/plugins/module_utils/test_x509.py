# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib

import pytest

from cryptography.hazmat.primitives import serialization

from ansible_collections.sra.appliance.plugins.module_utils import _x509 as x509
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure


def fails(match, function, *args, **kwargs):
    with pytest.raises(ModuleFailure, match=match):
        function(*args, **kwargs)


def test_fingerprint_is_sha256_of_der(pki):
    cert, dummy, dummy2 = pki.leaf()
    expected = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert x509.fingerprint(cert) == expected
    assert len(expected) == 64 and expected == expected.lower() and ":" not in expected
    assert x509.normalize_fingerprint(":".join(expected[i:i + 2].upper() for i in range(0, 64, 2))) == expected
    fails("is not a SHA-256 fingerprint", x509.normalize_fingerprint, "abc")


def test_pem_bundle_loads_and_matches(pki):
    cert, key, ca = pki.leaf()
    bundle = x509.load_pem_bundle(pki.pem(cert, ca), pki.key_pem(key))
    assert bundle.fingerprint == pki.fingerprint(cert)
    assert [x509.fingerprint(c) for c in bundle.chain] == [pki.fingerprint(ca)]
    reloaded = x509.load_pem_bundle(bundle.chain_pem(), bundle.key_pem())
    assert reloaded.fingerprint == bundle.fingerprint


def test_encrypted_key(pki):
    cert, key, dummy = pki.leaf()
    encrypted = pki.key_pem(key, "right-pass")
    assert x509.load_pem_bundle(pki.pem(cert), encrypted, "right-pass").fingerprint == pki.fingerprint(cert)
    fails("the passphrase is wrong", x509.load_pem_bundle, pki.pem(cert), encrypted, "wrong-pass")
    fails("is encrypted: give its passphrase", x509.load_pem_bundle, pki.pem(cert), encrypted)
    fails("is not encrypted, but a passphrase was given", x509.load_private_key, pki.key_pem(key), "x")


def test_key_does_not_match_certificate(pki):
    cert, dummy, dummy2 = pki.leaf()
    other = pki.key()
    fails("private_key does not match the certificate CN=support.example.com", x509.load_pem_bundle,
          pki.pem(cert), pki.key_pem(other))


def test_empty_and_garbage_inputs(pki):
    cert, dummy, dummy2 = pki.leaf()
    fails("private_key is empty", x509.load_private_key, "  ")
    fails("holds no PEM private key", x509.load_private_key, "not a key")
    fails("certificate_chain is empty", x509.load_pem_chain, "")
    fails("holds no PEM certificate", x509.load_pem_chain, "/etc/ssl/site.pem")
    fails("cannot be parsed", x509.load_pem_chain,
          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    fails("pkcs12 is empty", x509.load_pkcs12, b"")
    fails("is not base64", x509.decode_base64, "***", "pkcs12")


def test_pkcs12(pki):
    cert, key, ca = pki.leaf()
    data = pki.pkcs12(cert, key, [ca], "p12-pass")
    bundle = x509.load_pkcs12(data, "p12-pass")
    assert bundle.fingerprint == pki.fingerprint(cert)
    assert len(bundle.chain) == 1
    fails("the passphrase is wrong", x509.load_pkcs12, data, "wrong")
    fails("the passphrase is wrong, or the data is not PKCS#12", x509.load_pkcs12, b"garbage", "p")


def test_expiry(pki):
    expired, dummy, dummy2 = pki.leaf(days=(-30, -1))
    fails("expired on", x509.check_not_expired, expired)
    future, dummy, dummy2 = pki.leaf(days=(2, 30))
    fails("is not valid before", x509.check_not_expired, future)
    valid, dummy, dummy2 = pki.leaf(days=(-1, 10))
    x509.check_not_expired(valid)
    assert x509.days_left(valid, pki.now) in (9, 10)


def test_self_signed(pki):
    own, dummy = pki.self_signed()
    issued, dummy2, ca = pki.leaf()
    assert x509.is_self_signed(own)
    assert x509.is_self_signed(ca)
    assert not x509.is_self_signed(issued)


def test_lets_encrypt_issuer(pki):
    le_ca = pki.ca("R11", organization="Let's Encrypt")
    cert, dummy, dummy2 = pki.leaf(ca=le_ca)
    other, dummy3, dummy4 = pki.leaf(ca=pki.ca("Example CA", organization="Example Inc"))
    assert x509.is_lets_encrypt(cert)
    assert not x509.is_lets_encrypt(other)


def test_subject_alternative_names(pki):
    cert, dummy, dummy2 = pki.leaf(cn="site1.example.com", ip_addresses=["192.0.2.10"])
    assert x509.subject_alternative_names(cert) == (["site1.example.com"], ["192.0.2.10"])
    ca, dummy3 = pki.ca()
    assert x509.subject_alternative_names(ca) == ([], [])


def test_certificate_facts_hold_nothing_secret(pki):
    cert, key, dummy = pki.leaf()
    facts = x509.certificate_facts(cert, now=pki.now + datetime.timedelta(days=1))
    assert facts["fingerprint"] == pki.fingerprint(cert)
    assert facts["subject"] == "CN=support.example.com"
    assert not facts["self_signed"] and not facts["lets_encrypt"]
    assert "PRIVATE" not in repr(facts)
