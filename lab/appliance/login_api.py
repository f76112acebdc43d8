"""The /login interface of the management API: the inter-appliance key, and the failover and
cluster pages of the site instance (docs/management-api.md)."""
import hashlib
import hmac
import ipaddress

from lab.appliance import network
from lab.appliance.failover import DEFAULT_BACKUP_SETTINGS
from lab.appliance.web import Response, invalid

ROOT = "/login/api/v1"
FINGERPRINT_MESSAGE = b"sra.appliance/inter-appliance-key/v1"
RELATIONSHIP_FIELDS = ("backup_host", "backup_port", "reverse_host", "reverse_port")


def key_fingerprint(key):
    """Comparable across appliances, yet neither the key nor a plain hash of it (the contract)."""
    return hmac.new(key.encode("utf-8"), FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:32]


def register(router, appliance):
    api = LoginApi(appliance)
    routes = [
        (["GET"], "/security/inter-appliance-key", api.key_state),
        (["PUT"], "/security/inter-appliance-key", api.put_key),
        (["POST"], "/failover/relationship", api.establish),
        (["DELETE"], "/failover/relationship", api.break_relationship),
        (["GET"], "/failover/shared-ips", api.shared_ips),
        (["PUT"], "/failover/shared-ips", api.put_shared_ips),
        (["GET"], "/failover/backup-settings", api.backup_settings),
        (["PUT"], "/failover/backup-settings", api.put_backup_settings),
        (["POST"], "/failover/sync", api.sync_now),
        (["PUT"], "/cluster/method", api.put_method),
        (["GET"], "/cluster/traffic-nodes", api.traffic_nodes),
        (["POST"], "/cluster/traffic-nodes", api.add_node),
        (["PUT"], "/cluster/traffic-nodes/{name}", api.put_node),
        (["DELETE"], "/cluster/traffic-nodes/{name}", api.delete_node),
        (["POST"], "/cluster/sync", api.cluster_sync),
        (["DELETE"], "/cluster", api.disband),
    ]
    for methods, path, handler in routes:
        router.add(methods, ROOT + path, handler, "bearer")
    # The status pages stay readable during a role swap, so that a client can watch it.
    router.add(["GET"], ROOT + "/failover", api.failover, "bearer", busy_ok=True)
    router.add(["GET"], ROOT + "/cluster", api.cluster, "bearer", busy_ok=True)


class LoginApi:
    def __init__(self, appliance):
        self.appliance = appliance
        self.engine = appliance.failover

    # --- Management > Security ---------------------------------------------------------------
    def _key_state(self):
        key = self.appliance.config("inter_appliance_key")
        return {"set": key is not None, "fingerprint": key_fingerprint(key) if key is not None else None}

    def key_state(self, request):
        return Response.json(self._key_state())

    def put_key(self, request):
        body = request.json()
        network.refuse_unknown(body, {"key"})
        key = body.get("key")
        if not isinstance(key, str) or not 8 <= len(key) <= 256:
            raise invalid("key", "must be a string of 8 to 256 characters")
        changed = self.appliance.config("inter_appliance_key") != key
        if changed:
            self.appliance.store.put("config", "inter_appliance_key", key)
        return Response.json(self._key_state(), changed=changed)

    # --- Management > Failover -----------------------------------------------------------------
    def failover(self, request):
        return Response.json(self.engine.status())

    def establish(self, request):
        self.engine.establish(validate_relationship(request.json()))
        return Response.json(self.engine.status(), changed=True)

    def break_relationship(self, request):
        self.engine.break_relationship()
        return Response.json(self.engine.status(), changed=True)

    def shared_ips(self, request):
        return Response.json(self.engine.shared_ips())

    def put_shared_ips(self, request):
        ips = validate_shared_ips(request.json(), self.appliance.configured_addresses())
        changed = self.engine.put_shared_ips(ips)
        return Response.json(self.engine.shared_ips(), changed=changed)

    def backup_settings(self, request):
        return Response.json(self.engine.backup_settings())

    def put_backup_settings(self, request):
        settings = validate_backup_settings(request.json())
        changed = self.engine.backup_settings() != settings
        if changed:
            self.appliance.store.put("config", "backup_settings", settings)
        return Response.json(settings, changed=changed)

    def sync_now(self, request):
        self.engine.sync_now()
        return Response.json({"message": "Data sync started."}, 202, changed=True)

    # --- Management > Cluster --------------------------------------------------------------------
    def cluster(self, request):
        return Response.json(self.appliance.cluster.status())

    def put_method(self, request):
        changed = self.appliance.cluster.set_method(request.json())
        return Response.json(self.appliance.cluster.status(), changed=changed)

    def traffic_nodes(self, request):
        return Response.json({"traffic_nodes": self.appliance.cluster.traffic_nodes()})

    def add_node(self, request):
        return Response.json(self.appliance.cluster.add_node(request.json()), 201, changed=True)

    def put_node(self, request):
        node, changed = self.appliance.cluster.put_node(request.params["name"], request.json())
        return Response.json(node, changed=changed)

    def delete_node(self, request):
        self.appliance.cluster.delete_node(request.params["name"])
        return Response.empty(204, changed=True)

    def cluster_sync(self, request):
        self.appliance.cluster.sync_now()
        return Response.json({"message": "Cluster sync started."}, 202, changed=True)

    def disband(self, request):
        self.appliance.cluster.disband()
        return Response.json(self.appliance.cluster.status(), changed=True)


