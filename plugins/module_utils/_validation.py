# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one validation module: addresses and prefixes (netaddr), certificates and keys
(cryptography).

Every check raises ModuleFailure with a message that says what is wrong and how to fix it,
so modules validate their whole input before their first write. Each library is imported
only here, guarded: a module that does not use it never needs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure

try:
    import netaddr
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR = exc

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

MAX_DNS_SERVERS = 4
# Let's Encrypt issues from intermediates whose subject names the organisation; the root
# names are checked too for chains that end in a cross-signed root.
LETS_ENCRYPT_ORGANIZATIONS = ("let's encrypt", "internet security research group")


class SubnetMissing(ModuleFailure):
    """A gateway outside every configured subnet: bad input, or (in check mode) an IP an earlier
    task of the same run would configure."""


def require_netaddr():
    if not HAS_NETADDR:
        raise ModuleFailure(missing_required_lib("netaddr"), exception=str(NETADDR_IMPORT_ERROR))


def require_cryptography():
    if not HAS_CRYPTOGRAPHY:
        raise ModuleFailure(missing_required_lib("cryptography"), exception=str(CRYPTOGRAPHY_IMPORT_ERROR))


# -- addresses and prefixes -------------------------------------------------------------------

def parse_address(text, field):
    """An IPv4 or IPv6 address as its canonical text ('2001:DB8::1' -> '2001:db8::1')."""
    require_netaddr()
    if not isinstance(text, str) or not text.strip() or "/" in text:
        raise ModuleFailure("%s: %r is not an IP address; write it as 192.0.2.10 or 2001:db8::10, "
                            "without a prefix" % (field, text))
    try:
        return str(netaddr.IPAddress(text.strip(), flags=netaddr.INET_PTON))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise ModuleFailure("%s: %r is not an IP address; write it as 192.0.2.10 or 2001:db8::10"
                            % (field, text))


def max_prefix(address):
    return 32 if ":" not in address else 128


def parse_prefix(address, prefix, field):
    """The prefix length of ``address`` as an int in range for its family."""
    limit = max_prefix(address)
    try:
        value = int(str(prefix).strip().lstrip("/"))
    except (TypeError, ValueError):
        raise ModuleFailure("%s: prefix %r of %s is not a number; give a prefix length from 0 to %d"
                            % (field, prefix, address, limit))
    if not 0 <= value <= limit:
        raise ModuleFailure("%s: prefix %s of %s is out of range; an IPv%d prefix is 0 to %d (e.g. 24 for "
                            "255.255.255.0)" % (field, prefix, address, 4 if limit == 32 else 6, limit))
    return value


def parse_ip_prefix(address, prefix, field):
    """(address, prefix) from 'a.b.c.d/nn' or from an address and a separate prefix.

    A host address is required: the subnet's own network or broadcast address cannot be an
    interface address.
    """
    if isinstance(address, str) and "/" in address:
        text, dummy, written_prefix = address.partition("/")
        if prefix is not None and str(prefix) != written_prefix.strip():
            raise ModuleFailure("%s: %s carries prefix /%s but prefix is %s; give the prefix once"
                                % (field, address, written_prefix, prefix))
        address, prefix = text, written_prefix
    address = parse_address(address, field)
    if prefix is None:
        raise ModuleFailure("%s: %s has no prefix; write it as %s/24 or give prefix" % (field, address, address))
    prefix = parse_prefix(address, prefix, field)
    network = netaddr.IPNetwork("%s/%d" % (address, prefix))
    if ":" not in address and prefix < 31 and str(network.ip) in (str(network.network), str(network.broadcast)):
        raise ModuleFailure("%s: %s/%d is the %s address of subnet %s, not a host address; choose an address "
                            "inside the subnet" % (field, address, prefix,
                                                   "network" if network.ip == network.network else "broadcast",
                                                   network.cidr))
    return address, prefix


def subnet_of(address, prefix):
    require_netaddr()
    return netaddr.IPNetwork("%s/%s" % (address, prefix)).cidr


