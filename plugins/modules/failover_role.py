#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: failover_role
short_description: Make a B Series appliance the primary or the backup of its failover pair
description:
  - Ensures the appliance holds the failover role O(state), with the vendor's own API (C(set_failover_role) of the XML
    command API, or C(POST /api/command/v2/failover-role)), as the vendor's "Failover Dynamics and Options" describes
    for planned and unplanned maintenance. Works unchanged against a real appliance.
  - A no-op when the appliance already holds O(state).
  - Waits until the swap has completed, through the moment when both appliances read backup, and, with O(peer_host),
    until the peer holds the other role when it can be reached. The wait reads the XML C(check_health) (O(api=xml)) or
    C(/api/command/v2/appliance) (O(api=json)), never the v2 C(/health), which may answer from a cache up to a minute
    old.
  - A swap with a data sync first that the appliances cancel (its data sync failed, the roles unchanged; O(api=xml)
    reads it) fails at once with that reason; a timeout says that the swap may still be running.
  - Shows progress of long waits when run through the collection's action plugin (every play does).
  - Warns when automatic failover is on in the backup settings of either appliance, as the vendor warns that the
    built-in failover and the API failover commands together can conflict. Those settings are read through the
    collection's management API; where it is not available the warning is skipped.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.wait
  - sra.appliance.wait.PROGRESS
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the roles and returns C(plan), the predicted change, including whether clients will be disconnected.
  diff_mode:
    support: full
    details: Shows the role of the appliance (and of the peer with O(peer_host)) before and after.
options:
  state:
    description:
      - The failover role this appliance must hold.
    type: str
    required: true
    choices: [primary, backup]
  data_sync_first:
    description:
      - Pull a data sync from the peer before swapping roles (the vendor's checkbox next to Become Primary / Become
        Backup; the planned-maintenance flow).
      - All users on the current primary are disconnected during the sync, and no other operation is available until the
        swap is complete.
    type: bool
    default: false
  force:
    description:
      - With O(state=backup) on the current primary, become backup even if the peer cannot be contacted.
      - Only meaningful with O(state=backup); the module refuses it with O(state=primary).
    type: bool
    default: false
  peer_host:
    description:
      - The peer appliance's own address, reached with the same port and credentials.
      - When given and reachable, the module also waits until the peer holds the other role.
    type: str
  api:
    description:
      - Which vendor API to use. V(xml) is the command API C(/api/command); V(json) the command API v2
        C(/api/command/v2).
    type: str
    choices: [xml, json]
    default: xml
notes:
  - The API account needs full access to the command API for the role change.
"""

EXAMPLES = r"""
- name: Planned maintenance - make the normal backup primary, with a data sync first
  sra.appliance.failover_role:
    host: "{{ sra_address }}"
    state: primary
    data_sync_first: true
    peer_host: "{{ hostvars[groups['sra_failover_pair'][0]].sra_address }}"
    wait_timeout: 900

- name: Unplanned failover - the primary is down
  sra.appliance.failover_role:
    host: "{{ sra_address }}"
    state: primary
"""

RETURN = r"""
role:
  description: The role of the appliance at the end (in check mode, the role it would have).
  returned: success
  type: str
  sample: primary
previous_role:
  description: The role before the module ran.
  returned: success
  type: str
  sample: backup
peer_role:
  description: The peer's role at the end, with O(peer_host); null when the peer cannot be reached.
  returned: when O(peer_host) is given
  type: str
  sample: backup
plan:
  description: The change the module makes (in check mode, would make).
  returned: changed
  type: dict
  sample:
    role_before: backup
    role_after: primary
    clients_disconnected: true
    actions: ["pull a data sync from the peer before the swap: ..."]
message:
  description: The appliance's own answer to the role change.
  returned: changed and not check mode
  type: str
  sample: Successfully started data sync. Role change will occur upon successful completion.
elapsed:
  description: Seconds spent waiting for the swap (also returned on a timeout).
  returned: changed and not check mode
  type: float
  sample: 12.4
last_state:
  description: The roles seen last when the wait timed out.
  returned: failure
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._failover import (
    CONFLICT_WARNING, SWAP_TIMEOUT_ADVICE, automatic_failover_hosts, read_roles, role_view, swap_canceled,
    swap_complete, swap_plan, swap_warnings)
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, run
from ansible_collections.sra.appliance.plugins.module_utils._progress import PROGRESS_ARGUMENT_SPEC, progress_for
from ansible_collections.sra.appliance.plugins.module_utils._waiter import WaitTimeout, waiter_for


