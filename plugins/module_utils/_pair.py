# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair engine: the maintenance flows' decisions as pure functions (no I/O).

From what the vendor's public APIs say about both appliances of a failover pair (check_health and
the /check_health probe, read from the controller) and the inventory's intent (which appliance is
normally primary, the network method, the site's addresses), it derives the pair's state and,
for each flow of the vendor's "Failover Dynamics and Options", what to do: nothing (the target
holds), refuse (with the reason and what to run instead), or the role changes to make, in order.

Names used throughout: NP is the normal primary, NB the normal backup (``sra_normal_role``).
Every branch is a row of tests/unit/plugins/module_utils/test_pair.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

PRIMARY, BACKUP = "primary", "backup"
OTHER = {PRIMARY: BACKUP, BACKUP: PRIMARY}

# What the controller could make of one appliance.
OK, DOWN, ERROR = "ok", "down", "error"

# The pair's state (``kind``).
NORMAL = "normal"                          # NP primary, NB backup
FAILED_OVER = "failed_over"                # NB primary, NP backup
BOTH_PRIMARY = "both_primary"
BOTH_BACKUP = "both_backup"
NP_DOWN = "normal_primary_down"            # NP cannot be reached; NB answers
NB_DOWN = "normal_backup_down"             # NB cannot be reached; NP answers
BOTH_DOWN = "both_down"
NOT_PAIRED = "not_paired"                  # neither is in a failover relationship (role none)
ONE_SIDED = "one_sided"                    # one is primary or backup, the other none: a relationship only one knows
UNREADABLE = "unreadable"                  # an appliance answered, but not in a way to rely on
KINDS = (NORMAL, FAILED_OVER, BOTH_PRIMARY, BOTH_BACKUP, NP_DOWN, NB_DOWN, BOTH_DOWN, NOT_PAIRED, ONE_SIDED,
         UNREADABLE)

# The flows that change roles (pair_roles), and replace_appliance, whose decision pair_info returns
# for a rebuild made with the management API.
FLOWS = ("planned_failover", "failback", "unplanned_failover", "resolve_conflict")
ALL_FLOWS = FLOWS + ("replace_appliance",)
VARIANTS = ("no_recent_changes", "recent_changes")
NONE, REFUSE, CHANGE, WAIT_SYNC = "none", "refuse", "change", "wait_sync"

# The vendor does not document the wording of last_data_sync_status: a status is bad when it holds
# a failure word, good when it holds a success word, and otherwise unknown (a warning, not a
# refusal). Failure words are looked for first: "Unsuccessful" holds "successful".
FAILURE_WORDS = ("fail", "failed", "failure", "error", "errors", "unsuccessful", "cancel", "canceled", "cancelled",
                 "abort", "aborted", "unable", "timeout", "interrupted", "incomplete", "denied", "refused")
SUCCESS_WORDS = ("success", "successful", "successfully", "succeeded", "ok", "complete", "completed", "done")
_WORD = re.compile(r"[a-z]+")

RUN_RESOLVE = "playbooks/resolve_conflict.yml"
RUN_UNPLANNED = "playbooks/unplanned_failover.yml"
RUN_PLANNED = "playbooks/planned_failover.yml"
RUN_FAILBACK = "playbooks/failback.yml"
RUN_REPLACE = "playbooks/replace_appliance.yml"
RUN_SITE = "playbooks/site.yml"


# -- one appliance ---------------------------------------------------------------------------------
def appliance_view(name, address, normal_role, health=None, probe=None, error=None, error_kind=None):
    """What the controller knows of one appliance, in the engine's terms.

    ``health`` is the normalised check_health (``_vendor.parse_health_check``), None when it could
    not be read; ``probe`` the /check_health result, None when not read; ``error`` why the read
    failed and ``error_kind`` ``unreachable`` when no connection could be made (anything else:
    TLS, credentials, an HTTP error, is an appliance that answers and cannot be trusted blindly).

    An appliance is DOWN only when its API cannot be connected to at all and the probe does not
    report it healthy: an authentication or TLS failure says nothing about whether it serves
    its clients, so it is an ERROR that every flow refuses to build a decision on.
    """
    status = OK if health is not None else (DOWN if _is_down(error_kind, probe) else ERROR)
    health = health or {}
    return dict(
        name=name, address=address, normal_role=normal_role, status=status,
        role=health.get("role") if status == OK else None,
        healthy=health.get("success") if status == OK else None,
        error_message=health.get("error_message"), error=error, error_kind=error_kind,
        enabled_shared_ips=list(health.get("enabled_shared_ips") or []),
        last_data_sync_time=health.get("last_data_sync_time"),
        last_data_sync_epoch=health.get("last_data_sync_epoch"),
        last_data_sync_status=health.get("last_data_sync_status"),
        appliance_id=health.get("appliance_id"), hostname=health.get("hostname"),
        version=health.get("version"), build=health.get("build"),
        probe=probe)


