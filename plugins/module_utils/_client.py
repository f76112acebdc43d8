# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the collection.

It speaks HTTPS to one appliance, authenticates with the vendor's OAuth client credentials
(``/login`` interface and vendor APIs) or HTTP Basic (``/appliance`` interface), retries only
what is safe to retry, and turns every failure into an ApplianceError that names the
appliance, the method and path, the HTTP status and the appliance's own message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
import xml.etree.ElementTree as ET

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the sanity import test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

TOKEN_PATH = "/oauth2/token"
RETRY_STATUSES = (500, 502, 503, 504)
# The vendor documents 20 requests/second per API account: one second is the shortest wait
# that is certain to give a new allowance when the appliance does not say how long to wait.
RATE_LIMIT_PAUSE = 1.0
NOT_RETRIED_HINT = ("The request was not retried because it changes state; "
                    "check the appliance's state before running again")


class ApplianceError(Exception):
    """A request to an appliance failed; the text says where, what and why."""

    def __init__(self, appliance, method, path, status=None, message=None, hint=None, body=None):
        self.appliance = appliance
        self.method = method
        self.path = path
        self.status = status
        self.appliance_message = message
        self.hint = hint
        self.body = body
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

    def to_result(self):
        """What a module returns next to the failure message."""
        return dict(appliance=self.appliance, method=self.method, path=self.path,
                    status=self.status, appliance_message=self.appliance_message)


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
        parts = [str(body[key]) for key in ("message", "error_description") if body.get(key)]
        if not parts and body.get("error"):
            parts.append(str(body["error"]))
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts.extend("%s: %s" % (field, "; ".join(map(str, msgs if isinstance(msgs, list) else [msgs])))
                         for field, msgs in sorted(errors.items()))
        return " - ".join(parts) or text[:500]
    if text.startswith("<"):
        try:
            root = ET.fromstring(text.encode("utf-8"))
        except ET.ParseError:
            return text[:500]
        if local_name(root.tag) == "error":
            return (root.text or "").strip()
        return None
    return text[:500]


