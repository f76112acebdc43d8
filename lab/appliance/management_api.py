"""The /appliance interface of the management API (docs/management-api.md)."""
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from lab.appliance import network
from lab.appliance.admin import ADMIN_USER, FACTORY_ADMIN_PASSWORD, hash_password
from lab.appliance.certificates import parse_import
from lab.appliance.web import HttpError, Response, invalid

ROOT = "/appliance/api/v1"
MAX_TARGETS = 256     # targets of one TCP connection test


def register(router, appliance):
    api = ManagementApi(appliance)
    routes = [
        (["GET"], "/status", api.status),
        (["GET"], "/network/interfaces", api.interfaces),
        (["PUT"], "/network/interfaces/{name}/ips", api.put_ips),
        (["GET"], "/network/gateway", api.gateway),
        (["PUT"], "/network/gateway", api.put_gateway),
        (["GET"], "/network/dns", api.dns),
        (["PUT"], "/network/dns", api.put_dns),
        (["GET"], "/network/static-routes", api.routes),
        (["PUT"], "/network/static-routes", api.put_routes),
        (["GET"], "/certificates", api.certificates),
        (["POST"], "/certificates", api.import_certificate),
        (["PUT"], "/certificates/default", api.put_default),
        (["DELETE"], "/certificates/{fingerprint}", api.delete_certificate),
        (["PUT"], "/certificates/{fingerprint}/assigned-ips", api.put_assigned_ips),
        (["POST"], "/certificates/{fingerprint}/export", api.export_certificate),
        (["PUT"], "/admin/password", api.put_password),
        (["POST"], "/utilities/tcp-connection-test", api.tcp_connection_test),
    ]
    for methods, path, handler in routes:
        router.add(methods, ROOT + path, handler, "basic")


