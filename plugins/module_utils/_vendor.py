# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor's public APIs, on top of the shared client.

Speaks what a real B Series appliance serves (the vendor's API Programmer's Guide and "Failover
Dynamics and Options"): the XML command API ``/api/command`` (check_health, get_appliances,
get_api_info, set_failover_role), the JSON command API ``/api/command/v2`` (/health,
/appliance, /info, /failover-role), the unauthenticated ``/check_health`` probe and the backup
API ``/api/backup``. Answers are turned into one normalised shape, whichever API gave them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import http.client
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from ansible_collections.sra.appliance.plugins.module_utils._client import (
    HTTP, REFUSED, TRANSIENT_STATUSES, ApplianceError, local_name, message_from_body)

COMMAND_PATH = "/api/command"
V2_PATH = "/api/command/v2"
PROBE_PATH = "/check_health"
BACKUP_PATH = "/api/backup"
ROLES = ("primary", "backup")
# Current and Bomgar-era namespaces; elements are matched by local name, so both parse.
NAMESPACES = ("https://www.beyondtrust.com/namespaces/API/command", "http://www.bomgar.com/namespaces/API/command")
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
V2_HEADERS = {"Accept": "application/json"}
BACKUP_CHUNK = 1024 * 1024
_VERSION = re.compile(r"^\s*(?P<version>[^\s(]+)\s*(?:\((?P<build>[^)]*)\))?\s*$")
_TZ_WITHOUT_COLON = re.compile(r"([+-]\d\d)(\d\d)$")


# -- small parsing helpers ------------------------------------------------------------------
def child(element, name):
    """The first child whose local name is ``name`` (namespace-agnostic), or None."""
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def child_text(element, name):
    item = child(element, name)
    if item is None or item.text is None:
        return None
    return item.text.strip()


def children(element, name):
    return [item for item in element if local_name(item.tag) == name]


def split_version(text):
    """'24.3.1 (12345-abc)' -> ('24.3.1', '12345-abc'); the XML API reports both in one element."""
    if not text:
        return None, None
    match = _VERSION.match(text)
    if not match:
        return text.strip(), None
    return match.group("version"), match.group("build")


def sync_time(text=None, epoch=None):
    """(ISO 8601 in UTC ending +00:00, epoch seconds) from the text and/or the ``ts`` attribute."""
    moment = None
    if epoch not in (None, ""):
        try:
            moment = datetime.fromtimestamp(int(float(epoch)), tz=timezone.utc)
        except (TypeError, ValueError, OverflowError):
            moment = None
    if moment is None and text:
        cleaned = text.strip()
        if cleaned.endswith("Z"):
            cleaned = cleaned[:-1] + "+00:00"
        cleaned = _TZ_WITHOUT_COLON.sub(r"\1:\2", cleaned)
        try:
            moment = datetime.fromisoformat(cleaned)
        except ValueError:
            return text.strip(), None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    if moment is None:
        return None, None
    moment = moment.astimezone(timezone.utc)
    return moment.isoformat(), int(moment.timestamp())


def _flag(text):
    """XML 1/0 (and the v2 API's booleans) -> bool; None stays None."""
    if text is None or isinstance(text, bool):
        return text
    return str(text).strip().lower() in ("1", "true", "yes")


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _role(text):
    return text.strip().lower() if isinstance(text, str) and text.strip() else None


def parse_xml(text, action, appliance="appliance", method="GET"):
    """The root element of an XML command answer. An ``<error>`` root is a failure even with
    HTTP 200 (that is how the command API reports one)."""
    where = "%s?action=%s" % (COMMAND_PATH, action)
    try:
        root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ET.ParseError as exc:
        raise ApplianceError(appliance, method, where, 200, "the answer is not XML (%s)" % exc, body=str(text)[:500],
                             kind=HTTP)
    if local_name(root.tag) == "error":
        raise ApplianceError(appliance, method, where, 200,
                             "%s refused: %s" % (action, (root.text or "").strip() or "(no message)"))
    return root


def _expect_root(root, name, action, appliance):
    if local_name(root.tag) != name:
        raise ApplianceError(appliance, "GET", "%s?action=%s" % (COMMAND_PATH, action), 200,
                             "expected a <%s> answer, got <%s>" % (name, local_name(root.tag)), kind=HTTP)


