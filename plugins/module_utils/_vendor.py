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
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError, local_name

COMMAND_PATH = "/api/command"
V2_PATH = "/api/command/v2"
PROBE_PATH = "/check_health"
BACKUP_PATH = "/api/backup"
ROLES = ("primary", "backup")
# Current and Bomgar-era namespaces; elements are matched by local name, so both parse.
NAMESPACES = ("https://www.beyondtrust.com/namespaces/API/command", "http://www.bomgar.com/namespaces/API/command")
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
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
        raise ApplianceError(appliance, method, where, 200, "the answer is not XML (%s)" % exc, body=str(text)[:500])
    if local_name(root.tag) == "error":
        raise ApplianceError(appliance, method, where, 200,
                             "%s refused: %s" % (action, (root.text or "").strip() or "(no message)"))
    return root


def _expect_root(root, name, action, appliance):
    if local_name(root.tag) != name:
        raise ApplianceError(appliance, "GET", "%s?action=%s" % (COMMAND_PATH, action), 200,
                             "expected a <%s> answer, got <%s>" % (name, local_name(root.tag)))


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
        response = self.client.request("GET", COMMAND_PATH, params=params)
        return parse_xml(response.content, action, self.name)

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
        response = self.client.request("POST", COMMAND_PATH, data=form, headers=FORM_HEADERS, idempotent=False)
        root = parse_xml(response.content, "set_failover_role", self.name, method="POST")
        return (root.text or "").strip()

    # JSON command API (v2)
    def v2_health(self):
        """v2 /health; may be a cached answer up to a minute old, so never poll it in a wait.

        500 is an answer here (unhealthy), not a failure to retry: hence idempotent=False.
        """
        response = self.client.request("GET", V2_PATH + "/health", headers={"Accept": "application/json"},
                                       expected=(200, 500), idempotent=False)
        try:
            body = response.json()
        except ValueError:
            raise ApplianceError(self.name, "GET", V2_PATH + "/health", response.status_code,
                                 "the answer is not JSON", body=response.text[:500])
        return parse_v2_health(body, response.status_code)

    def v2_appliances(self):
        return parse_v2_appliances(self.client.get_json(V2_PATH + "/appliance"))

    def v2_info(self):
        return parse_v2_info(self.client.get_json(V2_PATH + "/info"))

    def v2_set_failover_role(self, role, data_sync_first=False, force=False):
        validate_role(role)
        body = self.client.send_json("POST", V2_PATH + "/failover-role", dict(
            role=role, data_sync_first=bool(data_sync_first), force=bool(force)), expected=(200,))
        return (body or {}).get("message", "")

    # Unauthenticated probe
    def probe(self):
        """/check_health: 200 healthy, 500 not (an answer, not retried); the text says only that."""
        response = self.client.request("GET", PROBE_PATH, auth=None, expected=(200, 500), idempotent=False)
        return dict(healthy=response.status_code == 200, status=response.status_code,
                    message=(response.text or "").strip()[:500])

    # Backup API
    def download_backup(self, stream, password=None):
        """Stream the site backup into ``stream``; return (size, sha256 hex).

        A read, so it may be retried; with a password the body carries it (never the URL).
        """
        kwargs = dict(stream=True, idempotent=True)
        if password:
            response = self.client.request("POST", BACKUP_PATH, json_body={"password": password}, **kwargs)
        else:
            response = self.client.request("GET", BACKUP_PATH, **kwargs)
        digest = hashlib.sha256()
        size = 0
        try:
            for chunk in response.iter_content(BACKUP_CHUNK):
                if chunk:
                    stream.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        finally:
            response.close()
        return size, digest.hexdigest()
