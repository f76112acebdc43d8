"""Security > Certificates: the certificate table, imports, exports and the default."""
import base64
import binascii
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from lab import pki
from lab.appliance.web import HttpError, invalid, now_iso

PEM_IMPORT_FIELDS = {"format", "certificate_chain", "private_key", "private_key_passphrase"}
PKCS12_IMPORT_FIELDS = {"format", "pkcs12", "passphrase"}


def load_pem_chain(text):
    try:
        certs = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        raise invalid("certificate_chain", "is not a PEM certificate chain") from None
    return certs


def _public_bytes(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches(key, cert):
    return _public_bytes(key.public_key()) == _public_bytes(cert.public_key())


def parse_import(body):
    """(leaf, intermediates, key) from an import request body, or a 400/422."""
    kind = body.get("format")
    if kind == "pem":
        _refuse_unknown_fields(body, PEM_IMPORT_FIELDS)
        certs, key = _parse_pem_import(body)
    elif kind == "pkcs12":
        _refuse_unknown_fields(body, PKCS12_IMPORT_FIELDS)
        certs, key = _parse_pkcs12_import(body)
    else:
        raise invalid("format", "must be pem or pkcs12")
    if not certs:
        raise invalid("certificate_chain", "holds no certificate")
    if key is None:
        raise invalid("private_key", "is required with the certificate chain")
    if not key_matches(key, certs[0]):
        raise invalid("private_key", "does not match the leaf (first) certificate")
    return certs[0], certs[1:], key


def _refuse_unknown_fields(body, known):
    unknown = sorted(set(body) - known)
    if unknown:
        raise HttpError(400, f"Unknown field(s): {', '.join(unknown)}.")


def _text_field(body, name, required):
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise invalid(name, "must be a non-empty string")
    return value


def _parse_pem_import(body):
    certs = load_pem_chain(_text_field(body, "certificate_chain", True))
    key_text = _text_field(body, "private_key", True)
    passphrase = _text_field(body, "private_key_passphrase", False)
    try:
        key = serialization.load_pem_private_key(
            key_text.encode(), passphrase.encode() if passphrase else None)
    except TypeError:
        raise invalid("private_key_passphrase", "is required: the private key is encrypted") from None
    except ValueError:
        raise invalid("private_key", "cannot be read (not a PEM key, or a wrong passphrase)") from None
    return certs, key


def _parse_pkcs12_import(body):
    data = _text_field(body, "pkcs12", True)
    passphrase = _text_field(body, "passphrase", False)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("pkcs12", "is not base64") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            raw, passphrase.encode() if passphrase else None)
    except ValueError:
        raise invalid("passphrase", "is wrong, or the data is not PKCS#12") from None
    certs = ([cert] if cert else []) + list(extra)
    return certs, key


def _common_name(cert):
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else None


def _sans(cert):
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return (ext.get_values_for_type(x509.DNSName),
            [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)])


