# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake appliances behind a fake HTTPS transport for the failover modules' tests.

The modules run their real client, vendor API and management driver; only the network is
fake. Each FakeAppliance answers the vendor wire formats (XML command API, v2 JSON, backup)
and the management API paths it needs, and logs every request, so tests count writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
from urllib.parse import parse_qs, urlsplit

from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.sra.appliance.plugins.module_utils import _client
from ansible_collections.sra.appliance.plugins.module_utils._waiter import Waiter
from ansible_collections.sra.appliance.tests import module_runner

NS = "https://www.beyondtrust.com/namespaces/API/command"
LOGIN = "/login/api/v1"


def response(status, body=b"", content_type="application/json"):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    return _client.Response(status, "OK" if status < 400 else "Error", {"Content-Type": content_type},
                            body.encode("utf-8") if isinstance(body, str) else body)


def xml(body):
    return response(200, '<?xml version="1.0" encoding="UTF-8"?>\n\n' + body, "text/xml; charset=UTF-8")


class FakeAppliance:
    """One appliance: its failover state and a log of (method, path, action, wrote)."""

    def __init__(self, address, role="none", version="24.3.1", build="12345-abc", key="fp-1"):
        self.address = address
        self.role = role
        self.version = version
        self.build = build
        self.appliance_id = ("%032x" % abs(hash(address)))[:32]
        self.key_fingerprint = key
        self.relationship = None
        self.peer = None
        self.data_sync = dict(state="idle", last_data_sync_time=None, last_data_sync_status=None)
        self.shared = []
        self.settings = dict(backup_operations=False, primary_timeout=60, sync_interval=3600, bandwidth_limit=0,
                             automatic_failover=False, connectivity_test_ips=[])
        self.interfaces = [dict(name="eth0", mac_address="02:00:00:00:00:01", link_detected=True,
                                ips=[dict(address=address, prefix=24, enabled=True)])]
        self.management = True      # a real appliance has no management API: 404
        self.down = False
        self.swap_script = []       # [(this role, peer role)] applied one per role read after a swap
        self.sync_script = []       # [data_sync dict] applied one per failover read after Sync Now
        self.role_error = None      # an <error> text for set_failover_role
        self.problem = None         # check_health: success 0 with this error_message
        self.permissions = dict(perm_backup="1", perm_command="full_access")
        self.backup_body = b"NSB-BACKUP-" + address.encode()
        self.log = []
        self.tokens = []            # the OAuth tokens this appliance minted: only those are accepted

    @property
    def writes(self):
        return [entry for entry in self.log if entry[3]]

    # -- routing --------------------------------------------------------------------------
    def handle(self, method, path, params, data, body):
        action = (params or data or {}).get("action")
        wrote = (method, path) in (("POST", "/api/command"), ("POST", "/api/command/v2/failover-role")) or (
            path.startswith(LOGIN) and method in ("POST", "PUT", "DELETE"))
        self.log.append((method, path, action, wrote))
        if path == "/oauth2/token":
            self.tokens.append("t-%s-%d" % (self.address, len(self.tokens) + 1))
            return response(200, dict(access_token=self.tokens[-1], token_type="Bearer", expires_in=3600))
        if path == "/api/command":
            return getattr(self, "xml_" + action)(data or params)
        if path.startswith("/api/command/v2/"):
            return getattr(self, "v2_" + path.rsplit("/", 1)[1].replace("-", "_"))(method, body)
        if path == "/check_health":
            return response(200 if self.role != "broken" else 500, "Healthy", "text/plain")
        if path == "/api/backup":
            if body and body.get("password") != "bk-pass":
                return response(401, dict(message="wrong backup password"))
            return response(200, self.backup_body, "application/octet-stream")
        if not self.management:
            return response(404, dict(message="Not Found"))
        return self.management_api(method, path, body)

    # -- vendor APIs ----------------------------------------------------------------------
    def advance_swap(self):
        if self.swap_script:
            self.role, peer_role = self.swap_script.pop(0)
            if self.peer is not None and peer_role is not None:
                self.peer.role = peer_role

    def health_xml(self):
        extra = ""
        if self.role in ("primary", "backup"):
            extra = ("<enabled_shared_ips>%s</enabled_shared_ips>" % "".join("<ip>%s</ip>" % ip for ip in self.shared)
                     if self.role == "primary" and self.shared else "")
            if self.data_sync["last_data_sync_time"]:
                extra += ('<last_data_sync_time ts="%s">%s</last_data_sync_time>'
                          '<last_data_sync_status>%s</last_data_sync_status>'
                          % (self.data_sync.get("ts", 1733140800), self.data_sync["last_data_sync_time"],
                             self.data_sync["last_data_sync_status"]))
        if self.problem:
            extra = "<error_message>%s</error_message>%s" % (self.problem, extra)
        return ('<health_check xmlns="%s"><appliance id="%s">%s</appliance><version>%s (%s)</version>'
                '<success>%d</success><failover_role>%s</failover_role>%s</health_check>'
                % (NS, self.appliance_id, self.address, self.version, self.build, 0 if self.problem else 1, self.role,
                   extra))

    def xml_check_health(self, params):
        self.advance_swap()
        return xml(self.health_xml())

    def xml_get_appliances(self, params):
        return xml('<appliances xmlns="%s"><appliance id="%s"><name>%s</name><public_hostname>%s</public_hostname>'
                   '<cluster_role>single</cluster_role><failover_role>%s</failover_role>'
                   '<accepting_connections>1</accepting_connections><timezone_offset>0</timezone_offset>'
                   '</appliance></appliances>' % (NS, self.appliance_id, self.address, self.address, self.role))

    def xml_get_api_info(self, params):
        permissions = "".join('<permission name="%s">%s</permission>' % item for item in sorted(self.permissions.items()))
        return xml('<api_information xmlns="%s"><api_version>1.24.0</api_version><timestamp>1733140800</timestamp>'
                   '<permissions>%s</permissions></api_information>' % (NS, permissions))

    def set_role(self, role, data_sync_first):
        if self.role_error:
            return self.role_error
        if not self.swap_script:
            # Without a script the swap completes at once: this appliance, then its peer.
            self.role = role
            if self.peer is not None:
                self.peer.role = "backup" if role == "primary" else "primary"
        return None

    def xml_set_failover_role(self, params):
        error = self.set_role(params["role"], params.get("data_sync_first") == "1")
        if error:
            return xml('<error xmlns="%s">%s</error>' % (NS, error))
        return xml('<success xmlns="%s">Successfully changed role.</success>' % NS)

    def v2_health(self, method, body):
        return response(200, dict(version=self.version, build=self.build, appliance_hostname=self.address,
                                  appliance_id=self.appliance_id, cluster_role="single", failover_role=self.role,
                                  enabled_shared_ips=None, last_data_sync=None, last_data_sync_status=None))

    def v2_appliance(self, method, body):
        self.advance_swap()
        return response(200, [dict(id=self.appliance_id, name=self.address, public_hostname=self.address,
                                   cluster_role="single", failover_role=self.role, accepting_connections=True,
                                   timezone_offset=0)])

    def v2_failover_role(self, method, body):
        if body.get("role") not in ("primary", "backup"):
            return response(422, dict(message="Validation failed", errors=dict(role=["must be primary or backup"])))
        error = self.set_role(body["role"], body.get("data_sync_first"))
        if error:
            return response(500, dict(message=error))
        return response(200, dict(message="Successfully changed role."))

    # -- management API -------------------------------------------------------------------
    def status(self):
        peer = self.peer
        return dict(role=self.role, relationship=self.relationship, this_host=dict(hostname=self.address, role=self.role),
                    peer_host=dict(hostname=peer.address, role=peer.role) if peer else None, conflict=None,
                    data_sync=dict(self.data_sync), swap=None, history=[])

    def management_api(self, method, path, body):
        route = (method, path[len(LOGIN):] if path.startswith(LOGIN) else path)
        if route == ("GET", "/appliance/api/v1/network/interfaces"):
            return response(200, dict(interfaces=self.interfaces))
        if route == ("GET", "/security/inter-appliance-key"):
            return response(200, {"set": self.key_fingerprint is not None, "fingerprint": self.key_fingerprint})
        if route == ("GET", "/failover"):
            if self.sync_script:
                self.data_sync = self.sync_script.pop(0)
            return response(200, self.status())
        if route == ("POST", "/failover/relationship"):
            return self.establish(body)
        if route == ("DELETE", "/failover/relationship"):
            self.role, self.relationship = "none", None
            return response(200, self.status())
        if route == ("GET", "/failover/shared-ips"):
            return response(200, dict(ips=self.shared))
        if route == ("PUT", "/failover/shared-ips"):
            self.shared = list(body["ips"])
            return response(200, dict(ips=self.shared))
        if route == ("GET", "/failover/backup-settings"):
            return response(200, self.settings)
        if route == ("PUT", "/failover/backup-settings"):
            self.settings = dict(body)
            return response(200, self.settings)
        if route == ("POST", "/failover/sync"):
            return response(202, dict(message="Data sync started."))
        return response(404, dict(message="no route %s %s" % route))

    def establish(self, body):
        self.role, self.relationship = "primary", dict(body)
        if self.peer is not None:
            self.peer.role = "backup"
        if not self.sync_script:
            self.data_sync = dict(state="idle", last_data_sync_time="2024-12-02T12:00:00+00:00",
                                  last_data_sync_status="Success")
        return response(200, self.status())


