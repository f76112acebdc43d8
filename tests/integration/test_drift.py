# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift (issue 19): hand changes made through the lab's pages on a deployed pair, then `site --check --diff`
with the sra.appliance.plan callback lists exactly those changes and nothing else, `site` repairs them, and
the plan after is clean. An IP the inventory does not name is a warning under merged and a change with
sra_network_exact. A NAT device swung by hand is in the plan too, and site swings it back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
import time

import pytest

from ansible_collections.sra.appliance.tests.integration.site_plan import (
    REPO, changes, deploy, page, site, warnings, write_inventory)


def test_every_hand_change_is_in_the_plan_and_site_repairs_it(pair_lab, tmp_path):
    inventory = copy.deepcopy(pair_lab.inventory)
    # A second unique IP on the backup, on a NIC the appliances do not reach each other through.
    second = dict(address="10.7.0.5", prefix=24, enabled=True)
    inventory["all"]["children"]["sra_failover_pair"]["hosts"]["site2.lab.sra.test"]["sra_interfaces"]["eth1"] = dict(
        ips=["%(address)s/%(prefix)d" % second])
    inventory_file, plan_file = deploy(inventory, tmp_path)

    primary, backup = pair_lab.address("site1"), pair_lab.address("site2")
    shared = pair_lab.inventory["all"]["vars"]["sra_shared_ips"][0].split("/")[0]
    extra = backup.rsplit(".", 1)[0] + ".77"
    nics = "/appliance/api/v1/network/interfaces/eth0/ips"
    # By hand: the shared IP unticked on the primary, an IP added on the backup, the backup's second unique IP
    # disabled ("the unique IP of each B Series Appliance should remain enabled at all times"), its sync interval.
    page(pair_lab, "site1", "PUT", nics, dict(ips=[dict(address=primary, prefix=24, enabled=True),
                                                   dict(address=shared, prefix=24, enabled=False)]))
    page(pair_lab, "site2", "PUT", nics, dict(ips=[dict(address=backup, prefix=24, enabled=True),
                                                   dict(address=shared, prefix=24, enabled=False),
                                                   dict(address=extra, prefix=24, enabled=True)]))
    page(pair_lab, "site2", "PUT", "/appliance/api/v1/network/interfaces/eth1/ips", dict(ips=[dict(second, enabled=False)]))
    settings = page(pair_lab, "site2", "GET", "/login/api/v1/failover/backup-settings")
    page(pair_lab, "site2", "PUT", "/login/api/v1/failover/backup-settings", dict(settings, sync_interval=7200))

    done, plan = site(inventory_file, plan_file, check=True)
    assert (done.returncode, plan["status"]) == (3, "drift"), done.stdout[-4000:]
    assert [(host, module) for host, module, dummy in changes(plan)] == [
        ("site1.lab.sra.test", "sra.appliance.network_ips"), ("site2.lab.sra.test", "sra.appliance.failover_settings"),
        ("site2.lab.sra.test", "sra.appliance.network_ips")]
    assert "also has %s/24, which config does not name" % extra in done.stdout + done.stderr
    # Under merged that IP is not drift, but the plan shows it: a warning of site2's network_ips task.
    assert [(host, module) for host, module, warning in warnings(plan) if "also has %s/24" % extra in warning] == [
        ("site2.lab.sra.test", "sra.appliance.network_ips")], plan["hosts"]

    done, plan = site(inventory_file, plan_file)
    assert done.returncode == 0, done.stdout[-4000:]
    interfaces = page(pair_lab, "site2", "GET", "/appliance/api/v1/network/interfaces")["interfaces"]
    assert [nic["ips"] for nic in interfaces if nic["name"] == "eth1"] == [[second]]
    done, plan = site(inventory_file, plan_file, "-e", "sra_network_exact=true", check=True)
    assert [(host, module) for host, module, dummy in changes(plan)] == [
        ("site2.lab.sra.test", "sra.appliance.network_ips")], done.stdout[-4000:]
    done, plan = site(inventory_file, plan_file, "-e", "sra_network_exact=true")
    assert done.returncode == 0, done.stdout[-4000:]
    done, plan = site(inventory_file, plan_file, "-e", "sra_network_exact=true", check=True)
    assert (done.returncode, plan["status"], changes(plan)) == (0, "in_sync", []), done.stdout[-4000:]


