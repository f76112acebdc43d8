#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: inter_appliance_key
short_description: Set the inter-appliance communication pre-shared key of a B Series appliance
description:
  - Sets the key of C(/login) > Management > Security that every appliance of a failover pair or Atlas cluster must
    share before they replicate data or join a cluster (the vendor's "Failover Dynamics and Options" and
    "Introduction to Clustering with BeyondTrust Atlas Technology").
  - The key is write-only. The module compares the fingerprint the appliance reports with the fingerprint of O(key),
    so it is idempotent without ever reading the secret back, and the key never appears in its output or diff.
  - An appliance in a failover relationship or an Atlas cluster checks its peers with the key, so a key changed on one
    of them alone splits the site (the backup finds its primary unreachable and, with automatic failover, becomes
    primary too). The module therefore refuses to change the key of such an appliance alone, and changes every
    appliance given in O(peers) in the same run, after reading them all and before any other module runs.
  - Uses the sra.appliance management API (no vendor API exists for this page); see the collection's
    C(docs/management-api.md).
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Reads the key's fingerprint only and reports whether it would set the key.
  diff_mode:
    support: full
    details: Shows the key's fingerprint before and after, never the key.
options:
  key:
    description:
      - The inter-appliance key, 8 to 256 characters. The same value on every appliance of the pair or cluster.
    type: str
    required: true
  peers:
    description:
      - The other appliances of the failover pair and of the Atlas cluster that must hold the same key. Their keys are
        read first; then each appliance whose key differs is changed, one request after the other, so the appliances
        disagree for no longer than those requests take.
      - They are reached with this task's credentials (the API account and the C(/appliance) admin are the same on
        every appliance of a site).
      - Without peers, an appliance in a relationship or cluster whose key differs is refused, before any write.
    type: list
    elements: dict
    default: []
    suboptions:
      host:
        description: The appliance's address.
        type: str
        required: true
      port:
        description: Its HTTPS port; default O(port).
        type: int
      tls_server_name:
        description: The name its certificate is verified against; default O(tls_server_name).
        type: str
  allow_split:
    description:
      - Change the key of an appliance in a relationship or cluster without all of its peers, with a warning. For an
        appliance whose key already differs from its peers' (to give it theirs again), or to test how a site reacts
        to a split. Never needed when O(peers) names every other appliance.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Set the same inter-appliance key on every appliance
  sra.appliance.inter_appliance_key:
    host: "{{ sra_address }}"
    key: "{{ sra_inter_appliance_key }}"

- name: Change the key of a live pair and its traffic nodes together
  sra.appliance.inter_appliance_key:
    host: 10.1.0.11
    tls_server_name: support.example.com
    key: "{{ sra_new_inter_appliance_key }}"
    peers:
      - host: 10.1.0.12
      - host: 10.2.0.21
        tls_server_name: tn1.example.com
"""

RETURN = r"""
fingerprint:
  description:
    - The key's fingerprint as the appliance reports it, comparable across appliances (not the key, nor a plain hash
      of it). In check mode, the fingerprint the key would have.
  returned: success
  type: str
  sample: 5f0c0b6a0e3a4a4d9f5bb2a1d2c3e4f5
changed_appliances:
  description: The appliances (addresses) whose key was changed, or would be in check mode, in the order of the writes.
  returned: success
  type: list
  elements: str
  sample: [10.1.0.12, 10.1.0.11]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._key import key_length_problem
from ansible_collections.sra.appliance.plugins.module_utils._management import key_fingerprint
from ansible_collections.sra.appliance.plugins.module_utils._module import (
    ModuleFailure, argument_spec, driver_for, run)

PEER_SPEC = dict(host=dict(type="str", required=True), port=dict(type="int"), tls_server_name=dict(type="str"))


def validate_key(key):
    problem = key_length_problem(key)
    if problem:
        raise ModuleFailure("key " + problem)


