# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The management driver: the only code that knows the management API's paths.

The vendor publishes no API for IP configuration, certificates, the inter-appliance key,
failover relationships or Atlas clusters. docs/management-api.md defines one that mirrors the
vendor's pages; this class speaks it through the shared client. Another driver with the same
methods (a browser robot, a future vendor API) could replace it without touching a module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
from urllib.parse import quote

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError

APPLIANCE = "/appliance/api/v1"
LOGIN = "/login/api/v1"
TCP_TEST = APPLIANCE + "/utilities/tcp-connection-test"
# docs/management-api.md: a list form request carries 1 to 256 targets.
TCP_TEST_MAX_TARGETS = 256
LIST_REFUSED = (400, 422)
# docs/management-api.md, "Inter-appliance key fingerprint".
KEY_FINGERPRINT_MESSAGE = b"sra.appliance/inter-appliance-key/v1"


def key_fingerprint(key):
    """The fingerprint an appliance reports for ``key``: compare keys without reading them back."""
    return hmac.new(key.encode("utf-8"), KEY_FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:32]


def signed_in_status(driver):
    """Status > Basics when the driver's /appliance admin credentials sign in, None when the
    appliance refuses them (401); any other failure raises. One read both tells which password
    the appliance accepts and serves what the status says."""
    try:
        return driver.status()
    except ApplianceError as exc:
        if exc.status == 401:
            return None
        raise


def _quote(segment):
    """Path segments come from users (NIC and node names): keep them one segment."""
    return quote(str(segment), safe="")