def _is_down(error_kind, probe):
    if error_kind != "unreachable":
        return False
    # A probe that answered 200 means the appliance serves its site: not down, whatever the API said.
    return probe is None or not probe.get("healthy")


def sync_verdict(status, success_words=SUCCESS_WORDS, failure_words=FAILURE_WORDS):
    """``none`` (no sync recorded), ``bad``, ``good`` or ``unknown`` for a last_data_sync_status."""
    if status is None or not str(status).strip():
        return "none"
    success_words = success_words or SUCCESS_WORDS
    failure_words = failure_words or FAILURE_WORDS
    words = _WORD.findall(str(status).lower())
    if any(word in failure_words or word.startswith(("fail", "unsuccess", "cancel", "abort")) for word in words):
        return "bad"
    if any(word in success_words for word in words):
        return "good"
    return "unknown"


def _verdict_by(rules, status):
    rules = rules or {}
    return sync_verdict(status, rules.get("success_words"), rules.get("failure_words"))


def newest_sync(views, rules=None):
    """The pair's last data sync as either appliance reports it (XML check_health reports it on
    both, v2 /health on the primary only): the newest one, with its verdict."""
    seen = [view for view in views if view["status"] == OK and view["last_data_sync_status"] is not None]
    if not seen:
        return dict(time=None, epoch=None, status=None, verdict="none", reported_by=None)
    newest = max(seen, key=lambda view: view["last_data_sync_epoch"] or 0)
    verdict = _verdict_by(rules, newest["last_data_sync_status"])
    return dict(time=newest["last_data_sync_time"], epoch=newest["last_data_sync_epoch"],
                status=newest["last_data_sync_status"], verdict=verdict, reported_by=newest["name"])


# -- the pair --------------------------------------------------------------------------------------
def pair_state(np_view, nb_view, sync_rules=None):
    """The pair's state from the views of the normal primary and the normal backup."""
    views = (np_view, nb_view)
    kind = _kind(np_view, nb_view)
    primaries = [view["name"] for view in views if view["status"] == OK and view["role"] == PRIMARY]
    state = dict(
        kind=kind, normal_primary=np_view["name"], normal_backup=nb_view["name"],
        primary=primaries[0] if len(primaries) == 1 else None,
        roles=dict((view["name"], view["role"] if view["status"] == OK else "unknown") for view in views),
        appliances=dict((view["name"], view) for view in views),
        shared_ip_holders=[view["name"] for view in views if view["enabled_shared_ips"]],
        sync=newest_sync(views, sync_rules), rules=dict(sync_rules or {}))
    state["site_primary"] = site_primary(state, np_view)
    state["summary"] = summary(state)
    return state


def site_primary(state, np_view):
    """The appliance the site's address must reach: the one primary; before the pair exists (neither in a
    relationship), the normal primary, which becomes it; None in a conflict or when it cannot be told."""
    if state["primary"]:
        return state["primary"]
    if state["kind"] == NOT_PAIRED and np_view["status"] == OK:
        return np_view["name"]
    return None


def _kind(np_view, nb_view):
    statuses = (np_view["status"], nb_view["status"])
    if ERROR in statuses:
        return UNREADABLE
    if statuses == (DOWN, DOWN):
        return BOTH_DOWN
    if np_view["status"] == DOWN:
        return NP_DOWN if nb_view["role"] in (PRIMARY, BACKUP) else NOT_PAIRED
    if nb_view["status"] == DOWN:
        return NB_DOWN if np_view["role"] in (PRIMARY, BACKUP) else NOT_PAIRED
    roles = (np_view["role"], nb_view["role"])
    kind = {(PRIMARY, BACKUP): NORMAL, (BACKUP, PRIMARY): FAILED_OVER, (PRIMARY, PRIMARY): BOTH_PRIMARY,
            (BACKUP, BACKUP): BOTH_BACKUP}.get(roles)
    if kind:
        return kind
    return ONE_SIDED if set(roles) & set(OTHER) else NOT_PAIRED