def _is_ca(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def hostname_matches(pattern, hostname):
    """Exact match, or a leading wildcard standing for exactly one label."""
    pattern, hostname = pattern.lower().rstrip("."), hostname.lower().rstrip(".")
    if pattern == hostname:
        return True
    if pattern.startswith("*."):
        head, _, tail = hostname.partition(".")
        return bool(head) and tail == pattern[2:]
    return False


class CertificateTable:
    """The certificates of one appliance, kept in its store."""

    def __init__(self, store):
        self.store = store
        self._parsed = {}

    def rows(self):
        return self.store.query("SELECT * FROM certificates ORDER BY added, fingerprint")

    def row(self, fingerprint):
        row = self.store.query_one("SELECT * FROM certificates WHERE fingerprint = ?", (fingerprint,))
        if row is None:
            raise HttpError(404, f"No certificate with fingerprint {fingerprint}.")
        return row

    def cert(self, row):
        fingerprint = row["fingerprint"]
        if fingerprint not in self._parsed:
            self._parsed[fingerprint] = x509.load_pem_x509_certificate(row["pem"].encode())
        return self._parsed[fingerprint]

    def default_fingerprint(self):
        return self.store.get("config", "default_certificate")

    def factory_fingerprint(self):
        return self.store.get("meta", "factory_certificate")

    def assignments(self):
        return {row["address"]: row["fingerprint"]
                for row in self.store.query("SELECT * FROM cert_assignments")}

    # --- descriptions -------------------------------------------------------------------
    def describe_all(self):
        rows = self.rows()
        return [self.describe(row, rows) for row in rows]

    def describe(self, row, rows=None):
        cert = self.cert(row)
        dns_names, ip_addresses = _sans(cert)
        default = self.default_fingerprint()
        assigned = sorted(a for a, fp in self.assignments().items() if fp == row["fingerprint"])
        return {
            "fingerprint": row["fingerprint"],
            "subject": cert.subject.rfc4514_string(),
            "common_name": _common_name(cert),
            "dns_names": dns_names,
            "ip_addresses": ip_addresses,
            "issuer": cert.issuer.rfc4514_string(),
            "not_before": now_iso(cert.not_valid_before_utc.timestamp()),
            "not_after": now_iso(cert.not_valid_after_utc.timestamp()),
            "self_signed": cert.issuer == cert.subject,
            "factory": bool(row["factory"]),
            "has_private_key": row["key_pem"] is not None,
            "is_ca": _is_ca(cert),
            # The factory certificate serves clients without SNI until a default is chosen.
            "default": row["fingerprint"] == default or (default is None and bool(row["factory"])),
            "assigned_ips": assigned,
            "issuer_fingerprint": self._issuer_fingerprint(cert, rows or self.rows()),
        }

    def _issuer_fingerprint(self, cert, rows):
        if cert.issuer == cert.subject:
            return None
        for row in rows:
            candidate = self.cert(row)
            if candidate.subject == cert.issuer and _signed_by(cert, candidate):
                return row["fingerprint"]
        return None

    def chain(self, fingerprint):
        """The certificate and the issuers found in the table, leaf first."""
        rows = self.rows()
        chain, seen = [self.row(fingerprint)], {fingerprint}
        while True:
            issuer = self._issuer_fingerprint(self.cert(chain[-1]), rows)
            if issuer is None or issuer in seen:
                return chain
            seen.add(issuer)
            chain.append(self.row(issuer))

    # --- writes -------------------------------------------------------------------------
    def add_factory(self, cert, key):
        with self.store.transaction() as db:
            self._insert(db, cert, pki.key_pem(key), factory=True)
            self.store.put("meta", "factory_certificate", pki.fingerprint(cert), db=db)

    def import_chain(self, leaf, intermediates, key):
        """Adds what is new; returns (leaf fingerprint, fingerprints added, changed)."""
        added, changed = [], False
        with self.store.transaction() as db:
            for index, cert in enumerate([leaf, *intermediates]):
                fingerprint = pki.fingerprint(cert)
                existing = db.execute("SELECT key_pem FROM certificates WHERE fingerprint = ?",
                                      (fingerprint,)).fetchone()
                if existing is None:
                    self._insert(db, cert, pki.key_pem(key) if index == 0 else None)
                    added.append(fingerprint)
                    changed = True
                elif index == 0 and existing["key_pem"] is None:
                    db.execute("UPDATE certificates SET key_pem = ? WHERE fingerprint = ?",
                               (pki.key_pem(key), fingerprint))
                    changed = True
        return pki.fingerprint(leaf), added, changed

    def _insert(self, db, cert, key_pem, factory=False):
        db.execute("INSERT INTO certificates (fingerprint, pem, key_pem, factory, added)"
                   " VALUES (?, ?, ?, ?, ?)",
                   (pki.fingerprint(cert), pki.cert_pem(cert), key_pem, int(factory), time.time()))

    def set_default(self, fingerprint):
        row = self.row(fingerprint)
        if row["factory"]:
            raise invalid("fingerprint", "the factory certificate cannot be the default")
        if self.cert(row).issuer == self.cert(row).subject:
            raise invalid("fingerprint", "a self-signed certificate cannot be the default")
        if row["key_pem"] is None:
            raise invalid("fingerprint", "a certificate without its private key cannot be the default")
        changed = self.default_fingerprint() != fingerprint
        if changed:
            self.store.put("config", "default_certificate", fingerprint)
        return self.describe(row), changed

    def delete(self, fingerprint):
        row = self.row(fingerprint)
        if row["factory"]:
            raise HttpError(409, "The factory certificate cannot be deleted.")
        if self.default_fingerprint() == fingerprint:
            raise HttpError(409, "The default certificate cannot be deleted; choose another default first.")
        assigned = sorted(a for a, fp in self.assignments().items() if fp == fingerprint)
        if assigned:
            raise HttpError(409, f"The certificate is still assigned to {', '.join(assigned)}.")
        with self.store.transaction() as db:
            db.execute("DELETE FROM certificates WHERE fingerprint = ?", (fingerprint,))
        self._parsed.pop(fingerprint, None)

    def assign(self, fingerprint, addresses, configured_addresses):
        row = self.row(fingerprint)
        if row["key_pem"] is None:
            raise invalid("ips", "the certificate has no private key")
        unknown = [a for a in addresses if a not in configured_addresses]
        if unknown:
            raise invalid("ips", f"not configured on this appliance: {', '.join(unknown)}")
        current = sorted(a for a, fp in self.assignments().items() if fp == fingerprint)
        changed = current != sorted(set(addresses))
        if changed:
            with self.store.transaction() as db:
                db.execute("DELETE FROM cert_assignments WHERE fingerprint = ?", (fingerprint,))
                for address in set(addresses):
                    db.execute("INSERT OR REPLACE INTO cert_assignments (address, fingerprint)"
                               " VALUES (?, ?)", (address, fingerprint))
        return self.describe(row), changed

    def export(self, fingerprint, passphrase, include_key=True, include_chain=True):
        chain = self.chain(fingerprint)
        leaf = chain[0]
        if include_key and leaf["key_pem"] is None:
            raise invalid("include_private_key", "the certificate has no private key")
        if include_key and not passphrase:
            raise invalid("passphrase", "must not be empty when the private key is included")
        key = (serialization.load_pem_private_key(leaf["key_pem"].encode(), None)
               if include_key else None)
        cas = [self.cert(row) for row in chain[1:]] if include_chain else None
        encryption = (serialization.BestAvailableEncryption(passphrase.encode())
                      if passphrase else serialization.NoEncryption())
        name = (_common_name(self.cert(leaf)) or fingerprint).encode()
        data = pkcs12.serialize_key_and_certificates(name, key, self.cert(leaf), cas, encryption)
        return base64.b64encode(data).decode()

    def san_candidates(self):
        """(fingerprint, dns names, factory, added) of every certificate with a key."""
        return [(row["fingerprint"], _sans(self.cert(row))[0], bool(row["factory"]), row["added"])
                for row in self.rows() if row["key_pem"] is not None]


def _signed_by(cert, issuer):
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False