class ApplianceClient:
    """HTTPS to one appliance. One instance per module run keeps one OAuth token."""

    def __init__(self, host, port=443, client_id=None, client_secret=None, appliance_user=None,
                 appliance_password=None, validate_certs=True, ca_path=None, timeout=30,
                 retries=3, backoff=0.5, session=None, sleep=time.sleep):
        if not HAS_REQUESTS:
            raise ImportError("requests is required: %s" % REQUESTS_IMPORT_ERROR)
        self.host = host
        self.port = port
        self.name = host if port == 443 else "%s:%s" % (host, port)
        self.base_url = "https://%s" % (_bracket(host) if port == 443 else "%s:%s" % (_bracket(host), port))
        self.client_id = client_id
        self.client_secret = client_secret
        self.appliance_user = appliance_user
        self.appliance_password = appliance_password
        self.verify = (ca_path or True) if validate_certs else False
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or requests.Session()
        self.sleep = sleep
        self._token = None
        self.requests_sent = []

    # -- authentication -------------------------------------------------------------------
    def _bearer(self, refresh=False):
        if self._token is None or refresh:
            self._token = self._fetch_token()
        return {"Authorization": "Bearer %s" % self._token}

    def _fetch_token(self):
        if not (self.client_id and self.client_secret):
            raise ApplianceError(self.name, "POST", TOKEN_PATH, message="no API account credentials",
                                 hint="Set client_id and client_secret (or BT_CLIENT_ID and BT_CLIENT_SECRET) "
                                      "to an API account from /login > Management > API Configuration")
        response = self._send("POST", TOKEN_PATH, dict(
            data={"grant_type": "client_credentials"}, auth=(self.client_id, self.client_secret)),
            idempotent=True)
        if response.status_code != 200:
            hint = "Check client_id and client_secret of the API account" if response.status_code in (400, 401) else None
            raise self._error("POST", TOKEN_PATH, response, hint=hint)
        try:
            return response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ApplianceError(self.name, "POST", TOKEN_PATH, response.status_code,
                                 "the answer holds no access_token", body=response.text[:500])

    def _basic(self):
        if not (self.appliance_user and self.appliance_password):
            raise ApplianceError(self.name, "-", "/appliance", message="no /appliance admin credentials",
                                 hint="Set appliance_user and appliance_password (or SRA_APPLIANCE_USER and "
                                      "SRA_APPLIANCE_PASSWORD)")
        return (self.appliance_user, self.appliance_password)

    # -- requests -------------------------------------------------------------------------
    def request(self, method, path, auth="bearer", params=None, json_body=None, data=None,
                expected=(200,), idempotent=None, headers=None, stream=False, hint=None):
        """Send one request; return the response when its status is expected.

        auth: 'bearer' (OAuth token), 'basic' (/appliance admin) or None.
        idempotent: whether a lost answer may be retried; GET, HEAD and PUT are by default.
        A bearer request answered 401 is sent once more with a new token: the vendor caps
        an API account at 30 live tokens and evicts the oldest, so a parallel run can
        invalidate ours; a 401 means the request was not carried out.
        """
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT")
        kwargs = dict(params=params, data=data, headers=dict(headers or {}), stream=stream)
        if json_body is not None:
            kwargs["json"] = json_body
        if auth == "basic":
            kwargs["auth"] = self._basic()
        elif auth == "bearer":
            kwargs["headers"].update(self._bearer())
        response = self._send(method, path, kwargs, idempotent)
        if response.status_code == 401 and auth == "bearer":
            kwargs["headers"].update(self._bearer(refresh=True))
            response = self._send(method, path, kwargs, idempotent)
        if response.status_code not in expected:
            raise self._error(method, path, response, hint=hint or _auth_hint(auth, response.status_code))
        return response

    def get_json(self, path, auth="bearer", params=None):
        return self._json(self.request("GET", path, auth=auth, params=params), "GET", path)

    def send_json(self, method, path, body=None, auth="bearer", expected=(200, 201, 202, 204), hint=None):
        response = self.request(method, path, auth=auth, json_body=body, expected=expected, hint=hint)
        if response.status_code == 204 or not response.content:
            return None
        return self._json(response, method, path)

    def _json(self, response, method, path):
        try:
            return response.json()
        except ValueError:
            raise ApplianceError(self.name, method, path, response.status_code,
                                 "the answer is not JSON", body=response.text[:500])

    def _send(self, method, path, kwargs, idempotent):
        """One request with retries: 429 always (it was refused, not carried out), connection
        errors and 5xx only when the request is idempotent."""
        headers = kwargs.setdefault("headers", {})
        # "When making consecutive API calls, you must close the connection after each API call."
        headers.setdefault("Connection", "close")
        attempt = 0
        while True:
            attempt += 1
            self.requests_sent.append((method, path))
            try:
                response = self.session.request(method, self.base_url + path, verify=self.verify,
                                                timeout=self.timeout, **kwargs)
            except requests.exceptions.SSLError as exc:
                raise ApplianceError(self.name, method, path, message="TLS verification failed: %s" % _reason(exc),
                                     hint="Give ca_path the CA bundle that signed the appliance's certificate "
                                          "(validate_certs=false only for a first contact you trust)")
            except requests.exceptions.RequestException as exc:
                if idempotent and attempt <= self.retries:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                # A read sent once on purpose (a probe) was not retried either, but changes nothing.
                hint = None if idempotent or method in ("GET", "HEAD") else NOT_RETRIED_HINT
                raise ApplianceError(self.name, method, path, message="cannot connect: %s" % _reason(exc), hint=hint)
            retry_after = self._retry_delay(response, idempotent, attempt)
            if retry_after is None:
                return response
            response.close()
            self.sleep(retry_after)

    def _retry_delay(self, response, idempotent, attempt):
        if attempt > self.retries:
            return None
        if response.status_code == 429:
            return _header_seconds(response, "Retry-After") or RATE_LIMIT_PAUSE * attempt
        if response.status_code in RETRY_STATUSES and idempotent:
            return _header_seconds(response, "Retry-After") or self.backoff * 2 ** (attempt - 1)
        return None

    def _error(self, method, path, response, hint=None):
        return ApplianceError(self.name, method, path, response.status_code,
                              message_from_body(response.text) or response.reason, hint=hint,
                              body=response.text[:2000])


def _bracket(host):
    return "[%s]" % host if ":" in host and not host.startswith("[") else host


def _reason(exc):
    text = str(exc)
    return text if len(text) < 300 else text[:300] + "..."


def _header_seconds(response, name):
    try:
        return max(0.0, float(response.headers.get(name)))
    except (TypeError, ValueError):
        return None


def _auth_hint(auth, status):
    if status != 401:
        return None
    if auth == "basic":
        return "Check appliance_user and appliance_password of the /appliance admin account"
    return "Check client_id and client_secret, and that the API account is enabled"