def summary(state):
    """One line for a person: who is what."""
    parts = []
    for view in state["appliances"].values():
        if view["status"] == OK:
            text = "%s %s" % (view["name"], view["role"])
            if view["healthy"] is False:
                text += " (unhealthy: %s)" % (view["error_message"] or "no message")
        elif view["status"] == DOWN:
            text = "%s down (%s)" % (view["name"], view["error"] or "no answer")
        else:
            text = "%s unreadable (%s)" % (view["name"], view["error"] or "no answer")
        parts.append(text)
    return ", ".join(parts)


# -- Fix This Error --------------------------------------------------------------------------------
def fix_this_error(state, dns_addresses=None, swing_addresses=None, conflict_primary=None):
    """Which appliance keeps the primary role in a conflict, as the vendor's "Fix This Error" chooses:
    "based on various criteria such as which B Series Appliance has the shared IP enabled or which
    has the IP to which the primary DNS address resolves" ("Resolve Conflicts in a Failover
    Setup"), then the operator's choice. Returns (name or None, reason)."""
    holders = state["shared_ip_holders"]
    if len(holders) == 1:
        return holders[0], "%s has the shared IP enabled" % holders[0]
    if dns_addresses:
        swing_addresses = swing_addresses or {}
        pointed = [name for name, address in sorted(swing_addresses.items()) if address in dns_addresses]
        if len(pointed) == 1:
            return pointed[0], "the site host name resolves to %s (%s)" % (swing_addresses[pointed[0]], pointed[0])
    if conflict_primary:
        if conflict_primary not in state["appliances"]:
            return None, ("sra_conflict_primary is %r, not one of %s"
                          % (conflict_primary, ", ".join(sorted(state["appliances"]))))
        return conflict_primary, "the operator chose %s (sra_conflict_primary)" % conflict_primary
    reasons = []
    reasons.append("both appliances have the shared IP enabled" if len(holders) == 2
                   else "neither appliance has a shared IP enabled")
    reasons.append("the site host name's address does not point at exactly one of them" if dns_addresses
                   else "the site host name's address is not known (no DNS swing, or sra_dns not set)")
    return None, "; ".join(reasons)


# -- decisions -------------------------------------------------------------------------------------
def step(host, role, data_sync_first=False, force=False, why=""):
    return dict(host=host, role=role, data_sync_first=data_sync_first, force=force, why=why)


def decision(action, reason, target=None, steps=None, backup_before=None, warnings=None, wait_sync=None,
             pending=None):
    return dict(action=action, reason=reason, target=target, steps=steps or [], backup_before=backup_before or [],
                warnings=warnings or [], wait_sync=wait_sync, pending=pending)


def target_of(primary, backup):
    return dict(primary=primary, backup=backup)


def decide(state, flow, options=None):
    """What ``flow`` must do from ``state``.

    options: ``variant`` (failback: no_recent_changes | recent_changes), ``login_changes_reapplied``
    (failback recent_changes, second run), ``force`` (unplanned: fail over although the normal
    primary does not look down; failback: make the normal primary primary although the current
    primary is down), ``sync_failure_ok`` (planned: let the swap's own data sync try after a
    failed one), ``conflict_primary``, ``dns_addresses`` and ``swing_addresses`` (Fix This Error).
    """
    if flow not in ALL_FLOWS:
        raise ValueError("flow must be one of %s, got %r" % (", ".join(ALL_FLOWS), flow))
    options = options or {}
    if flow == "replace_appliance":
        return _replace(state, options)
    common = _refusal_common(state, flow)
    if common is not None:
        return common
    return _DECIDERS[flow](state, options)


