"""The lab-private appliance-to-appliance protocol. Not part of the management API.

Real appliances of a failover pair or an Atlas cluster talk to each other over TLS on port 443,
authenticated by the inter-appliance key; the vendor does not publish that protocol. The lab
models it as JSON requests under /_lab/peer/ on the appliances' own TLS listeners:
- every request carries `X-Lab-Peer-Time` (unix seconds), `X-Lab-Peer-Appliance` (the sender's
  appliance id) and `X-Lab-Peer-Signature`, the HMAC-SHA256 under the sender's inter-appliance
  key of method, path, time, sender and the body's SHA-256;
  the receiver checks it with its own key, so appliances whose keys differ refuse each other
  (403 with the reason), and so does an appliance that has no key;
- the client does not verify the server certificate on this channel, deliberately: the key's
  HMAC is what authenticates a peer (as the pre-shared key does between real appliances), and an
  imported certificate need not name the address a peer uses;
- the client connects from the appliance's own address, so the receiver knows who calls; network
  faults (isolation, partitions) are applied by the sender and by the receiver, which drops the
  connection without an answer.
Host names of lab appliances resolve through the topology (the lab has no DNS).
"""
import hashlib
import hmac
import http.client
import ipaddress
import json
import ssl
import time

from lab.appliance.web import HttpError

PREFIX = "/_lab/peer"
TIME_HEADER = "X-Lab-Peer-Time"
CALLER_HEADER = "X-Lab-Peer-Appliance"
SIGNATURE_HEADER = "X-Lab-Peer-Signature"
MAX_CLOCK_SKEW = 300


class PeerError(Exception):
    """A peer request that did not succeed."""


class PeerUnreachable(PeerError):
    """The peer could not be contacted (refused, timed out, dropped, cut by a fault)."""


class PeerRefused(PeerError):
    """The peer answered and refused; `message` is its reason."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class ConnectionCut(Exception):
    """An incoming peer request over a cut network: the connection is dropped unanswered."""


def caller_of(request):
    """The appliance id of the peer that sent an admitted request."""
    return request.headers.get(CALLER_HEADER)


def signature(key, method, path, timestamp, caller, body):
    digest = hashlib.sha256(body).hexdigest()
    message = "\n".join((method, path, timestamp, caller, digest)).encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


class PeerChannel:
    """Both ends of the protocol for one appliance: admitting requests and sending them."""

    def __init__(self, appliance):
        self.appliance = appliance
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._context.check_hostname = False
        self._context.verify_mode = ssl.CERT_NONE

    # --- receiving ---------------------------------------------------------------------------
    def admit(self, request):
        """Drops requests over a cut network; 403 unless signed with this appliance's key."""
        if self.appliance.faults.cut(request.client_address):
            raise ConnectionCut()
        key = self.appliance.config("inter_appliance_key")
        if key is None:
            raise HttpError(403, f"{self.appliance.hostname} has no inter-appliance key set.")
        stamp = request.headers.get(TIME_HEADER) or ""
        supplied = request.headers.get(SIGNATURE_HEADER) or ""
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW:
            raise HttpError(403, "The inter-appliance request is not timed correctly.")
        caller = request.headers.get(CALLER_HEADER) or ""
        expected = signature(key, request.method, request.path, stamp, caller, request.body)
        if not hmac.compare_digest(expected, supplied):
            raise HttpError(403, f"The inter-appliance key of {self.appliance.hostname} does not match"
                                 " the key of the appliance that called.")

    # --- sending -----------------------------------------------------------------------------
    def call(self, host, port, method, path, payload=None):
        """JSON answer of a peer request to host:port; PeerUnreachable or PeerRefused otherwise."""
        address = self.resolve(host)
        if address is None:
            raise PeerUnreachable(f"cannot resolve the host name {host} (the lab knows its appliances' names only)")
        cut = self.appliance.faults.cut(address)
        if cut:
            raise PeerUnreachable(f"cannot reach {host}:{port}: {cut}")
        key = self.appliance.config("inter_appliance_key")
        if key is None:
            raise PeerRefused(0, f"{self.appliance.hostname} has no inter-appliance key set")
        body = json.dumps(payload).encode() if payload is not None else b""
        full_path = PREFIX + path
        stamp = str(int(time.time()))
        caller = self.appliance.appliance_id
        headers = {"Content-Type": "application/json", TIME_HEADER: stamp, CALLER_HEADER: caller,
                   "Connection": "close", SIGNATURE_HEADER: signature(key, method, full_path, stamp, caller, body)}
        status, answer = self._exchange(address, port, method, full_path, body, headers, host)
        if status >= 400:
            raise PeerRefused(status, answer.get("message") or f"HTTP {status}")
        return answer

    def _exchange(self, address, port, method, path, body, headers, host):
        timeout = float(self.appliance.settings()["peer_timeout"])
        connection = http.client.HTTPSConnection(
            address, port, timeout=timeout, context=self._context,
            source_address=(self.appliance.own_address(), 0))
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise PeerUnreachable(f"cannot connect to {host}:{port}: {error or type(error).__name__}") from None
        finally:
            connection.close()
        try:
            return response.status, (json.loads(raw) if raw else {})
        except ValueError:
            return response.status, {"message": raw.decode(errors="replace")[:200]}

    def resolve(self, host):
        """An IP address for a lab host name or address; None for a name the lab does not know."""
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
        for node in self.appliance.topology["appliances"].values():
            if node["hostname"].lower() == host.lower():
                return node["address"]
        return None
