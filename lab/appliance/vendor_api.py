"""The vendor's wire formats: /oauth2/token, /api/command (XML), /api/command/v2 (JSON),
/api/backup and the unauthenticated /check_health probe."""
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
import zipfile

from lab.appliance.failover import FailoverRefused
from lab.appliance.web import HttpError, Response, now_iso

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n\n'
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
# What clients may still ask during a role swap with data sync first: health and appliance reads.
BUSY_OK_ACTIONS = ("check_health", "get_appliances")
ROLES = ("primary", "backup")
FAILOVER_ROLE_FIELDS = {"role", "data_sync_first", "force"}
# "The API account must have read-only or full access to the command API."
COMMAND_ACCESS = ("read_only", "full_access")
NO_COMMAND_ACCESS = "The API account does not have access to the command API."
XML_API_DISABLED = ("The XML API is disabled on this site: check Enable XML API on /login > Management >"
                    " API Configuration.")
# The vendor's backup leaves out recordings and file-store files of 200 KB or more (max 50 files).
BACKUP_FILE_LIMIT = 200 * 1024
BACKUP_MAX_FILES = 50
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
RS_PERMISSIONS = ("perm_backup", "perm_command", "perm_configuration", "perm_configuration_vault_account",
                  "perm_ecm", "perm_real_time_state", "perm_reporting_archive", "perm_reporting_license",
                  "perm_reporting_presentation", "perm_reporting_support", "perm_scim")
PRA_PERMISSIONS = ("perm_backup", "perm_command", "perm_configuration", "perm_configuration_vault_account",
                   "perm_ecm", "perm_real_time_state", "perm_reporting", "perm_reporting_vault", "perm_scim",
                   "perm_vault_backup")


def register(router, appliance):
    api = VendorApi(appliance)
    router.add(["POST"], "/oauth2/token", api.token, "none")
    router.add(["GET"], "/check_health", api.probe, "none")
    # /api/command checks the swap per action.
    router.add(["GET", "POST"], "/api/command", api.command, "bearer", busy_ok=True)
    router.add(["GET"], "/api/command/v2/info", api.v2(api.v2_info), "bearer")
    router.add(["GET"], "/api/command/v2/health", api.v2(api.v2_health), "bearer", busy_ok=True)
    router.add(["GET"], "/api/command/v2/appliance", api.v2(api.v2_appliance), "bearer", busy_ok=True)
    router.add(["POST"], "/api/command/v2/failover-role", api.v2(api.v2_failover_role), "bearer")
    router.add(["GET", "POST"], "/api/backup", api.backup, "bearer")


class HealthCache:
    """The v2 /health answer may be served from a cache up to `health_cache` seconds old."""

    def __init__(self):
        self._entry = None
        self._lock = threading.Lock()

    def get(self, max_age, compute):
        with self._lock:
            if self._entry is None or time.monotonic() - self._entry[0] >= max_age:
                self._entry = (time.monotonic(), compute())
            return self._entry[1]

    def clear(self):
        with self._lock:
            self._entry = None


def xml_response(root, namespace, action):
    root.set("xmlns", namespace)
    ET.indent(root, space="  ")
    body = XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
    return Response(200, body.encode("utf-8"), XML_CONTENT_TYPE, action=action)


def element(parent, tag, text=None, **attributes):
    child = ET.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()})
    if text is not None:
        child.text = str(text)
    return child


def flag(value):
    """0/1 text for the XML API's booleans."""
    return "1" if value else "0"