class ManagementApi:
    def __init__(self, appliance):
        self.appliance = appliance
        self.store = appliance.store

    def _save(self, key, value):
        """Stores a configuration value; returns whether it changed."""
        if self.appliance.config(key) == value:
            return False
        self.store.put("config", key, value)
        return True

    # --- status -------------------------------------------------------------------------------
    def status(self, request):
        appliance = self.appliance
        version, build = appliance.version()
        return Response.json({
            "hostname": appliance.hostname, "model": appliance.node["model"], "serial": appliance.serial,
            "version": version, "build": build, "product": appliance.settings()["product"],
            "appliance_id": appliance.appliance_id, "uptime": int(time.time() - appliance.started),
        })

    # --- IP configuration -----------------------------------------------------------------------
    def interfaces(self, request):
        return Response.json({"interfaces": self.appliance.interfaces()})

    def put_ips(self, request):
        name = request.params["name"]
        stored = self.appliance.config("interfaces")
        if name not in [nic["name"] for nic in stored]:
            raise HttpError(404, f"No network interface named {name}.")
        body = request.json()
        network.refuse_unknown(body, {"ips"})
        if "ips" not in body:
            raise invalid("ips", "is required")
        others = [nic for nic in stored if nic["name"] != name]
        ips = network.validate_ip_list(name, body["ips"], others)
        updated = [{**nic, "ips": ips} if nic["name"] == name else nic for nic in stored]
        changed = self._save("interfaces", updated)
        self.appliance.apply_network()
        nic = next(nic for nic in self.appliance.interfaces() if nic["name"] == name)
        return Response.json(nic, changed=changed)

    # --- gateway, DNS, static routes ---------------------------------------------------------
    def gateway(self, request):
        return Response.json(self.appliance.config("gateway"))

    def put_gateway(self, request):
        value = network.validate_gateway(request.json(), self.appliance.config("interfaces"))
        return Response.json(value, changed=self._save("gateway", value))

    def dns(self, request):
        return Response.json(self.appliance.config("dns"))

    def put_dns(self, request):
        value = network.validate_dns(request.json())
        return Response.json(value, changed=self._save("dns", value))

    def routes(self, request):
        return Response.json(self.appliance.config("static_routes"))

    def put_routes(self, request):
        value = network.validate_routes(request.json(), self.appliance.config("interfaces"))
        return Response.json(value, changed=self._save("static_routes", value))

    # --- certificates -------------------------------------------------------------------------
    def certificates(self, request):
        table = self.appliance.certificates
        return Response.json({"certificates": table.describe_all(), "default": table.default_fingerprint()})

    def import_certificate(self, request):
        leaf, intermediates, key = parse_import(request.json())
        fingerprint, added, changed = self.appliance.certificates.import_chain(leaf, intermediates, key)
        return Response.json({"fingerprint": fingerprint, "imported": added},
                             201 if changed else 200, changed=changed)

    def put_default(self, request):
        body = request.json()
        network.refuse_unknown(body, {"fingerprint"})
        fingerprint = body.get("fingerprint")
        if not isinstance(fingerprint, str):
            raise invalid("fingerprint", "is required")
        description, changed = self.appliance.certificates.set_default(fingerprint)
        return Response.json(description, changed=changed)

    def delete_certificate(self, request):
        fingerprint = request.params["fingerprint"]
        self.appliance.certificates.delete(fingerprint)
        self.appliance.selector.forget(fingerprint)
        return Response.empty(204, changed=True)

    def put_assigned_ips(self, request):
        body = request.json()
        network.refuse_unknown(body, {"ips"})
        ips = body.get("ips")
        if not isinstance(ips, list) or not all(isinstance(ip, str) for ip in ips):
            raise invalid("ips", "must be a list of IP addresses")
        description, changed = self.appliance.certificates.assign(
            request.params["fingerprint"], ips, self.appliance.configured_addresses())
        return Response.json(description, changed=changed)

    def export_certificate(self, request):
        body = request.json()
        network.refuse_unknown(body, {"passphrase", "include_private_key", "include_chain"})
        passphrase = body.get("passphrase")
        if not isinstance(passphrase, str):
            raise invalid("passphrase", "is required (a string)")
        options = {name: body.get(name, True) for name in ("include_private_key", "include_chain")}
        for name, value in options.items():
            if not isinstance(value, bool):
                raise invalid(name, "must be true or false")
        fingerprint = request.params["fingerprint"]
        data = self.appliance.certificates.export(
            fingerprint, passphrase, options["include_private_key"], options["include_chain"])
        return Response.json({"pkcs12": data, "fingerprint": fingerprint})

    # --- admin password ------------------------------------------------------------------------
    def put_password(self, request):
        body = request.json()
        network.refuse_unknown(body, {"current_password", "new_password"})
        current, new = body.get("current_password"), body.get("new_password")
        if not isinstance(current, str) or not self.appliance.admin_password_is(ADMIN_USER, current):
            raise invalid("current_password", "is wrong")
        if not isinstance(new, str) or len(new) < 8:
            raise invalid("new_password", "must be at least 8 characters")
        if new == FACTORY_ADMIN_PASSWORD:
            raise invalid("new_password", "must not be the factory password")
        changed = new != current
        if changed:
            self.store.put("config", "admin_password", hash_password(new))
        return Response.empty(204, changed=changed)

    # --- TCP connection test -----------------------------------------------------------------------
    def tcp_connection_test(self, request):
        """One target ({host, port}) or a list ({targets: [...]}, tested in parallel, answered in order)."""
        body = request.json()
        network.refuse_unknown(body, {"host", "port", "targets", "timeout"})
        timeout = body.get("timeout", 5)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0.1 <= timeout <= 60:
            raise invalid("timeout", "must be a number from 0.1 to 60")
        single = "host" in body or "port" in body
        if single == ("targets" in body):
            raise HttpError(422, "Give either host and port, or targets (a list of {host, port}): exactly one.",
                            {"targets": ["exactly one of host/port or targets"]})
        if single:
            host, port = _target(body, "")
            return Response.json(self._connection_test(host, port, timeout))
        targets = _targets(body["targets"])
        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            results = list(pool.map(lambda target: {"host": target[0], "port": target[1],
                                                    **self._connection_test(*target, timeout)}, targets))
        return Response.json({"results": results})

    def _connection_test(self, host, port, timeout):
        source = self.appliance.own_address()
        cut = self.appliance.faults.cut(host)
        if cut:
            return {"success": False, "message": f"Connection to {host}:{port} from {source} failed: {cut}.",
                    "elapsed": 0.0}
        return tcp_connect(source, host, port, timeout)


def _target(item, where):
    host, port = item.get("host"), item.get("port")
    if not isinstance(host, str) or not host:
        raise invalid(f"{where}host", "is required")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise invalid(f"{where}port", "must be an integer from 1 to 65535")
    return host, port


def _targets(targets):
    if not isinstance(targets, list) or not 1 <= len(targets) <= MAX_TARGETS:
        raise invalid("targets", f"must be a list of 1 to {MAX_TARGETS} objects with host and port")
    result = []
    for index, item in enumerate(targets):
        if not isinstance(item, dict):
            raise invalid(f"targets[{index}]", "must be an object with host and port")
        network.refuse_unknown(item, {"host", "port"})
        result.append(_target(item, f"targets[{index}]."))
    return result


def tcp_connect(source, host, port, timeout):
    """A real TCP connect from the appliance's own address."""
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout, source_address=(source, 0)):
            pass
        success, message = True, f"Connected to {host}:{port} from {source}."
    except OSError as error:
        success, message = False, f"Connection to {host}:{port} from {source} failed: {error.strerror or error}."
    return {"success": success, "message": message, "elapsed": round(time.monotonic() - started, 3)}