def parse_network(text, field):
    """A network in CIDR notation whose host bits are zero ('10.20.0.0/16')."""
    require_netaddr()
    if not isinstance(text, str) or "/" not in text:
        raise ModuleFailure("%s: %r is not a network; write it in CIDR notation, e.g. 10.20.0.0/16" % (field, text))
    address, dummy, prefix = text.partition("/")
    address = parse_address(address, field)
    prefix = parse_prefix(address, prefix, field)
    network = netaddr.IPNetwork("%s/%d" % (address, prefix))
    if network.ip != network.network:
        raise ModuleFailure("%s: %s has host bits set; the network is %s" % (field, text, network.cidr))
    return str(network.cidr)


def check_unique_addresses(interfaces):
    """interfaces: {nic: [{'address', 'prefix', 'enabled'}]}. An address lives once per appliance."""
    seen = {}
    for nic in sorted(interfaces):
        for ip in interfaces[nic]:
            if ip["address"] in seen:
                where = "twice on %s" % nic if seen[ip["address"]] == nic else "on %s and on %s" % (seen[ip["address"]], nic)
                raise ModuleFailure("IP address %s appears %s; an address can be configured only once per "
                                    "appliance: remove one of them" % (ip["address"], where))
            seen[ip["address"]] = nic


def check_one_nic_per_subnet(interfaces):
    """Two NICs on one subnet make the appliance's routing ambiguous; the vendor's IP
    Configuration page refuses it."""
    subnets = []
    for nic in sorted(interfaces):
        for ip in interfaces[nic]:
            subnets.append((nic, ip["address"], subnet_of(ip["address"], ip["prefix"])))
    for index, (nic, address, subnet) in enumerate(subnets):
        for other_nic, other_address, other_subnet in subnets[index + 1:]:
            if other_nic != nic and (subnet in other_subnet or other_subnet in subnet):
                raise ModuleFailure(
                    "%s on %s and %s on %s are on the same subnet (%s, %s); two NICs cannot share a subnet: move "
                    "both addresses to one NIC or use different subnets" % (
                        address, nic, other_address, other_nic, subnet, other_subnet))


def check_interfaces(interfaces):
    """Every check of a whole appliance's IP configuration."""
    check_unique_addresses(interfaces)
    check_one_nic_per_subnet(interfaces)


def nic_for_address(address, interfaces, nic=None, enabled_only=True):
    """The NIC with a subnet holding ``address`` (only ``nic`` when given), or None."""
    require_netaddr()
    target = netaddr.IPAddress(address)
    for name in sorted(interfaces):
        if nic is not None and name != nic:
            continue
        for ip in interfaces[name]:
            same_family = (":" in address) == (":" in ip["address"])
            if (ip.get("enabled", True) or not enabled_only) and same_family \
                    and target in subnet_of(ip["address"], ip["prefix"]):
                return name
    return None


def describe_subnets(interfaces, nic=None, enabled_only=True):
    subnets = ["%s on %s" % (subnet_of(ip["address"], ip["prefix"]), name)
               for name in sorted(interfaces) if nic is None or name == nic
               for ip in interfaces[name] if ip.get("enabled", True) or not enabled_only]
    return ", ".join(subnets) or "none"


def check_gateway(address, interfaces, nic=None, field="gateway"):
    """The gateway's NIC: the gateway must lie in a subnet of an enabled IP (of ``nic`` when given)."""
    address = parse_address(address, field)
    if nic is not None and nic not in interfaces:
        raise ModuleFailure("%s: NIC %s does not exist; the appliance has %s" % (field, nic, ", ".join(sorted(interfaces))))
    found = nic_for_address(address, interfaces, nic)
    if found is None:
        where = " of %s" % nic if nic else ""
        raise SubnetMissing("%s: %s is outside every subnet of an enabled IP%s (%s); a gateway must be reachable "
                            "directly: use an address inside one of them, or configure and enable an IP on its subnet "
                            "first (network_ips)" % (field, address, where, describe_subnets(interfaces, nic)))
    return address, found