class VendorApi:
    def __init__(self, appliance):
        self.appliance = appliance

    # --- health facts shared by every health answer -------------------------------------
    def health(self):
        appliance, failover = self.appliance, self.appliance.failover
        version, build = appliance.version()
        served = set(appliance.listeners.bound())
        problems = list(failover.problems())
        problems += [f"IP address conflict on {address}." for address in sorted(appliance.listeners.conflicts)]
        sync_time, sync_status = failover.last_sync()
        return {
            "version": version, "build": build, "hostname": appliance.hostname,
            "appliance_id": appliance.appliance_id, "cluster_role": appliance.cluster.vendor_role(),
            "failover_role": failover.role(), "failover_configured": failover.configured(),
            "enabled_shared_ips": [ip for ip in failover.shared_ips()["ips"] if ip in served],
            "last_sync_time": sync_time, "last_sync_status": sync_status, "problems": problems,
        }

    def product(self):
        return self.appliance.settings()["product"]

    # --- OAuth -----------------------------------------------------------------------------
    def token(self, request):
        response = self.appliance.tokens.issue(request)
        response.headers.update(self.appliance.rate_limiter.check(self.appliance.tokens.account["client_id"]))
        return response

    # --- unauthenticated probe -------------------------------------------------------------
    def probe(self, request):
        problems = self.health()["problems"]
        text, status = ("Health check failed: " + " ".join(problems), 500) if problems else ("Success", 200)
        return Response(status, (text + "\n").encode(), "text/plain; charset=UTF-8")

    # --- XML command API -----------------------------------------------------------------
    def command(self, request):
        if not self.appliance.settings()["xml_api_enabled"]:
            # Lab choice (the vendor documents the switch, not the answer): 403 with an <error> root.
            return self._xml_error(XML_API_DISABLED, None, status=403)
        params = dict(request.query)
        if request.method == "POST":
            if request.content_type != "application/x-www-form-urlencoded":
                return self._xml_error("POST requests must be application/x-www-form-urlencoded;"
                                       " multipart requests are not supported.", None)
            params.update(request.form())
        action = params.get("action")
        handler = {
            "check_health": self.check_health,
            "get_appliances": self.get_appliances,
            "get_api_info": self.get_api_info,
            "set_failover_role": self.set_failover_role,
        }.get(action)
        if handler is None:
            message = "Missing parameter: action." if not action else f"Invalid action: {action}."
            return self._xml_error(message, action)
        if action not in BUSY_OK_ACTIONS:
            self.appliance.refuse_if_busy()
        if self._command_access() not in COMMAND_ACCESS:
            return self._xml_error(NO_COMMAND_ACCESS, action)
        return handler(params)

    def _xml_error(self, message, action, status=200):
        root = ET.Element("error")
        root.text = message
        response = xml_response(root, self.appliance.namespace(), action)
        response.status = status
        return response

    def check_health(self, params):
        facts = self.health()
        root = ET.Element("health_check")
        element(root, "appliance", facts["hostname"], id=facts["appliance_id"])
        element(root, "version", f"{facts['version']} ({facts['build']})")
        element(root, "success", flag(not facts["problems"]))
        if facts["problems"]:
            element(root, "error_message", " ".join(facts["problems"]))
        element(root, "failover_role", facts["failover_role"])
        # PRA leaves out enabled_shared_ips when failover is not configured; both leave it out
        # when no shared IP is enabled, and leave out the sync facts when there are none.
        pra_unconfigured = self.product() == "pra" and not facts["failover_configured"]
        if facts["enabled_shared_ips"] and not pra_unconfigured:
            shared = element(root, "enabled_shared_ips")
            for address in facts["enabled_shared_ips"]:
                element(shared, "ip", address)
        if facts["failover_configured"] and facts["last_sync_time"] is not None:
            element(root, "last_data_sync_time", now_iso(facts["last_sync_time"]),
                    ts=int(facts["last_sync_time"]))
        if facts["failover_configured"] and facts["last_sync_status"] is not None:
            element(root, "last_data_sync_status", facts["last_sync_status"])
        return xml_response(root, self.appliance.namespace(), "check_health")

    def get_appliances(self, params):
        root = ET.Element("appliances")
        for member in self.appliance.cluster.members():
            node = element(root, "appliance", id=member["id"])
            for tag in ("name", "public_hostname", "cluster_role", "failover_role"):
                element(node, tag, member[tag])
            element(node, "accepting_connections", flag(member["accepting_connections"]))
            element(node, "timezone_offset", member["timezone_offset"])
        return xml_response(root, self.appliance.namespace(), "get_appliances")

    def get_api_info(self, params):
        topology = self.appliance.topology
        root = ET.Element("api_information")
        element(root, "api_version", api_version(topology["version"]))
        if self.product() == "rs":
            element(root, "company_name", topology.get("company_name", "SRA Lab"))
        element(root, "timestamp", int(time.time()))
        permissions = element(root, "permissions")
        for name, value in self.xml_permissions().items():
            element(permissions, "permission", value, name=name)
        return xml_response(root, self.appliance.namespace(), "get_api_info")

    def xml_permissions(self):
        granted = self.appliance.settings()["permissions"]
        names = RS_PERMISSIONS if self.product() == "rs" else PRA_PERMISSIONS
        result = {}
        for name in names:
            value = granted.get(name, False)
            result[name] = value if isinstance(value, str) else flag(value)
        return result

    def set_failover_role(self, params):
        role = params.get("role")
        if role not in ROLES:
            return self._xml_error("Invalid or missing parameter: role must be primary or backup.",
                                   "set_failover_role")
        if self._command_access() != "full_access":
            return self._xml_error("The API account does not have full access to the command API.",
                                   "set_failover_role")
        data_sync_first, force = params.get("data_sync_first") == "1", params.get("force") == "1"
        try:
            message = self.appliance.failover.set_role(role, data_sync_first, force)
        except FailoverRefused as refusal:
            return self._xml_error(str(refusal), "set_failover_role")
        root = ET.Element("success")
        root.text = message
        response = xml_response(root, self.appliance.namespace(), "set_failover_role")
        response.changed = True
        return response

    def _command_access(self):
        return self.appliance.settings()["permissions"].get("perm_command", "deny")

    # --- command API v2 (JSON) --------------------------------------------------------------
    def v2(self, handler, parameters=()):
        """A v2 route: the reference's request rules are checked (after authentication) first."""
        def checked(request):
            check_v2_request(request, self.appliance.settings(), parameters)
            if self._command_access() not in COMMAND_ACCESS:
                raise HttpError(403, NO_COMMAND_ACCESS)
            return handler(request)
        return checked

    def v2_info(self, request):
        granted = self.appliance.settings()["permissions"]
        names = RS_PERMISSIONS if self.product() == "rs" else PRA_PERMISSIONS
        permissions = {name: granted.get(name, False) for name in names}
        permissions["perm_command"] = self._command_access()
        return Response.json({
            "permissions": permissions,
            "current_time": now_iso(),
            "command_api_version": "2.0.0",
            "config_api_version": "1.12.0",
            "reporting_api_version": "1.0.0",
            "backup_api_version": "1.0.0",
            "product": self.product(),
        })

    def v2_health(self, request):
        max_age = float(self.appliance.settings()["health_cache"])
        status, payload = self.appliance.health_cache.get(max_age, self._v2_health_answer)
        return Response.json(payload, status)

    def _v2_health_answer(self):
        facts = self.health()
        primary = facts["failover_role"] == "primary" and facts["failover_configured"]
        payload = {
            "version": facts["version"],
            "build": facts["build"],
            "appliance_hostname": facts["hostname"],
            "appliance_id": facts["appliance_id"],
            "cluster_role": facts["cluster_role"],
            "failover_role": facts["failover_role"],
            "enabled_shared_ips": facts["enabled_shared_ips"] or None,
            "last_data_sync": now_iso(facts["last_sync_time"]) if primary and facts["last_sync_time"] else None,
            "last_data_sync_status": facts["last_sync_status"] if primary else None,
        }
        if facts["problems"]:
            return 500, {**payload, "message": " ".join(facts["problems"])}
        return 200, payload

    def v2_appliance(self, request):
        return Response.json(self.appliance.cluster.members())

    def v2_failover_role(self, request):
        body = request.json()
        unknown = sorted(set(body) - FAILOVER_ROLE_FIELDS)
        if unknown and self.appliance.settings()["v2_unknown_parameters"] == "reject":
            raise HttpError(400, f"Unrecognised field(s): {', '.join(unknown)}.")
        errors = {}
        if body.get("role") not in ROLES:
            errors["role"] = ["The role must be primary or backup."]
        for name in ("data_sync_first", "force"):
            if name in body and not isinstance(body[name], bool):
                errors[name] = [f"The {name} field must be a boolean."]
        if errors:
            raise HttpError(422, "The given data was invalid.", errors)
        if self._command_access() != "full_access":
            raise HttpError(403, "The API account does not have full access to the command API.")
        try:
            message = self.appliance.failover.set_role(body["role"], body.get("data_sync_first", False),
                                                       body.get("force", False))
        except FailoverRefused as refusal:
            raise HttpError(422, str(refusal), {"role": [str(refusal)]}) from None
        return Response.json({"message": message}, changed=True)

    # --- backup ------------------------------------------------------------------------------
    def backup(self, request):
        if not self.appliance.settings()["permissions"].get("perm_backup"):
            raise HttpError(403, "The API account does not have permission to download backups.")
        required = self.appliance.config("backup_password")
        if required is not None:
            supplied = request.json(required=False).get("password")
            if supplied != required:
                raise HttpError(403, "The backup is password protected: send the right"
                                     ' {"password": "..."} in the request body.')
        error_body = self.appliance.faults.current()["backup_error_body"]
        if error_body is not None:
            # Seen in the wild: a 200 whose body is an error (a script checks it for "Invalid credentials").
            return Response(200, error_body.encode(), _content_type_of(error_body))
        data = site_backup(self.appliance)
        response = Response(200, data, "application/octet-stream")
        response.headers["Content-Disposition"] = f'attachment; filename="{self.appliance.name}-backup.nsb"'
        return response


