"""The Appliance: state, listeners, engines and the request pipeline of one simulated appliance."""
import copy
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

from lab import pki
from lab.appliance import control, login_api, management_api, peer_api, vendor_api
from lab.appliance import settings as lab_settings
from lab.appliance.admin import ADMIN_USER, FACTORY_ADMIN_PASSWORD, password_matches
from lab.appliance.certificates import CertificateTable
from lab.appliance.cluster import DEFAULT_CLUSTER, DEFAULT_RUNTIME, ClusterEngine
from lab.appliance.failover import DEFAULT_BACKUP_SETTINGS, NO_RELATIONSHIP, FailoverEngine
from lab.appliance.faults import Faults
from lab.appliance.network import Listeners, servable_addresses
from lab.appliance.oauth import RATE_LIMITED_MESSAGE, RateLimiter, TokenService, basic_credentials
from lab.appliance.peer import ConnectionCut, PeerChannel
from lab.appliance.store import Store, api_of
from lab.appliance.tls import CertificateSelector
from lab.appliance.web import HttpError, PlainServer, Response, Router, serve_in_thread

NAMESPACES = {
    "current": "https://www.beyondtrust.com/namespaces/API/command",
    "legacy": "http://www.bomgar.com/namespaces/API/command",
}
DEFAULT_PERMISSIONS = {"perm_backup": True, "perm_command": "full_access", "perm_configuration": True}
BUSY_MESSAGE = ("The site instance is busy: a role swap with data sync first is under way, clients are"
                " disconnected and no other operations are available until the swap is complete.")
INJECTED_ERROR_MESSAGE = "The appliance failed for an unexpected reason."
PAGE_VIA = "control"     # the request log's mark of what the control interface did "by hand"
NOT_FOUND_PAGE = ('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
                  '</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n'
                  '</body></html>\n')


def not_found_page():
    """The web server's answer to a URL it does not know: 404 with an HTML page, not JSON."""
    return Response(404, NOT_FOUND_PAGE.encode(), "text/html; charset=iso-8859-1")