def _refusal_common(state, flow):
    kind = state["kind"]
    if kind == UNREADABLE:
        bad = [view for view in state["appliances"].values() if view["status"] == ERROR]
        return decision(REFUSE, "%s: the vendor API answered but could not be read, so the pair's state is not known. "
                                "Fix that first (it is not an outage)."
                        % "; ".join("%s: %s" % (view["name"], view["error"] or "no answer") for view in bad))
    if kind == BOTH_DOWN:
        return decision(REFUSE, "Neither %s nor %s can be reached from the controller: no flow can run. Check the "
                                "controller's own network first." % (state["normal_primary"], state["normal_backup"]))
    if kind == NOT_PAIRED:
        return decision(REFUSE, "The appliances are not in a failover relationship (%s). Establish it with %s."
                        % (state["summary"], RUN_SITE))
    if kind == ONE_SIDED:
        return decision(REFUSE, "Only one appliance is in the failover relationship (%s): the other was reset to "
                                "factory state or replaced. Rebuild it into the pair with %s."
                        % (state["summary"], RUN_REPLACE))
    return None


def _sync_warnings(state):
    verdict = state["sync"]["verdict"]
    if verdict == "unknown":
        return ["The last data sync's status %r (%s) is a wording this collection does not know; it is taken as not "
                "failed. Tell the maintainers what your appliance reports." % (state["sync"]["status"],
                                                                               state["sync"]["time"])]
    return []


def _planned(state, options):
    np, nb = state["normal_primary"], state["normal_backup"]
    kind = state["kind"]
    target = target_of(nb, np)
    if kind == FAILED_OVER:
        return decision(NONE, "%s is primary and %s backup already." % (nb, np), target)
    if kind == NP_DOWN and state["roles"][nb] == PRIMARY:
        return decision(NONE, "%s is primary already; %s cannot be reached." % (nb, np), target,
                        warnings=["%s cannot be reached: bring it back, or rebuild it with %s." % (np, RUN_REPLACE)])
    if kind == NP_DOWN:
        return decision(REFUSE, "%s (primary) cannot be reached. A planned failover pulls a data sync from the "
                                "current primary. Run %s instead (the vendor's \"Perform Failover for Unplanned "
                                "Maintenance\")." % (np, RUN_UNPLANNED), target)
    if kind == NB_DOWN:
        return decision(REFUSE, "%s cannot be reached; a planned failover needs both appliances. Bring it back, or "
                                "rebuild it with %s, then re-run." % (nb, RUN_REPLACE), target)
    if kind in (BOTH_PRIMARY, BOTH_BACKUP):
        return _conflict_refusal(state, kind)
    # NORMAL
    refusal = _sync_refusal(state, options)
    if refusal:
        return refusal
    return decision(CHANGE, "%s becomes primary with a data sync first; %s becomes backup." % (nb, np), target,
                    steps=[step(nb, PRIMARY, data_sync_first=True,
                                why="Become Primary with \"pull a data-sync ... while becoming the primary\"")],
                    backup_before=[np], warnings=_sync_warnings(state))


def _sync_refusal(state, options):
    sync = state["sync"]
    if sync["verdict"] != "bad" or options.get("sync_failure_ok"):
        return None
    return decision(REFUSE, "The last data sync (%s, reported by %s) failed: %s. A role swap with a data sync first "
                            "would most likely fail the same way and be canceled, after disconnecting every client. "
                            "Fix the cause (status history of /login > Management > Failover), run a data sync "
                            "(Sync Now there, or playbooks/data_sync.yml where the collection's management API is available), "
                            "then re-run; or re-run with -e sra_sync_failure_ok=true to let the swap's own sync try."
                    % (sync["time"], sync["reported_by"], sync["status"]))


def _conflict_refusal(state, kind):
    if kind == BOTH_PRIMARY:
        return decision(REFUSE, "Both appliances are primary (%s): the conflict of the vendor's \"Resolve Conflicts in "
                                "a Failover Setup\". This flow does not guess which one holds the site's data. Run %s "
                                "to make %s primary again without losing the data written on %s, or %s."
                        % (state["summary"], RUN_FAILBACK, state["normal_primary"], state["normal_backup"],
                           RUN_RESOLVE))
    return decision(REFUSE, "Both appliances are backup (%s). If a role swap is running this lasts a moment: wait and "
                            "re-run. Otherwise run %s." % (state["summary"], RUN_RESOLVE))