# --- validation ---------------------------------------------------------------------------------
def validate_relationship(body):
    network.refuse_unknown(body, RELATIONSHIP_FIELDS)
    for name in RELATIONSHIP_FIELDS:
        if name not in body:
            raise invalid(name, "is required")
    for name in ("backup_host", "reverse_host"):
        if not isinstance(body[name], str) or not body[name].strip():
            raise invalid(name, "must be a host name or IP address")
    for name in ("backup_port", "reverse_port"):
        _integer(body, name, 1, 65535)
    return {name: body[name] for name in RELATIONSHIP_FIELDS}


def validate_shared_ips(body, configured):
    network.refuse_unknown(body, {"ips"})
    ips = body.get("ips")
    if not isinstance(ips, list):
        raise invalid("ips", "must be a list of IP addresses")
    result = []
    for value in ips:
        try:
            address = str(ipaddress.ip_address(value))
        except (TypeError, ValueError):
            raise invalid("ips", f"{value!r} is not an IP address") from None
        if address not in configured:
            raise invalid("ips", f"{address} is not on this appliance's IP Configuration page")
        if address not in result:
            result.append(address)
    return result


def validate_backup_settings(body):
    network.refuse_unknown(body, DEFAULT_BACKUP_SETTINGS)
    for name in DEFAULT_BACKUP_SETTINGS:
        if name not in body:
            raise invalid(name, "is required (PUT replaces the whole object)")
    for name in ("backup_operations", "automatic_failover"):
        if not isinstance(body[name], bool):
            raise invalid(name, "must be true or false")
    _integer(body, "primary_timeout", 1)
    _integer(body, "sync_interval", 1)
    _integer(body, "bandwidth_limit", 0)
    addresses = body["connectivity_test_ips"]
    if not isinstance(addresses, list):
        raise invalid("connectivity_test_ips", "must be a list of IP addresses")
    canonical = []
    for value in addresses:
        try:
            canonical.append(str(ipaddress.ip_address(value)))
        except (TypeError, ValueError):
            raise invalid("connectivity_test_ips", f"{value!r} is not an IP address") from None
    if len(set(canonical)) != len(canonical):
        raise invalid("connectivity_test_ips", "an address appears twice")
    return {**{name: body[name] for name in DEFAULT_BACKUP_SETTINGS}, "connectivity_test_ips": canonical}


def _integer(body, name, minimum, maximum=None):
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or \
            (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise invalid(name, f"must be an integer {bound}")