class ManagementDriver:
    """One method per page field or button of the management API (docs/management-api.md)."""

    def __init__(self, client):
        self.client = client
        self._tcp_lists_refused = False

    # -- /appliance: Status, Networking -----------------------------------------------------
    def status(self):
        return self.client.get_json(APPLIANCE + "/status", auth="basic")

    def interfaces(self):
        return self.client.get_json(APPLIANCE + "/network/interfaces", auth="basic")["interfaces"]

    def set_interface_ips(self, nic, ips):
        return self.client.send_json("PUT", "%s/network/interfaces/%s/ips" % (APPLIANCE, _quote(nic)),
                                     {"ips": ips}, auth="basic")

    def gateway(self):
        return self.client.get_json(APPLIANCE + "/network/gateway", auth="basic")

    def set_gateway(self, address, interface):
        return self.client.send_json("PUT", APPLIANCE + "/network/gateway",
                                     {"address": address, "interface": interface}, auth="basic")

    def dns_servers(self):
        return self.client.get_json(APPLIANCE + "/network/dns", auth="basic")["servers"]

    def set_dns_servers(self, servers):
        return self.client.send_json("PUT", APPLIANCE + "/network/dns", {"servers": servers}, auth="basic")["servers"]

    def static_routes(self):
        return self.client.get_json(APPLIANCE + "/network/static-routes", auth="basic")["routes"]

    def set_static_routes(self, routes):
        return self.client.send_json("PUT", APPLIANCE + "/network/static-routes", {"routes": routes},
                                     auth="basic")["routes"]

    # -- /appliance: Security > Certificates -------------------------------------------------
    def certificates(self):
        return self.client.get_json(APPLIANCE + "/certificates", auth="basic")

    def import_pem(self, chain_pem, key_pem):
        return self.client.send_json("POST", APPLIANCE + "/certificates", {
            "format": "pem", "certificate_chain": chain_pem, "private_key": key_pem}, auth="basic")

    def import_pkcs12(self, pkcs12_b64, passphrase):
        body = {"format": "pkcs12", "pkcs12": pkcs12_b64}
        if passphrase:
            body["passphrase"] = passphrase
        return self.client.send_json("POST", APPLIANCE + "/certificates", body, auth="basic")

    def delete_certificate(self, fingerprint):
        self.client.send_json("DELETE", "%s/certificates/%s" % (APPLIANCE, _quote(fingerprint)), auth="basic")

    def set_default_certificate(self, fingerprint):
        return self.client.send_json("PUT", APPLIANCE + "/certificates/default", {"fingerprint": fingerprint},
                                     auth="basic")

    def set_certificate_ips(self, fingerprint, ips):
        return self.client.send_json("PUT", "%s/certificates/%s/assigned-ips" % (APPLIANCE, _quote(fingerprint)),
                                     {"ips": ips}, auth="basic")

    def export_certificate(self, fingerprint, passphrase, include_private_key=True, include_chain=True):
        # A read on the appliance, but POST: the passphrase must not travel in a URL.
        return self.client.request(
            "POST", "%s/certificates/%s/export" % (APPLIANCE, _quote(fingerprint)), auth="basic", idempotent=True,
            json_body={"passphrase": passphrase, "include_private_key": include_private_key,
                       "include_chain": include_chain}).json()

    # -- /appliance: Appliance Administration, Utilities -------------------------------------
    def change_admin_password(self, current_password, new_password):
        self.client.send_json("PUT", APPLIANCE + "/admin/password", {
            "current_password": current_password, "new_password": new_password}, auth="basic")

    def tcp_connection_test(self, host, port, timeout=5):
        return self.client.request("POST", TCP_TEST, auth="basic", idempotent=True,
                                   json_body={"host": host, "port": port, "timeout": timeout}).json()

    def tcp_connection_tests(self, targets, timeout=5):
        """One result {host, port, success, message, elapsed} per (host, port) of ``targets``, in
        their order. One request carries up to TCP_TEST_MAX_TARGETS targets, which the appliance
        tests in parallel, so a whole reachability matrix costs one request per appliance. An
        appliance whose management API predates the list form refuses it (400, unknown field, as
        the contract answers unknown fields; or 422 from one that requires host and port): it is
        then asked one target at a time, for the rest of this run too. A real problem with a
        target still shows, in the single form's answer."""
        results = []
        for start in range(0, len(targets), TCP_TEST_MAX_TARGETS):
            chunk = targets[start:start + TCP_TEST_MAX_TARGETS]
            if not self._tcp_lists_refused:
                try:
                    results.extend(self._tcp_list(chunk, timeout))
                    continue
                except ApplianceError as exc:
                    if exc.status not in LIST_REFUSED:
                        raise
                    self._tcp_lists_refused = True
            results.extend(dict(self.tcp_connection_test(host, port, timeout), host=host, port=port)
                           for host, port in chunk)
        return results

    def _tcp_list(self, chunk, timeout):
        body = {"targets": [{"host": host, "port": port} for host, port in chunk], "timeout": timeout}
        answer = self.client.request("POST", TCP_TEST, auth="basic", idempotent=True, json_body=body).json()
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(chunk):
            raise ApplianceError(self.client.name, "POST", TCP_TEST, 200,
                                 "the answer holds %s results for %d targets"
                                 % (len(results) if isinstance(results, list) else "no", len(chunk)))
        return results

    # -- /login: Management > Security -----------------------------------------------------
    def key_state(self):
        return self.client.get_json(LOGIN + "/security/inter-appliance-key")

    def set_key(self, key):
        return self.client.send_json("PUT", LOGIN + "/security/inter-appliance-key", {"key": key})

    # -- /login: Management > Failover -----------------------------------------------------
    def failover(self):
        return self.client.get_json(LOGIN + "/failover")

    def establish_relationship(self, backup_host, backup_port, reverse_host, reverse_port):
        return self.client.send_json("POST", LOGIN + "/failover/relationship", {
            "backup_host": backup_host, "backup_port": backup_port,
            "reverse_host": reverse_host, "reverse_port": reverse_port})

    def break_relationship(self):
        return self.client.send_json("DELETE", LOGIN + "/failover/relationship")

    def shared_ips(self):
        return self.client.get_json(LOGIN + "/failover/shared-ips")["ips"]

    def set_shared_ips(self, ips):
        return self.client.send_json("PUT", LOGIN + "/failover/shared-ips", {"ips": ips})["ips"]

    def backup_settings(self):
        return self.client.get_json(LOGIN + "/failover/backup-settings")

    def set_backup_settings(self, settings):
        return self.client.send_json("PUT", LOGIN + "/failover/backup-settings", settings)

    def sync_now(self):
        return self.client.send_json("POST", LOGIN + "/failover/sync")

    # -- /login: Management > Cluster ------------------------------------------------------
    def cluster(self):
        return self.client.get_json(LOGIN + "/cluster")

    def set_cluster_method(self, method):
        return self.client.send_json("PUT", LOGIN + "/cluster/method", {"method": method})

    def traffic_nodes(self):
        return self.client.get_json(LOGIN + "/cluster/traffic-nodes")["traffic_nodes"]

    def add_traffic_node(self, node):
        return self.client.send_json("POST", LOGIN + "/cluster/traffic-nodes", node)

    def update_traffic_node(self, node):
        return self.client.send_json("PUT", "%s/cluster/traffic-nodes/%s" % (LOGIN, _quote(node["name"])), node)

    def delete_traffic_node(self, name):
        self.client.send_json("DELETE", "%s/cluster/traffic-nodes/%s" % (LOGIN, _quote(name)))

    def cluster_sync(self):
        return self.client.send_json("POST", LOGIN + "/cluster/sync")

    def disband_cluster(self):
        return self.client.send_json("DELETE", LOGIN + "/cluster")
