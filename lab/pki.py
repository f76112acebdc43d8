"""Keys and certificates: factory certificates, the lab CA, certificate descriptions."""
import datetime
import hashlib
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY_DAYS = 3650


def new_key():
    # EC P-256: fast to generate, so a lab of five starts in well under a second.
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def fingerprint(cert):
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def is_address(name):
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def san_entries(names):
    """DNS or IP SAN entries for a list of host names and addresses."""
    return [x509.IPAddress(ipaddress.ip_address(name)) if is_address(name) else x509.DNSName(name)
            for name in names]


def _builder(subject, issuer, public_key, now):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS))
    )


def _name(common_name, organization="sra.appliance lab"):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _server_extensions(builder, names, public_key):
    return (
        builder.add_extension(x509.SubjectAlternativeName(san_entries(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def factory_certificate(hostname, address):
    """The self-signed certificate an appliance ships with: its own root, CN = hostname."""
    key = new_key()
    name = _name(hostname, "BeyondTrust B Series Appliance (lab factory certificate)")
    now = datetime.datetime.now(datetime.UTC)
    builder = _server_extensions(_builder(name, name, key.public_key(), now),
                                 [hostname, address], key.public_key())
    return builder.sign(key, hashes.SHA256()), key


def new_ca(common_name="sra.appliance lab CA"):
    key = new_key()
    name = _name(common_name)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        _builder(name, name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue(ca_cert, ca_key, common_name, names):
    """A server certificate signed by the lab CA with `names` as SANs."""
    key = new_key()
    now = datetime.datetime.now(datetime.UTC)
    builder = _server_extensions(
        _builder(_name(common_name), ca_cert.subject, key.public_key(), now),
        names, key.public_key())
    return builder.sign(ca_key, hashes.SHA256()), key


class LabCA:
    """The lab CA of one state dir, generated on first use and kept in <state>/ca/."""

    def __init__(self, state_dir):
        self.directory = Path(state_dir) / "ca"
        self.cert_path = self.directory / "ca.pem"
        self.key_path = self.directory / "ca.key"

    def ensure(self):
        if not self.cert_path.exists():
            cert, key = new_ca()
            self.directory.mkdir(parents=True, exist_ok=True)
            self.key_path.touch(mode=0o600)
            self.key_path.write_text(key_pem(key))
            self.cert_path.write_text(cert_pem(cert))
        return self

    def load(self):
        self.ensure()
        cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), None)
        return cert, key

    def issue(self, common_name, names):
        ca_cert, ca_key = self.load()
        return issue(ca_cert, ca_key, common_name, names)
