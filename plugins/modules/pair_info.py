#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pair_info
short_description: Read a failover pair's state and what a maintenance flow would do, through the vendor API
description:
  - Reads both appliances of a failover pair through the vendor's public APIs (XML C(check_health), and the
    C(/check_health) probe of an appliance that does not answer) and derives the pair's state with the collection's
    pair engine; O(host) is the normal primary, O(peer_host) the normal backup.
  - The state is one of V(normal) (the normal primary is primary), V(failed_over) (the normal backup is primary),
    V(both_primary), V(both_backup) (the conflicts of the vendor's "Resolve Conflicts in a Failover Setup"),
    V(normal_primary_down), V(normal_backup_down), V(both_down), V(not_paired) (both roles are C(none)),
    V(one_sided) (one is in a relationship the other does not know, after a reset or a replacement) and
    V(unreadable) (an appliance answered, but not in a way a decision can be built on, such as a TLS, credential or HTTP error).
  - With O(flow), also returns the engine's decision for that maintenance flow, the same one
    M(sra.appliance.pair_roles) acts on, so that a flow can back up the current primary before the change and a
    pipeline can show what a flow would do.
  - With O(site_addresses), checks that every address clients use for the site reaches the current primary.
  - Returns the problems a health check reports (a conflict, an appliance down or unhealthy, a failed or old data
    sync, a site address that does not reach the primary); the module itself fails only on bad input, or when
    O(expect_primary) does not hold.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  # pair before connection: its description of host (the normal primary) is the one that counts.
  - sra.appliance.pair
  - sra.appliance.connection
  - sra.appliance.pair.FLOW
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode and never changes anything.
  diff_mode:
    support: N/A
    details: Reads only; there is nothing to diff.
options:
  flow:
    description:
      - The maintenance flow whose decision to return.
      - V(planned_failover) aims at the normal backup as primary, with a data sync first; V(failback) at the normal
        primary as primary; V(unplanned_failover) at the normal backup as primary without a data sync, when the normal
        primary is down; V(resolve_conflict) at one primary and one backup, chosen as "Fix This Error" does.
      - V(replace_appliance) whether O(replace) must be rebuilt into the pair (with the management API, by the
        C(replace_appliance) playbook) as the backup of the other, which must be primary.
    type: str
    choices: [planned_failover, failback, unplanned_failover, resolve_conflict, replace_appliance]
  check_account:
    description:
      - With O(flow), also read the API account's permissions (C(get_api_info)) on the appliances the decision writes to
        or backs up, and turn a missing permission into a refusal, before anything is backed up or changed.
    type: bool
    default: false
  probe:
    description:
      - Also run the C(/check_health) probe on appliances that answer (it always runs on one that does not).
    type: bool
    default: false
  sync_max_age:
    description:
      - Seconds after which the last data sync counts as too old (a problem). The vendor asks to watch
        C(last_data_sync_time); syncs "should generally be at least once a day". Unset, age is reported, never judged.
    type: int
  expect_primary:
    description:
      - Fail unless this appliance (O(name) or O(peer_name)) is the only primary, its peer (when it answers) is backup,
        and every O(site_addresses) reaches it. The verification step of the maintenance flows.
    type: str
  expect_timeout:
    description:
      - With O(expect_primary), seconds to keep re-reading until it holds (an appliance enables a shared IP, and a DNS
        or NAT change takes effect, a moment after the role change). V(0) reads once.
    type: int
    default: 0
notes:
  - The API account needs read access to the command API; with O(check_account), the permissions the flow needs.
"""

EXAMPLES = r"""
- name: What would a planned failover do?
  sra.appliance.pair_info:
    host: 12.12.1.50            # normal primary
    peer_host: 12.12.1.51       # normal backup
    name: site1.example.com
    peer_name: site2.example.com
    tls_server_name: support.example.com
    site_addresses: [12.12.1.52]
    flow: planned_failover
    check_account: true
  register: pair

- name: Verify after a failover
  sra.appliance.pair_info:
    host: 12.12.1.50
    peer_host: 12.12.1.51
    name: site1.example.com
    peer_name: site2.example.com
    site_addresses: [12.12.1.52]
    expect_primary: site2.example.com
"""

RETURN = r"""
pair:
  description: The pair's state.
  returned: always
  type: dict
  contains:
    kind:
      description: The state, see the description.
      type: str
      sample: normal
    primary:
      description: The one appliance that answers as primary; null when none or both.
      type: str
      sample: site1.example.com
    site_primary:
      description:
        - The appliance the site's address (shared IP, DNS record, NAT target) must reach - the one primary; before the
          pair exists (neither appliance in a relationship), the normal primary; null in a conflict or when it cannot
          be told.
      type: str
      sample: site1.example.com
    normal_primary:
      description: O(name).
      type: str
    normal_backup:
      description: O(peer_name).
      type: str
    roles:
      description: Each appliance's failover role; V(unknown) when it could not be read.
      type: dict
      sample: {site1.example.com: primary, site2.example.com: backup}
    appliances:
      description:
        - Per appliance, what the controller knows of it, C(status) (V(ok), V(down), V(error)), C(role), C(healthy),
          C(error_message), C(enabled_shared_ips), C(last_data_sync_time), C(last_data_sync_status), C(appliance_id),
          C(hostname), C(version), C(build), C(probe) and the read's C(error).
      type: dict
    shared_ip_holders:
      description: The appliances with a shared IP enabled.
      type: list
      elements: str
    sync:
      description:
        - The pair's newest data sync as either appliance reports it, C(time), C(epoch), C(status), C(verdict)
          (V(good), V(bad), V(unknown), V(none)), C(reported_by), C(age) (seconds) and C(stale) (with O(sync_max_age)).
      type: dict
    summary:
      description: One line for a person.
      type: str
      sample: site1.example.com primary, site2.example.com backup
site:
  description: With O(site_addresses), whether each reaches the primary.
  returned: when O(site_addresses) is given
  type: dict
  contains:
    reached:
      description: Every address reaches the primary; null when there is no single primary.
      type: bool
    addresses:
      description: Per address, the appliance id that answered there (null when nothing did).
      type: dict
    problems:
      description: What is wrong, per address.
      type: list
      elements: str
decision:
  description:
    - With O(flow), what the flow does, C(action) (V(none), V(refuse), V(change), V(wait_sync)), C(reason),
      C(target) (C(primary), C(backup)), C(steps) (each C(host), C(role), C(data_sync_first), C(force), C(why)),
      C(backup_before) (the appliances to back up first), C(warnings), C(wait_sync), C(pending).
  returned: when O(flow) is given
  type: dict
problems:
  description: What a health check reports as wrong; empty when the pair is healthy.
  returned: always
  type: list
  elements: str
healthy:
  description: No problem.
  returned: always
  type: bool
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, run
from ansible_collections.sra.appliance.plugins.module_utils._pair_api import (
    FLOW_ARGUMENT_SPEC, PAIR_ARGUMENT_SPEC, PairApi, flow_options, sync_rules, validate_pair_params)
from ansible_collections.sra.appliance.plugins.module_utils._waiter import Waiter, WaitTimeout


def validate(params):
    validate_pair_params(params)
    if params["sync_max_age"] is not None and params["sync_max_age"] <= 0:
        raise ModuleFailure("sync_max_age must be a positive number of seconds, got %s" % params["sync_max_age"])
    if params["expect_timeout"] < 0:
        raise ModuleFailure("expect_timeout must be 0 or more seconds, got %s" % params["expect_timeout"])
    if params["check_account"] and not params["flow"]:
        raise ModuleFailure("check_account reads the permissions a flow needs: give flow as well")


def decide_with_account(api, state, params):
    """The flow's decision; a permission the decision needs and the account lacks turns it into a refusal."""
    decision = engine.decide(state, params["flow"], flow_options(params, api))
    if not params["check_account"] or decision["action"] != engine.CHANGE:
        return decision, []
    problems = api.account_problems(sorted(set(change["host"] for change in decision["steps"])), ("role_change",))
    problems += api.account_problems(decision["backup_before"], ("backup",))
    if problems:
        decision = engine.decision(engine.REFUSE, "The API account cannot run this flow: %s." % "; ".join(problems),
                                   decision["target"])
    return decision, problems


def unmet(state, site, expected, other):
    """What of the expectation ``expected`` is the only primary, its peer backup, the site reaching it,
    does not hold (empty when it all holds)."""
    wrong = []
    if state["primary"] != expected:
        wrong.append("%s is not the only primary" % expected)
    if state["appliances"][other]["status"] == engine.OK and state["roles"][other] != engine.BACKUP:
        wrong.append("%s is %s, not backup" % (other, state["roles"][other]))
    wrong.extend((site or {}).get("problems", []))
    return wrong


def read(module, api):
    params = module.params
    state = api.settled_state(params["settle"], probe=params["probe"], sync_rules=sync_rules(params))
    site = None
    if params["site_addresses"]:
        site = api.site(state, params["site_addresses"], params["site_port"])
    return state, site


def read_expected(module, api):
    """Read until expect_primary holds, for at most expect_timeout seconds; fail with what does not hold."""
    params = module.params
    expected = params["expect_primary"]
    if expected not in api.names():
        raise ModuleFailure("expect_primary is %r, not one of %s" % (expected, ", ".join(api.names())))
    other = [name for name in api.names() if name != expected][0]
    try:
        seen = Waiter(params["expect_timeout"], interval=2.0).wait(
            lambda: read(module, api), lambda found: not unmet(found[0], found[1], expected, other),
            "%s to be the only primary, with its peer backup and the site's addresses reaching it" % expected)[0]
    except WaitTimeout as exc:
        state, site = exc.last_state
        raise ModuleFailure("Verification failed after %.0f s: %s (%s). Read the status history of /login > Management "
                            "> Failover on both appliances; re-running the flow continues from the roles it finds."
                            % (exc.elapsed, "; ".join(unmet(state, site, expected, other)), state["summary"]),
                            pair=engine.public_state(state), site=site)
    return seen


def gather(module, result):
    params = module.params
    validate(params)
    api = PairApi(params)
    state, site = read_expected(module, api) if params["expect_primary"] else read(module, api)
    engine.judge_sync_age(state, time.time(), params["sync_max_age"])
    result["pair"] = engine.public_state(state)
    if site is not None:
        result["site"] = site
    if params["flow"]:
        result["decision"], result["account_problems"] = decide_with_account(api, state, params)
    result["problems"] = engine.health_problems(state, result.get("site"))
    result["healthy"] = not result["problems"]
    for warning in engine.health_warnings(state):
        module.warn(warning)


def main():
    spec = dict(PAIR_ARGUMENT_SPEC, **FLOW_ARGUMENT_SPEC)
    spec.update(
        flow=dict(type="str", choices=list(engine.ALL_FLOWS)),
        check_account=dict(type="bool", default=False),
        probe=dict(type="bool", default=False),
        sync_max_age=dict(type="int"),
        expect_primary=dict(type="str"),
        expect_timeout=dict(type="int", default=0),
    )
    module = AnsibleModule(argument_spec=argument_spec(spec), supports_check_mode=True)
    run(module, gather)


if __name__ == "__main__":
    main()