def _failback(state, options):
    np, nb = state["normal_primary"], state["normal_backup"]
    kind = state["kind"]
    variant = options.get("variant") or "no_recent_changes"
    if variant not in VARIANTS:
        raise ValueError("variant must be one of %s, got %r" % (", ".join(VARIANTS), variant))
    recent = variant == "recent_changes"
    target = target_of(np, nb)
    if kind == NORMAL:
        return _failback_reached(state, options, recent, target)
    if kind == NP_DOWN:
        return decision(REFUSE, "%s cannot be reached. Failback needs the normal primary \"ready to resume its normal "
                                "duties and back on the network\"; until then %s stays as it is. If %s cannot come "
                                "back, rebuild it with %s." % (np, nb, np, RUN_REPLACE), target)
    if kind == NB_DOWN:
        if state["roles"][np] == PRIMARY:
            return decision(NONE, "%s is primary already; %s cannot be reached." % (np, nb), target,
                            warnings=["%s cannot be reached: bring it back, or rebuild it with %s." % (nb, RUN_REPLACE)])
        if not options.get("force"):
            return decision(REFUSE, "%s, the current primary, cannot be reached and %s is backup. To make %s primary "
                                    "without a data sync (what %s recorded since the last sync is missing on %s), "
                                    "re-run with -e sra_failback_force=true." % (nb, np, np, nb, np), target)
        return decision(CHANGE, "%s becomes primary without a data sync: %s cannot be reached (forced)." % (np, nb),
                        target, steps=[step(np, PRIMARY, why="Become Primary; the current primary is down (forced)")])
    if kind == BOTH_BACKUP:
        return _conflict_refusal(state, kind)
    if kind == BOTH_PRIMARY:
        return _failback_both_primary(state, recent, target)
    # FAILED_OVER
    if recent:
        return decision(CHANGE, "%s becomes primary without a data sync, keeping its own /login settings; then the "
                                "changes made on %s while it was primary are re-applied on %s, and a data sync copies "
                                "them to %s." % (np, nb, np, nb), target,
                        steps=[step(np, PRIMARY, why="Become Primary without a data sync (recent /login changes)")],
                        backup_before=[nb], pending="reapply_login_changes")
    refusal = _sync_refusal(state, options)
    if refusal:
        return refusal
    return decision(CHANGE, "%s becomes primary with a data sync first from %s; %s becomes backup." % (np, nb, nb),
                    target, steps=[step(np, PRIMARY, data_sync_first=True,
                                        why="Become Primary with \"pull a data-sync ... while becoming the primary\"")],
                    backup_before=[nb], warnings=_sync_warnings(state))


def _failback_reached(state, options, recent, target):
    np, nb = state["normal_primary"], state["normal_backup"]
    if not recent:
        return decision(NONE, "%s is primary and %s backup already." % (np, nb), target)
    if not options.get("login_changes_reapplied"):
        return decision(NONE, "%s is primary and %s backup. Re-apply the /login changes made on %s while it was "
                              "primary, then re-run with -e sra_login_changes_reapplied=true: failback then waits for "
                              "a data sync that copies them to %s." % (np, nb, nb, nb), target,
                        pending="reapply_login_changes")
    return decision(WAIT_SYNC, "The /login changes are re-applied on %s: wait for a good data sync of %s newer than "
                               "this run (the vendor's step 7, \"Perform a data-sync\"; the backup pulls it at its "
                               "automatic data-sync interval)." % (np, nb), target, wait_sync=nb)


def _failback_both_primary(state, recent, target):
    np, nb = state["normal_primary"], state["normal_backup"]
    if recent:
        return decision(CHANGE, "Both are primary. %s becomes backup, so that %s keeps its /login settings; then the "
                                "changes made on %s while it was primary are re-applied on %s."
                        % (nb, np, nb, np), target,
                        steps=[step(nb, BACKUP, why="Become Backup, no data sync: the normal primary's settings win")],
                        backup_before=[np, nb], pending="reapply_login_changes")
    steps = [step(np, BACKUP, why="Become Backup, no data sync: the data on the normal backup wins"),
             step(np, PRIMARY, data_sync_first=True, why="Become Primary with a data sync first")]
    return decision(CHANGE, "Both are primary. %s becomes backup first (its data since the outage is older than "
                            "%s's), then primary again with a data sync first from %s, so the data written on %s "
                            "meanwhile is kept." % (np, nb, nb, nb), target, steps=steps, backup_before=[np, nb])


