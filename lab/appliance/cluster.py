"""Atlas: the cluster as the primary node configures it and every node reports it.

From the vendor's Atlas guides: the cluster is administered on the primary node; its failover
backup is the backup primary node (it holds the same /login configuration through data syncs);
the primary pushes the cluster configuration to each traffic node over the node's internal
address, and a node whose inter-appliance key differs refuses it. Roles: single, primary,
backup_primary (the vendor APIs say `primary` with failover_role backup), traffic.
Pushes use the lab's peer protocol (lab/appliance/peer.py) on the lab's appliance port.
"""
import hashlib
import ipaddress
import threading
import time

from lab.appliance.failover import BACKUP, OTHER_ROLE, history
from lab.appliance.network import refuse_unknown
from lab.appliance.peer import PeerRefused, PeerUnreachable
from lab.appliance.web import HttpError, invalid, now_iso

METHODS = ("random", "a_record_lookup", "srv_record_lookup", "ip_anycast", "timezone_offset")
NODE_FIELDS = ("name", "accepting_connections", "timezone_offset", "public_host", "public_port",
               "internal_address", "network_prefixes")
DEFAULT_CLUSTER = {"method": "random", "traffic_nodes": []}
DEFAULT_RUNTIME = {"node_status": {}, "node_ids": {}, "last_sync_time": None}
SECONDS_PER_HOUR = 3600