class FakeNetwork:
    """Routes requests to FakeAppliances by host; an unknown or down host refuses connections."""

    def __init__(self, *appliances):
        self.appliances = dict((appliance.address, appliance) for appliance in appliances)

    def pair(self, primary, backup):
        primary.peer, backup.peer = backup, primary

    def __getitem__(self, address):
        return self.appliances[address]

    @property
    def writes(self):
        return [(address,) + entry for address, appliance in sorted(self.appliances.items())
                for entry in appliance.writes]

    def transport(self, host, port, tls, timeout):
        return FakeTransport(self, host)


def vendor_only_pair(primary_address, backup_address, last_sync):
    """A FakeNetwork of a paired primary and backup that speak only the vendor API (as a real appliance
    does), whose last data sync succeeded at ``last_sync`` (ISO 8601 with its UTC offset)."""
    primary, backup = FakeAppliance(primary_address, role="primary"), FakeAppliance(backup_address, role="backup")
    epoch = int(datetime.datetime.fromisoformat(last_sync).timestamp())
    for appliance in (primary, backup):
        appliance.management = False
        appliance.data_sync = dict(state="idle", last_data_sync_time=last_sync, last_data_sync_status="Success",
                                   ts=epoch)
    network = FakeNetwork(primary, backup)
    network.pair(primary, backup)
    return network


