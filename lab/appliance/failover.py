"""Failover and cluster state as the vendor APIs and the /login pages report them.

The engines here describe an appliance in no relationship and no cluster. A failover engine
with relationships, syncs and role swaps replaces StandaloneFailover through the same methods
(`Appliance.failover`), and adds its own routes for the /login write endpoints.
"""
from lab.appliance.web import now_iso

NOT_CONFIGURED = "Failover is not configured: this site instance is in no failover relationship."
DEFAULT_BACKUP_SETTINGS = {
    "backup_operations": True,
    "primary_timeout": 300,
    "sync_interval": 3600,
    "bandwidth_limit": 0,
    "automatic_failover": False,
    "connectivity_test_ips": [],
}


class FailoverRefused(Exception):
    """A role change the appliance refuses; the message is what the client sees."""


class StandaloneFailover:
    def __init__(self, appliance):
        self.appliance = appliance

    def role(self):
        return "none"

    def configured(self):
        return False

    def shared_ips(self):
        return self.appliance.config("shared_ips")

    def backup_settings(self):
        return self.appliance.config("backup_settings")

    def last_sync(self):
        """(unix time, status) of the last data sync, (None, None) when there was none."""
        return None, None

    def problems(self):
        return []

    def set_role(self, role, data_sync_first, force):
        raise FailoverRefused(NOT_CONFIGURED)

    def status(self):
        appliance = self.appliance
        return {
            "role": self.role(),
            "relationship": None,
            "this_host": {"hostname": appliance.hostname, "address": appliance.address,
                          "port": appliance.port, "role": self.role(), "reachable": True,
                          "last_status_check": None},
            "peer_host": None,
            "conflict": None,
            "conflict_message": None,
            "data_sync": {"state": "idle", "started_at": None, "last_data_sync_time": None,
                          "last_data_sync_status": None},
            "swap": None,
            "history": history(appliance.store, "failover"),
        }


class StandaloneCluster:
    def __init__(self, appliance):
        self.appliance = appliance

    def role(self):
        return "single"

    def members(self):
        """The appliances get_appliances lists: here only this one."""
        appliance = self.appliance
        return [{
            "id": appliance.appliance_id,
            "name": appliance.hostname,
            "public_hostname": appliance.hostname,
            "cluster_role": self.role(),
            "failover_role": appliance.failover.role(),
            "accepting_connections": True,
            "timezone_offset": 0,
        }]

    def status(self):
        return {
            "role": self.role(),
            "method": "random",
            "primary_nodes": [],
            "traffic_nodes": [],
            "node_status": [],
            "last_sync_time": None,
            "history": history(self.appliance.store, "cluster"),
        }


def history(store, source):
    return [{"time": now_iso(row["time"]), "message": row["message"]}
            for row in store.history(source)]
