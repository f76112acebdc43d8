"""The control interface: plain HTTP JSON on the appliance's own address and the control port.

Not an appliance API: tests and the launcher use it to look inside and to arrange situations.
"""
import json
import os
import time
from urllib.parse import parse_qsl, urlsplit

from lab.appliance import settings as lab_settings
from lab.appliance.failover import history
from lab.appliance.network import refuse_unknown
from lab.appliance.store import api_of, summarize
from lab.appliance.web import HttpError, Request, Response, Router

SITE_DATA_KINDS = ("users", "settings", "recordings", "files", "logs")
PAGE_METHODS = ("GET", "PUT", "POST", "DELETE")


class ControlApp:
    def __init__(self, appliance):
        self.appliance = appliance
        self.router = Router()
        self.router.add(["GET"], "/control/state", self.state, "none")
        self.router.add(["POST"], "/control/reset", self.reset, "none")
        self.router.add(["GET"], "/control/site-data", self.site_data, "none")
        self.router.add(["POST"], "/control/site-data", self.add_site_data, "none")
        self.router.add(["GET"], "/control/requests", self.requests, "none")
        self.router.add(["GET"], "/control/requests/summary", self.requests_summary, "none")
        self.router.add(["POST"], "/control/page", self.page, "none")
        self.router.add(["GET"], "/control/settings", self.settings, "none")
        self.router.add(["POST"], "/control/settings", self.put_settings, "none")
        self.router.add(["POST"], "/control/settings/reset", self.reset_settings, "none")
        self.router.add(["GET"], "/control/faults", self.faults, "none")
        self.router.add(["POST"], "/control/faults", self.put_faults, "none")
        self.router.add(["POST"], "/control/faults/heal", self.heal, "none")
        self.router.add(["POST"], "/control/expire-tokens", self.expire_tokens, "none")

    def handle(self, request):
        try:
            route, request.params = self.router.match(request.method, request.path)
            return route.handler(request)
        except HttpError as error:
            response = Response.json(error.payload, error.status)
            response.headers.update(error.headers)
            return response

    def state(self, request):
        appliance = self.appliance
        certificates = appliance.certificates
        factory = certificates.row(certificates.factory_fingerprint())
        return Response.json({
            "node": appliance.name, "hostname": appliance.hostname, "pid": os.getpid(),
            "address": appliance.address, "port": appliance.port, "control_port": appliance.control_port,
            "appliance_id": appliance.appliance_id,
            "listeners": appliance.listeners.bound(),
            "conflicts": sorted(appliance.listeners.conflicts),
            "interfaces": appliance.interfaces(),
            "admin_password_is_factory": appliance.config("admin_password") is None,
            "inter_appliance_key_set": appliance.config("inter_appliance_key") is not None,
            "certificates": [row["fingerprint"] for row in certificates.rows()],
            "default_certificate": certificates.default_fingerprint(),
            "factory_certificate_pem": factory["pem"],
            "failover_role": appliance.failover.role(),
            "cluster_role": appliance.cluster.role(),
            "failover_history": history(appliance.store, "failover"),
            "cluster_history": history(appliance.store, "cluster"),
            "faults": appliance.faults.current(),
            "site_data": self._site_rows(),
            "settings": appliance.settings(),
        })

    def reset(self, request):
        self.appliance.factory_reset()
        return Response.json({"message": f"{self.appliance.name} is back in its factory state."})

    def _site_rows(self):
        return self.appliance.store.query(
            "SELECT kind, name, size, value, created FROM site_data ORDER BY kind, name")

    def site_data(self, request):
        return Response.json({"site_data": self._site_rows()})

    def add_site_data(self, request):
        body = request.json()
        refuse_unknown(body, {"kind", "name", "size", "value"})
        kind, name, size = body.get("kind"), body.get("name"), body.get("size", 0)
        if kind not in SITE_DATA_KINDS:
            raise HttpError(422, f"kind must be one of {', '.join(SITE_DATA_KINDS)}")
        if not isinstance(name, str) or not name or "/" in name:
            raise HttpError(422, "name must be a non-empty string without '/'")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise HttpError(422, "size must be a non-negative integer (bytes)")
        value = body.get("value")
        record = {"kind": kind, "name": name, "size": size,
                  "value": value if value is None or isinstance(value, str) else json.dumps(value)}
        with self.appliance.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO site_data (kind, name, size, value, created)"
                       " VALUES (:kind, :name, :size, :value, :created)", {**record, "created": time.time()})
        return Response.json(record, 201)

    def requests(self, request):
        writes_only = request.query.get("writes") in ("1", "true")
        since = int(request.query.get("since") or 0)
        return Response.json({"requests": self.appliance.store.requests(writes_only, since)})

    def requests_summary(self, request):
        since = int(request.query.get("since") or 0)
        rows = self.appliance.store.requests(False, since)
        return Response.json({"appliance": self.appliance.name, "since": since, **summarize(rows)})

    def page(self, request):
        """What a person sets by hand on a web page: {"method", "path", "body"} runs the management
        API's own handler for that page in-process (whether or not the appliance serves the
        management API), answers {"status", "body", "changed"} and is logged with via=control."""
        body = request.json()
        refuse_unknown(body, {"method", "path", "body"})
        method, path, payload = body.get("method"), body.get("path"), body.get("body")
        if method not in PAGE_METHODS:
            raise HttpError(422, f"method must be one of {', '.join(PAGE_METHODS)}")
        if not isinstance(path, str) or api_of(urlsplit(path).path) != "management":
            raise HttpError(422, "path must be a page of /appliance/api/v1 or /login/api/v1")
        if payload is not None and not isinstance(payload, dict):
            raise HttpError(422, "body must be a JSON object, or null for none")
        url = urlsplit(path)
        answer = self.appliance.handle_page(Request(
            method=method, path=url.path, query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            body=json.dumps(payload).encode() if payload is not None else b"",
            local_address=self.appliance.address, client_address=request.client_address))
        return Response.json({"status": answer.status, "body": json.loads(answer.body) if answer.body else None,
                              "changed": answer.changed})

    def settings(self, request):
        return Response.json(self.appliance.settings())

    def put_settings(self, request):
        body = request.json()
        try:
            lab_settings.validate(body)
        except lab_settings.SettingError as error:
            raise HttpError(422, str(error)) from None
        store = self.appliance.store
        with store.transaction() as db:
            for key, value in body.items():
                if key == "backup_password":
                    store.put("config", key, value, db=db)
                else:
                    store.put("settings", key, value, db=db)
        if "requests_per_second" in body or "requests_per_hour" in body:
            self.appliance.rate_limiter.reset()
        self.appliance.health_cache.clear()
        return Response.json(self.appliance.settings())

    def reset_settings(self, request):
        """Every setting back to the topology's (the backup password, a /login setting, stays)."""
        with self.appliance.store.transaction() as db:
            db.execute("DELETE FROM settings")
        self.appliance.rate_limiter.reset()
        self.appliance.health_cache.clear()
        return Response.json(self.appliance.settings())

    def faults(self, request):
        return Response.json(self.appliance.faults.current())

    def put_faults(self, request):
        """Merges the given faults into the current ones (see faults.py)."""
        return Response.json(self.appliance.faults.update(request.json()))

    def heal(self, request):
        return Response.json(self.appliance.faults.heal())

    def expire_tokens(self, request):
        self.appliance.expire_tokens()
        return Response.json({"message": f"Every token of {self.appliance.name} has expired."})
