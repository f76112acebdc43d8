# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outage tracker of automatic failover through the vendor API (pure: no I/O, the clock is given).

The vendor's "Failover Dynamics and Options": built-in automatic failover needs both appliances on one
subnet; "If you wish to use automatic failover with B Series Appliances on different networks, you
must use the failover API". Its "Use the BeyondTrust API to Check B Series Appliance Health and
Perform Failover" asks to "take into account the time of the last successful health check" and to
"put in place contingencies so that if the issue can be resolved in a reasonable time, then no action
should be taken". This module is those contingencies, fed one observation per poll:

- the pair's state, as the pair engine (``_pair.pair_state``) makes it from PairApi reads;
- the controller's own connectivity (TCP connects to addresses the operator names);
- the built-in automatic failover setting of the appliance concerned, where it can be read;
- the site host name's DNS answer, for the "Fix This Error" choice of a both-primary conflict.

It says, per poll, what the pair looks like (the watch ``kind``) and whether to run a flow now, and
which (``flow`` and its extra vars, from ``_pair.decide``): only after the condition was seen on
every poll for ``hold_down`` seconds, never while the controller is cut off, never when the appliance
to promote is unhealthy or cannot be reached, never while built-in automatic failover is on for it,
never the same flow twice in one outage (an outage ends when the pair is seen normal again), and in
dry-run mode never at all (it says what it would do). The memory is a plain dict, so a scheduled
run can keep it in a file between runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from datetime import datetime, timezone

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine

# What the pair looks like from the controller (an event's ``kind``).
NORMAL = "normal"                            # one primary, one backup, both answer and are healthy
PRIMARY_DOWN = "primary_down"                # the current primary cannot be reached; the backup can take over
PRIMARY_UNHEALTHY = "primary_unhealthy"      # the primary answers with success 0: not an outage
BOTH_PRIMARY = "both_primary"                # the old primary is back as primary
BACKUP_UNHEALTHY = "backup_unhealthy"        # the backup reports a problem or cannot be reached
CONTROLLER_ISOLATED = "controller_isolated"  # no connectivity-test address answers the controller
UNCLEAR = "unclear"                          # both backup, both down, not paired, unreadable
KINDS = (NORMAL, PRIMARY_DOWN, PRIMARY_UNHEALTHY, BOTH_PRIMARY, BACKUP_UNHEALTHY, CONTROLLER_ISOLATED, UNCLEAR)

# What the watcher does about it (an event's ``action.status``).
IDLE = "none"          # nothing to do
HOLDING = "holding"    # the condition holds, the hold-down runs
RUN = "run"            # run ``flow`` now
DRY_RUN = "dry_run"    # would run ``flow`` now (dry-run mode)
REFUSED = "refused"    # the condition held long enough, but a guard or the engine refuses
DONE = "done"          # ``flow`` ran (or would have run) already in this outage
STATUSES = (IDLE, HOLDING, RUN, DRY_RUN, REFUSED, DONE)

PLAYBOOKS = dict(unplanned_failover="sra.appliance.unplanned_failover", failback="sra.appliance.failback",
                 resolve_conflict="sra.appliance.resolve_conflict")

# How a backup says that it cannot reach its primary, when it reports that as a problem (success 0).
# The vendor documents neither the wording nor whether a backup reports it at all; such a problem is
# what a primary outage looks like from the backup, not a problem of the backup itself.
PRIMARY_LOST_MESSAGES = ("unable to reach the primary", "cannot reach the primary", "could not reach the primary",
                         "unable to contact the primary", "cannot contact the primary",
                         "could not contact the primary", "primary site instance is unreachable",
                         "primary site instance cannot be reached")

CONFLICT_WARNING = ("the vendor: \"Using the built-in failover in /login and the API failover commands together could "
                    "result in conflict.\"")