def check_static_routes(routes, interfaces):
    """Normalised routes [{'destination', 'gateway', 'interface'}], each reachable and unique."""
    result = []
    seen = set()
    for index, route in enumerate(routes):
        field = "static_routes[%d]" % index
        destination = parse_network(route.get("destination"), field + ".destination")
        if destination in seen:
            raise ModuleFailure("%s: destination %s appears more than once; keep one route per destination"
                                % (field, destination))
        seen.add(destination)
        nic = route.get("interface")
        if nic is not None and nic not in interfaces:
            raise ModuleFailure("%s.interface: NIC %s does not exist; the appliance has %s"
                                % (field, nic, ", ".join(sorted(interfaces))))
        gateway = parse_address(route.get("gateway"), field + ".gateway")
        found = nic_for_address(gateway, interfaces, nic, enabled_only=False)
        if found is None:
            raise SubnetMissing("%s.gateway: %s is outside every subnet%s (%s); use a gateway inside one of them"
                                % (field, gateway, " of %s" % nic if nic else "",
                                   describe_subnets(interfaces, nic, enabled_only=False)))
        result.append(dict(destination=destination, gateway=gateway, interface=found))
    return result


def check_dns_servers(servers):
    result = []
    for index, server in enumerate(servers):
        address = parse_address(server, "dns_servers[%d]" % index)
        if address in result:
            raise ModuleFailure("dns_servers: %s appears more than once; list each server once" % address)
        result.append(address)
    if len(result) > MAX_DNS_SERVERS:
        raise ModuleFailure("dns_servers: %d servers given; the appliance takes at most %d"
                            % (len(result), MAX_DNS_SERVERS))
    return result


# -- certificates and keys --------------------------------------------------------------------

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


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def not_after(cert):
    return cert.not_valid_after_utc


def days_left(cert, now=None):
    return (not_after(cert) - (now or _utcnow())).days


def check_not_expired(cert, now=None, field="certificate"):
    now = now or _utcnow()
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


# -- Functions appended by other modules' engineers go below this line (keep the ones above stable).


# --- cluster and preflight (eng-cluster) ---

_HOST_LABEL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
TIMEZONE_OFFSET_HOURS = (-12, 14)


def parse_hostname(text, field):
    """A DNS host name (RFC 1123 labels), without the root's trailing dot."""
    if not isinstance(text, str) or not text.strip():
        raise ModuleFailure("%s is empty; give a DNS host name such as tn1.eu.example.com" % field)
    if text != text.strip():
        raise ModuleFailure("%s: %r has leading or trailing spaces; remove them" % (field, text))
    bare = text[:-1] if text.endswith(".") else text
    if len(bare) > 253:
        raise ModuleFailure("%s: %r is longer than 253 characters, the limit for a DNS name" % (field, text))
    for label in bare.split("."):
        if not 1 <= len(label) <= 63 or not set(label) <= _HOST_LABEL_CHARACTERS or "-" in (label[0], label[-1]):
            raise ModuleFailure("%s: %r is not a valid host name; label %r must be 1 to 63 letters, digits or "
                                "hyphens, not starting or ending with a hyphen" % (field, text, label))
    return bare


def parse_host(text, field):
    """An IP address or a DNS host name, as the vendor's address fields take either."""
    if isinstance(text, str) and text.strip() and (":" in text or set(text.strip()) <= set("0123456789.")):
        return parse_address(text, field)
    return parse_hostname(text, field)


def parse_port(port, field):
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ModuleFailure("%s: %r is not a TCP port; use 1 to 65535 (443 for HTTPS)" % (field, port))
    return port


def parse_timezone_offset(hours, field):
    """Hours from UTC as the vendor's Timezone Offset field takes them: -12 to +14, quarter hours."""
    low, high = TIMEZONE_OFFSET_HOURS
    try:
        value = float(hours)
    except (TypeError, ValueError):
        raise ModuleFailure("%s: %r is not a number of hours; give the active UTC offset, e.g. 5.5 or -3"
                            % (field, hours))
    if not low <= value <= high:
        raise ModuleFailure("%s: %s hours is outside UTC%+d to UTC%+d; give the currently active offset in hours "
                            "(e.g. 1 for CET, -5 for EST)" % (field, hours, low, high))
    if value * 4 != int(value * 4):
        raise ModuleFailure("%s: %s hours is not a whole number of quarter hours; use e.g. 5.5 or 5.75"
                            % (field, hours))
    return int(value) if value == int(value) else value