# -- normalised shapes ----------------------------------------------------------------------
def empty_health():
    return dict(role=None, success=None, error_message=None, enabled_shared_ips=[], last_data_sync_time=None,
                last_data_sync_epoch=None, last_data_sync_status=None, version=None, build=None, hostname=None,
                appliance_id=None, cluster_role=None)


def parse_health_check(root, appliance="appliance"):
    """XML ``<health_check>``. A standalone appliance omits the failover elements."""
    _expect_root(root, "health_check", "check_health", appliance)
    health = empty_health()
    node = child(root, "appliance")
    if node is not None:
        health["hostname"] = (node.text or "").strip() or None
        health["appliance_id"] = node.get("id")
    health["version"], health["build"] = split_version(child_text(root, "version"))
    success = child_text(root, "success")
    health["success"] = None if success is None else _flag(success)
    health["error_message"] = child_text(root, "error_message")
    health["role"] = _role(child_text(root, "failover_role"))
    shared = child(root, "enabled_shared_ips")
    if shared is not None:
        health["enabled_shared_ips"] = [ip.text.strip() for ip in children(shared, "ip") if ip.text]
    sync = child(root, "last_data_sync_time")
    if sync is not None:
        health["last_data_sync_time"], health["last_data_sync_epoch"] = sync_time(sync.text, sync.get("ts"))
    health["last_data_sync_status"] = child_text(root, "last_data_sync_status")
    return health


def parse_v2_health(body, status=200):
    """v2 ``HealthBase``: 200 healthy; 500 unhealthy with ``message`` (fields may be null)."""
    health = empty_health()
    body = body if isinstance(body, dict) else {}
    health.update(
        role=_role(body.get("failover_role")), success=status == 200,
        error_message=body.get("message") if status != 200 else None,
        enabled_shared_ips=list(body.get("enabled_shared_ips") or []),
        last_data_sync_status=body.get("last_data_sync_status"), version=body.get("version"),
        build=body.get("build"), hostname=body.get("appliance_hostname"), appliance_id=body.get("appliance_id"),
        cluster_role=_role(body.get("cluster_role")))
    health["last_data_sync_time"], health["last_data_sync_epoch"] = sync_time(body.get("last_data_sync"))
    return health


def _appliance_entry(ident, name, public_hostname, cluster_role, failover_role, accepting, offset):
    return dict(id=ident, name=name, public_hostname=public_hostname, cluster_role=_role(cluster_role),
                failover_role=_role(failover_role), accepting_connections=_flag(accepting),
                timezone_offset=_int(offset))


def parse_appliances(root, appliance="appliance"):
    """XML ``<appliances>``: one ``<appliance id=...>`` per member of the pair or cluster."""
    _expect_root(root, "appliances", "get_appliances", appliance)
    return [_appliance_entry(node.get("id"), child_text(node, "name"), child_text(node, "public_hostname"),
                             child_text(node, "cluster_role"), child_text(node, "failover_role"),
                             child_text(node, "accepting_connections"), child_text(node, "timezone_offset"))
            for node in children(root, "appliance")]


def parse_v2_appliances(body):
    return [_appliance_entry(item.get("id"), item.get("name"), item.get("public_hostname"), item.get("cluster_role"),
                             item.get("failover_role"), item.get("accepting_connections"),
                             item.get("timezone_offset"))
            for item in body or []]


def parse_api_info(root, appliance="appliance"):
    """XML ``<api_information>``: version, server time and the API account's permissions."""
    _expect_root(root, "api_information", "get_api_info", appliance)
    permissions = {}
    node = child(root, "permissions")
    for permission in children(node, "permission") if node is not None else []:
        value = (permission.text or "").strip()
        permissions[permission.get("name")] = _flag(value) if value in ("0", "1") else value
    return dict(api_version=child_text(root, "api_version"), company_name=child_text(root, "company_name"),
                timestamp=_int(child_text(root, "timestamp")), permissions=permissions)


def parse_v2_info(body):
    body = body or {}
    return dict(api_version=body.get("command_api_version"), company_name=None,
                timestamp=sync_time(body.get("current_time"))[1], permissions=dict(body.get("permissions") or {}),
                product=body.get("product"))