def validate(params):
    if params["force"] and params["state"] != "backup":
        raise ModuleFailure("force applies only to state=backup (become backup even if the peer cannot be contacted); "
                            "remove force or use state=backup")
    if params["peer_host"] is not None and not params["peer_host"].strip():
        raise ModuleFailure("peer_host is empty; give the peer appliance's own address or leave it out")


def report_roles(result, diff, state, before):
    result.update(role=state["role"])
    if state["peer_reachable"] is not None:
        result["peer_role"] = state["peer_role"]
    diff.add("role", before["role"], state["role"])
    if before["peer_reachable"] is not None:
        diff.add("peer_role", before["peer_role"], state["peer_role"])


def change_role(module, result, this, peer, before):
    params = module.params
    target = params["state"]
    plan = swap_plan(before, target, params["data_sync_first"], params["force"], this.name)
    result["plan"] = plan
    for warning in swap_warnings(before, target, params["data_sync_first"], params["force"]):
        module.warn(warning)
    conflicting = automatic_failover_hosts([this, peer])
    if conflicting:
        module.warn(CONFLICT_WARNING % ", ".join(conflicting))
    if module.check_mode:
        result["changed"] = True
        return dict(before, role=plan["role_after"], peer_role=plan["peer_role_after"])
    result["message"] = this.set_role(target, params["data_sync_first"], params["force"])
    # Changed once the appliance has accepted the change, not before: a refusal changed nothing.
    result["changed"] = True
    if not params["wait"]:
        return read_roles(this, peer)
    return wait_for_swap(module, result, this, peer, before)


def wait_for_swap(module, result, this, peer, before):
    target = module.params["state"]
    description = "%s to become %s%s" % (this.name, target, " and its peer %s" % peer.name if peer else "")
    progress = progress_for(module)

    def ready(seen):
        canceled = swap_canceled(before, seen, module.params["data_sync_first"])
        if canceled:
            raise ModuleFailure("%s: %s. Fix the cause of the failed sync, then run again." % (this.name, canceled),
                                last_state=seen)
        return swap_complete(seen, target)

    def report(seconds, seen, error):
        progress.report(seconds, "waiting %d s for %s: %s" % (seconds, description, seen if error is None else error))

    try:
        state, elapsed = waiter_for(module).wait(lambda: read_roles(this, peer), ready, description,
                                                 tolerate=(ApplianceError,), progress=report)
    except WaitTimeout as exc:
        raise WaitTimeout(exc.description, exc.timeout, exc.elapsed, exc.last_state, exc.last_error,
                          advice=SWAP_TIMEOUT_ADVICE)
    result["elapsed"] = round(elapsed, 1)
    return state


def ensure_role(module, result):
    params = module.params
    validate(params)
    this = role_view(params)
    peer = role_view(params, params["peer_host"]) if params["peer_host"] else None
    before = read_roles(this, peer)
    result["previous_role"] = before["role"]
    diff = DiffTracker()
    if before["role"] == params["state"]:
        if before["peer_role"] == params["state"]:
            module.warn("%s and its peer are both %s: a role conflict. Resolve it (the vendor's \"Resolve Conflicts in "
                        "a Failover Setup\"), e.g. with state=%s on the appliance that should not be %s"
                        % (this.name, params["state"], "backup" if params["state"] == "primary" else "primary",
                           params["state"]))
        after = before
    elif before["role"] not in ("primary", "backup"):
        raise ModuleFailure("%s is not in a failover relationship (its failover role is %s); establish one first with "
                            "sra.appliance.failover_relationship" % (this.name, before["role"]), role=before["role"])
    else:
        after = change_role(module, result, this, peer, before)
    report_roles(result, diff, after, before)
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            state=dict(type="str", required=True, choices=["primary", "backup"]),
            data_sync_first=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            peer_host=dict(type="str"),
            api=dict(type="str", default="xml", choices=["xml", "json"]),
            **PROGRESS_ARGUMENT_SPEC
        ), wait=True),
        supports_check_mode=True)
    run(module, ensure_role)


if __name__ == "__main__":
    main()