def check_v2_request(request, settings, parameters):
    """The reference's rules for Command API v2 requests: "GET/DELETE need Accept: application/json;
    bodies need Content-Type: application/json" and "400 (unrecognised query params/body fields)".
    HEAD is a GET without the body, so it needs the Accept header too."""
    if request.method in ("GET", "HEAD", "DELETE") and not accepts_json(request.headers.get("Accept"),
                                                                          settings["v2_accept"]):
        raise HttpError(406, "This API answers application/json only: send Accept: application/json.")
    if request.method in ("POST", "PUT", "PATCH") and settings["v2_content_type"] == "required" \
            and request.content_type != "application/json":
        raise HttpError(415, "Request bodies must be sent with Content-Type: application/json.")
    unknown = sorted(set(request.query) - set(parameters))
    if unknown and settings["v2_unknown_parameters"] == "reject":
        raise HttpError(400, f"Unrecognised query parameter(s): {', '.join(unknown)}.")


def accepts_json(header, mode):
    """Whether an Accept header admits application/json. `exact` (the reference's rule): it must
    name application/json; `wildcard`: */* and application/* do too; `any`: no check at all."""
    if mode == "any":
        return True
    admitted = {"application/json"} | ({"*/*", "application/*"} if mode == "wildcard" else set())
    for media_range in (header or "").split(","):
        media_type, *parameters = (part.strip().lower() for part in media_range.split(";"))
        if media_type in admitted and _quality(parameters) > 0:
            return True
    return False