def _unplanned(state, options):
    np, nb = state["normal_primary"], state["normal_backup"]
    kind = state["kind"]
    target = target_of(nb, np)
    force = options.get("force")
    promote = step(nb, PRIMARY, why="Become Primary without a data sync (the normal primary is down)")
    if kind == FAILED_OVER or (kind == NP_DOWN and state["roles"][nb] == PRIMARY):
        return decision(NONE, "%s is primary already (automatic failover, or an earlier run)." % nb, target)
    if kind == NP_DOWN:
        return decision(CHANGE, "%s cannot be reached from the controller; %s becomes primary without a data sync: "
                                "what %s recorded since the last data sync (%s) is missing on %s until failback."
                        % (np, nb, np, state["sync"]["time"] or "never", nb), target, steps=[promote])
    if kind == NB_DOWN:
        return decision(REFUSE, "%s cannot be reached: there is no appliance to fail over to." % nb, target)
    if kind == BOTH_PRIMARY:
        return decision(REFUSE, "Both appliances are primary: %s has come back. Run %s to make it backup and then "
                                "primary again without losing what %s recorded meanwhile, or %s."
                        % (np, RUN_FAILBACK, nb, RUN_RESOLVE), target)
    if kind == BOTH_BACKUP:
        return _conflict_refusal(state, kind)
    # NORMAL: the normal primary answers.
    np_view = state["appliances"][np]
    if not force:
        if np_view["healthy"] is False:
            why = ("%s answers but reports a problem: %s. The vendor: \"if the issue can be resolved in a reasonable time, "
                   "then no action should be taken\"." % (np, np_view["error_message"] or "success 0, no message"))
        else:
            why = "%s is primary and healthy." % np
        return decision(REFUSE, "%s An unplanned failover is for a normal primary that is down: run %s (it pulls a "
                                "data sync first), or re-run with -e sra_unplanned_force=true to fail over anyway."
                        % (why, RUN_PLANNED), target)
    return decision(CHANGE, "%s becomes primary without a data sync although %s answers (forced); %s is told to "
                            "become backup." % (nb, np, np), target, steps=[promote], backup_before=[np])


def _resolve(state, options):
    kind = state["kind"]
    if kind in (NORMAL, FAILED_OVER):
        return decision(NONE, "No conflict: %s." % state["summary"], target_of(state["primary"], _other(state)))
    if kind in (NP_DOWN, NB_DOWN):
        return decision(REFUSE, "No conflict can be seen with one appliance unreachable (%s). Use %s or %s."
                        % (state["summary"], RUN_UNPLANNED, RUN_FAILBACK))
    winner, why = fix_this_error(state, options.get("dns_addresses"), options.get("swing_addresses"),
                                 options.get("conflict_primary"))
    if winner is None:
        return decision(REFUSE, "Both appliances are %s and the primary cannot be chosen: %s. Say which appliance keeps "
                                "the site's data with -e sra_conflict_primary=<inventory name>."
                        % ("primary" if kind == BOTH_PRIMARY else "backup", why))
    loser = _other(state, winner)
    target = target_of(winner, loser)
    if kind == BOTH_PRIMARY:
        return decision(CHANGE, "Both are primary; %s stays primary (%s) and %s becomes backup: its /login settings are "
                                "overwritten by %s's at the next data sync." % (winner, why, loser, winner), target,
                        steps=[step(loser, BACKUP, why="Become Backup (Resolve Conflicts: both primary)")],
                        backup_before=[winner, loser])
    return decision(CHANGE, "Both are backup; %s becomes primary (%s)." % (winner, why), target,
                    steps=[step(winner, PRIMARY, why="Become Primary (Resolve Conflicts: both backup)")])


def _other(state, name=None):
    name = name or state["primary"]
    return [other for other in state["appliances"] if other != name][0]


