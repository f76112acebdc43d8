"""Helpers for the failover and cluster tests: fast labs, a clean pair, roles, shared IP holders."""
import re
import socket
import time

from lab import cli
from lab.tests.conftest import CLIENT_ID, CLIENT_SECRET, DEFAULT_SETTINGS, Node, served_certificate, wait_for

KEY = "pair-inter-appliance-key"
# Every failover timer small, so that a test of minutes on a real pair takes seconds here.
FAST_TIMERS = {"listener_retry": 0.2, "health_cache": 0, "initial_sync_delay": 0.5, "probe_interval": 0.2,
               "peer_timeout": 1, "swap_both_backup": 1.0, "sync_overhead": 0.1}
FAST_BACKUP_SETTINGS = {"backup_operations": True, "primary_timeout": 3600, "sync_interval": 3600,
                        "bandwidth_limit": 0, "automatic_failover": False, "connectivity_test_ips": []}


def pair_topology(name, block, traffic_nodes=0, nat=False):
    appliances = {
        "site1": {"offset": 11, "hostname": f"site1.{name}.sra.test", "model": "B400", "role": "pair",
                  "normal_role": "primary"},
        "site2": {"offset": 12, "hostname": f"site2.{name}.sra.test", "model": "B400", "role": "pair",
                  "normal_role": "backup"},
    }
    for index in range(1, traffic_nodes + 1):
        appliances[f"tn{index}"] = {"offset": 20 + index, "hostname": f"tn{index}.{name}.sra.test", "model": "B300",
                                    "role": "traffic", "region": "eu-west", "timezone_offset": 1}
    topology = {
        "name": name, "block": block, "site_hostname": f"support.{name}.sra.test", "product": "rs",
        "version": "24.3.1", "build": "12345-0123abcd", "company_name": "SRA Test",
        "api_account": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        "appliance_admin": {"user": "admin", "password": "Test-Admin-Pass-1"},
        "inter_appliance_key": KEY, "shared_ips": [{"offset": 52, "prefix": 24}],
        "timers": FAST_TIMERS,
        "limits": {"requests_per_second": 10000, "requests_per_hour": 100000, "sync_throughput": 10_000_000},
        "appliances": appliances,
    }
    if nat:
        topology["nat"] = {"offset": 60, "target": "site1"}
    return topology


def vendor_topology(name, block):
    """A vendor-only pair (no management API) with a gateway device and deploy-pair's settings."""
    return {**pair_topology(name, block), "management_api": False, "gateway": {"offset": 1},
            "pair_settings": {"automatic_failover": True, "primary_timeout": 2,
                              "connectivity_test_ips": [{"offset": 1}]}}


def factory_nodes(lab):
    """Every node running, healed, in its factory state, with the default lab settings; nothing set
    through the management API (a vendor-only appliance has none)."""
    assert cli.main(["up", "--state-dir", lab["state_dir"]]) == 0
    nodes = {name: Node(lab, name) for name in lab["nodes"]}
    for node in nodes.values():
        node.control("POST", "/control/faults/heal")
        node.control("POST", "/control/settings/reset")
        node.control("POST", "/control/settings", {**DEFAULT_SETTINGS, **FAST_TIMERS})
        node.control("POST", "/control/reset")
    return nodes


def page(node, method, path, body=None):
    """A page set by hand through the control interface: (status, body)."""
    answer = node.control("POST", "/control/page", {"method": method, "path": path, "body": body})
    return answer["status"], answer["body"]


def clean_nodes(lab):
    """factory_nodes, and the inter-appliance key set on each through the management API."""
    nodes = factory_nodes(lab)
    for node in nodes.values():
        assert node.login("PUT", "/security/inter-appliance-key", json={"key": KEY}).status_code == 200
    return nodes


def relationship(primary, backup):
    port = primary.entry["port"]
    return {"backup_host": backup.address, "backup_port": port, "reverse_host": primary.address, "reverse_port": port}


def establish(primary, backup, wait_for_sync=True):
    response = primary.login("POST", "/failover/relationship", json=relationship(primary, backup))
    assert response.status_code == 200, response.text
    if wait_for_sync:
        assert wait_for(lambda: last_sync(backup)[1] == "Success", timeout=5)
        assert wait_for(lambda: last_sync(primary)[1] == "Success", timeout=2)
        # The backup records the result and tells the primary before its pull ends: until then a
        # Sync Now is refused as "already running" (a test that syncs next failed so under load).
        assert wait_for(lambda: status(backup)["data_sync"]["state"] == "idle", timeout=2)
    return response.json()


def shared_address(lab):
    return lab["topology"]["shared_ips"][0]["address"]


def add_shared_ip(node, shared, enabled):
    """The shared IP on the node's IP Configuration page and selected on its Failover page."""
    ips = [{"address": node.address, "prefix": 24, "enabled": True},
           {"address": shared, "prefix": 24, "enabled": enabled}]
    assert node.admin("PUT", "/network/interfaces/eth0/ips", json={"ips": ips}).status_code == 200
    assert node.login("PUT", "/failover/shared-ips", json={"ips": [shared]}).status_code == 200


def factory_fingerprint(node):
    table = node.admin("GET", "/certificates").json()["certificates"]
    return next(c["fingerprint"] for c in table if c["factory"])


def holder(address, port):
    """The factory fingerprint of whoever answers on address:port, None when nobody does."""
    try:
        return served_certificate(address, port)
    except OSError:
        return None


def health(node):
    """check_health as a dict of element name to text."""
    text = node.command("check_health").text
    return dict(re.findall(r"<(\w+)(?: [^>]*)?>([^<]*)</\1>", text))


def role(node):
    return health(node)["failover_role"]


def status(node):
    return node.login("GET", "/failover").json()


def last_sync(node):
    data = status(node)["data_sync"]
    return data["last_data_sync_time"], data["last_data_sync_status"]


def set_backup_settings(node, **changes):
    response = node.login("PUT", "/failover/backup-settings", json={**FAST_BACKUP_SETTINGS, **changes})
    assert response.status_code == 200, response.text


def set_role(node, role_name, **flags):
    params = {"role": role_name, **{name: "1" for name, on in flags.items() if on}}
    return node.command("set_failover_role", **params).text


def site_names(node, kind):
    rows = node.control("GET", "/control/site-data")["site_data"]
    return sorted(row["name"] for row in rows if row["kind"] == kind)


def history_has(node, fragment):
    return any(fragment in entry["message"] for entry in status(node)["history"])


def listens(address, port):
    try:
        socket.create_connection((address, port), timeout=0.5).close()
        return True
    except OSError:
        return False


class Stopwatch:
    def __init__(self):
        self.started = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.started
