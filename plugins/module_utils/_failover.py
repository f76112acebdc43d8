# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the failover modules share: reading roles (this appliance and its peer), the role
swap's plan, the data sync's state, and the vendor's best-practice table for backup settings
("Failover Dynamics and Options", "Best Practices for Primary and Backup Environments")."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._pair import sync_verdict
from ansible_collections.sra.appliance.plugins.module_utils._management import ManagementDriver
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, client_for
from ansible_collections.sra.appliance.plugins.module_utils._net import parse_address
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi

OTHER_ROLE = {"primary": "backup", "backup": "primary"}
# The vendor does not document the status vocabulary; these are the words that mean success.
GOOD_SYNC_STATUSES = ("success", "successful", "succeeded", "ok", "complete", "completed")
NETWORK_METHODS = ("shared_ip", "dns_swing", "nat_swing")
# "Data syncs should generally be at least once a day" (best-practice table).
MAX_SYNC_INTERVAL = 86400
SWAP_TIMEOUT_ADVICE = ("The appliances may still be carrying out the role change: a swap with a data sync first goes "
                       "on by itself and can complete after this run has stopped. Read the roles again "
                       "(sra.appliance.health_info or pair_info) before anything else")
CONFLICT_WARNING = ("Automatic failover is on (backup settings of %s), and this task changes roles through the API: "
                    "the vendor warns that \"using the built-in failover in /login and the API failover commands "
                    "together could result in conflict\" (Failover Dynamics and Options). Use one of them.")


# The smallest value each backup setting of the Failover page takes.
SETTING_MINIMUM = dict(primary_timeout=1, sync_interval=1, bandwidth_limit=0)


def setting_problem(name, value):
    """None when a backup setting's value is acceptable, else what is wrong (failover_settings, preflight)."""
    low = SETTING_MINIMUM[name]
    if value is None or int(value) >= low:
        return None
    return "%s must be %d or more %s, got %s" % (
        name, low, "Mbit/s (0 is unlimited)" if name == "bandwidth_limit" else "seconds", value)


def parse_connectivity_test_ips(ips, field="connectivity_test_ips"):
    """The connectivity test addresses, each an IP address and each once (the Failover page refuses a repeat,
    and it must be refused before the shared IPs are written, not after: issue 13)."""
    parsed = [parse_address(ip, "%s[%d]" % (field, index)) for index, ip in enumerate(ips)]
    repeated = sorted(set(ip for ip in parsed if parsed.count(ip) > 1))
    if repeated:
        raise ModuleFailure("%s: %s appear%s more than once; give each address once"
                            % (field, ", ".join(repeated), "s" if len(repeated) == 1 else ""))
    return parsed


def sync_status_is_good(status):
    return isinstance(status, str) and status.strip().lower() in GOOD_SYNC_STATUSES


class RoleView:
    """One appliance's failover role through the vendor API, read in real time.

    v2 /health may answer from a cache up to a minute old, so a wait polls XML check_health
    (api=xml) or v2 /appliance (api=json; /health only once, for the appliance's own id).
    """

    def __init__(self, vendor, api="xml"):
        self.vendor = vendor
        self.api = api
        self._own_id = None
        # (epoch, status) of the last data sync, as the last XML read saw it (None with api=json).
        self.sync = None

    @property
    def name(self):
        return self.vendor.name

    def read(self):
        if self.api == "xml":
            health = self.vendor.check_health()
            self.sync = (health["last_data_sync_epoch"], health["last_data_sync_status"])
            return health["role"]
        if self._own_id is None:
            self._own_id = self.vendor.v2_health()["appliance_id"]
        for entry in self.vendor.v2_appliances():
            if entry["id"] == self._own_id:
                return entry["failover_role"]
        raise ApplianceError(self.name, "GET", "/api/command/v2/appliance", 200,
                             "appliance %s is not in its own appliance list" % self._own_id)

    def set_role(self, role, data_sync_first, force):
        if self.api == "xml":
            return self.vendor.set_failover_role(role, data_sync_first, force)
        return self.vendor.v2_set_failover_role(role, data_sync_first, force)


def role_view(params, host=None):
    return RoleView(VendorApi(client_for(params, host)), params.get("api") or "xml")


def read_peer_role(view):
    """(role, reachable). A peer that cannot be connected to is unreachable, not a failure:
    an unplanned failover happens exactly when the peer is down."""
    if view is None:
        return None, None
    try:
        return view.read(), True
    except ApplianceError as exc:
        if exc.status is None:
            return None, False
        raise


def read_roles(this, peer):
    role = this.read()
    peer_role, reachable = read_peer_role(peer)
    return dict(role=role, peer_role=peer_role, peer_reachable=reachable, sync=this.sync,
                peer_sync=peer.sync if reachable else None)


def swap_canceled(before, state, data_sync_first):
    """A swap with data sync first that the appliances canceled: the roles as before, and a data sync
    newer than the one seen before failed (the vendor documents no "canceled" answer; the API shows
    the failed sync and the unchanged roles). Returns the reason, or None."""
    if not data_sync_first or state is None:
        return None
    if (state["role"], state["peer_role"]) != (before["role"], before["peer_role"]):
        return None
    for key in ("sync", "peer_sync"):
        seen = state.get(key)
        if seen and seen != before.get(key) and sync_verdict(seen[1]) == "bad":
            return ("the data sync of the swap failed (%s) and the roles are unchanged: the appliances canceled the "
                    "role change" % seen[1])
    return None