def validate_role(role):
    if role not in ROLES:
        raise ValueError("role must be one of %s, got %r" % (", ".join(ROLES), role))


# -- the API account ------------------------------------------------------------------------
ACCOUNT_NEEDS = ("read", "role_change", "backup")
API_ACCOUNT_PAGE = "/login > Management > API Configuration > <the account>"
ENABLE_XML_API = "/login > Management > API Configuration > Enable XML API"
READ_ACCESS = ("read_only", "full_access")
# How an appliance answers the XML API while the switch is off is undocumented.
XML_API_OFF = ("the XML API may be disabled (%s); check it, or use the command API v2 (api=json) where the "
               "module offers it" % ENABLE_XML_API)


def account_problems(api_info, needs, appliance="appliance", api="xml"):
    """What keeps the API account from doing ``needs`` on ``appliance``, one sentence per problem
    that says how to fix it; [] when nothing does. Pure: ``api_info`` is read_account()'s answer.

    needs: among 'read' (check_health, get_appliances: read-only or full command access),
    'role_change' (set_failover_role: full access) and 'backup' (perm_backup).
    api: the API the caller will use; a disabled-looking XML API is a problem only for 'xml'.
    """
    unknown = sorted(set(needs) - set(ACCOUNT_NEEDS))
    if unknown:
        raise ValueError("unknown account needs %s; choose among %s" % (", ".join(unknown), ", ".join(ACCOUNT_NEEDS)))
    permissions = (api_info or {}).get("permissions") or {}
    command = permissions.get("perm_command")
    who = "the API account of %s" % appliance
    problems = []
    if "role_change" in needs and command != "full_access":
        problems.append("%s has perm_command %s; set_failover_role needs full access: %s > Command API: Full Access"
                        % (who, command or "(not listed)", API_ACCOUNT_PAGE))
    elif "read" in needs and command not in READ_ACCESS:
        problems.append("%s has perm_command %s; check_health and get_appliances need read-only or full access: "
                        "%s > Command API: Read Only" % (who, command or "(not listed)", API_ACCOUNT_PAGE))
    if "backup" in needs and _flag(permissions.get("perm_backup")) is not True:
        problems.append("%s has no backup permission (perm_backup %s); the backup API needs it: %s > Backup API: "
                        "Allow Access" % (who, _permission_text(permissions.get("perm_backup")), API_ACCOUNT_PAGE))
    if api == "xml" and api_info.get("xml_api") == "unavailable" and set(needs) & {"read", "role_change"}:
        problems.append("the XML API of %s did not answer get_api_info (%s): %s may be off; check it, or use the "
                        "command API v2 (api=json)" % (appliance, api_info.get("xml_api_error"), ENABLE_XML_API))
    return problems


def _permission_text(value):
    if value is None:
        return "not listed"
    return "on" if _flag(value) else "off"


def xml_api_may_be_disabled(error):
    """How an appliance answers the XML API while "Enable XML API" is off is undocumented: an
    ``<error>`` root, 403 or 404 on /api/command may be that (401 is the token, not the switch)."""
    if error.path.split("?", 1)[0] != COMMAND_PATH:
        return False
    return error.status in (403, 404) or (error.status == 200 and error.kind == REFUSED)


def read_account(vendor, api="xml"):
    """The API account's permissions: XML get_api_info, or v2 /info (api=json, or as the fallback
    when the XML API looks disabled). Adds ``source`` (xml|json), ``xml_api`` (enabled,
    unavailable, or None when not tried) and ``xml_api_error``."""
    if api == "json":
        return dict(vendor.v2_info(), source="json", xml_api=None, xml_api_error=None)
    try:
        return dict(vendor.api_info(), source="xml", xml_api="enabled", xml_api_error=None)
    except ApplianceError as exc:
        if not xml_api_may_be_disabled(exc):
            raise
        xml_error = exc
    reason = xml_error.appliance_message or str(xml_error)
    try:
        info = vendor.v2_info()
    except ApplianceError as exc:
        raise ApplianceError(exc.appliance, exc.method, exc.path, exc.status, exc.appliance_message, kind=exc.kind,
                             body=exc.body, hint="get_api_info on the XML API answered HTTP %s: %s (%s may be off)"
                             % (xml_error.status, reason, ENABLE_XML_API))
    return dict(info, source="json", xml_api="unavailable", xml_api_error="HTTP %s: %s" % (xml_error.status, reason))


