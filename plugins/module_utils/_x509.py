# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of certificates and keys (cryptography): PEM chains and keys, PKCS#12, whether a
key matches its certificate, expiry, self-signed and Let's Encrypt certificates, SHA-256
fingerprints.

Only the certificate modules import this file, so only they load cryptography (0.12 CPU-s a
module run, issue 18); ``preflight_checks`` imports it inside the one function that reads a
certificate. Every check raises ModuleFailure with a message that says how to fix the input.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure
from ansible_collections.sra.appliance.plugins.module_utils._time import days_until, utc_now

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtensionOID, NameOID
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc

# Let's Encrypt issues from intermediates whose subject names the organisation; the root
# names are checked too for chains that end in a cross-signed root.
LETS_ENCRYPT_ORGANIZATIONS = ("let's encrypt", "internet security research group")


def require_cryptography():
    if not HAS_CRYPTOGRAPHY:
        raise ModuleFailure(missing_required_lib("cryptography"), exception=str(CRYPTOGRAPHY_IMPORT_ERROR))


class CertificateBundle:
    """A leaf certificate, the rest of its chain and its private key, already cross-checked."""

    def __init__(self, leaf, chain, key):
        self.leaf = leaf
        self.chain = chain
        self.key = key

    @property
    def fingerprint(self):
        return fingerprint(self.leaf)

    def chain_pem(self):
        return "".join(cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
                       for cert in [self.leaf] + self.chain)

    def key_pem(self):
        """The key as unencrypted PKCS#8 PEM: the module checked the passphrase, the appliance
        stores the key itself, and the text travels over the verified TLS connection only."""
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode("ascii")


def fingerprint(cert):
    """SHA-256 of the DER certificate, lowercase hex without colons (docs/management-api.md)."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def normalize_fingerprint(text, field="fingerprint"):
    """A fingerprint as the management API writes it, from hex with or without colons."""
    value = str(text).replace(":", "").strip().lower()
    if len(value) != 64 or any(char not in "0123456789abcdef" for char in value):
        raise ModuleFailure("%s %r is not a SHA-256 fingerprint; give the 64 hex digits (colons allowed) that "
                            "appliance_info reports" % (field, text))
    return value


def _text_bytes(data):
    return data.encode("utf-8") if isinstance(data, str) else data


def load_pem_chain(text, field="certificate_chain"):
    """Every certificate of a PEM text, leaf first."""
    require_cryptography()
    if not text or not str(text).strip():
        raise ModuleFailure("%s is empty; give the PEM text of the certificate (leaf first, then intermediates)" % field)
    if b"-----BEGIN CERTIFICATE-----" not in _text_bytes(text):
        raise ModuleFailure("%s holds no PEM certificate (no -----BEGIN CERTIFICATE----- line); give the PEM text, "
                            "not a file name or DER data (for a .p12/.pfx file use pkcs12_path)" % field)
    try:
        return x509.load_pem_x509_certificates(_text_bytes(text))
    except ValueError as exc:
        raise ModuleFailure("%s cannot be parsed as PEM certificates: %s" % (field, exc))


def load_private_key(text, passphrase=None, field="private_key"):
    require_cryptography()
    if not text or not str(text).strip():
        raise ModuleFailure("%s is empty; give the PEM text of the certificate's private key" % field)
    if b"-----BEGIN" not in _text_bytes(text) or b"PRIVATE KEY-----" not in _text_bytes(text):
        raise ModuleFailure("%s holds no PEM private key (no -----BEGIN ... PRIVATE KEY----- line); give the key's "
                            "PEM text" % field)
    try:
        return serialization.load_pem_private_key(_text_bytes(text), _text_bytes(passphrase) if passphrase else None)
    except TypeError as exc:
        if passphrase:
            raise ModuleFailure("%s is not encrypted, but a passphrase was given: drop the passphrase (%s)" % (field, exc))
        raise ModuleFailure("%s is encrypted: give its passphrase" % field)
    except ValueError as exc:
        if passphrase:
            raise ModuleFailure("%s cannot be decrypted: the passphrase is wrong or the key is damaged (%s)"
                                % (field, exc))
        raise ModuleFailure("%s cannot be parsed: %s" % (field, exc))


def load_pkcs12(data, passphrase=None, field="pkcs12"):
    """A CertificateBundle from PKCS#12 bytes (a .p12/.pfx file)."""
    require_cryptography()
    if not data:
        raise ModuleFailure("%s is empty; give a PKCS#12 file holding the certificate and its private key" % field)
    try:
        key, leaf, others = pkcs12.load_key_and_certificates(data, _text_bytes(passphrase) if passphrase else None)
    except ValueError as exc:
        raise ModuleFailure("%s cannot be opened: the passphrase is wrong, or the data is not PKCS#12 (%s); give the "
                            "passphrase the file was exported with" % (field, exc))
    if leaf is None:
        raise ModuleFailure("%s holds no certificate with a private key; export it again including the certificate "
                            "and its private key" % field)
    if key is None:
        raise ModuleFailure("%s holds no private key; export it again including the private key" % field)
    bundle = CertificateBundle(leaf, list(others or []), key)
    check_key_matches(bundle.key, bundle.leaf, field)
    return bundle


