# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift with DNS swing against a real BIND 9 (issue 19): `site` creates the site's record on the primary (no
NXDOMAIN after a deploy); the record pointed at the backup by hand is the one change `site --check --diff`
lists, the check sends no update, and `site` points it back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.sra.appliance.tests.integration.site_plan import changes, deploy, site


def site_record(module_runner, bind_server, lab):
    record = lab.info["topology"]["site_hostname"]
    result = module_runner("dns_record", bind_server.params(record=record, state="gathered"))
    assert not result.failed, result
    return result["addresses"]


def test_site_creates_the_record_and_repairs_a_record_changed_by_hand(pair_lab, bind_server, module_runner, tmp_path):
    inventory = copy.deepcopy(pair_lab.inventory)
    inventory["all"]["vars"].update(
        sra_network_method="dns_swing", sra_shared_ips=[],
        sra_dns=dict(server=bind_server.address, port=bind_server.port, zone=bind_server.zone,
                     tsig_name=bind_server.key_name, tsig_secret=bind_server.secret,
                     tsig_algorithm=bind_server.algorithm))
    record = pair_lab.info["topology"]["site_hostname"]
    module_runner("dns_record", bind_server.params(record=record, state="absent"))
    inventory_file, plan_file = deploy(inventory, tmp_path)
    primary, backup = pair_lab.address("site1"), pair_lab.address("site2")
    assert site_record(module_runner, bind_server, pair_lab) == [primary]

    # By hand: the record points at the backup. The plan lists that one change and sends no update.
    moved = module_runner("dns_record", bind_server.params(record=record, value=backup, ttl=60))
    assert not moved.failed, moved
    serial = bind_server.serial()
    done, plan = site(inventory_file, plan_file, check=True)
    assert (done.returncode, plan["status"]) == (3, "drift"), done.stdout[-4000:]
    assert [(host, module) for host, module, dummy in changes(plan)] == [
        ("site1.lab.sra.test", "sra.appliance.dns_record")], done.stdout[-4000:]
    assert bind_server.serial() == serial, "the check sent an update"
    assert site_record(module_runner, bind_server, pair_lab) == [backup]

    done, plan = site(inventory_file, plan_file)
    assert done.returncode == 0, done.stdout[-4000:]
    assert site_record(module_runner, bind_server, pair_lab) == [primary]
    done, plan = site(inventory_file, plan_file, check=True)
    assert (done.returncode, plan["status"], changes(plan)) == (0, "in_sync", []), done.stdout[-4000:]