# -- backups --------------------------------------------------------------------------------
# Error answers are short; a site backup holds the whole /login configuration. The .nsb format is
# undocumented (the lab's is a zip; do not assume either): only what is surely not a backup is refused.
ERROR_BODY_MAX = 64 * 1024
SHORT_TEXT_MAX = 4096
_TEXT_MEDIA = ("application/json", "application/xml", "text/")


def backup_error(content_type, body):
    """The appliance's message when a whole, small 200 answer of /api/backup is an error, not a
    backup; None when it may be a backup. Refused: a JSON document, an XML or HTML document
    (an ``<error>`` root gives its text), a text media type, or a short printable text
    ("Invalid credentials", as the only public script for this API checks)."""
    if len(body) > ERROR_BODY_MAX:
        return None
    text = _as_text(body)
    if text is None:
        return None
    stripped = text.strip()
    if not stripped:
        return "an empty answer"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    document = _document_message(stripped)
    if document is not None:
        return document
    textual = media.startswith(_TEXT_MEDIA) or media.endswith(("+json", "+xml"))
    if textual or (len(body) <= SHORT_TEXT_MAX and all(char.isprintable() or char in "\r\n\t" for char in stripped)):
        return _shorten(stripped)
    return None


def _as_text(body):
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _document_message(text):
    """The message of a JSON, XML or HTML document; None when ``text`` is none of them."""
    if text[0] in "{[":
        try:
            json.loads(text)
        except ValueError:
            return None
        return _shorten(message_from_body(text) or text)
    if text[0] != "<":
        return None
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        return "an HTML page" if text[:15].lower().startswith(("<!doctype html", "<html")) else None
    words = " ".join(" ".join(root.itertext()).split())
    if local_name(root.tag) == "html":
        return "an HTML page: %s" % _shorten(words) if words else "an HTML page"
    return _shorten(words or "<%s/>" % local_name(root.tag))


def _shorten(text, limit=300):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


