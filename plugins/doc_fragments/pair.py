# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The two appliances of a failover pair and the site's addresses (pair_info, pair_roles).
    DOCUMENTATION = r"""
options:
  host:
    description:
      - The B(normal primary)'s own address (C(sra_normal_role=primary)), as in its IP configuration.
      - Never the site host name or a shared IP, which move from one appliance to the other on a failover.
    type: str
    required: true
  peer_host:
    description:
      - The B(normal backup)'s own address (C(sra_normal_role=backup)), reached with the same credentials and TLS
        options as O(host).
    type: str
    required: true
  peer_port:
    description:
      - The normal backup's HTTPS port, when it differs from O(port).
    type: int
  name:
    description:
      - The normal primary's name in messages and results, usually its inventory name. Default O(host).
    type: str
  peer_name:
    description:
      - The normal backup's name in messages and results, usually its inventory name. Default O(peer_host).
    type: str
  site_addresses:
    description:
      - The addresses clients use for the site, to check that each reaches the current primary (the module reads
        C(check_health) through each and compares the appliance that answers).
      - With Shared IP, the shared IPs; with DNS swing, what the site host name resolves to; with NAT swing, the NAT
        device's address for the site.
      - Each check mints one OAuth token on the appliance that answers.
    type: list
    elements: str
    default: []
  site_port:
    description:
      - The HTTPS port of O(site_addresses). Default O(port).
    type: int
  swing_address:
    description:
      - The address the site host name points at while the normal primary is primary (DNS swing). Default O(host).
      - Used by the "Fix This Error" choice of a both-primary or both-backup conflict, compared with what the site host
        name resolves to.
    type: str
  peer_swing_address:
    description:
      - The same for the normal backup. Default O(peer_host).
    type: str
  settle:
    description:
      - Seconds to re-read a pair whose appliances both read backup before calling it a conflict. During a role swap
        with a data sync first "the roles are both Backup momentarily" (the vendor's "Perform Failover for Planned
        Maintenance").
    type: int
    default: 15
  sync_success_words:
    description:
      - Words of C(last_data_sync_status) that mean success. The vendor does not document the wording.
      - A status is bad when it holds a word of O(sync_failure_words) (looked for first), good when it holds one of
        these, and unknown otherwise; an unknown wording is a warning, never a refusal.
    type: list
    elements: str
    default: [success, successful, successfully, succeeded, ok, complete, completed, done]
  sync_failure_words:
    description:
      - Words of C(last_data_sync_status) that mean failure; a word starting with C(fail), C(unsuccess), C(cancel)
        or C(abort) does too.
    type: list
    elements: str
    default: [fail, failed, failure, error, errors, unsuccessful, cancel, canceled, cancelled, abort, aborted, unable,
              timeout, interrupted, incomplete, denied, refused]
notes:
  - Uses only the vendor's public APIs (XML C(check_health), C(get_api_info), C(set_failover_role), the C(/check_health)
    probe), so it works unchanged against a real appliance; the XML API must be enabled (C(/login) > Management > API
    Configuration > Enable XML API).
  - An appliance counts as B(down) only when no connection can be made to its API and its C(/check_health) probe
    does not answer 200. A TLS, credential or HTTP error is not an outage; no flow decides on it.
"""

    # The options of a flow (pair_info with flow, pair_roles).
    FLOW = r"""
options:
  variant:
    description:
      - O(flow=failback) only. Which of the vendor's unplanned-maintenance flows preceded the failback.
      - V(no_recent_changes) (also after a planned failover) swaps back with a data sync first.
      - V(recent_changes) ("Unplanned Maintenance with Recent Changes in /login") swaps back without a data sync, so the
        normal primary keeps its own C(/login) settings; the changes made on the normal backup meanwhile are then
        re-applied by hand and a data sync copies them (O(login_changes_reapplied)).
    type: str
    choices: [no_recent_changes, recent_changes]
    default: no_recent_changes
  login_changes_reapplied:
    description:
      - O(flow=failback) with O(variant=recent_changes), second run. The changes are re-applied on the normal primary, so
        wait until the normal backup reports a good data sync newer than this run.
    type: bool
    default: false
  force:
    description:
      - O(flow=unplanned_failover), fail over although the normal primary answers (or cannot be read).
      - O(flow=failback), make the normal primary primary without a data sync although the current primary (the
        normal backup) cannot be reached.
    type: bool
    default: false
  sync_failure_ok:
    description:
      - O(flow=planned_failover) and O(flow=failback), let the swap's own data sync try although the last data sync
        failed. By default the flow refuses, as the swap would most likely fail the same way after disconnecting every
        client.
    type: bool
    default: false
  conflict_primary:
    description:
      - O(flow=resolve_conflict), the appliance (O(name) or O(peer_name)) to keep as primary when neither the shared IP
        nor the site host name's address decides.
    type: str
  replace:
    description:
      - O(flow=replace_appliance) of M(sra.appliance.pair_info), the appliance (O(name) or O(peer_name)) being replaced
        by a factory-fresh one.
    type: str
  dns_addresses:
    description:
      - O(flow=resolve_conflict), what the site host name resolves to now (for example from
        M(sra.appliance.dns_record) with O(sra.appliance.dns_record#module:state=gathered)); compared with
        O(swing_address) and O(peer_swing_address).
    type: list
    elements: str
    default: []
"""
