#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pair_watch
short_description: Decide whether a failover pair needs an automatic failover, through the vendor API
description:
  - The decision of automatic failover across subnets ("If you wish to use automatic failover with B Series Appliances
    on different networks, you must use the failover API", the vendor's "Failover Dynamics and Options"), for a
    scheduler (cron, an AWX or AAP schedule) that runs C(playbooks/auto_failover.yml). The event source
    C(sra.appliance.pair_watch) of Event-Driven Ansible takes the same options and decides alike, continuously.
  - Reads both appliances of the pair through the vendor API (XML C(check_health), and the C(/check_health) probe of an
    appliance that does not answer) and the controller's own connectivity (a TCP connect to each O(connectivity_test)
    address). When the pair calls for a flow, polls every O(interval) seconds until the condition has held on every
    poll for O(hold_down) seconds ("put in place contingencies so that if the issue can be resolved in a reasonable
    time, then no action should be taken"); a poll that does not see it starts the hold-down again.
  - Returns what to run, and never runs it itself. The current primary down while the backup answers healthy and the
    controller's connectivity is fine -> C(unplanned_failover) (the normal primary is down) or C(failback) with
    C(sra_failback_force=true) (the normal backup was primary and is down); both appliances primary (the old primary is
    back) -> C(resolve_conflict), where "Fix This Error" keeps the appliance with the shared IP or the one the site
    host name points at (O(dns)), else the one this watcher promoted. Each decision is the pair engine's, as
    M(sra.appliance.pair_info) returns it for that flow.
  - Never while no O(connectivity_test) address answers (the controller may be the one cut off), never when the
    appliance to promote is unhealthy or cannot be reached, never while built-in automatic failover is on in the backup
    settings of the appliance that is or becomes backup (read with the management API where it exists; a real
    appliance has none, and then it must be off), never the same flow twice in one outage (with O(state_file)), and
    with O(dry_run) never at all.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.pair
  - sra.appliance.wait.PROGRESS
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads and decides the same in check mode (it never changes anything), and does not write O(state_file), so that
        a check run does not count as the outage's action.
  diff_mode:
    support: N/A
    details: Reads only; there is nothing to diff.
options:
  connectivity_test:
    description:
      - Addresses the controller connects to (TCP) on every poll to tell its own outage from the pair's, as the vendor's
        backup checks its "IP addresses ... to determine whether the backup's inability to reach the primary is because
        the primary is offline or because the backup has lost its network connection". V(HOST) or V(HOST:PORT)
        (V([IPv6]:PORT)); O(connectivity_port) when no port is given.
      - The controller counts as connected when at least one answers. Give addresses that answer whenever the
        controller's own network works and that do not share the primary's fate only, for example the controller's
        gateway and a router in the backup's data centre.
    type: list
    elements: str
    required: true
  connectivity_port:
    description:
      - TCP port of the O(connectivity_test) entries that name none.
    type: int
    default: 443
  connectivity_timeout:
    description:
      - Seconds one connectivity-test connect may take.
    type: int
    default: 3
  hold_down:
    description:
      - Seconds the condition (the primary down with a fit backup, or both primary) must be seen on every poll before a
        flow is named. Choose it longer than an appliance's restart and any network blip you would ride out; V(0) acts on
        the first poll that sees it.
    type: int
    default: 300
  interval:
    description:
      - Seconds between polls. Each poll sends one C(check_health) to each appliance (plus the C(/check_health) probe of
        one that does not answer), and one OAuth token per appliance is minted once and reused.
    type: int
    default: 15
  dry_run:
    description:
      - Only report what would be run (C(action.status=dry_run)); C(action.run) is never true.
    type: bool
    default: false
  check_backup_settings:
    description:
      - Before naming a flow, read the backup settings of the appliance that is (or becomes) backup through the
        collection's management API, and refuse while built-in automatic failover is on there ("Using the built-in
        failover in /login and the API failover commands together could result in conflict").
      - An appliance without the management API (a real one) answers 404; the flow is then named, with a note that
        automatic failover must be off on it. V(false) skips the read.
    type: bool
    default: true
  primary_lost_messages:
    description:
      - Phrases (case-insensitive) of a backup's C(error_message) that mean only that it cannot reach its primary. A
        backup that reports a problem is not promoted, except for these, which are the outage itself seen from the
        backup. The vendor does not document the wording.
    type: list
    elements: str
    default: [unable to reach the primary, cannot reach the primary, could not reach the primary,
              unable to contact the primary, cannot contact the primary, could not contact the primary,
              primary site instance is unreachable, primary site instance cannot be reached]
  state_file:
    description:
      - A JSON file on the controller that keeps the watcher's memory between runs (the outage, the flows already
        named in it, the last healthy check of each appliance), so that a scheduled run never names a flow twice for
        one outage. Its directory must exist; in a container, put it on a persistent volume.
      - Without it each run starts afresh; the flows are target-based, so a second run of a flow that reached its
        target changes nothing.
    type: path
  dns:
    description:
      - The zone's authoritative server and the site host name's record (DNS swing). Read only when both appliances are
        primary, for the "Fix This Error" choice (the appliance the site host name resolves to stays primary).
    type: dict
    suboptions:
      server:
        description: The zone's primary DNS server.
        type: str
        required: true
      port:
        description: Its DNS port (TCP).
        type: int
        default: 53
      zone:
        description: The zone that holds the record.
        type: str
        required: true
      record:
        description: The site host name (C(sra_site_hostname)).
        type: str
        required: true
      tsig_name:
        description: A TSIG key to sign the query with, when the server wants one.
        type: str
      tsig_secret:
        description: Its secret (base64).
        type: str
      tsig_algorithm:
        description: Its algorithm.
        type: str
        default: hmac-sha256
        choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5]
      timeout:
        description: Seconds the query may take.
        type: int
        default: 5
