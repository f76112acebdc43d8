# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair engine's reads and writes, through the vendor's public APIs only.

Reads: XML check_health of both appliances (never the v2 /health, which may be a minute old), the
unauthenticated /check_health probe when an appliance does not answer, get_api_info for the API
account's permissions, and check_health through each address clients use for the site (which
appliance answers there). Writes: set_failover_role, never retried blindly. Nothing here needs the
management API, so every maintenance flow works against a real appliance that has only the
vendor's APIs. One client per appliance per module run: one OAuth token each.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine
from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, client_for
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi, account_problems, read_account

# Seconds a both-backup reading is re-read before it counts as a conflict: during a role swap with a
# data sync first "the roles are both Backup momentarily" ("Perform Failover for Planned Maintenance").
DEFAULT_SETTLE = 15
# Seconds the appliance becoming primary may stop answering during a swap before the swap counts as
# failed (it may restart services; a dead appliance stays silent).
DOWN_GRACE = 30

# Written once; documented once in plugins/doc_fragments/pair.py (DOCUMENTATION and FLOW).
PAIR_ARGUMENT_SPEC = dict(
    peer_host=dict(type="str", required=True),
    peer_port=dict(type="int"),
    name=dict(type="str"),
    peer_name=dict(type="str"),
    site_addresses=dict(type="list", elements="str", default=[]),
    site_port=dict(type="int"),
    swing_address=dict(type="str"),
    peer_swing_address=dict(type="str"),
    settle=dict(type="int", default=DEFAULT_SETTLE),
    sync_success_words=dict(type="list", elements="str", default=list(engine.SUCCESS_WORDS)),
    sync_failure_words=dict(type="list", elements="str", default=list(engine.FAILURE_WORDS)),
)
FLOW_ARGUMENT_SPEC = dict(
    variant=dict(type="str", default="no_recent_changes", choices=list(engine.VARIANTS)),
    login_changes_reapplied=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    sync_failure_ok=dict(type="bool", default=False),
    conflict_primary=dict(type="str"),
    dns_addresses=dict(type="list", elements="str", default=[]),
    replace=dict(type="str"),
)


def validate_pair_params(params):
    """Input errors of the pair options, before any request."""
    if not params["peer_host"].strip():
        raise ModuleFailure("peer_host is empty; give the normal backup's own address")
    for option in ("peer_port", "site_port"):
        if params.get(option) is not None and not 1 <= params[option] <= 65535:
            raise ModuleFailure("%s must be between 1 and 65535, got %s" % (option, params[option]))
    if params["settle"] < 0:
        raise ModuleFailure("settle must be 0 or more seconds, got %s" % params["settle"])
    overlap = set(word.lower() for word in params["sync_success_words"]) & set(
        word.lower() for word in params["sync_failure_words"])
    if overlap:
        raise ModuleFailure("sync_success_words and sync_failure_words share %s; a word cannot mean both"
                            % ", ".join(sorted(overlap)))


def sync_rules(params):
    return dict(success_words=tuple(word.lower() for word in params["sync_success_words"]),
                failure_words=tuple(word.lower() for word in params["sync_failure_words"]))


def flow_options(params, api):
    """The engine's options from the module parameters (names, not addresses, for the tie-breakers)."""
    return dict(variant=params.get("variant"), login_changes_reapplied=params.get("login_changes_reapplied"),
                force=params.get("force"), sync_failure_ok=params.get("sync_failure_ok"),
                conflict_primary=api.name_of(params.get("conflict_primary")),
                replace=api.name_of(params.get("replace")), dns_addresses=params.get("dns_addresses") or [],
                swing_addresses={api.np_name: params.get("swing_address") or params["host"],
                                 api.nb_name: params.get("peer_swing_address") or params["peer_host"]})