class ClusterEngine:
    def __init__(self, appliance):
        self.appliance = appliance
        self.store = appliance.store
        self._push_lock = threading.Lock()
        self._runtime_lock = threading.Lock()

    # --- state ---------------------------------------------------------------------------
    def config(self):
        """Method and traffic nodes: /login configuration, synced to the failover backup."""
        return self.appliance.config("cluster")

    def membership(self):
        """On a traffic node: what the primary node pushed; None elsewhere."""
        return self.appliance.config("cluster_membership")

    def runtime(self):
        return self.appliance.config("cluster_runtime")

    def note(self, message):
        self.store.add_history("cluster", message)

    def vendor_role(self):
        """The role as the vendor APIs name it: both primary-capable nodes are `primary`."""
        role = self.role()
        return "primary" if role == "backup_primary" else role

    def role(self):
        if self.membership():
            return "traffic"
        if self.config()["traffic_nodes"]:
            return "backup_primary" if self.appliance.failover.role() == BACKUP else "primary"
        return "single"

    # --- administration on the primary node ---------------------------------------------------
    def _require_primary(self):
        role = self.role()
        if role == "traffic":
            primary = self.membership()["primary"]["hostname"]
            raise HttpError(409, f"This appliance is a traffic node of the cluster whose primary node is"
                                 f" {primary}; manage the cluster there.")
        if self.appliance.failover.role() == BACKUP:
            raise HttpError(409, "This site instance is the failover backup (the backup primary node);"
                                 " manage the cluster on the primary node.")

    def set_method(self, body):
        self._require_primary()
        refuse_unknown(body, {"method"})
        if body.get("method") not in METHODS:
            raise invalid("method", f"must be one of {', '.join(METHODS)}")
        changed = self._save_config(method=body["method"])
        self._push_all_in_background("method changed")
        return changed

    def add_node(self, body):
        self._require_primary()
        node = validate_node(body)
        nodes = self.config()["traffic_nodes"]
        if any(existing["name"] == node["name"] for existing in nodes):
            raise HttpError(409, f"A traffic node named {node['name']} exists.")
        self._save_config(traffic_nodes=nodes + [node])
        self.note(f"Traffic node {node['name']} added.")
        self._push_all_in_background(f"traffic node {node['name']} added")
        return node

    def put_node(self, name, body):
        self._require_primary()
        nodes = self.config()["traffic_nodes"]
        self._find(nodes, name)
        node = validate_node(body)
        if node["name"] != name:
            raise invalid("name", f"must equal the node's name in the path ({name})")
        changed = self._save_config(traffic_nodes=[node if n["name"] == name else n for n in nodes])
        if changed:
            self._push_all_in_background(f"traffic node {name} edited")
        return node, changed

    def delete_node(self, name):
        self._require_primary()
        nodes = self.config()["traffic_nodes"]
        node = self._find(nodes, name)
        self._save_config(traffic_nodes=[n for n in nodes if n["name"] != name])
        self._forget_node(name)
        self.note(f"Traffic node {name} removed.")
        threading.Thread(target=self._release_in_turn, args=([node],), daemon=True).start()
        self._push_all_in_background(f"traffic node {name} removed")

    def sync_now(self):
        self._require_primary()
        if not self.config()["traffic_nodes"]:
            raise HttpError(409, "This appliance is not in a cluster: there are no traffic nodes to sync.")
        self._push_all_in_background("sync now")

    def disband(self):
        self._require_primary()
        nodes = self.config()["traffic_nodes"]
        if not nodes:
            raise HttpError(409, "This appliance is not in a cluster.")
        with self._push_lock:      # no push under way may bring a node back afterwards
            self.store.put("config", "cluster", dict(DEFAULT_CLUSTER))
            self.store.put("config", "cluster_runtime", dict(DEFAULT_RUNTIME))
            self._release(nodes)
        self._release_backup_primary()
        self.note("Cluster disbanded: every node is back to single.")

    @staticmethod
    def _find(nodes, name):
        for node in nodes:
            if node["name"] == name:
                return node
        raise HttpError(404, f"No traffic node named {name}.")

    def _save_config(self, **changes):
        config = self.config()
        updated = {**config, **changes}
        if updated == config:
            return False
        self.store.put("config", "cluster", updated)
        return True

    # --- pushing to traffic nodes -------------------------------------------------------------------
    def _push_all_in_background(self, reason):
        names = [node["name"] for node in self.config()["traffic_nodes"]]
        for name in names:
            self._set_node_status(name, "pending", f"Pushing the cluster configuration ({reason}).")
        threading.Thread(target=self._push_all, name="cluster-push", daemon=True).start()

    def _push_all(self):
        with self._push_lock:
            config = self.config()
            for node in config["traffic_nodes"]:
                self._push_one(node, config)
            with self._runtime_lock:
                self.store.put("config", "cluster_runtime", {**self.runtime(), "last_sync_time": time.time()})

    def _push_one(self, node, config):
        name, address = node["name"], node["internal_address"]
        payload = {"primary": self._primary_identity(), "primary_nodes": self.primary_nodes(),
                   "method": config["method"], "traffic_nodes": config["traffic_nodes"], "node": name,
                   "version": list(self.appliance.version())}
        try:
            answer = self.appliance.peers.call(address, self.appliance.port, "POST", "/cluster/push", payload)
        except PeerRefused as error:
            self._set_node_status(name, "refused", f"{name} ({address}) refused the cluster configuration:"
                                                   f" {error.message}")
            return
        except PeerUnreachable as error:
            self._set_node_status(name, "unreachable", f"{name} ({address}) cannot be reached: {error}.")
            return
        self._set_node_status(name, "ok", f"{name} ({address}) accepted the cluster configuration.",
                              appliance_id=answer["appliance_id"])

    def _set_node_status(self, name, state, message, appliance_id=None):
        with self._runtime_lock:
            runtime = self.runtime()
            previous = runtime["node_status"].get(name, {})
            last_sync = time.time() if state == "ok" else previous.get("last_sync")
            runtime["node_status"][name] = {"state": state, "message": message, "last_sync": last_sync}
            if appliance_id:
                runtime["node_ids"][name] = appliance_id
            self.store.put("config", "cluster_runtime", runtime)
        if state != "pending" and (state, message) != (previous.get("state"), previous.get("message")):
            self.note(message)

    def _forget_node(self, name):
        with self._runtime_lock:
            runtime = self.runtime()
            runtime["node_status"].pop(name, None)
            runtime["node_ids"].pop(name, None)
            self.store.put("config", "cluster_runtime", runtime)

    def _release_in_turn(self, nodes):
        with self._push_lock:
            self._release(nodes)

    def _release(self, nodes):
        """Tells traffic nodes they left the cluster (best effort: a node that cannot be told keeps
        its configuration until someone removes it there)."""
        for node in nodes:
            try:
                self.appliance.peers.call(node["internal_address"], self.appliance.port, "POST", "/cluster/leave", {})
            except (PeerRefused, PeerUnreachable) as error:
                self.note(f"{node['name']} could not be told that it left the cluster: {error}.")

    def _release_backup_primary(self):
        failover = self.appliance.failover
        if failover.configured():
            try:
                failover.call_peer("POST", "/cluster/leave", {})
            except (PeerRefused, PeerUnreachable) as error:
                self.note(f"The backup primary node could not be told: {error}; the next data sync tells it.")

    def _primary_identity(self):
        appliance = self.appliance
        return {"hostname": appliance.hostname, "appliance_id": appliance.appliance_id,
                "address": appliance.own_address()}

    def primary_nodes(self):
        """Host names of the primary node and its failover backup, the primary first."""
        failover = self.appliance.failover
        state = failover.state()
        own = self.appliance.hostname
        if state["peer"] is None:
            return [own]
        peer = state["peer"]["hostname"]
        return [peer, own] if state["role"] == BACKUP else [own, peer]

    # --- the traffic node's side ------------------------------------------------------------------------
    def peer_push(self, request):
        body = request.json()
        if self.appliance.failover.configured():
            raise HttpError(409, f"{self.appliance.hostname} is in a failover relationship and cannot be a"
                                 " traffic node.")
        if self.config()["traffic_nodes"]:
            raise HttpError(409, f"{self.appliance.hostname} is the primary node of a cluster of its own.")
        if tuple(body["version"]) != tuple(self.appliance.version()):
            raise HttpError(409, f"{self.appliance.hostname} runs other site software"
                                 f" ({' '.join(self.appliance.version())}).")
        joined = self.membership() is None
        own = next(node for node in body["traffic_nodes"] if node["name"] == body["node"])
        self.store.put("config", "cluster_membership", {
            "primary": body["primary"], "primary_nodes": body["primary_nodes"], "method": body["method"],
            "traffic_nodes": body["traffic_nodes"], "node": own, "synced_at": time.time()})
        if joined:
            self.note(f"Joined the cluster of primary node {body['primary']['hostname']} as traffic node"
                      f" {own['name']}.")
        return {"appliance_id": self.appliance.appliance_id, "hostname": self.appliance.hostname}

    def peer_leave(self, request):
        """A traffic node leaves its cluster; a backup primary node forgets the synced configuration."""
        was = self.role()
        self.store.put("config", "cluster_membership", None)
        self.store.put("config", "cluster", dict(DEFAULT_CLUSTER))
        if was != "single":
            self.note("Left the cluster: this appliance is single again.")
        return {"role": "single"}

    # --- what the APIs report ------------------------------------------------------------------------------
    def status(self):
        if self.role() == "traffic":
            membership = self.membership()
            return {"role": "traffic", "method": membership["method"], "primary_nodes": membership["primary_nodes"],
                    "traffic_nodes": membership["traffic_nodes"], "node_status": [],
                    "last_sync_time": now_iso(membership["synced_at"]), "history": history(self.store, "cluster")}
        config, runtime, role = self.config(), self.runtime(), self.role()
        return {
            "role": role,
            "method": config["method"],
            "primary_nodes": self.primary_nodes() if role != "single" else [],
            "traffic_nodes": config["traffic_nodes"],
            "node_status": [self._node_status(node["name"], runtime) for node in config["traffic_nodes"]],
            "last_sync_time": now_iso(runtime["last_sync_time"]) if runtime["last_sync_time"] else None,
            "history": history(self.store, "cluster"),
        }

    @staticmethod
    def _node_status(name, runtime):
        status = runtime["node_status"].get(name, {"state": "pending", "message": "Not pushed yet.", "last_sync": None})
        return {"name": name, "state": status["state"], "message": status["message"],
                "last_sync": now_iso(status["last_sync"]) if status["last_sync"] else None}

    def traffic_nodes(self):
        return self.status()["traffic_nodes"]

    def members(self):
        """The appliances get_appliances and v2 /appliance list, the primary first."""
        role = self.role()
        if role == "traffic":
            node = self.membership()["node"]
            return [self._own_entry("traffic", node["accepting_connections"], node["timezone_offset"])]
        vendor_role = "single" if role == "single" else "primary"
        entries = [self._own_entry(vendor_role, True, 0)]
        peer = self._failover_peer_entry(vendor_role)
        if peer:
            entries.insert(0 if self.appliance.failover.role() == BACKUP else 1, peer)
        if role != "single":
            runtime = self.runtime()
            entries += [self._traffic_entry(node, runtime) for node in self.config()["traffic_nodes"]]
        return entries

    def _own_entry(self, cluster_role, accepting, offset_hours):
        appliance = self.appliance
        return {"id": appliance.appliance_id, "name": appliance.hostname, "public_hostname": appliance.hostname,
                "cluster_role": cluster_role, "failover_role": appliance.failover.role(),
                "accepting_connections": accepting, "timezone_offset": round(offset_hours * SECONDS_PER_HOUR)}

    def _failover_peer_entry(self, cluster_role):
        failover = self.appliance.failover
        state = failover.state()
        if state["peer"] is None:
            return None
        view = failover.peer_view or {}
        role = view["role"] if view.get("reachable") else OTHER_ROLE[state["role"]]
        peer = state["peer"]
        return {"id": peer["appliance_id"], "name": peer["hostname"], "public_hostname": peer["hostname"],
                "cluster_role": cluster_role, "failover_role": role, "accepting_connections": True,
                "timezone_offset": 0}

    @staticmethod
    def _traffic_entry(node, runtime):
        # A node never reached has no known id yet: a stable one derived from its name stands in.
        node_id = runtime["node_ids"].get(node["name"]) or hashlib.md5(node["name"].encode()).hexdigest()
        return {"id": node_id, "name": node["name"], "public_hostname": node["public_host"],
                "cluster_role": "traffic", "failover_role": "none",
                "accepting_connections": node["accepting_connections"],
                "timezone_offset": round(node["timezone_offset"] * SECONDS_PER_HOUR)}