class Appliance:
    def __init__(self, state_dir, node_name):
        self.state_dir = Path(state_dir)
        lab = json.loads((self.state_dir / "lab.json").read_text())
        self.topology = lab["topology"]
        self.node = self.topology["appliances"][node_name]
        self.name = node_name
        self.hostname = self.node["hostname"]
        self.address = self.node["address"]
        self.port = lab["port"]
        self.control_port = lab["control_port"]
        self.started = time.time()
        self.store = Store(str(self.state_dir / f"{node_name}.db"))
        self.certificates = CertificateTable(self.store)
        self._ensure_identity()
        self.selector = CertificateSelector(self.certificates, self.state_dir / f"{node_name}.tls")
        self.tokens = TokenService(self.store, self.topology["api_account"], self.settings)
        self.rate_limiter = RateLimiter(self.settings)
        self.faults = Faults(self.store)
        self.peers = PeerChannel(self)
        self.failover = FailoverEngine(self)
        self.cluster = ClusterEngine(self)
        self.health_cache = vendor_api.HealthCache()
        # The web pages a person uses: the management API's handlers, one implementation each, served
        # as the management API and, through the control interface, as "set by hand".
        self.pages = Router()
        for api in (management_api, login_api):
            api.register(self.pages, self)
        self.router = Router()
        for api in (vendor_api, peer_api):
            api.register(self.router, self)
        self.router.routes.extend(self.pages.routes)
        self.listeners = Listeners(self.port, self, self.selector, self._record_conflict)
        self._stop = threading.Event()

    # --- identity and configuration -------------------------------------------------------
    def _ensure_identity(self):
        if self.store.get("meta", "appliance_id") is None:
            self.store.put("meta", "appliance_id", uuid.uuid4().hex)
            self.store.put("meta", "serial", f"LAB{secrets.token_hex(4).upper()}")
        if self.certificates.factory_fingerprint() is None:
            self.certificates.add_factory(*pki.factory_certificate(self.hostname, self.address))
        self.appliance_id = self.store.get("meta", "appliance_id")
        self.serial = self.store.get("meta", "serial")

    def factory_config(self):
        return {
            "interfaces": [
                {"name": "eth0", "ips": [{"address": self.address, "prefix": self.node["prefix"],
                                          "enabled": True}]},
                {"name": "eth1", "ips": []},
            ],
            "gateway": {"address": None, "interface": None},
            "dns": {"servers": []},
            "static_routes": {"routes": []},
            "admin_password": None,          # None: the factory password
            "default_certificate": None,
            "inter_appliance_key": None,
            "backup_password": None,
            "shared_ips": {"ips": []},
            "backup_settings": dict(DEFAULT_BACKUP_SETTINGS),
            "failover": dict(NO_RELATIONSHIP),
            "cluster": dict(DEFAULT_CLUSTER),
            "cluster_runtime": dict(DEFAULT_RUNTIME),
            "cluster_membership": None,
        }

    def config(self, key):
        return self.store.get("config", key, copy.deepcopy(self.factory_config()[key]))

    def settings(self):
        """Lab settings: the topology's timers and limits, overridden through the control interface."""
        topology = self.topology
        effective = {
            **lab_settings.defaults(),
            **topology["timers"], **topology["limits"],
            **topology.get("leniency", {}), **topology.get("behaviour", {}),
            "xml_api_enabled": topology.get("xml_api_enabled", True),
            "management_api": self.node.get("management_api", topology.get("management_api", True)),
            "product": topology.get("product", "rs"),
            "xml_namespace": "current",
            "permissions": {**DEFAULT_PERMISSIONS, **topology["api_account"].get("permissions", {})},
        }
        overrides = self.store.items("settings")
        # Permission overrides adjust single permissions; the rest keep their defaults.
        overrides["permissions"] = {**effective["permissions"], **overrides.get("permissions", {})}
        effective.update(overrides)
        return effective

    def namespace(self):
        return NAMESPACES[self.settings()["xml_namespace"]]

    def version(self):
        """Product Version and Build: the topology's, unless the lab installed other software here."""
        settings = self.settings()
        return settings.get("version") or self.topology["version"], settings.get("build") or self.topology["build"]

    def interfaces(self):
        """The NICs as the management API shows them."""
        conflicts = set(self.listeners.conflicts)
        result = []
        for index, nic in enumerate(self.config("interfaces")):
            result.append({
                "name": nic["name"],
                "mac_address": self._mac(index),
                "link_detected": True,
                "ips": nic["ips"],
                "conflicts": [ip["address"] for ip in nic["ips"] if ip["address"] in conflicts],
            })
        return result

    def _mac(self, index):
        digest = hashlib.sha256(f"{self.appliance_id}/{index}".encode()).hexdigest()
        return "02:" + ":".join(digest[i:i + 2] for i in range(0, 10, 2))

    def configured_addresses(self):
        return {ip["address"] for nic in self.config("interfaces") for ip in nic["ips"]}

    def own_address(self):
        """The address the appliance speaks from: its first enabled IP, else its base address."""
        served = servable_addresses(self.config("interfaces"))
        return served[0] if served else self.address

    # --- admin account ---------------------------------------------------------------------
    def check_admin(self, request):
        credentials = basic_credentials(request.headers)
        if credentials is None or not self.admin_password_is(credentials[0], credentials[1]):
            raise HttpError(401, "Authentication failed for the /appliance interface.",
                            headers={"WWW-Authenticate": 'Basic realm="appliance"'})

    def admin_password_is(self, user, password):
        if user != ADMIN_USER:
            return False
        stored = self.config("admin_password")
        if stored is None:
            return hmac.compare_digest(password, FACTORY_ADMIN_PASSWORD)
        return password_matches(password, stored)

    # --- network ---------------------------------------------------------------------------
    def apply_network(self):
        """Opens and closes listeners to match the enabled IPs; returns the conflicted ones."""
        return self.listeners.reconcile(servable_addresses(self.config("interfaces")))

    def _record_conflict(self, address, resolved):
        if resolved:
            message = f"IP address {address} is no longer in conflict; this appliance now serves it."
        else:
            message = (f"IP address conflict: {address} is enabled here but another device on the"
                       " network holds it.")
        self.store.add_history("failover", message)

    def _retry_listeners(self):
        while not self._stop.wait(float(self.settings()["listener_retry"])):
            try:
                self.apply_network()
            except OSError:
                traceback.print_exc()

    # --- the request pipeline --------------------------------------------------------------
    def handle(self, request):
        """An API request from a client."""
        if api_of(request.path) == "management" and not self.settings()["management_api"]:
            # A vendor-only appliance: the web server knows no such path, whatever the method or
            # credentials, and answers as it does for any unknown URL.
            response = not_found_page()
            self._log(request, response)
            return response
        return self._dispatch(self.router, request, via=None)

    def handle_page(self, request):
        """What a person does by hand on a web page (the control interface's `page`): the same
        handler as the management API, signed in already, no injected faults; logged `via` control."""
        request.account = self.tokens.account
        return self._dispatch(self.pages, request, via=PAGE_VIA)

    def _dispatch(self, router, request, via):
        headers = {}
        try:
            route, request.params = router.match(request.method, request.path)
            if route.auth == "peer":
                # Appliance-to-appliance traffic: not an API request, not in the request log.
                return self._handle_peer(route, request)
            if via is None:
                self._inject_error()
            if route.auth == "bearer" and not route.busy_ok:
                # "No other operations are available until the swap completes", by hand neither.
                self.refuse_if_busy()
            if via is None:
                headers = self._authenticate(route.auth, request)
            response = route.handler(request)
        except HttpError as error:
            response = (Response.json(error.payload, error.status) if error.status != 204
                        else Response.empty(204))
            response.headers.update(error.headers)
        except Exception:
            traceback.print_exc()
            response = Response.json({"message": "The appliance failed for an unexpected reason."}, 500)
        response.headers.update(headers)
        self._log(request, response, via)
        return response

    def _handle_peer(self, route, request):
        try:
            self.peers.admit(request)
            return route.handler(request)
        except ConnectionCut:
            return Response.dropped()
        except HttpError as error:
            return Response.json(error.payload, error.status)

    def refuse_if_busy(self):
        """503 during a role swap with data sync first ("no other operations will be available")."""
        if self.failover.busy():
            raise HttpError(503, BUSY_MESSAGE, headers=lab_settings.retry_after(self.settings(), "busy_retry_after"))

    def _inject_error(self):
        """A burst of error answers set through the control interface."""
        status = self.faults.take_error()
        if status is None:
            return
        # An injected 429 or 503 looks like the appliance's own: Retry-After only where a setting asks.
        settings = self.settings()
        if status == 429:
            raise HttpError(429, RATE_LIMITED_MESSAGE,
                            headers=lab_settings.retry_after(settings, "rate_limit_retry_after"))
        headers = lab_settings.retry_after(settings, "busy_retry_after") if status == 503 else {}
        raise HttpError(status, INJECTED_ERROR_MESSAGE, headers=headers)

    def expire_tokens(self):
        with self.store.transaction() as db:
            db.execute("UPDATE tokens SET expires = ?", (time.time(),))

    def _authenticate(self, kind, request):
        if kind == "basic":
            self.check_admin(request)
        elif kind == "bearer":
            request.account = self.tokens.authenticate(request.headers)
            return self.rate_limiter.check(request.account["client_id"])
        return {}

    def _log(self, request, response, via=None):
        self.store.log_request({
            "time": time.time(), "appliance": self.name, "method": request.method,
            "path": request.path, "action": response.action, "status": response.status,
            "changed": int(response.changed), "via": via})

    # --- factory reset -----------------------------------------------------------------------
    def factory_reset(self):
        """Back to the factory state; the identity, factory certificate and API account stay."""
        for fingerprint in [row["fingerprint"] for row in self.certificates.rows() if not row["factory"]]:
            self.selector.forget(fingerprint)
        with self.store.transaction() as db:
            self.store.clear_for_reset(db)
        self.failover.reset()
        self.health_cache.clear()
        self.apply_network()

    # --- process lifecycle ----------------------------------------------------------------------
    def run(self):
        # Listeners first: once the control interface answers, the appliance serves what it should.
        self.apply_network()
        self.control_server = PlainServer(self.address, self.control_port, control.ControlApp(self))
        serve_in_thread(self.control_server, "control")
        threading.Thread(target=self._retry_listeners, name="listener-retry", daemon=True).start()
        threading.Thread(target=self.failover.monitor, args=(self._stop,), name="failover-monitor",
                         daemon=True).start()
        print(f"{self.name}: serving {', '.join(self.listeners.bound()) or 'nothing'} on port"
              f" {self.port}, control on {self.address}:{self.control_port}", file=sys.stderr, flush=True)
        self._stop.wait()
        self.listeners.close_all()
        self.control_server.shutdown()
        self.control_server.server_close()

    def stop(self):
        self._stop.set()