def swap_complete(state, target):
    """This appliance holds ``target`` and the peer, when it is watched and reachable, the other role.

    With data sync first both read backup for a moment: that is not complete yet.
    """
    if state is None or state["role"] != target:
        return False
    return state["peer_reachable"] is not True or state["peer_role"] == OTHER_ROLE[target]


def swap_plan(state, target, data_sync_first, force, host):
    """What a role change will do, in words a change review can read (check mode's prediction)."""
    actions = []
    if data_sync_first:
        actions.append("pull a data sync from the peer before the swap: every client of the current primary is "
                       "disconnected and no other operation is available until the swap is complete")
    actions.append("%s becomes %s (now %s)" % (host, target, state["role"]))
    if state["peer_reachable"] is not False:
        actions.append("the peer becomes %s" % OTHER_ROLE[target])
    if force:
        actions.append("become backup even if the peer cannot be contacted (force)")
    return dict(role_before=state["role"], role_after=target, peer_role_before=state["peer_role"],
                peer_role_after=OTHER_ROLE[target] if state["peer_reachable"] is not False else state["peer_role"],
                data_sync_first=data_sync_first, clients_disconnected=bool(data_sync_first), force=force,
                actions=actions)


def swap_warnings(state, target, data_sync_first, force):
    warnings = []
    if state["peer_reachable"] is False:
        if data_sync_first:
            warnings.append("The peer cannot be reached from the controller; a data sync first needs both appliances "
                            "reachable, and the appliance may refuse the swap")
        if target == "backup" and not force:
            warnings.append("The peer cannot be reached from the controller; without force the appliance cancels "
                            "becoming backup when it cannot reach the peer either")
    return warnings


def automatic_failover_hosts(views):
    """Names of the appliances whose backup settings turn automatic failover on.

    Read through the management API with the same API account; an appliance without it (a
    real one) or an account that may not read it is skipped quietly: this only feeds a warning.
    """
    hosts = []
    for view in views:
        if view is None:
            continue
        try:
            settings = ManagementDriver(view.vendor.client).backup_settings()
        except ApplianceError:
            continue
        if settings.get("automatic_failover") and settings.get("backup_operations", True):
            hosts.append(view.name)
    return hosts


# -- the failover relationship ----------------------------------------------------------------
def relationship_matches(current, wanted):
    """The established relationship is the wanted one, seen from either end (after a swap the
    appliance that established it may be the backup)."""
    if not current:
        return False
    ends = (_end(current, "backup"), _end(current, "reverse"))
    wanted_ends = (_end(wanted, "backup"), _end(wanted, "reverse"))
    return ends in (wanted_ends, wanted_ends[::-1])


def _end(relationship, side):
    return (str(relationship.get("%s_host" % side) or "").lower(), relationship.get("%s_port" % side))


def sync_state(status):
    """(last_data_sync_time, last_data_sync_status, state) of a management failover status."""
    data_sync = (status or {}).get("data_sync") or {}
    return data_sync.get("last_data_sync_time"), data_sync.get("last_data_sync_status"), data_sync.get("state")


def sync_finished(status, before_time, before_status=None):
    """True once a sync newer than the one seen before (``before_time``, ``before_status``) has
    finished; raises when it failed.

    The time has a resolution of one second and a sync may fail at once, so a new status at the
    same time is a new sync as well.
    """
    last_time, last_status, state = sync_state(status)
    if state == "running" or not last_time or (last_time, last_status) == (before_time, before_status):
        return False
    if not sync_status_is_good(last_status):
        raise ModuleFailure("The data sync finished at %s with status %r; see the status history of "
                            "/login > Management > Failover on both appliances, fix the cause and sync again"
                            % (last_time, last_status), data_sync=(status or {}).get("data_sync"))
    return True


# -- backup settings and the vendor's best-practice table --------------------------------------
def best_practice_warnings(settings, normal_role, network_method=None):
    """Where ``settings`` contradict the best-practice table for the appliance's normal role.

    "Deviation from these best practices may result in data loss." Settings are only in effect
    while the appliance is backup, so the table sets them by the role it normally holds.
    """
    if normal_role not in OTHER_ROLE:
        return []
    warnings = []
    why = " (best-practice table of the vendor's \"Failover Dynamics and Options\")"
    if normal_role == "primary":
        if settings.get("backup_operations"):
            warnings.append("backup_operations is on for the normal primary; turn it off: it generates administrative "
                            "emails and could start a data sync during maintenance, which can lose data" + why)
        if settings.get("automatic_failover"):
            warnings.append("automatic_failover is on for the normal primary; turn it off: a role change without a "
                            "data sync first can lose data" + why)
        return warnings
    if not settings.get("backup_operations"):
        warnings.append("backup_operations is off for the normal backup; turn it on: it controls probing, data syncs "
                        "and automatic failover" + why)
    if network_method == "shared_ip" and not settings.get("automatic_failover"):
        warnings.append("automatic_failover is off for the normal backup of a shared IP pair; the table says on for "
                        "shared IP" + why)
    interval = settings.get("sync_interval")
    if isinstance(interval, int) and interval > MAX_SYNC_INTERVAL:
        warnings.append("sync_interval is %d s for the normal backup; data syncs should run at least once a day "
                        "(%d s): the bigger the gap, the more data a failover can lose" % (interval, MAX_SYNC_INTERVAL)
                        + why)
    return warnings