class FakeTransport:
    """What the client sends to one host, decoded as the appliance would (query, form, JSON)."""

    def __init__(self, network, host):
        self.network = network
        self.host = host

    def send(self, method, target, headers, body, stream=False):
        appliance = self.network.appliances.get(self.host)
        if appliance is None or appliance.down:
            raise ConnectionRefusedError("Connection refused")
        parts = urlsplit(target)
        params = dict((key, values[0]) for key, values in parse_qs(parts.query).items())
        data = json_body = None
        if body is not None and headers.get("Content-Type") == "application/json":
            json_body = json.loads(body)
        elif body is not None:
            data = dict((key, values[0]) for key, values in parse_qs(body.decode()).items())
        bearer = headers.get("Authorization", "")
        if bearer.startswith("Bearer ") and bearer[len("Bearer "):] not in appliance.tokens:
            # A token another appliance minted (the site's address reached this one): not carried out.
            appliance.log.append((method, parts.path, "refused", False))
            return response(401, dict(error="invalid_token"))
        return appliance.handle(method, parts.path, params, data, json_body)


def run_module(monkeypatch, name, params, network, check_mode=False, diff=False, wait_polls=20):
    """main() of plugins/modules/<name>.py against ``network``; returns its JSON result.

    Waits poll at once on a fake clock: ``wait_polls`` polls fit in the wait timeout.
    """
    module = module_runner.import_module(name)
    monkeypatch.setattr(_client, "HttpsTransport", network.transport)
    monkeypatch.setattr(_client.ApplianceClient, "__init__", _fast_client(_client.ApplianceClient.__init__))
    if hasattr(module, "waiter_for"):
        monkeypatch.setattr(module, "waiter_for", lambda mod: _fast_waiter(mod, wait_polls))
    args = dict(host="192.0.2.10", client_id="id", client_secret="secret", appliance_user="admin",
                appliance_password="admin-pass")
    args.update(params)
    # Warnings are process-global in ansible-core; each run starts without the last run's.
    monkeypatch.setattr(ansible_warnings, "_global_warnings", {})
    return module_runner.run_module(name, args, check_mode=check_mode, diff=diff)


def warnings(result):
    """The texts of a result's warnings (ansible-core 2.19 returns them as structured events)."""
    return [item["event"]["msg"] if isinstance(item, dict) else item for item in result.get("warnings", [])]


def _fast_client(init):
    def fast_init(self, *args, **kwargs):
        kwargs["sleep"] = lambda seconds: None
        init(self, *args, **kwargs)
    return fast_init


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _fast_waiter(module, polls):
    from ansible_collections.sra.appliance.plugins.module_utils._waiter import CheckModeWaiter
    if module.check_mode:
        return CheckModeWaiter()
    clock = FakeClock()
    timeout = module.params["wait_timeout"]
    return Waiter(timeout, interval=max(timeout / float(polls), 0.001), clock=clock, sleep=clock.sleep)
