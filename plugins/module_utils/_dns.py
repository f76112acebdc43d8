# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A records on an authoritative DNS server: read with a query, write with an RFC 2136
dynamic update, both signed with TSIG (RFC 8945), over TCP (dnspython).

Used for DNS swing: the site host name is pointed at the appliance that is primary.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import ipaddress
import socket

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.tsig
    import dns.update
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc

ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")

_TSIG_HINTS = {
    "BADKEY": "the server does not know the key %(key)s: check tsig_name and tsig_algorithm against the key "
              "statement of the server",
    "BADSIG": "the signature did not verify with key %(key)s: tsig_secret differs from the server's secret",
    "BADTIME": "the server's clock and the controller's differ by more than the allowed fudge: synchronise them",
    "BADTRUNC": "the server refused the truncated signature of key %(key)s",
}


class DnsError(Exception):
    """A DNS request failed; the text names the server, the request and what to fix."""


def tsig_key(name, secret, algorithm):
    """A dnspython TSIG key; the secret must be base64, as BIND's ``tsig-keygen`` writes it."""
    try:
        decoded = base64.b64decode("".join(secret.split()), validate=True)
    except (binascii.Error, ValueError):
        raise DnsError("tsig_secret is not base64: give the secret as the server's key statement holds it "
                       "(tsig-keygen output)")
    if not decoded:
        raise DnsError("tsig_secret is empty")
    try:
        return dns.tsig.Key(dns.name.from_text(name), decoded, dns.name.from_text(algorithm))
    except dns.exception.DNSException as exc:
        raise DnsError("tsig_name %r is not a valid key name: %s" % (name, exc))


def absolute_name(record, zone):
    """The record as an absolute name inside ``zone``: '@' is the apex, a name ending in a dot
    or in the zone is taken as written, anything else is relative to the zone."""
    try:
        origin = dns.name.from_text(zone)
        if record in ("@", ""):
            name = origin
        elif record.endswith("."):
            name = dns.name.from_text(record)
        else:
            candidate = dns.name.from_text(record)
            if candidate.is_subdomain(origin):
                name = candidate
            elif "." in record:
                # A host name such as the site's: taken relative to the wrong zone it would create a record
                # nobody asks for (support.example.com.other.test) and leave the real one where it was (issue 13).
                raise DnsError("record %s is not inside zone %s: a name with a dot is a full host name; give the zone "
                               "that holds it (sra_dns.zone), or a name relative to the zone without a dot"
                               % (candidate.to_text(), origin.to_text()))
            else:
                name = dns.name.from_text(record, origin)
    except dns.exception.DNSException as exc:
        raise DnsError("record %r or zone %r is not a valid DNS name: %s" % (record, zone, exc))
    if not name.is_subdomain(origin):
        raise DnsError("record %s is not inside zone %s: give a name in the zone, or the zone that holds it"
                       % (name.to_text(), origin.to_text()))
    return name


def server_address(server):
    """The server's IP address: dnspython sends to addresses only, so a host name is resolved here, once."""
    try:
        ipaddress.ip_address(server)
        return server
    except ValueError:
        pass
    try:
        return socket.getaddrinfo(server, None, proto=socket.IPPROTO_TCP)[0][4][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise DnsError("server %r is neither an IP address nor a host name the controller resolves (%s): give the "
                       "IP address of the zone's primary name server" % (server, exc))


class DnsServer:
    """One authoritative server and one zone."""

    def __init__(self, server, port, zone, key=None, timeout=10.0):
        self.server = server_address(server)
        self.port = port
        self.zone = dns.name.from_text(zone)
        self.key = key
        self.timeout = timeout

    @property
    def where(self):
        return "%s port %s" % (self.server, self.port)

    def _key_text(self):
        return self.key.name.to_text() if self.key else "(none)"

    def _exchange(self, message, what):
        try:
            response = dns.query.tcp(message, self.server, port=self.port, timeout=self.timeout)
        except dns.exception.Timeout:
            raise DnsError("%s: no answer from %s within %s s: check server and port, and that TCP %s is open"
                           % (what, self.where, self.timeout, self.port))
        except dns.tsig.PeerError as exc:
            raise DnsError("%s: %s answered with TSIG error %s: %s"
                           % (what, self.where, _tsig_code(exc), _tsig_hint(exc, self._key_text())))
        except (ConnectionError, OSError) as exc:
            raise DnsError("%s: cannot reach %s: %s" % (what, self.where, exc))
        except dns.exception.DNSException as exc:
            raise DnsError("%s: %s answered something dnspython cannot read: %s" % (what, self.where, exc))
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsError("%s: %s answered %s: %s" % (what, self.where, dns.rcode.to_text(rcode),
                                                       self._rcode_hint(rcode)))
        return response

    def _rcode_hint(self, rcode):
        zone = self.zone.to_text()
        if self.key:
            refused = ("the server refused the request; allow the key %s to update zone %s (allow-update or "
                       "update-policy)" % (self._key_text(), zone))
        else:
            refused = ("the server refused the unsigned request; give tsig_name and tsig_secret of a key that may "
                       "update zone %s" % zone)
        hints = {
            dns.rcode.REFUSED: refused,
            dns.rcode.NOTAUTH: "the server is not authoritative for zone %s, or did not accept the key %s"
                               % (zone, self._key_text()),
            dns.rcode.NOTZONE: "the record is not inside zone %s" % zone,
            dns.rcode.SERVFAIL: "the server failed; see its log (is zone %s loaded?)" % zone,
        }
        return hints.get(rcode, "see the server's log")

    def read_a(self, name):
        """(sorted addresses, TTL or None) of the A records at ``name``, from the server itself."""
        query = dns.message.make_query(name, dns.rdatatype.A)
        query.flags &= ~dns.flags.RD
        if self.key:
            query.use_tsig(self.key)
        response = self._exchange(query, "query %s A" % name.to_text())
        if not response.flags & dns.flags.AA:
            raise DnsError("query %s A: %s is not authoritative for zone %s: give the zone's primary server"
                           % (name.to_text(), self.where, self.zone.to_text()))
        try:
            rrset = response.find_rrset(response.answer, name, dns.rdataclass.IN, dns.rdatatype.A)
        except KeyError:
            return [], None
        return sorted(rdata.address for rdata in rrset), rrset.ttl

    def _update(self):
        update = dns.update.UpdateMessage(self.zone)
        if self.key:
            update.use_tsig(self.key)
        return update

    def replace_a(self, name, addresses, ttl):
        """One atomic update: the A records at ``name`` become exactly ``addresses``."""
        update = self._update()
        update.replace(name, ttl, dns.rdatatype.A, *addresses)
        self._exchange(update, "update %s A" % name.to_text())

    def delete_a(self, name, address=None):
        update = self._update()
        if address:
            update.delete(name, dns.rdatatype.A, address)
        else:
            update.delete(name, dns.rdatatype.A)
        self._exchange(update, "update %s A" % name.to_text())


def _tsig_code(exc):
    names = {"PeerBadKey": "BADKEY", "PeerBadSignature": "BADSIG", "PeerBadTime": "BADTIME",
             "PeerBadTruncation": "BADTRUNC"}
    return names.get(type(exc).__name__, type(exc).__name__)


def _tsig_hint(exc, key):
    hint = _TSIG_HINTS.get(_tsig_code(exc))
    return hint % {"key": key} if hint else str(exc)