# -- the API --------------------------------------------------------------------------------
class VendorApi:
    """The vendor's public APIs of one appliance, through one ApplianceClient."""

    def __init__(self, client):
        self.client = client

    @property
    def name(self):
        return self.client.name

    # XML command API
    def command(self, action, **params):
        """A read-only command (GET) -> the root element of its answer."""
        params["action"] = action
        response = self._xml_request("GET", params=params)
        return parse_xml(response.content, action, self.name)

    def _xml_request(self, method, **kwargs):
        try:
            return self.client.request(method, COMMAND_PATH, **kwargs)
        except ApplianceError as exc:
            if exc.status == 403:
                raise exc.with_hint("The API account may lack command API access (%s > Command API), or %s"
                                    % (API_ACCOUNT_PAGE, XML_API_OFF))
            if exc.status == 404:
                raise exc.with_hint(XML_API_OFF[0].upper() + XML_API_OFF[1:])
            raise

    def check_health(self):
        return parse_health_check(self.command("check_health"), self.name)

    def appliances(self):
        return parse_appliances(self.command("get_appliances"), self.name)

    def api_info(self):
        return parse_api_info(self.command("get_api_info"), self.name)

    def set_failover_role(self, role, data_sync_first=False, force=False):
        """set_failover_role as a form POST; returns the appliance's success text.

        Never retried blindly: a lost answer may mean the swap has started.
        """
        validate_role(role)
        form = dict(action="set_failover_role", role=role, data_sync_first=int(bool(data_sync_first)),
                    force=int(bool(force)))
        response = self._xml_request("POST", data=form, headers=FORM_HEADERS, idempotent=False)
        root = parse_xml(response.content, "set_failover_role", self.name, method="POST")
        return (root.text or "").strip()

    # JSON command API (v2)
    def v2_request(self, method, path, **kwargs):
        """Every v2 request goes out here. The reference: GET, HEAD and DELETE need
        ``Accept: application/json`` (a strict appliance answers 406 without it); it is sent on
        every v2 call, whatever the caller passes. Bodies get ``Content-Type: application/json``
        from the client."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers.update(V2_HEADERS)
        return self.client.request(method, V2_PATH + path, headers=headers, **kwargs)

    def _v2_json(self, method, path, **kwargs):
        response = self.v2_request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApplianceError(self.name, method, V2_PATH + path, response.status_code, "the answer is not JSON",
                                 body=response.text[:500], kind=HTTP)

    def v2_health(self):
        """v2 /health; may be a cached answer up to a minute old, so never poll it in a wait.

        500 is an answer here (unhealthy), not a failure to retry; 502-504 are retried.
        """
        response = self.v2_request("GET", "/health", expected=(200, 500), idempotent=True,
                                   retry_statuses=TRANSIENT_STATUSES)
        try:
            body = response.json()
        except ValueError:
            raise ApplianceError(self.name, "GET", V2_PATH + "/health", response.status_code,
                                 "the answer is not JSON", body=response.text[:500], kind=HTTP)
        return parse_v2_health(body, response.status_code)

    def v2_appliances(self):
        return parse_v2_appliances(self._v2_json("GET", "/appliance"))

    def v2_info(self):
        return parse_v2_info(self._v2_json("GET", "/info"))

    def v2_set_failover_role(self, role, data_sync_first=False, force=False):
        validate_role(role)
        body = self._v2_json("POST", "/failover-role", json_body=dict(
            role=role, data_sync_first=bool(data_sync_first), force=bool(force)), expected=(200,))
        return (body or {}).get("message", "")

    # Unauthenticated probe
    def probe(self):
        """/check_health: 200 healthy, 500 not (an answer, not retried). A 502-504 is retried
        (it is a read) and, when it persists, reported as not healthy and ``transient``."""
        response = self.client.request("GET", PROBE_PATH, auth=None, expected=(200, 500) + TRANSIENT_STATUSES,
                                       idempotent=True, retry_statuses=TRANSIENT_STATUSES)
        return dict(healthy=response.status_code == 200, status=response.status_code,
                    message=(response.text or "").strip()[:500],
                    transient=response.status_code in TRANSIENT_STATUSES)

    # Backup API
    def download_backup(self, stream, password=None):
        """Stream the site backup into ``stream``; return (size, sha256 hex).

        A read, so it may be retried; with a password the body carries it (never the URL). A
        small answer is held back until it is known not to be an error (backup_error): an
        error answered with HTTP 200 raises before anything reaches ``stream``.
        """
        kwargs = dict(stream=True, idempotent=True)
        method = "POST" if password else "GET"
        if password:
            response = self.client.request("POST", BACKUP_PATH, json_body={"password": password}, **kwargs)
        else:
            response = self.client.request("GET", BACKUP_PATH, **kwargs)
        digest = hashlib.sha256()
        size = 0
        try:
            chunks = self._backup_chunks(response, method)
            for chunk in chunks:
                stream.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        finally:
            response.close()
        return size, digest.hexdigest()

    def _backup_chunks(self, response, method):
        """The body's chunks, the first ERROR_BODY_MAX bytes held back until they are known to be
        a backup; a broken-off download is an ApplianceError, not a traceback."""
        head, reader = b"", response.iter_content(BACKUP_CHUNK)
        while len(head) <= ERROR_BODY_MAX:
            chunk = self._next_chunk(reader, method, len(head))
            if chunk is None:
                message = backup_error(response.headers.get("Content-Type"), head)
                if message is not None:
                    raise ApplianceError(self.name, method, BACKUP_PATH, response.status_code,
                                         "the answer is an error, not a backup: %s" % message, kind=REFUSED,
                                         body=head[:500].decode("utf-8", "replace"), hint="Nothing was written")
                break
            head += chunk
        if head:
            yield head
        received = len(head)
        while True:
            chunk = self._next_chunk(reader, method, received)
            if chunk is None:
                return
            received += len(chunk)
            yield chunk

    def _next_chunk(self, reader, method, received):
        try:
            return next(reader)
        except StopIteration:
            return None
        except (OSError, http.client.HTTPException) as exc:
            raise ApplianceError(self.name, method, BACKUP_PATH, message="the download broke off after %d bytes: %s"
                                 % (received, exc), hint="Nothing was written; run it again")