def test_site_after_a_failed_data_sync_warns_and_does_not_wait_for_a_good_one(pair_lab, module_runner, tmp_path):
    """An existing relationship never waits for an "initial" sync: after a failed sync the next good one may be
    an hour away (the sync interval), and site used to wait sra_failover_wait_timeout (600 s) and fail."""
    inventory_file, plan_file = write_inventory(pair_lab.inventory, tmp_path)
    done, plan = site(inventory_file, plan_file)
    assert done.returncode == 0, done.stdout[-4000:]
    pair_lab.cli("fault", "fail-sync", "site2", "--count", "1", "--message", "disk full")
    synced = module_runner("failover_sync", pair_lab.params("site1", wait_timeout=30, tls_server_name="site1.lab.sra.test"))
    assert synced.failed and "Failed: disk full" in synced["msg"], synced
    for name in pair_lab.names():
        pair_lab.mark(name)

    started = time.monotonic()
    done, plan = site(inventory_file, plan_file)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-4000:]
    assert elapsed < 120, "site took %.0f s after a failed sync" % elapsed
    output = " ".join((done.stdout + done.stderr).split())
    assert "did not succeed (Failed: disk full" in output and "playbooks/data_sync.yml" in output, done.stdout[-4000:]
    assert (plan["status"], changes(plan)) == ("in_sync", []), done.stdout[-4000:]
    assert [(host, module) for host, module, warning in warnings(plan) if "(Failed: disk full" in warning] == [
        ("site1.lab.sra.test", "sra.appliance.failover_relationship")], plan["hosts"]
    assert [pair_lab.writes(name) for name in pair_lab.names()] == [[], []]


@pytest.fixture
def nat_pair_lab(lab_factory):
    """A failover-pair lab whose site address is a NAT device (NAT swing), reset to factory state."""
    lab = lab_factory("nat_pair")
    lab.reset()
    lab.cli("nat", "--target", "site1")
    return lab


def nat_target(lab):
    return lab.cli("nat").stdout.split("-> ")[1].split()[0]


def test_a_nat_device_swung_by_hand_is_in_the_plan_and_site_swings_it_back(nat_pair_lab, tmp_path):
    inventory = copy.deepcopy(nat_pair_lab.inventory)
    inventory["all"]["vars"].update(
        sra_network_method="nat_swing", sra_shared_ips=[], sra_lab_dir=REPO,
        sra_nat_swing_tasks=os.path.join(REPO, "examples", "nat_swing_lab.yml"),
        sra_nat_site_address=nat_pair_lab.info["nat"]["address"])
    inventory_file, plan_file = deploy(inventory, tmp_path)

    nat_pair_lab.cli("nat", "--target", "site2")  # by hand: the site's translation now reaches the backup
    done, plan = site(inventory_file, plan_file, check=True)
    assert (done.returncode, plan["status"]) == (3, "drift"), done.stdout[-4000:]
    assert [(host, module) for host, module, dummy in changes(plan)] == [
        ("site1.lab.sra.test", "ansible.builtin.debug")], done.stdout[-4000:]
    assert nat_target(nat_pair_lab) == "site2"  # the plan swung nothing

    done, plan = site(inventory_file, plan_file)
    assert done.returncode == 0, done.stdout[-4000:]
    assert nat_target(nat_pair_lab) == "site1"
    done, plan = site(inventory_file, plan_file, check=True)
    assert (done.returncode, plan["status"], changes(plan)) == (0, "in_sync", []), done.stdout[-4000:]
