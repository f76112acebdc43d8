# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""replace_appliance --check --diff (issue 19): on a deployed pair whose backup came back in factory state, the
plan shows the rebuild, the break of the surviving primary's relationship with the failed appliance and the
relationship established again, and the check sends no state-changing request to either appliance."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.tests.integration.site_plan import changes, playbook, site, write_inventory

PRIMARY, BACKUP = "site1.lab.sra.test", "site2.lab.sra.test"


def test_the_plan_of_a_replacement_shows_the_break_and_the_re_establish_and_writes_nothing(pair_lab, tmp_path):
    inventory_file, plan_file = write_inventory(pair_lab.inventory, tmp_path)
    done, plan = site(inventory_file, plan_file)
    assert done.returncode == 0, done.stdout[-4000:]
    pair_lab.reset("site2")  # the replacement: the failed backup's address, factory state
    pair_lab.mark("site1")

    done, plan = playbook("replace_appliance", inventory_file, plan_file, "-e", "sra_replace_host=" + BACKUP,
                          check=True)
    assert (done.returncode, plan["status"]) == (3, "drift"), done.stdout[-4000:]
    listed = changes(plan)
    on_primary = [(module, task) for host, module, task in listed if host == PRIMARY]
    assert ("sra.appliance.failover_relationship",
            "sra.appliance.failover : Break the surviving primary's relationship with the failed appliance") in on_primary, listed
    established = [change for entry in plan["hosts"].values() for change in entry["changes"]
                   if change["task"].startswith("sra.appliance.failover : Show the re-established relationship")]
    assert len(established) == 1, listed
    assert "established again from %s to %s" % (PRIMARY, BACKUP) in " ".join(established[0]["msg"].split()), established
    # The rebuild of the replacement is in the plan too: its admin password first.
    assert (BACKUP, "sra.appliance.appliance_admin") in [(host, module) for host, module, task in listed], listed
    assert (pair_lab.writes("site1"), pair_lab.writes("site2")) == ([], [])
