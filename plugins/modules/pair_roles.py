#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pair_roles
short_description: Put a failover pair in the roles a maintenance flow aims at, through the vendor API
description:
  - Target-based role changes of a failover pair, with the vendor's own role API (C(set_failover_role)) and nothing
    else, as the vendor's "Failover Dynamics and Options" describes them. O(host) is the normal primary, O(peer_host)
    the normal backup.
  - Reads both appliances, derives the pair's state and decides with the collection's pair engine (the same decision
    M(sra.appliance.pair_info) returns for O(flow)), then either does nothing (the target holds), refuses with the
    reason and what to run instead, or makes the role changes in order and waits for each.
  - V(planned_failover) makes the normal backup primary with a data sync first ("Perform Failover for Planned
    Maintenance"); V(failback) the normal primary (with a data sync first, or without one for
    O(variant=recent_changes)); V(unplanned_failover) the normal backup without a data sync, only when the normal
    primary is down or O(force) ("Perform Failover for Unplanned Maintenance"); V(resolve_conflict) chooses the primary
    of a both-primary or both-backup pair as "Fix This Error" does.
  - Never two primaries from a guess, never none from a guess; a role swap that the appliances cancel (its data sync
    failed, the roles unchanged) fails at once with that reason, and a timeout says that the swap may still be running.
  - Before the first write, reads the API account's permissions (C(get_api_info)) on the appliances it changes and
    refuses when C(set_failover_role) is not allowed.
  - Shows progress of long waits when run through the collection's action plugin (every play does).
version_added: 0.2.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  # pair before connection: its description of host (the normal primary) is the one that counts.
  - sra.appliance.pair
  - sra.appliance.connection
  - sra.appliance.pair.FLOW
  - sra.appliance.wait.PROGRESS
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the pair, decides, and returns the decision and the predicted roles; sends no role change.
  diff_mode:
    support: full
    details: Shows both appliances' roles before and after (in check mode, as predicted).
options:
  flow:
    description:
      - The maintenance flow whose target to reach; see the description.
    type: str
    required: true
    choices: [planned_failover, failback, unplanned_failover, resolve_conflict]
  check_account:
    description:
      - Read the API account's permissions before the first role change and refuse when they do not allow it.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds each role change (a swap with a data sync first can take hours on real data), or the data sync of
        O(login_changes_reapplied), may take.
    type: int
    default: 900
"""

EXAMPLES = r"""
- name: Planned failover - the normal backup becomes primary with a data sync first
  sra.appliance.pair_roles:
    host: 12.12.1.50            # normal primary
    peer_host: 12.12.1.51       # normal backup
    name: site1.example.com
    peer_name: site2.example.com
    tls_server_name: support.example.com
    flow: planned_failover
    wait_timeout: 3600

- name: Resolve a conflict, keeping the appliance the site host name resolves to
  sra.appliance.pair_roles:
    host: 12.12.1.50
    peer_host: 12.12.1.51
    flow: resolve_conflict
    dns_addresses: "{{ site_record.addresses }}"
"""

RETURN = r"""
decision:
  description: The engine's decision (see M(sra.appliance.pair_info)).
  returned: always
  type: dict
roles:
  description: Both appliances' roles at the end (in check mode, as predicted).
  returned: always
  type: dict
  sample: {site1.example.com: backup, site2.example.com: primary}
previous_roles:
  description: Both appliances' roles before the module ran.
  returned: always
  type: dict
pair:
  description: The pair's state at the end (before, in check mode), as M(sra.appliance.pair_info) returns it.
  returned: always
  type: dict
steps:
  description: The role changes made (in check mode, that would be made), each with the appliance's answer and the
    seconds it took.
  returned: when something was changed
  type: list
  elements: dict
elapsed:
  description: Seconds spent waiting, in all.
  returned: when the module waited
  type: float
site:
  description: With O(site_addresses), whether each reaches the primary at the end (before, in check mode); see
    M(sra.appliance.pair_info).
  returned: when O(site_addresses) is given
  type: dict
last_state:
  description: The pair's state seen last when a wait failed or timed out.
  returned: failure
  type: dict
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine
from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, run
from ansible_collections.sra.appliance.plugins.module_utils._pair_api import (
    DOWN_GRACE, FLOW_ARGUMENT_SPEC, PAIR_ARGUMENT_SPEC, PairApi, flow_options, sync_rules, validate_pair_params)
from ansible_collections.sra.appliance.plugins.module_utils._progress import PROGRESS_ARGUMENT_SPEC, progress_for
from ansible_collections.sra.appliance.plugins.module_utils._waiter import WaitTimeout, waiter_for

TIMEOUT_ADVICE = ("The appliances may still be carrying out the role change: a swap with a data sync first goes on by "
                  "itself and can complete after this run has stopped, before any network swing. Read the roles "
                  "(playbooks/health.yml, or sra.appliance.pair_info), then re-run this flow: it continues from the "
                  "roles it finds")


