# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the collection.

It speaks HTTPS to one appliance, authenticates with the vendor's OAuth client credentials
(``/login`` interface and vendor APIs) or HTTP Basic (``/appliance`` interface), retries only
what is safe to retry, and turns every failure into an ApplianceError that names the
appliance, the method and path, the HTTP status and the appliance's own message.

Standard library only (``http.client`` and ``ssl``): the vendor wants the connection closed
after every call, so a pooling library buys nothing, and TLS by address verified by name
(``tls_server_name``) needs the handshake in our hands: SNI and the name check are ours.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import email.utils
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import time
from datetime import timezone
from urllib.parse import urlencode

TOKEN_PATH = "/oauth2/token"
RETRY_STATUSES = (500, 502, 503, 504)
# Gateway and availability errors: nothing was done, and they pass (a swap, a restart).
TRANSIENT_STATUSES = (502, 503, 504)
# The vendor documents 20 requests/second per API account: one second is the shortest wait
# that is certain to give a new allowance when the appliance does not say how long to wait.
RATE_LIMIT_PAUSE = 1.0
# A Retry-After longer than this is not waited out inside one module run: the error says it.
MAX_RETRY_AFTER = 300.0
USER_AGENT = "sra.appliance"
FORM = "application/x-www-form-urlencoded"
NOT_RETRIED_HINT = ("The request was not retried because it changes state; "
                    "check the appliance's state before running again")
CA_HINT = ("Give ca_path the PEM bundle of the CA that issued the appliance's certificate (for a factory-fresh "
           "appliance, its self-signed factory certificate); with tls_server_name (the site host name) a deployed "
           "appliance serves the site certificate; validate_certs=false only for a first contact you trust")

# What kind of failure an ApplianceError is, for reports that must not call everything "unreachable".
UNREACHABLE = "unreachable"   # no HTTP answer: refused, timed out, reset, name not resolved
TLS = "tls"                   # the handshake failed or the certificate did not verify
AUTH = "auth"                 # credentials not accepted (401) or the account lacks the permission (403)
REFUSED = "refused"           # the appliance understood and refused (XML <error>, 409, 422, an error body)
HTTP = "http"                 # any other unexpected answer (5xx, 404, 406, not JSON or XML)
CONFIG = "config"             # the module's own options are incomplete or wrong: nothing was sent

_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", re.IGNORECASE)


class ApplianceError(Exception):
    """A request to an appliance failed; the text says where, what and why."""

    def __init__(self, appliance, method, path, status=None, message=None, hint=None, body=None, kind=None):
        self.appliance = appliance
        self.method = method
        self.path = path
        self.status = status
        self.appliance_message = message
        self.hint = hint
        self.body = body
        self.kind = kind or _kind_of(status)
        super(ApplianceError, self).__init__(self._text())

    def _text(self):
        where = "%s: %s %s" % (self.appliance, self.method, self.path)
        if self.status is None:
            text = "%s failed: %s" % (where, self.appliance_message)
        else:
            text = "%s answered HTTP %s: %s" % (where, self.status, self.appliance_message or "(no message)")
        if self.hint:
            text = "%s. %s" % (text.rstrip("."), self.hint)
        return text

    def with_hint(self, hint):
        """The same failure with ``hint`` added (a layer above the client knows more)."""
        hint = "%s. %s" % (self.hint.rstrip("."), hint) if self.hint else hint
        return ApplianceError(self.appliance, self.method, self.path, self.status, self.appliance_message, hint=hint,
                              body=self.body, kind=self.kind)

    def to_result(self):
        """What a module returns next to the failure message."""
        return dict(appliance=self.appliance, method=self.method, path=self.path,
                    status=self.status, appliance_message=self.appliance_message, failure=self.kind)


def _kind_of(status):
    if status is None:
        return UNREACHABLE
    if status in (401, 403):
        return AUTH
    if status in (400, 409, 422) or 200 <= status < 300:
        return REFUSED
    return HTTP