def _quality(parameters):
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _content_type_of(text):
    start = text.lstrip()[:1]
    return {"<": XML_CONTENT_TYPE, "{": "application/json"}.get(start, "text/plain; charset=UTF-8")


def api_version(product_version):
    """get_api_info's api_version: 19.1.8 answered 1.19.0, so 24.3.1 answers 1.24.3."""
    major, minor = (product_version.split(".") + ["0"])[:2]
    return f"1.{major}.{minor}"


def site_backup(appliance):
    """A zip of the /login site data: users, settings, small files; no recordings."""
    rows = appliance.store.query("SELECT kind, name, size, value FROM site_data ORDER BY kind, name")
    version, build = appliance.version()
    manifest = {"site_hostname": appliance.topology["site_hostname"], "version": version, "build": build,
                "appliance": appliance.hostname, "created": now_iso(), "excluded": []}
    members = {}
    for kind in ("users", "settings"):
        members[f"{kind}.json"] = json.dumps(
            [{"name": r["name"], "value": r["value"], "size": r["size"]} for r in rows if r["kind"] == kind],
            indent=1, sort_keys=True).encode()
    included = 0
    for row in (r for r in rows if r["kind"] == "files"):
        if row["size"] < BACKUP_FILE_LIMIT and included < BACKUP_MAX_FILES:
            members[f"files/{row['name']}"] = synthetic_content(row["name"], row["size"])
            included += 1
        else:
            manifest["excluded"].append(f"files/{row['name']}")
    manifest["excluded"] += [f"recordings/{r['name']}" for r in rows if r["kind"] == "recordings"]
    members["manifest.json"] = json.dumps(manifest, indent=1, sort_keys=True).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            archive.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), members[name])
    return buffer.getvalue()


def synthetic_content(name, size):
    """Deterministic bytes standing for a file or recording of `size` bytes."""
    seed = f"{name}\n".encode()
    return (seed * (size // len(seed) + 1))[:size]