def validate_node(body):
    """A TrafficNode of the management API, canonical; 400 for unknown fields, 422 for bad ones."""
    refuse_unknown(body, NODE_FIELDS)
    missing = [name for name in NODE_FIELDS if name not in body]
    if missing:
        raise invalid(missing[0], "is required")
    for name in ("name", "public_host", "internal_address"):
        if not isinstance(body[name], str) or not body[name].strip():
            raise invalid(name, "must be a non-empty string")
    if "/" in body["name"]:
        raise invalid("name", "must not contain '/'")
    if not isinstance(body["accepting_connections"], bool):
        raise invalid("accepting_connections", "must be true or false")
    offset = body["timezone_offset"]
    if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not -12 <= offset <= 14 \
            or (offset * 4) != int(offset * 4):
        raise invalid("timezone_offset", "must be hours from -12 to 14 in steps of 0.25")
    port = body["public_port"]
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise invalid("public_port", "must be an integer from 1 to 65535")
    return {**{name: body[name] for name in NODE_FIELDS}, "network_prefixes": _prefixes(body["network_prefixes"])}


def _prefixes(value):
    if not isinstance(value, list):
        raise invalid("network_prefixes", "must be a list of networks in CIDR notation")
    result = []
    for prefix in value:
        try:
            result.append(str(ipaddress.ip_network(prefix, strict=True)))
        except (TypeError, ValueError):
            raise invalid("network_prefixes", f"{prefix!r} is not a network in CIDR notation") from None
    return result