class RoleChanger:
    """Carries out a decision's steps one by one, each waited for, with progress."""

    def __init__(self, module, api, rules):
        self.module = module
        self.api = api
        self.rules = rules
        self.progress = progress_for(module)
        self.waiter = waiter_for(module)
        self.elapsed = 0.0

    def read(self):
        return self.api.state(sync_rules=self.rules)

    def run_step(self, change, before, result):
        """Send one role change, then wait for it. The result says ``changed`` and lists the step as
        soon as the appliance has accepted it, so a failed wait still reports what was sent."""
        started = time.monotonic()
        message = self.api.set_role(change["host"], change["role"], change["data_sync_first"], change["force"])
        sent = dict(change, message=message, elapsed=None)
        result["steps"].append(sent)
        result["changed"] = True
        description = "%s to become %s%s" % (change["host"], change["role"],
                                             " (data sync first)" if change["data_sync_first"] else "")
        self.progress.report(0, "%s: %s" % (description, message), force=True)
        watch = StepWatch(change, before)
        try:
            state, elapsed = self.waiter.wait(self.read, watch.ready, description, tolerate=(ApplianceError,),
                                              progress=lambda seconds, seen, error: self.report(description, seconds,
                                                                                                seen, error))
        except WaitTimeout as exc:
            raise WaitTimeout(exc.description, exc.timeout, exc.elapsed, _last(exc.last_state), exc.last_error,
                              advice=TIMEOUT_ADVICE)
        self.elapsed += elapsed
        sent["elapsed"] = round(time.monotonic() - started, 1)
        return state

    def wait_sync(self, name, since):
        description = "a good data sync of %s newer than %s (epoch, the appliance's clock)" % (name, since)
        self.progress.report(0, "waiting for %s" % description, force=True)

        def ready(state):
            done = engine.sync_since(state, name, since)
            if done is not True and done:
                raise ModuleFailure("The data sync of %s failed: %s. Fix the cause (status history of /login > "
                                    "Management > Failover) and re-run." % (name, done), last_state=_last(state))
            return done is True

        state, elapsed = self.waiter.wait(self.read, ready, description, tolerate=(ApplianceError,),
                                          progress=lambda seconds, seen, error: self.report(description, seconds, seen,
                                                                                            error))
        self.elapsed += elapsed
        return state

    def report(self, description, seconds, state, error):
        if state is None:
            seen = "no answer (%s)" % error
        else:
            sync = state["sync"]
            seen = "%s; last data sync %s %s" % (state["summary"], sync["time"] or "none", sync["status"] or "")
        self.progress.report(seconds, "waiting %d s for %s: %s" % (seconds, description, seen.strip()))


class StepWatch:
    """When a step's wait ends: done, canceled by the appliances, or its appliance gone."""

    def __init__(self, change, before, clock=time.monotonic):
        self.change = change
        self.before = before
        self.clock = clock
        self.silent_since = None

    def ready(self, state):
        if engine.step_done(state, self.change):
            return True
        canceled = engine.step_canceled(self.before, state, self.change)
        if canceled:
            raise ModuleFailure("The role change did not happen: %s. Nothing else was changed. Fix the cause of the "
                                "failed sync, then re-run." % canceled, last_state=_last(state))
        self._watch_silence(state)
        return False

    def _watch_silence(self, state):
        view = state["appliances"][self.change["host"]]
        if view["status"] != engine.DOWN:
            self.silent_since = None
            return
        self.silent_since = self.silent_since or self.clock()
        if self.clock() - self.silent_since > DOWN_GRACE:
            raise ModuleFailure("%s stopped answering during the role change (%s); the role change cannot complete "
                                "without it. Bring it back and re-run, or see the unplanned failover flow."
                                % (self.change["host"], state["summary"]), last_state=_last(state))


def _last(state):
    return engine.public_state(state) if state else state


def check_account(api, decision):
    hosts = sorted(set(change["host"] for change in decision["steps"]))
    problems = api.account_problems(hosts, ("role_change",))
    if problems:
        raise ModuleFailure("The API account cannot change roles: %s. Nothing was changed." % "; ".join(problems),
                            account_problems=problems)


def ensure_roles(module, result):
    params = module.params
    validate_pair_params(params)
    if params["wait_timeout"] < 0:
        raise ModuleFailure("wait_timeout must be 0 or more seconds, got %s" % params["wait_timeout"])
    api = PairApi(params)
    rules = sync_rules(params)
    before = api.settled_state(params["settle"], sync_rules=rules)
    decision = engine.decide(before, params["flow"], flow_options(params, api))
    result.update(decision=decision, previous_roles=before["roles"], roles=before["roles"],
                  pair=engine.public_state(before))
    for warning in decision["warnings"]:
        module.warn(warning)
    if decision["action"] == engine.REFUSE:
        raise ModuleFailure(decision["reason"])
    changer = RoleChanger(module, api, rules)
    after = before
    if decision["action"] == engine.CHANGE:
        after = change_roles(module, result, api, changer, before, decision)
    elif decision["action"] == engine.WAIT_SYNC and not module.check_mode:
        since = api.api_info(decision["wait_sync"]).get("timestamp") or int(time.time())
        after = changer.wait_sync(decision["wait_sync"], since)
    if changer.elapsed:
        result["elapsed"] = round(changer.elapsed, 1)
    if after is not before:
        result.update(roles=after["roles"], pair=engine.public_state(after))
    if params["site_addresses"]:
        result["site"] = api.site(after, params["site_addresses"], params["site_port"])
    diff = DiffTracker()
    diff.add("roles", before["roles"], result["roles"])
    if module._diff:
        result["diff"] = diff.diff()


def change_roles(module, result, api, changer, before, decision):
    if module.params["check_account"]:
        check_account(api, decision)
    if module.check_mode:
        result.update(changed=True, roles=engine.predict(before, decision["steps"]), steps=decision["steps"])
        return before
    result["steps"] = []
    state = before
    for change in decision["steps"]:
        state = changer.run_step(change, state, result)
    return state


def main():
    spec = dict(PAIR_ARGUMENT_SPEC, **FLOW_ARGUMENT_SPEC)
    spec.update(
        flow=dict(type="str", required=True, choices=list(engine.FLOWS)),
        check_account=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
        **PROGRESS_ARGUMENT_SPEC
    )
    module = AnsibleModule(argument_spec=argument_spec(spec), supports_check_mode=True)
    run(module, ensure_roles)


if __name__ == "__main__":
    main()