class PairApi:
    """Both appliances of a pair: ``host`` is the normal primary, ``peer_host`` the normal backup."""

    def __init__(self, params):
        self.params = params
        self.np_name = params.get("name") or params["host"]
        self.nb_name = params.get("peer_name") or params["peer_host"]
        if self.np_name == self.nb_name:
            raise ModuleFailure("host and peer_host (or name and peer_name) name the same appliance, %s; give the "
                                "normal primary as host and the normal backup as peer_host" % self.np_name)
        peer_params = dict(params, port=params.get("peer_port") or params["port"])
        self.vendors = {self.np_name: VendorApi(client_for(params)),
                        self.nb_name: VendorApi(client_for(peer_params, params["peer_host"]))}
        self.addresses = {self.np_name: params["host"], self.nb_name: params["peer_host"]}
        self._site_vendors = {}
        self.normal_roles = {self.np_name: engine.PRIMARY, self.nb_name: engine.BACKUP}

    def names(self):
        return (self.np_name, self.nb_name)

    def name_of(self, given):
        """An appliance named by its name or its address -> its name (anything else unchanged)."""
        by_address = dict((address, name) for name, address in self.addresses.items())
        return by_address.get(given, given)

    # -- reads --------------------------------------------------------------------------------
    def view(self, name, probe=False):
        vendor = self.vendors[name]
        health, error, kind, probed = None, None, None, None
        try:
            health = vendor.check_health()
        except ApplianceError as exc:
            # Only "no connection at all" can be an outage; TLS, credentials and HTTP errors are not.
            error, kind = str(exc), exc.kind
        if probe or health is None:
            probed = self._probe(vendor)
        return engine.appliance_view(name, self.addresses[name], self.normal_roles[name], health, probed, error, kind)

    @staticmethod
    def _probe(vendor):
        try:
            return vendor.probe()
        except ApplianceError as exc:
            return dict(healthy=False, status=exc.status, message=str(exc))

    def state(self, probe=False, sync_rules=None):
        return engine.pair_state(self.view(self.np_name, probe), self.view(self.nb_name, probe), sync_rules)

    def settled_state(self, settle=DEFAULT_SETTLE, probe=False, sync_rules=None, sleep=time.sleep,
                      clock=time.monotonic):
        """The state, re-read for up to ``settle`` seconds while both appliances read backup."""
        start = clock()
        state = self.state(probe, sync_rules)
        while state["kind"] == engine.BOTH_BACKUP and clock() - start < settle:
            sleep(2)
            state = self.state(probe, sync_rules)
        return state

    def site_reaches(self, addresses, port=None, expected=None):
        """({address: the appliance id that answers check_health there, or None}, {address: why not}).

        A site address is first asked with the token of ``expected``, the appliance it should reach, so
        that a module run mints one token per appliance (the vendor caps an API account at 30 live ones):
        the appliance that answers there is that one, or another that answers 401 (a token it did not
        mint), and the client then mints one of its own there."""
        reaches, errors = {}, {}
        for address in addresses or []:
            if address not in self._site_vendors:
                site_params = dict(self.params, port=port or self.params["port"])
                client = client_for(site_params, address)
                if expected in self.vendors and client.token.value is None:
                    client.token.value = self.vendors[expected].client.token.value
                self._site_vendors[address] = VendorApi(client)
            try:
                health = self._site_vendors[address].check_health()
                reaches[address] = health.get("appliance_id") or health.get("hostname")
            except ApplianceError as exc:
                reaches[address], errors[address] = None, str(exc)
        return reaches, errors

    def site(self, state, addresses, port=None):
        """The engine's verdict on the site's addresses for ``state``."""
        reaches, errors = self.site_reaches(addresses, port, state["site_primary"])
        return engine.site_verdict(state, reaches, errors=errors)

    def api_info(self, name):
        return read_account(self.vendors[name])

    def account_problems(self, names, needs):
        """Why the API account cannot do ``needs`` (role_change, backup) on ``names``: read before any
        write, so a read-only account is found out before the backup and the role change."""
        problems = []
        for name in names:
            try:
                problems.extend(account_problems(self.api_info(name), needs, name))
            except ApplianceError as exc:
                problems.append("the API account's permissions on %s cannot be read: %s" % (name, exc))
        return problems

    # -- writes -------------------------------------------------------------------------------
    def set_role(self, name, role, data_sync_first, force):
        return self.vendors[name].set_failover_role(role, data_sync_first, force)