def _replace(state, options):
    """replace_appliance: the appliance ``replace`` is rebuilt, with the management API, as the backup of
    the other ("Replace a B Series Appliance in a Failover Scenario"). A factory-fresh appliance has no
    API account yet, so the replacement may be unreadable through the vendor API: that is expected."""
    replaced = options.get("replace")
    if replaced not in state["appliances"]:
        return decision(REFUSE, "Name the appliance to replace with -e sra_replace_host=<inventory name>, one of %s."
                        % ", ".join(sorted(state["appliances"])))
    survivor = _other(state, replaced)
    target = target_of(survivor, replaced)
    kept, fresh = state["appliances"][survivor], state["appliances"][replaced]
    if kept["status"] != OK or kept["role"] != PRIMARY:
        hint = ("If %s failed while primary, make %s primary first (%s, or %s with -e sra_failback_force=true)."
                % (replaced, survivor, RUN_UNPLANNED, RUN_FAILBACK))
        return decision(REFUSE, "%s is %s. The replacement joins the pair as backup of the appliance that \"is currently "
                                "hosting all of your BeyondTrust support processes\": %s must be primary. %s"
                        % (survivor, kept["role"] or kept["status"], survivor, hint), target)
    if fresh["status"] == OK and fresh["role"] == PRIMARY:
        return decision(REFUSE, "%s answers as primary: it has not failed. Make it backup first (%s or %s), or check "
                                "sra_replace_host." % (replaced, RUN_PLANNED, RUN_FAILBACK), target)
    if fresh["status"] == DOWN:
        return decision(REFUSE, "%s does not answer at %s: %s. Install the new appliance and give it this address "
                                "first (vendor: \"Browse to 169.254.1.1/appliance ... Networking > IP Configuration\"), "
                                "then re-run." % (replaced, fresh["address"], fresh["error"] or "no answer"), target)
    if fresh["status"] == OK and fresh["role"] == BACKUP and state["kind"] in (NORMAL, FAILED_OVER):
        return decision(NONE, "%s is the backup of %s already: the pair is whole." % (replaced, survivor), target)
    return decision(CHANGE, "%s is rebuilt as the backup of %s: admin password, IPs, certificates, inter-appliance key, "
                            "the relationship re-established from %s, failover settings, the initial data sync."
                    % (replaced, survivor, survivor), target)


_DECIDERS = dict(planned_failover=_planned, failback=_failback, unplanned_failover=_unplanned,
                 resolve_conflict=_resolve)


# -- while a role change runs ----------------------------------------------------------------------
def step_done(state, change):
    """The role change ``change`` has completed: its appliance holds the role and the peer, when it
    answers, the other one (during a swap with data sync first both read backup for a moment)."""
    host = change["host"]
    view = state["appliances"][host]
    if view["status"] != OK or view["role"] != change["role"]:
        return False
    peer = state["appliances"][_other(state, host)]
    return peer["status"] != OK or peer["role"] == OTHER[change["role"]]


def step_canceled(before, now, change):
    """A swap with data sync first that the appliances canceled: the roles are back where they were
    and a data sync newer than the one before the change failed. Returns the reason, or None.

    The vendor documents no "swap canceled" answer; what the API does show is the failed sync and the
    unchanged roles ("failover will be canceled if both B Series Appliances cannot be kept in sync")."""
    if not change["data_sync_first"]:
        return None
    if any(now["roles"][name] != before["roles"][name] for name in before["roles"]):
        return None
    for name, view in now["appliances"].items():
        earlier = before["appliances"][name]
        if view["status"] != OK or view["last_data_sync_status"] is None:
            continue
        newer = ((view["last_data_sync_epoch"] or 0) > (earlier["last_data_sync_epoch"] or 0)
                 or view["last_data_sync_status"] != earlier["last_data_sync_status"])
        if newer and _verdict_by(now.get("rules"), view["last_data_sync_status"]) == "bad":
            failed = (name, view["last_data_sync_status"], view["last_data_sync_time"], now["summary"])
            return ("the data sync of the swap failed (%s reports %r at %s) and the roles are unchanged (%s): the "
                    "appliances canceled the role change" % failed)
    return None


def sync_since(state, name, epoch):
    """``name`` reports a good data sync newer than ``epoch``: True, False, or the failure text."""
    view = state["appliances"][name]
    if view["status"] != OK or not view["last_data_sync_epoch"] or view["last_data_sync_epoch"] <= epoch:
        return False
    if _verdict_by(state.get("rules"), view["last_data_sync_status"]) == "bad":
        return view["last_data_sync_status"]
    return True


def predict(state, steps):
    """The state after ``steps`` (check mode's prediction): roles only."""
    predicted = dict(state["roles"])
    for change in steps:
        predicted[change["host"]] = change["role"]
        peer = _other(state, change["host"])
        if state["appliances"][peer]["status"] == OK:
            predicted[peer] = OTHER[change["role"]]
    return predicted