def members_of(params):
    """(address, params) of this appliance, then of each peer, each address once."""
    members = [(params["host"], params)]
    for peer in params["peers"]:
        peer_params = dict(params, host=peer["host"], port=peer.get("port") or params["port"],
                           tls_server_name=peer["tls_server_name"] if peer.get("tls_server_name") is not None
                           else params.get("tls_server_name"))
        members.append((peer["host"], peer_params))
    addresses = [address for address, dummy in members]
    repeated = sorted(set(address for address in addresses if addresses.count(address) > 1))
    if repeated:
        raise ModuleFailure("peers: %s appear%s twice (host is %s); name each other appliance once"
                            % (", ".join(repeated), "s" if len(repeated) == 1 else "", params["host"]))
    return members


def ties(driver):
    """What binds the appliance to others, in words, and how many appliances that takes at least."""
    found = []
    relationship = driver.failover()
    if relationship.get("role") not in (None, "none"):
        peer = (relationship.get("peer_host") or {}).get("hostname") or "its peer"
        found.append(("a failover relationship (%s, with %s)" % (relationship["role"], peer), 2))
    cluster = driver.cluster()
    if cluster.get("role") not in (None, "single"):
        nodes = len(cluster.get("traffic_nodes") or []) + len(cluster.get("primary_nodes") or [])
        found.append(("an Atlas cluster (%s)" % cluster["role"], max(nodes, 2)))
    return found


def refuse_split(module, address, found, members):
    """An appliance bound to others must not change its key with fewer appliances than the tie holds."""
    for words, needed in found:
        if len(members) < needed and module.params["allow_split"]:
            module.warn("%s is in %s and its key changes without all of its peers (allow_split): until they hold the "
                        "same key they cannot trust each other" % (address, words))
        elif len(members) < needed:
            others = "no peers" if len(members) == 1 else "%d appliances" % len(members)
            raise ModuleFailure(
                "%s is in %s, and its key would change with %s: the others would find it unreachable and stop "
                "syncing, and a backup with automatic failover would become primary too. Give every other appliance "
                "of the pair and cluster in peers to change them together (the inter_appliance_key role does), or "
                "break the relationship or cluster first (allow_split=true changes it alone). Nothing was changed."
                % (address, words, others), appliance=address)


def ensure_key(module, result):
    key = module.params["key"]
    validate_key(key)
    wanted = key_fingerprint(key)
    members = [(address, driver_for(params, address)) for address, params in members_of(module.params)]
    current = dict((address, driver.key_state()) for address, driver in members)
    changing = [(address, driver) for address, driver in members
                if not (current[address]["set"] and current[address].get("fingerprint") == wanted)]
    for address, driver in changing:
        refuse_split(module, address, ties(driver), members)
    diff = DiffTracker()
    own = module.params["host"]
    # The fingerprint stands in for the key: comparable, and safe to show.
    for address, dummy in members:
        state = current[address]
        name = "key_fingerprint" if address == own else "key_fingerprint of %s" % address
        diff.add(name, state.get("fingerprint") if state["set"] else None, wanted)
    # Peers first: the appliance the task names (the pair's primary) changes last.
    order = [address for address, dummy in changing if address != own] + [
        address for address, dummy in changing if address == own]
    result.update(fingerprint=wanted if diff.changed else current[own]["fingerprint"], changed_appliances=order)
    if diff.changed and not module.check_mode:
        drivers = dict(members)
        for address in order:
            written = drivers[address].set_key(key)["fingerprint"]
            result["changed"] = True
            if address == own:
                result["fingerprint"] = written
    result["changed"] = diff.changed
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(argument_spec=argument_spec(dict(
        key=dict(type="str", required=True, no_log=True),
        peers=dict(type="list", elements="dict", default=[], options=PEER_SPEC),
        allow_split=dict(type="bool", default=False))),
        supports_check_mode=True)
    run(module, ensure_key)


if __name__ == "__main__":
    main()