def iso(epoch):
    """Epoch seconds as ISO 8601 in UTC; None stays None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds")


# -- one poll's readings ---------------------------------------------------------------------------
def controller_view(results):
    """The controller's own connectivity from its TCP connects: connected when at least one of the
    connectivity-test addresses answered (as the backup's own connectivity test of the vendor decides)."""
    reached = [result["target"] for result in results if result["ok"]]
    failed = [dict(target=result["target"], error=result.get("error")) for result in results if not result["ok"]]
    return dict(connected=bool(reached), reached=reached, failed=failed)


def settings_reading(settings=None, error=None, missing=False, skipped=False):
    """What the backup settings of one appliance say about built-in automatic failover.

    ``on`` is True or False when the settings could be read, None otherwise: ``missing`` (the
    appliance has no management API: a real one, which answers 404), ``error`` (any other failure) or
    ``skipped`` (the operator turned the check off).
    Automatic failover works only with backup operations on ("Enable or disable backup operations,
    such as data-syncs and automatic failovers")."""
    if settings is not None:
        on = bool(settings.get("automatic_failover")) and bool(settings.get("backup_operations", True))
        return dict(on=on, readable=True, automatic_failover=settings.get("automatic_failover"),
                    backup_operations=settings.get("backup_operations"), message=None)
    if skipped:
        message = "the backup settings were not read (check_backup_settings is false): built-in automatic failover must be off"
    elif missing:
        message = ("the backup settings cannot be read (no management API: %s); built-in automatic failover must be "
                   "off on it (docs/runbooks/automatic_failover.md)" % (error or "404"))
    else:
        message = "the backup settings could not be read (%s)" % (error or "not read")
    return dict(on=None, readable=False, automatic_failover=None, backup_operations=None, message=message)


def primary_lost(message, phrases=PRIMARY_LOST_MESSAGES):
    """The backup's error_message says only that it cannot reach its primary."""
    text = (message or "").lower()
    return bool(text) and any(phrase.lower() in text for phrase in phrases or PRIMARY_LOST_MESSAGES)


def fit_to_promote(view, phrases=PRIMARY_LOST_MESSAGES):
    """(True, None) when the appliance to promote answers as a healthy backup, else (False, why).

    A backup that reports a problem is unfit, except when the problem is that it cannot reach its
    primary: that is the outage itself seen from the backup."""
    if view["status"] != engine.OK:
        return False, "%s cannot be reached from the controller (%s)" % (view["name"], view["error"] or "no answer")
    if view["role"] != engine.BACKUP:
        return False, "%s is %s, not backup" % (view["name"], view["role"])
    if view["healthy"] is False and not primary_lost(view["error_message"], phrases):
        return False, "%s reports a problem: %s" % (view["name"], view["error_message"] or "success 0, no message")
    return True, None


# -- what the pair looks like ------------------------------------------------------------------------
def situation(state, phrases=PRIMARY_LOST_MESSAGES):
    """The watch kind of ``state`` and, where a flow may fix it, which (before any guard).

    Returns dict(kind, subject, flow, options, promote, reason): ``subject`` the appliance the kind is
    about, ``promote`` the backup a flow would make primary, ``options`` the engine's flow options."""
    kind = state["kind"]
    np, nb = state["normal_primary"], state["normal_backup"]
    if kind in (engine.NORMAL, engine.FAILED_OVER):
        return _answering(state)
    if kind == engine.NP_DOWN:
        return _one_down(state, np, nb, "unplanned_failover", {}, phrases)
    if kind == engine.NB_DOWN:
        return _one_down(state, nb, np, "failback", dict(force=True), phrases)
    if kind == engine.BOTH_PRIMARY:
        return _situation(BOTH_PRIMARY, None, "both appliances are primary: an appliance that was down has come back "
                                              "as primary (%s)" % state["summary"], flow="resolve_conflict")
    return _situation(UNCLEAR, None, "%s (%s): no automatic action fits; a person must look"
                      % (kind.replace("_", " "), state["summary"]))


def _situation(kind, subject, reason, flow=None, options=None, promote=None):
    return dict(kind=kind, subject=subject, flow=flow, options=dict(options or {}), promote=promote, reason=reason)


def _answering(state):
    primary = state["primary"]
    backup = [name for name in state["appliances"] if name != primary][0]
    views = state["appliances"]
    if views[primary]["healthy"] is False:
        return _situation(PRIMARY_UNHEALTHY, primary, "%s (primary) answers but reports a problem: %s. It is not down, so "
                                                      "this watcher does not act (the vendor: \"if the issue can be "
                                                      "resolved in a reasonable time, then no action should be taken\"); "
                                                      "if it must be replaced, run playbooks/planned_failover.yml"
                          % (primary, views[primary]["error_message"] or "success 0, no message"))
    if views[backup]["healthy"] is False:
        return _situation(BACKUP_UNHEALTHY, backup, "%s (backup) reports a problem: %s"
                          % (backup, views[backup]["error_message"] or "success 0, no message"))
    return _situation(NORMAL, None, "%s is primary, %s backup" % (primary, backup))


def _one_down(state, down, other, flow, options, phrases):
    view = state["appliances"][other]
    if view["role"] == engine.PRIMARY:
        problem = " and reports a problem: %s" % (view["error_message"] or "success 0, no message") \
            if view["healthy"] is False else ""
        return _situation(BACKUP_UNHEALTHY, down, "%s (backup) cannot be reached from the controller (%s); %s is "
                                                  "primary%s" % (down, state["appliances"][down]["error"] or "no answer",
                                                                 other, problem))
    fit, why = fit_to_promote(view, phrases)
    if not fit:
        return _situation(BACKUP_UNHEALTHY, other, "%s cannot be reached, and the backup cannot take over: %s"
                          % (down, why))
    return _situation(PRIMARY_DOWN, down, "%s (primary) cannot be reached from the controller (%s); %s (backup) "
                                          "answers" % (down, state["appliances"][down]["error"] or "no answer", other),
                      flow=flow, options=options, promote=other)


# -- the tracker -----------------------------------------------------------------------------------
def new_memory():
    """What the tracker keeps between polls (JSON-serialisable)."""
    return dict(condition=None, outage=None, last_healthy={})


class Tracker:
    """One pair's outage tracker. ``observe(observation, now)`` returns one event per poll.

    ``observation``: ``state`` (the engine's pair state), ``controller`` (controller_view), and
    optionally ``backup_settings`` ({name: settings_reading}), ``dns_addresses`` and
    ``swing_addresses`` (the "Fix This Error" inputs of a both-primary conflict).
    """

    def __init__(self, hold_down, dry_run=False, primary_lost_messages=PRIMARY_LOST_MESSAGES, memory=None):
        if hold_down < 0:
            raise ValueError("hold_down must be 0 or more seconds, got %r" % hold_down)
        self.hold_down = hold_down
        self.dry_run = dry_run
        self.phrases = tuple(primary_lost_messages or PRIMARY_LOST_MESSAGES)
        self.memory = copy.deepcopy(memory) if memory else new_memory()

    # -- what the poller must read besides the pair ----------------------------------------------
    def needs_settings(self, observation, now):
        """The appliance whose backup settings must be read before this poll can act, or None.

        Read only when everything else says act: an appliance without the management API answers
        a 404 for every read, and a poll should cost the appliances as little as possible."""
        plan = self._plan(observation, now)
        return plan["guarded"] if plan["ready"] else None

    def needs_dns(self, observation):
        return observation["state"]["kind"] == engine.BOTH_PRIMARY

    # -- one poll -------------------------------------------------------------------------------
    def observe(self, observation, now):
        state = observation["state"]
        self._remember_health(state, now)
        self._follow_outage(state, now)
        plan = self._plan(observation, now)
        self.memory["condition"] = plan["condition"]
        action = self._act(plan, observation, now) if plan["ready"] else plan["action"]
        return self._event(plan, action, observation, now)

    def _remember_health(self, state, now):
        for name, view in state["appliances"].items():
            if view["status"] == engine.OK and view["healthy"]:
                self.memory["last_healthy"][name] = now

    def _follow_outage(self, state, now):
        """An outage begins at the first poll that does not see one primary and one backup answering,
        and ends at the first poll that does."""
        if state["kind"] in (engine.NORMAL, engine.FAILED_OVER):
            self.memory["outage"] = None
        elif self.memory["outage"] is None:
            self.memory["outage"] = dict(since=now, handled={}, promoted=None)

    def _plan(self, observation, now):
        """Everything but the acting: the kind, the condition's timer, and whether the hold-down is over."""
        sit = situation(observation["state"], self.phrases)
        controller = observation["controller"]
        plan = dict(situation=sit, kind=sit["kind"], condition=None, held=None, ready=False, guarded=None,
                    action=_action(IDLE, sit["reason"]))
        if not controller["connected"]:
            plan["kind"] = CONTROLLER_ISOLATED
            plan["action"] = _action(IDLE, "the controller cannot reach any connectivity-test address (%s): it may "
                                           "have lost its own network, so nothing it sees of the pair is a reason to "
                                           "act (%s)" % (_failed_text(controller), sit["reason"]))
            return plan
        if sit["flow"] is None:
            return plan
        key = [sit["kind"], sit["subject"], sit["flow"]]
        previous = self.memory["condition"]
        since = previous["since"] if previous and previous["key"] == key else now
        plan["condition"] = dict(key=key, since=since)
        held = plan["held"] = now - since
        handled = (self.memory["outage"] or {}).get("handled", {})
        if sit["flow"] in handled:
            plan["action"] = _action(DONE, "%s ran already in this outage (%s); it ends when the pair is seen with one "
                                           "primary and one backup again" % (sit["flow"], iso(handled[sit["flow"]])),
                                     flow=sit["flow"])
            return plan
        if held < self.hold_down:
            reason = "%s; holding down: seen for %.0f s of %s s" % (sit["reason"], held, self.hold_down)
            plan["action"] = _action(HOLDING, reason, flow=sit["flow"])
            return plan
        plan["decision"] = engine.decide(observation["state"], sit["flow"], self._flow_options(sit, observation))
        if plan["decision"]["action"] != engine.CHANGE:
            plan["action"] = _action(REFUSED, "%s; %s refuses: %s" % (sit["reason"], sit["flow"],
                                                                      plan["decision"]["reason"]),
                                     flow=sit["flow"], decision=plan["decision"])
            return plan
        plan["guarded"] = sit["promote"] or plan["decision"]["target"]["backup"]
        plan["ready"] = True
        return plan

    def _flow_options(self, sit, observation):
        options = dict(sit["options"])
        if sit["flow"] == "resolve_conflict":
            options.update(dns_addresses=observation.get("dns_addresses") or [],
                           swing_addresses=observation.get("swing_addresses") or {},
                           conflict_primary=(self.memory["outage"] or {}).get("promoted"))
        return options

    def _act(self, plan, observation, now):
        sit, decision = plan["situation"], plan["decision"]
        guarded = plan["guarded"]
        reading = (observation.get("backup_settings") or {}).get(guarded) or settings_reading(error="not read")
        if reading["on"]:
            return _action(REFUSED, "%s; %s is not run: built-in automatic failover is on in the backup settings of %s, "
                                    "and %s Turn it off there (/login > Management > Failover > Backup Settings > "
                                    "Enable Automatic Failover, or sra.appliance.failover_settings automatic_failover: "
                                    "false), or let the built-in failover act alone"
                           % (sit["reason"], sit["flow"], guarded, CONFLICT_WARNING),
                           flow=sit["flow"], decision=decision)
        outage = self.memory["outage"]
        outage["handled"][sit["flow"]] = now
        if sit["promote"]:
            outage["promoted"] = sit["promote"]
        extra_vars = _extra_vars(sit, decision)
        notes = [] if reading["readable"] else [reading["message"]]
        verb = "would run" if self.dry_run else "run"
        reason = "%s; seen for %.0f s (hold-down %s s): %s %s: %s" % (
            sit["reason"], plan["held"], self.hold_down, verb, PLAYBOOKS[sit["flow"]], decision["reason"])
        if self.dry_run:
            reason += " (dry run: nothing is run)"
        return _action(DRY_RUN if self.dry_run else RUN, reason, flow=sit["flow"], decision=decision,
                       extra_vars=extra_vars, notes=notes)

    def _event(self, plan, action, observation, now):
        state = observation["state"]
        sit = plan["situation"]
        outage = self.memory["outage"]
        down = None
        if sit["kind"] == PRIMARY_DOWN or (sit["subject"] and state["appliances"][sit["subject"]]["status"] == engine.DOWN):
            name = sit["subject"]
            since = plan["condition"]["since"] if plan["condition"] else None
            down = dict(name=name, seen_for=round(now - since, 1) if since is not None else None,
                        last_healthy=iso(self.memory["last_healthy"].get(name)))
        return dict(
            kind=plan["kind"], summary=state["summary"], reason=action["reason"], hold_down=self.hold_down,
            dry_run=self.dry_run, time=iso(now), action=action, down=down,
            pair=dict(kind=state["kind"], primary=state["primary"], roles=state["roles"],
                      normal_primary=state["normal_primary"], normal_backup=state["normal_backup"],
                      sync=state["sync"]),
            controller=observation["controller"],
            outage=None if outage is None else dict(since=iso(outage["since"]), promoted=outage["promoted"],
                                                    handled=dict((flow, iso(at)) for flow, at in
                                                                 outage["handled"].items())),
            backup_settings=observation.get("backup_settings") or {})


def _action(status, reason, flow=None, decision=None, extra_vars=None, notes=None):
    run = status == RUN
    return dict(status=status, run=run, flow=flow, playbook=PLAYBOOKS.get(flow) if flow else None,
                extra_vars=dict(extra_vars or {}), reason=reason, decision=decision, notes=list(notes or []))


def _extra_vars(sit, decision):
    """The extra vars the flow needs to take the same decision the tracker took."""
    if sit["flow"] == "failback":
        return dict(sra_failback_force=True)
    if sit["flow"] == "resolve_conflict":
        return dict(sra_conflict_primary=decision["target"]["primary"])
    return {}


def _failed_text(controller):
    return "; ".join("%s: %s" % (item["target"], item["error"] or "no answer") for item in controller["failed"]) or \
        "none configured"


def signature(event):
    """What makes an event news: a source emits an event when this changes from the last poll's."""
    return (event["kind"], event["pair"]["kind"], event["action"]["status"], event["action"]["flow"],
            tuple(sorted(event["pair"]["roles"].items())))