# -- the site's address ---------------------------------------------------------------------------
def site_verdict(state, reaches, expected_primary=None, errors=None):
    """Whether every address clients use for the site reaches the appliance that serves it.

    That is ``expected_primary``, else the state's ``site_primary``: the one primary, or before the
    pair exists the normal primary (site points a DNS record or a NAT device at it while it deploys).
    ``reaches`` maps each site address to the appliance id (or host name) that answered through it,
    or None when nothing answered; ``errors`` maps an address to why it did not. Returns
    dict(reached=bool|None, addresses=..., problems=[...]): None when there is no address to check
    or no single primary to compare with."""
    errors = errors or {}
    primary = expected_primary or state["site_primary"]
    if not reaches:
        return dict(reached=None, addresses={}, problems=[])
    if primary is None:
        return dict(reached=None, addresses=dict(reaches), problems=["there is no single primary to reach"])
    view = state["appliances"][primary]
    own = set(filter(None, (view["appliance_id"], view["hostname"])))
    problems = []
    for address, answered in sorted(reaches.items()):
        if answered is None:
            problems.append("%s does not answer%s" % (address, ": %s" % errors[address] if errors.get(address) else ""))
        elif answered not in own:
            others = [name for name, other in state["appliances"].items()
                      if answered in (other["appliance_id"], other["hostname"])]
            problems.append("%s reaches %s, not the primary %s" % (address, others[0] if others else answered, primary))
    return dict(reached=not problems, addresses=dict(reaches), problems=problems)


# -- health -----------------------------------------------------------------------------------------
def judge_sync_age(state, now, max_age=None):
    """Age of the pair's last data sync in seconds (``now`` and the sync on the same clock), and
    whether it is older than ``max_age`` (None when no limit is given)."""
    sync = state["sync"]
    sync["age"] = int(now - sync["epoch"]) if sync["epoch"] else None
    sync["stale"] = (sync["age"] is not None and sync["age"] > max_age) if max_age else None
    return sync


def public_state(state):
    """The state as modules return it (the rules it was judged by are the module's own options)."""
    return dict((key, value) for key, value in state.items() if key != "rules")


_KIND_PROBLEMS = {
    BOTH_PRIMARY: "both appliances are primary: a role conflict (%s)",
    BOTH_BACKUP: "both appliances are backup: no appliance serves the site (%s)",
    NP_DOWN: "the normal primary cannot be reached (%s)",
    NB_DOWN: "the normal backup cannot be reached (%s)",
    BOTH_DOWN: "neither appliance can be reached (%s)",
    NOT_PAIRED: "the appliances are not in a failover relationship (%s)",
    ONE_SIDED: "only one appliance is in the failover relationship: the other was reset or replaced; run "
               "playbooks/replace_appliance.yml (%s)",
    UNREADABLE: "an appliance cannot be read (%s)",
}


def health_problems(state, site=None):
    """What a health check reports as wrong: the vendor's guidance is to watch success,
    last_data_sync_time and last_data_sync_status ("Use the BeyondTrust API to Check B Series
    Appliance Health"), and the site's address must reach the primary."""
    problems = []
    if state["kind"] in _KIND_PROBLEMS:
        problems.append(_KIND_PROBLEMS[state["kind"]] % state["summary"])
    problems.extend("%s reports a problem: %s" % (view["name"], view["error_message"] or "success 0, no message")
                    for view in state["appliances"].values() if view["status"] == OK and view["healthy"] is False)
    sync = state["sync"]
    paired = state["kind"] not in (NOT_PAIRED, ONE_SIDED, BOTH_DOWN, UNREADABLE)
    if sync["verdict"] == "bad":
        problems.append("the last data sync failed: %s (%s, reported by %s)"
                        % (sync["status"], sync["time"], sync["reported_by"]))
    elif sync["verdict"] == "none" and paired:
        problems.append("no data sync is recorded: the backup may not hold the site's data")
    if sync.get("stale"):
        problems.append("the last data sync is %s old (%s)" % (_duration(sync["age"]), sync["time"]))
    if site:
        problems.extend("site address %s" % text for text in site.get("problems", []))
    return problems


def health_warnings(state):
    return _sync_warnings(state)


def _duration(seconds):
    if seconds >= 2 * 86400:
        return "%d days" % (seconds // 86400)
    if seconds >= 2 * 3600:
        return "%d hours" % (seconds // 3600)
    return "%d s" % seconds
