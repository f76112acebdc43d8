"""`python -m lab deploy-pair`: the failover pair of a lab deployed by hand, through the control
interface's pages only (`POST /control/page`), so that it works on vendor-only appliances too.

It brings the pair to what the collection's `site` deploys: the /appliance admin password, the IPs
(unique IP, and the shared IPs on both, enabled on the normal primary), the site certificate of
`lab up` imported and made the default on both, the inter-appliance key, the relationship
established on the normal primary, the shared IPs selected on both, backup settings by the
vendor's best-practice table (normal primary: backup operations and automatic failover off; normal
backup: backup operations on, the rest from the topology's `pair_settings:`), then waits, bounded,
until the initial data sync is good. A second run changes nothing.
"""
import time
from pathlib import Path

from lab import labstate
from lab.appliance.admin import FACTORY_ADMIN_PASSWORD
from lab.labstate import LabError

POLL = 0.2
PAGES = {
    "password": "/appliance/api/v1/admin/password",
    "interfaces": "/appliance/api/v1/network/interfaces",
    "certificates": "/appliance/api/v1/certificates",
    "default_certificate": "/appliance/api/v1/certificates/default",
    "key": "/login/api/v1/security/inter-appliance-key",
    "failover": "/login/api/v1/failover",
    "relationship": "/login/api/v1/failover/relationship",
    "shared_ips": "/login/api/v1/failover/shared-ips",
    "backup_settings": "/login/api/v1/failover/backup-settings",
}


class PairDeployment:
    def __init__(self, lab, state_dir, out=print):
        self.lab = lab
        self.topology = lab["topology"]
        self.state_dir = Path(state_dir)
        self.out = out
        self.changes = 0
        self.primary, self.backup = self._normal_roles()

    def _normal_roles(self):
        pair = {spec["normal_role"]: name for name, spec in self.topology["appliances"].items()
                if spec.get("role") == "pair"}
        if set(pair) != {"primary", "backup"}:
            raise LabError("deploy-pair needs one appliance with role pair and normal_role primary, and one"
                           " with normal_role backup")
        return pair["primary"], pair["backup"]

    # --- one page ----------------------------------------------------------------------------
    def page(self, name, method, path, body=None):
        answer = labstate.control(labstate.node(self.lab, name), "POST", "/control/page",
                                  {"method": method, "path": path, "body": body}, timeout=60)
        if answer["status"] >= 400:
            raise LabError(f"{name}: {method} {path} answered {answer['status']}: {answer['body']}")
        self.changes += int(answer["changed"])
        return answer

    def step(self, name, what, method, path, body):
        answer = self.page(name, method, path, body)
        self.out(f"{name}: {what}: {'changed' if answer['changed'] else 'ok'}")
        return answer

    # --- the deployment --------------------------------------------------------------------------
    def run(self, timeout):
        for name in (self.primary, self.backup):
            self.admin_password(name)
            self.ips(name)
            self.certificate(name)
            self.step(name, "inter-appliance key", "PUT", PAGES["key"], {"key": self.topology["inter_appliance_key"]})
        established = self.relationship()
        for name in (self.primary, self.backup):
            self.step(name, "shared IPs selected", "PUT", PAGES["shared_ips"], {"ips": self.shared_addresses()})
            self.step(name, "backup settings", "PUT", PAGES["backup_settings"], self.backup_settings(name))
        self.wait_for_initial_sync(timeout, established)
        self.out(f"deploy-pair: {self.changes} change(s)")
        return self.changes

    def admin_password(self, name):
        wanted = self.topology["appliance_admin"]["password"]
        factory = labstate.control(labstate.node(self.lab, name), "GET", "/control/state")["admin_password_is_factory"]
        self.step(name, "admin password", "PUT", PAGES["password"],
                  {"current_password": FACTORY_ADMIN_PASSWORD if factory else wanted, "new_password": wanted})

    def shared_addresses(self):
        return [ip["address"] for ip in self.topology["shared_ips"]]

    def ips(self, name):
        """eth0: the unique IP, and the shared IPs enabled on the normal primary only, unless the
        appliance is already in a relationship: then it owns their enabled flag (it follows the role)."""
        spec = self.topology["appliances"][name]
        current = self.page(name, "GET", PAGES["interfaces"])["body"]["interfaces"]
        now_enabled = {ip["address"]: ip["enabled"] for nic in current for ip in nic["ips"]}
        in_relationship = self.page(name, "GET", PAGES["failover"])["body"]["relationship"] is not None
        ips = [{"address": spec["address"], "prefix": spec["prefix"], "enabled": True}]
        for shared in self.topology["shared_ips"]:
            enabled = spec["normal_role"] == "primary"
            if in_relationship and shared["address"] in now_enabled:
                enabled = now_enabled[shared["address"]]
            ips.append({"address": shared["address"], "prefix": shared["prefix"], "enabled": enabled})
        self.step(name, "IP configuration", "PUT", f"{PAGES['interfaces']}/eth0/ips", {"ips": ips})

    def certificate(self, name):
        chain = (self.state_dir / "site.pem").read_text()
        key = (self.state_dir / "site.key").read_text()
        imported = self.step(name, "site certificate imported", "POST", PAGES["certificates"],
                             {"format": "pem", "certificate_chain": chain, "private_key": key})
        self.step(name, "site certificate is the default", "PUT", PAGES["default_certificate"],
                  {"fingerprint": imported["body"]["fingerprint"]})

    def relationship(self):
        """Established on the normal primary unless one exists; True when established now."""
        status = self.page(self.primary, "GET", PAGES["failover"])["body"]
        if status["relationship"] is not None:
            self.out(f"{self.primary}: failover relationship: ok ({status['role']})")
            return False
        nodes, port = self.lab["nodes"], self.lab["port"]
        self.step(self.primary, "failover relationship established", "POST", PAGES["relationship"], {
            "backup_host": nodes[self.backup]["address"], "backup_port": port,
            "reverse_host": nodes[self.primary]["address"], "reverse_port": port})
        return True

    def backup_settings(self, name):
        """The vendor's best-practice table, by normal role."""
        settings = dict(self.topology["pair_settings"])
        normal_backup = name == self.backup
        settings["backup_operations"] = normal_backup
        settings["automatic_failover"] = normal_backup and settings["automatic_failover"]
        return settings

    def wait_for_initial_sync(self, timeout, established):
        """Until the initial data sync has run and is good on both; at once for an existing
        relationship whose initial sync is done."""
        deadline = time.monotonic() + timeout
        while True:
            states = {name: self.sync_state(name) for name in (self.primary, self.backup)}
            if not established and all(state["done"] for state in states.values()):
                return
            if all(state["done"] for state in states.values()):
                break
            if time.monotonic() > deadline:
                raise LabError(f"the initial data sync did not finish within {timeout} s: {states}")
            time.sleep(POLL)
        failed = {name: state["status"] for name, state in states.items() if not state["good"]}
        if failed:
            raise LabError(f"the initial data sync failed: {failed}")
        self.out(f"initial data sync: {states[self.backup]['status']}")

    def sync_state(self, name):
        status = self.page(name, "GET", PAGES["failover"])["body"]["data_sync"]
        words = labstate.control(labstate.node(self.lab, name), "GET", "/control/settings")["sync_status_words"]
        done = status["state"] == "idle" and status["last_data_sync_time"] is not None
        return {"done": done, "status": status["last_data_sync_status"],
                "good": status["last_data_sync_status"] in words}