def local_name(tag):
    """'{namespace}health_check' -> 'health_check': the vendor has used two namespaces."""
    return tag.rsplit("}", 1)[-1]


def message_from_body(text):
    """The appliance's own words from an error answer: JSON message, XML <error>, or text."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            return text[:500]
        if not isinstance(body, dict):
            return text[:500]
        parts = [str(body[key]) for key in ("message", "error_description") if body.get(key)]
        if not parts and body.get("error"):
            parts.append(str(body["error"]))
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts.extend("%s: %s" % (field, "; ".join(map(str, msgs if isinstance(msgs, list) else [msgs])))
                         for field, msgs in sorted(errors.items()))
        return " - ".join(parts) or text[:500]
    if text.startswith("<"):
        # Imported here: only the vendor's XML API answers in XML (module_utils/_vendor.py), and a
        # module run that talks only to the management API should not load the XML parser.
        import xml.etree.ElementTree as ET

        try:
            root = ET.fromstring(text.encode("utf-8"))
        except ET.ParseError:
            return text[:500]
        if local_name(root.tag) == "error":
            return (root.text or "").strip()
        return None
    return text[:500]


# -- certificate names (RFC 6125) ---------------------------------------------------------------
def ip_or_none(name):
    try:
        return ipaddress.ip_address(str(name).strip().strip("[]"))
    except ValueError:
        return None


def certificate_names(cert):
    """(DNS names, IP addresses) a certificate holds, from ``SSLSocket.getpeercert()``.

    The subject's common name stands in for a DNS name only when the certificate has no
    subjectAltName at all (the rule Python's own check followed); modern certificates have SANs.
    """
    dns_names, addresses = [], []
    alt_names = cert.get("subjectAltName") or ()
    for kind, value in alt_names:
        if kind == "DNS":
            dns_names.append(value)
        elif kind == "IP Address":
            addresses.append(value.strip())
    if not alt_names:
        dns_names.extend(value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName")
    return dns_names, addresses


def dns_name_matches(pattern, name):
    """RFC 6125 6.4: labels compare case-insensitively; a wildcard is allowed only as the whole
    left-most label, stands for exactly one label, and needs at least two labels after it."""
    pattern = pattern.strip().lower().rstrip(".")
    name = name.strip().lower().rstrip(".")
    if not pattern or not name or ip_or_none(name) is not None:
        return False
    if "*" not in pattern:
        return pattern == name
    first, dummy, rest = pattern.partition(".")
    if first != "*" or "*" in rest or "." not in rest:
        return False
    label, dummy, name_rest = name.partition(".")
    return bool(label) and name_rest == rest


def name_matches(cert, name):
    """Whether the certificate was issued for ``name``: an IP SAN for an address, a DNS name otherwise."""
    dns_names, addresses = certificate_names(cert)
    address = ip_or_none(name)
    if address is not None:
        return any(ip_or_none(item) == address for item in addresses)
    return any(dns_name_matches(pattern, name) for pattern in dns_names)


def describe_names(cert):
    dns_names, addresses = certificate_names(cert)
    names = ["DNS:%s" % name for name in dns_names] + ["IP:%s" % address for address in addresses]
    return ", ".join(names) or "no name"


def server_name_problem(name):
    """Why ``name`` cannot be a tls_server_name (None when it can): a host name or an IP address."""
    if ip_or_none(name) is not None:
        return None
    text = name.rstrip(".")
    if len(text) <= 253 and text and all(_DNS_LABEL.match(label) for label in text.split(".")):
        return None
    return ("tls_server_name must be a host name such as support.example.com or an IP address, without scheme, "
            "port, path or wildcard; got %r" % name)


def ca_path_problem(path):
    """Why ``path`` cannot be used as ca_path (None when it can), checked before any request."""
    if not os.path.exists(path):
        return "ca_path %s does not exist; give the PEM bundle of the CA that issued the appliances' certificates" % path
    if not os.access(path, os.R_OK) or (os.path.isdir(path) and not os.access(path, os.X_OK)):
        return "ca_path %s is not readable by this user (uid %s); fix its permissions" % (path, os.getuid())
    try:
        tls_context(True, path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        return "ca_path %s holds no usable PEM certificate (%s); give a PEM bundle (BEGIN CERTIFICATE blocks)" % (
            path, exc)
    return None


def tls_context(validate_certs, ca_path=None):
    """The client context: the chain verified against ca_path (a file or a hashed directory) or
    the system store. Host names are never checked by OpenSSL here: TlsSettings checks them."""
    if validate_certs:
        if ca_path and os.path.isdir(ca_path):
            context = ssl.create_default_context(capath=ca_path)
        else:
            context = ssl.create_default_context(cafile=ca_path or None)
        context.check_hostname = False
        return context
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # what validate_certs=false asks for; the module warns about it
    return context


class TlsConfigError(Exception):
    """The TLS settings cannot be used (ca_path unreadable): nothing was sent."""


class CertificateNameMismatch(Exception):
    """The chain verified, but the certificate names neither tls_server_name nor host."""

    def __init__(self, names, cert):
        self.names = names
        self.cert_names = describe_names(cert)
        super(CertificateNameMismatch, self).__init__(
            "the certificate served names %s, none of which is %s" % (self.cert_names, " or ".join(names)))


class TlsSettings:
    """How to reach one appliance by its address and verify it by name.

    SNI: ``server_name`` when given, else ``host`` when it is a name (never an IP). Valid: the
    chain verifies and the certificate names ``server_name`` or ``host`` (an IP SAN for an
    address). So one run reaches a factory-fresh appliance (its self-signed certificate names its
    address) and a deployed one (the site certificate names only the site) by address.
    """

    def __init__(self, host, validate_certs=True, ca_path=None, server_name=None):
        self.host = host
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.server_name = server_name or None
        self._context = None

    @property
    def sni(self):
        if self.server_name:
            return self.server_name
        return None if ip_or_none(self.host) is not None else self.host

    @property
    def names(self):
        """The names a valid certificate may hold: tls_server_name first, then host."""
        names = [self.server_name] if self.server_name else []
        return names + [self.host] if self.host not in names else names

    def context(self):
        """The SSL context, built once; TlsConfigError when ca_path cannot be loaded."""
        if self._context is None:
            try:
                self._context = tls_context(self.validate_certs, self.ca_path)
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise TlsConfigError("cannot load ca_path %s: %s" % (self.ca_path, _reason(exc)))
        return self._context

    def wrap(self, sock, check_names=True):
        """The TLS socket over ``sock``, its chain verified (when validate_certs) and its names checked."""
        tls = self.context().wrap_socket(sock, server_hostname=self.sni)
        if self.validate_certs and check_names:
            cert = tls.getpeercert()
            if not any(name_matches(cert, name) for name in self.names):
                tls.close()
                raise CertificateNameMismatch(self.names, cert)
        return tls

    def connect(self, port, timeout, check_names=True):
        """A TLS connection to host:port (health_info's certificate read shares it, reporting the names)."""
        self.context()  # a TlsConfigError before any connection is made
        raw = socket.create_connection((self.host, port), timeout=timeout)
        try:
            return self.wrap(raw, check_names)
        except BaseException:
            raw.close()
            raise

    def describe(self):
        """How the name was checked, for error messages."""
        text = "checked %s" % " and ".join(self.names)
        return text + (" (SNI %s)" % self.sni if self.sni else " (no SNI)")


# -- the wire ---------------------------------------------------------------------------------
class Headers:
    """Response headers, looked up case-insensitively (the last of repeated headers wins)."""

    def __init__(self, items=()):
        pairs = items.items() if isinstance(items, dict) else items
        self._items = dict((str(key).lower(), value) for key, value in pairs)

    def get(self, name, default=None):
        return self._items.get(name.lower(), default)


class Response:
    """One answer: status, reason, headers and the body, read whole or streamed."""

    def __init__(self, status, reason="", headers=(), body=b"", stream=None):
        self.status_code = status
        self.reason = reason
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self._body = None if stream is not None else body
        self._stream = stream

    @property
    def content(self):
        if self._body is None:
            try:
                self._body = b"".join(iter(lambda: self._stream.read(65536), b""))
            finally:
                self.close()
        return self._body

    @property
    def text(self):
        return self.content.decode(self._charset(), errors="replace")

    def _charset(self):
        for part in (self.headers.get("Content-Type") or "").split(";")[1:]:
            key, dummy, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    def json(self):
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content.decode(self._charset()))

    def iter_content(self, chunk_size):
        if self._body is not None:
            for start in range(0, len(self._body), chunk_size):
                yield self._body[start:start + chunk_size]
            return
        while True:
            chunk = self._stream.read(chunk_size)
            if not chunk:
                return
            yield chunk

    def close(self):
        if self._stream is not None:
            self._stream.close()


class _Stream:
    """A streamed body and the connection it comes over: closing it closes both."""

    def __init__(self, answer, connection):
        self.answer = answer
        self.connection = connection

    def read(self, size):
        return self.answer.read(size)

    def close(self):
        self.answer.close()
        self.connection.close()


class _Connection(http.client.HTTPSConnection):
    """An HTTPS connection whose handshake is TlsSettings.wrap: our SNI, our name check."""

    def __init__(self, host, port, tls, timeout):
        super(_Connection, self).__init__(host, port, timeout=timeout, context=tls.context())
        self._tls = tls

    def connect(self):
        self.sock = self._tls.connect(self.port, self.timeout)


class HttpsTransport:
    """HTTPS to one appliance, one connection per request (the vendor: close after each call)."""

    def __init__(self, host, port, tls, timeout):
        self.host = host
        self.port = port
        self.tls = tls
        self.timeout = timeout

    def send(self, method, target, headers, body, stream=False):
        connection = _Connection(self.host, self.port, self.tls, self.timeout)
        try:
            connection.request(method, target, body=body, headers=headers)
            answer = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        if stream:
            return Response(answer.status, answer.reason, answer.getheaders(), stream=_Stream(answer, connection))
        try:
            return Response(answer.status, answer.reason, answer.getheaders(), answer.read())
        finally:
            connection.close()


class Token:
    """An OAuth token that clients of one appliance and API account share within a module run."""

    def __init__(self):
        self.value = None


# -- the client -------------------------------------------------------------------------------
class ApplianceClient:
    """HTTPS to one appliance. One instance per module run keeps one OAuth token."""

    def __init__(self, host, port=443, client_id=None, client_secret=None, appliance_user=None,
                 appliance_password=None, validate_certs=True, ca_path=None, timeout=30,
                 retries=3, backoff=0.5, transport=None, sleep=time.sleep, clock=time.time,
                 tls_server_name=None, token=None):
        self.host = host
        self.port = port
        self.name = host if port == 443 else "%s:%s" % (host, port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.appliance_user = appliance_user
        self.appliance_password = appliance_password
        self.tls = TlsSettings(host, validate_certs, ca_path, tls_server_name)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.transport = transport or HttpsTransport(host, port, self.tls, timeout)
        self.sleep = sleep
        self.clock = clock
        self.token = token or Token()
        self.requests_sent = []

    @property
    def host_header(self):
        """With tls_server_name the request is for that name (as a browser of the site sends it),
        so a virtual host that compares SNI and Host sees one name; else http.client's own."""
        if not self.tls.server_name:
            return None
        name = _bracket(self.tls.server_name)
        return name if self.port == 443 else "%s:%s" % (name, self.port)

    # -- authentication -------------------------------------------------------------------
    def _bearer(self, refresh=False):
        if self.token.value is None or refresh:
            self.token.value = self._fetch_token()
        return {"Authorization": "Bearer %s" % self.token.value}

    def _fetch_token(self):
        if not (self.client_id and self.client_secret):
            raise ApplianceError(self.name, "POST", TOKEN_PATH, message="no API account credentials", kind=CONFIG,
                                 hint="Set client_id and client_secret (or BT_CLIENT_ID and BT_CLIENT_SECRET) "
                                      "to an API account from /login > Management > API Configuration")
        headers = {"Authorization": _basic_header(self.client_id, self.client_secret), "Content-Type": FORM}
        response = self._send("POST", TOKEN_PATH, headers, b"grant_type=client_credentials", idempotent=True)
        if response.status_code != 200:
            if response.status_code in (400, 401):
                raise self._error("POST", TOKEN_PATH, response, kind=AUTH,
                                  hint="Check client_id and client_secret of the API account")
            raise self._error("POST", TOKEN_PATH, response)
        try:
            return response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ApplianceError(self.name, "POST", TOKEN_PATH, response.status_code,
                                 "the answer holds no access_token", body=response.text[:500], kind=HTTP)

    def _basic(self):
        if not (self.appliance_user and self.appliance_password):
            raise ApplianceError(self.name, "-", "/appliance", message="no /appliance admin credentials", kind=CONFIG,
                                 hint="Set appliance_user and appliance_password (or SRA_APPLIANCE_USER and "
                                      "SRA_APPLIANCE_PASSWORD)")
        return {"Authorization": _basic_header(self.appliance_user, self.appliance_password)}

    # -- requests -------------------------------------------------------------------------
    def request(self, method, path, auth="bearer", params=None, json_body=None, data=None,
                expected=(200,), idempotent=None, headers=None, stream=False, hint=None, retry_statuses=None):
        """Send one request; return the response when its status is expected.

        auth: 'bearer' (OAuth token), 'basic' (/appliance admin) or None.
        idempotent: whether a lost answer may be retried; GET, HEAD and PUT are by default.
        retry_statuses: the statuses an idempotent request is retried on (default 500, 502-504).
        A bearer request answered 401 is sent once more with a new token: the vendor caps
        an API account at 30 live tokens and evicts the oldest, so a parallel run can
        invalidate ours; a 401 means the request was not carried out.
        """
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT")
        target = path + ("?" + urlencode(params) if params else "")
        sent_headers, body = self._body(json_body, data)
        sent_headers.update(headers or {})
        if auth == "basic":
            sent_headers.update(self._basic())
        elif auth == "bearer":
            sent_headers.update(self._bearer())
        send = dict(idempotent=idempotent, stream=stream, retry_statuses=retry_statuses)
        response = self._send(method, target, sent_headers, body, **send)
        if response.status_code == 401 and auth == "bearer":
            response.close()
            sent_headers.update(self._bearer(refresh=True))
            response = self._send(method, target, sent_headers, body, **send)
        if response.status_code not in expected:
            raise self._error(method, path, response, hint=hint or _auth_hint(auth, response.status_code))
        return response

    def get_json(self, path, auth="bearer", params=None, headers=None):
        return self._json(self.request("GET", path, auth=auth, params=params, headers=headers), "GET", path)

    def send_json(self, method, path, body=None, auth="bearer", expected=(200, 201, 202, 204), hint=None,
                  headers=None):
        response = self.request(method, path, auth=auth, json_body=body, expected=expected, hint=hint,
                                headers=headers)
        if response.status_code == 204 or not response.content:
            return None
        return self._json(response, method, path)

    def _json(self, response, method, path):
        try:
            return response.json()
        except ValueError:
            raise ApplianceError(self.name, method, path, response.status_code,
                                 "the answer is not JSON", body=response.text[:500], kind=HTTP)

    @staticmethod
    def _body(json_body, data):
        """(headers, bytes) of a request body: JSON, a form, or none."""
        if json_body is not None:
            return {"Content-Type": "application/json"}, json.dumps(json_body).encode("utf-8")
        if isinstance(data, dict):
            return {"Content-Type": FORM}, urlencode(data).encode("ascii")
        if data is not None:
            return {"Content-Type": FORM}, data.encode("utf-8") if isinstance(data, str) else data
        return {}, None

    def _send(self, method, target, headers, body, idempotent, stream=False, retry_statuses=None):
        """One request with retries: 429 always (it was refused, not carried out), connection
        errors and 5xx only when the request is idempotent."""
        path = target.split("?", 1)[0]
        headers = dict(headers)
        # "When making consecutive API calls, you must close the connection after each API call."
        headers["Connection"] = "close"
        headers.setdefault("User-Agent", USER_AGENT)
        headers.setdefault("Accept", "*/*")
        if self.host_header:
            headers["Host"] = self.host_header
        attempt = 0
        while True:
            attempt += 1
            self.requests_sent.append((method, path))
            failure = None
            try:
                response = self.transport.send(method, target, headers, body, stream=stream)
            except TlsConfigError as exc:
                raise ApplianceError(self.name, method, path, message=str(exc), kind=CONFIG, hint=CA_HINT)
            except CertificateNameMismatch as exc:
                raise ApplianceError(self.name, method, path, message="TLS: %s (%s)" % (exc, self.tls.describe()),
                                     kind=TLS, hint="Set tls_server_name to a name the certificate holds (the site "
                                                    "host name on a deployed appliance), or give the appliance a "
                                                    "certificate that names %s" % self.host)
            except ssl.SSLCertVerificationError as exc:
                raise ApplianceError(self.name, method, path, kind=TLS, hint=CA_HINT, message=(
                    "TLS verification failed (%s): %s" % (self.tls.describe(), exc.verify_message or _reason(exc))))
            except ssl.SSLError as exc:
                # An EOF in the handshake is a connection cut (a restart), not a TLS problem.
                if not isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
                    raise ApplianceError(self.name, method, path, kind=TLS, hint=CA_HINT, message=(
                        "TLS handshake failed (%s): %s" % (self.tls.describe(), _reason(exc))))
                failure = exc
            except (http.client.HTTPException, OSError) as exc:
                failure = exc
            if failure is not None:
                if idempotent and attempt <= self.retries:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                # A read sent once on purpose (a probe) was not retried either, but changes nothing.
                hint = None if idempotent or method in ("GET", "HEAD") else NOT_RETRIED_HINT
                raise ApplianceError(self.name, method, path, message="cannot connect: %s" % _reason(failure),
                                     hint=hint)
            delay = self._retry_delay(response, idempotent, attempt, retry_statuses)
            if delay is None:
                return response
            response.close()
            self.sleep(delay)

    def _retry_delay(self, response, idempotent, attempt, retry_statuses=None):
        if attempt > self.retries:
            return None
        if response.status_code == 429:
            delay = self._retry_after(response)
            delay = RATE_LIMIT_PAUSE * attempt if delay is None else delay
        elif idempotent and response.status_code in (RETRY_STATUSES if retry_statuses is None else retry_statuses):
            delay = self._retry_after(response)
            delay = self.backoff * 2 ** (attempt - 1) if delay is None else delay
        else:
            return None
        return None if delay > MAX_RETRY_AFTER else delay

    def _retry_after(self, response):
        return retry_after_seconds(response.headers.get("Retry-After"), self.clock())

    def _error(self, method, path, response, hint=None, kind=None):
        text = response.text
        message = message_from_body(text) or response.reason
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:
            message = "%s (Retry-After: %s)" % (message, retry_after)
        return ApplianceError(self.name, method, path, response.status_code, message, hint=hint,
                              body=text[:2000], kind=kind)


def retry_after_seconds(value, now):
    """Retry-After as RFC 9110 10.2.3 has it, in seconds from ``now``: delay-seconds or an
    HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms). None when absent or unreadable."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # an HTTP-date is always GMT
    return max(0.0, moment.timestamp() - now)


def _basic_header(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")


def _bracket(host):
    return "[%s]" % host if ":" in host and not host.startswith("[") else host


def _reason(exc):
    text = str(exc) or exc.__class__.__name__
    return text if len(text) < 300 else text[:300] + "..."


def _auth_hint(auth, status):
    if status != 401:
        return None
    if auth == "basic":
        return "Check appliance_user and appliance_password of the /appliance admin account"
    return "Check client_id and client_secret, and that the API account is enabled"