notes:
  - The collection's action plugin of this module shows the hold-down's progress.
  - Needs the API account's read access to the command API; reading the backup settings needs the management API.
  - docs/runbooks/automatic_failover.md maps the vendor's guidance to these options.
"""

EXAMPLES = r"""
- name: Decide (the scheduled variant of automatic failover)
  sra.appliance.pair_watch:
    host: 10.1.0.11            # normal primary, data centre 1
    peer_host: 10.2.0.12       # normal backup, data centre 2
    name: site1.example.com
    peer_name: site2.example.com
    tls_server_name: support.example.com
    connectivity_test: [10.3.0.1, 10.2.0.1]
    hold_down: 300
    state_file: /var/lib/sra/pair_watch.json
    dns: {server: 10.3.0.53, zone: example.com, record: support.example.com}
  register: watch

- name: Show the decision
  ansible.builtin.debug:
    msg: "{{ watch.event.reason }}"
"""

RETURN = r"""
event:
  description:
    - The last poll's verdict, the same event the event source emits, C(kind) (V(normal), V(primary_down),
      V(primary_unhealthy), V(both_primary), V(backup_unhealthy), V(controller_isolated), V(unclear)), C(summary),
      C(reason), C(action), C(down) (C(name), C(seen_for) seconds, C(last_healthy) the last successful health check
      the controller saw), C(pair) (C(kind), C(primary), C(roles), C(sync)), C(controller) (C(connected), C(reached),
      C(failed)), C(outage) (C(since), C(promoted), C(handled)), C(backup_settings), C(hold_down), C(dry_run), C(time),
      and C(dns) and C(site) when read.
  returned: always
  type: dict
action:
  description:
    - What to do, C(status) (V(none), V(holding), V(run), V(dry_run), V(refused), V(done)), C(run) (true only for
      V(run)), C(flow) (V(unplanned_failover), V(failback), V(resolve_conflict)), C(playbook) (its collection name),
      C(extra_vars) (what the flow needs to decide the same, for example C(sra_failback_force)), C(reason), C(decision)
      (the engine's, see M(sra.appliance.pair_info)) and C(notes).
  returned: always
  type: dict
  sample: {status: run, run: true, flow: unplanned_failover, playbook: sra.appliance.unplanned_failover, extra_vars: {}}
events:
  description: Each poll whose verdict differed from the one before (the first poll included).
  returned: always
  type: list
  elements: dict
polls:
  description: Polls made.
  returned: always
  type: int
elapsed:
  description: Seconds spent.
  returned: always
  type: float
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._module import argument_spec, run
from ansible_collections.sra.appliance.plugins.module_utils._pair_watch_api import (
    PairWatch, tcp_connect, watch_argument_spec, watch_until_decided)
from ansible_collections.sra.appliance.plugins.module_utils._progress import PROGRESS_ARGUMENT_SPEC, progress_for


def clock_for(module):
    """The clock and sleep of the hold-down (unit tests put a fake clock here)."""
    return time.time, time.sleep


def decide(module, result):
    clock, sleep = clock_for(module)
    watch = PairWatch(module.params, connect=tcp_connect, clock=clock)
    progress = progress_for(module)
    event, events, elapsed = watch_until_decided(
        watch, sleep, report=lambda seconds, seen: progress.report(seconds, "%s: %s" % (seen["kind"], seen["reason"])))
    if not module.check_mode:
        watch.save()
    result.update(event=event, action=event["action"], events=events, polls=watch.polls, elapsed=elapsed)
    for note in event["action"]["notes"]:
        module.warn(note)


def main():
    spec = watch_argument_spec()
    spec.update(PROGRESS_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec(spec), supports_check_mode=True)
    run(module, decide)


if __name__ == "__main__":
    main()