def decode_base64(text, field):
    try:
        return base64.b64decode("".join(str(text).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ModuleFailure("%s is not base64; give the base64 of the file, or its path in pkcs12_path" % field)


def load_pem_bundle(chain_text, key_text, passphrase=None):
    chain = load_pem_chain(chain_text)
    key = load_private_key(key_text, passphrase)
    bundle = CertificateBundle(chain[0], chain[1:], key)
    check_key_matches(bundle.key, bundle.leaf)
    return bundle


def _public_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def check_key_matches(key, cert, field="private_key"):
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise ModuleFailure("%s does not match the certificate %s (fingerprint %s): give the key the certificate was "
                            "issued for" % (field, subject_text(cert), fingerprint(cert)))


def not_after(cert):
    return cert.not_valid_after_utc


def days_left(cert, now=None):
    return days_until(not_after(cert), now)


def check_not_expired(cert, now=None, field="certificate"):
    now = now or utc_now()
    if not_after(cert) <= now:
        raise ModuleFailure("%s %s expired on %s; renew it and give the new certificate"
                            % (field, subject_text(cert), not_after(cert).isoformat()))
    if cert.not_valid_before_utc > now:
        raise ModuleFailure("%s %s is not valid before %s; check the controller's clock or wait"
                            % (field, subject_text(cert), cert.not_valid_before_utc.isoformat()))


def is_self_signed(cert):
    """Its issuer is its subject and its own key verifies its signature."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def is_lets_encrypt(cert):
    organizations = [attr.value.lower() for attr in cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return any(org in LETS_ENCRYPT_ORGANIZATIONS for org in organizations)


def subject_alternative_names(cert):
    """(dns_names, ip_addresses) of the subjectAltName extension; empty lists without one."""
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return [], []
    return (san.get_values_for_type(x509.DNSName),
            [str(address) for address in san.get_values_for_type(x509.IPAddress)])


def subject_text(cert):
    return cert.subject.rfc4514_string() or "(empty subject)"


def certificate_facts(cert, now=None):
    """What a module reports about a certificate it was given: nothing secret."""
    dns_names, ip_addresses = subject_alternative_names(cert)
    return dict(fingerprint=fingerprint(cert), subject=subject_text(cert), issuer=cert.issuer.rfc4514_string(),
                dns_names=dns_names, ip_addresses=ip_addresses, not_after=not_after(cert).isoformat(),
                days_left=days_left(cert, now), self_signed=is_self_signed(cert), lets_encrypt=is_lets_encrypt(cert))
