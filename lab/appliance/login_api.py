"""The /login interface of the management API: the inter-appliance key, and the failover
and cluster pages as a site instance reports them."""
import hashlib
import hmac

from lab.appliance import network
from lab.appliance.web import Response, invalid

ROOT = "/login/api/v1"
FINGERPRINT_MESSAGE = b"sra.appliance/inter-appliance-key/v1"


def key_fingerprint(key):
    """Comparable across appliances, yet neither the key nor a plain hash of it (the contract)."""
    return hmac.new(key.encode("utf-8"), FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:32]


def register(router, appliance):
    api = LoginApi(appliance)
    routes = [
        (["GET"], "/security/inter-appliance-key", api.key_state),
        (["PUT"], "/security/inter-appliance-key", api.put_key),
        (["GET"], "/failover", api.failover),
        (["GET"], "/failover/shared-ips", api.shared_ips),
        (["GET"], "/failover/backup-settings", api.backup_settings),
        (["GET"], "/cluster", api.cluster),
        (["GET"], "/cluster/traffic-nodes", api.traffic_nodes),
    ]
    for methods, path, handler in routes:
        router.add(methods, ROOT + path, handler, "bearer")


class LoginApi:
    def __init__(self, appliance):
        self.appliance = appliance

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

    def failover(self, request):
        return Response.json(self.appliance.failover.status())

    def shared_ips(self, request):
        return Response.json(self.appliance.failover.shared_ips())

    def backup_settings(self, request):
        return Response.json(self.appliance.failover.backup_settings())

    def cluster(self, request):
        return Response.json(self.appliance.cluster.status())

    def traffic_nodes(self, request):
        return Response.json({"traffic_nodes": self.appliance.cluster.status()["traffic_nodes"]})
