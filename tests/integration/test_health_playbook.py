# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/health.yml against the demo lab: a healthy site exits 0 with a JSON report and an HTML
page; a stale sync, the shared IP disabled on the primary, a traffic node down and the NAT device
aimed at the backup exit non-zero, each named as its own problem; a missing variable or a refused
credential is a configuration error, not "unreachable"; credentials in the environment alone are
enough.

Every run of the playbook costs 15-50 s on a shared 2-core machine, so faults that do not interfere
share a run: each must show as exactly its own problem, and nothing else may. (That one problem alone
turns the status unhealthy is the unit tests' to show, tests/unit/plugins/plugin_utils.)
Each test leaves the lab as it found it (deployed, site1 primary, every appliance up)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from ansible_collections.sra.appliance.tests.integration.health_lab import HealthLab

SITE1, SITE2 = "site1.lab.sra.test", "site2.lab.sra.test"
TN1, TN3 = "tn1.eu-west.lab.sra.test", "tn3.us-east.lab.sra.test"


@pytest.fixture(scope="module")
def health_lab(lab_factory, tmp_path_factory):
    lab = lab_factory("demo")
    lab.reset()
    return HealthLab(lab, str(tmp_path_factory.mktemp("health"))).deploy()


def tokens_minted(lab):
    """OAuth tokens each appliance minted since its mark (the request log)."""
    return dict((name, len([entry for entry in lab.requests(name) if entry["path"] == "/oauth2/token"
                            and entry["status"] == 200])) for name in lab.names())


def test_a_healthy_site_exits_0_with_the_report_the_table_and_the_page(health_lab):
    for name in health_lab.lab.names():
        health_lab.lab.mark(name)
    run = health_lab.run()
    assert run.rc == 0, run
    # One token per appliance per module run (docs/health.md): pair_info on both appliances, whose check of
    # the site's address (the shared IP, which reaches site1) uses site1's token; health_info's cluster read
    # on the primary; health_info on each traffic node.
    assert tokens_minted(health_lab.lab) == dict(site1=2, site2=1, tn1=1, tn2=1, tn3=1)
    report = run.report
    assert report["status"] == "healthy" and report["problems"] == [] and report["config_errors"] == []
    assert report["pair"]["state"] == "normal" and report["pair"]["primary"] == SITE1
    assert report["pair"]["shared_ip"]["holders"] == [SITE1]
    assert report["pair"]["site_address"]["addresses"] == {health_lab.shared_ip(): SITE1}
    assert report["pair"]["sync"]["verdict"] == "good" and report["pair"]["sync"]["max_age"] == 86400
    assert [(region["name"], region["healthy"], region["total"]) for region in report["regions"]] == [
        ("eu-west", 2, 2), ("us-east", 1, 1)]
    assert run.row(TN1)["cluster_role"] == "traffic" and run.row(SITE1)["cluster_role"] == "primary"
    assert run.row(SITE1)["certificate"]["days_left"] > 300
    assert "All 5 appliances are healthy and the site reaches its primary." in run.output
    assert "sra.appliance health: HEALTHY" in run.output
    # The job stats for AWX/AAP carry the same report.
    assert "CUSTOM STATS" in run.output and '"schema": "sra.appliance.health/1"' in run.output
    with open(run.html_path) as handle:
        page = handle.read()
    assert 'id="primary-box"' in page and SITE1 in page


def test_a_stale_sync_the_shared_ip_disabled_and_a_traffic_node_down_exit_non_zero_each_with_its_reason(health_lab):
    shared = health_lab.shared_ip()
    time.sleep(2)
    health_lab.set_shared_ip(False)
    health_lab.lab.cli("kill", "tn3")
    try:
        run = health_lab.run(extra_vars=dict(sra_health_sync_max_age=1))
    finally:
        health_lab.lab.cli("start", "tn3")
        health_lab.set_shared_ip(True)
    assert run.rc != 0, run
    report = run.report
    assert report["status"] == "unhealthy" and report["config_errors"] == []
    stale = run.problems("failover pair: the last data sync is", "old")
    unserved = run.problems("failover pair: site address %s does not answer" % shared)
    down = run.problems("%s (us-east): unreachable" % TN3)
    assert len(stale) == len(unserved) == len(down) == 1 and len(report["problems"]) == 3, report["problems"]
    assert report["pair"]["sync"]["stale"] is True
    assert report["pair"]["shared_ip"]["holders"] == [] and report["pair"]["site_address"]["reached"] is False
    assert run.row(TN3)["state"] == "unreachable" and run.row(TN1)["state"] == "healthy"
    assert [(region["name"], region["healthy"]) for region in report["regions"]] == [("eu-west", 2), ("us-east", 0)]
    assert "site address %s -> nothing answers" % shared in run.output


def test_the_nat_target_at_the_backup_exits_non_zero_with_credentials_from_the_environment_alone(health_lab):
    nat = health_lab.lab.info["nat"]["address"]
    secrets = health_lab.lab.group_vars
    inventory = health_lab.inventory(group_vars=dict(sra_network_method="nat_swing", sra_nat_site_address=nat,
                                                     sra_nat_swing_tasks="/nonexistent/swing.yml"),
                                     drop={"all": ["sra_client_id", "sra_client_secret"]})
    health_lab.lab.cli("nat", "--target", "site2")
    try:
        run = health_lab.run(inventory, env=dict(BT_CLIENT_ID=secrets["sra_client_id"],
                                                 BT_CLIENT_SECRET=secrets["sra_client_secret"]))
    finally:
        health_lab.lab.cli("nat", "--target", "site1")
    assert run.rc != 0, run
    assert run.report["problems"] == ["failover pair: site address %s reaches %s, not the primary %s"
                                      % (nat, SITE2, SITE1)]
    assert run.report["pair"]["site_address"]["holders"] == [SITE2]
    assert set(row["state"] for row in run.report["appliances"]) == {"healthy"}


def test_a_missing_variable_and_a_refused_credential_are_configuration_errors_not_unreachable(health_lab):
    run = health_lab.run(health_lab.inventory(drop={TN1: ["sra_address"]},
                                              host_vars={TN3: dict(sra_client_secret="not-the-secret")}))
    assert run.rc != 0, run
    report = run.report
    assert report["status"] == "config_error" and report["problems"] == []
    assert run.row(TN1)["state"] == "config" and "sra_address is not set" in run.row(TN1)["reason"]
    assert run.row(TN3)["state"] == "auth" and "check sra_client_id and sra_client_secret" in run.row(TN3)["reason"]
    assert [row["state"] for row in report["appliances"] if row["name"] not in (TN1, TN3)] == ["healthy"] * 3
    assert len(report["config_errors"]) == 2
    assert "UNREACHABLE" not in run.output and "Configuration error: %s: sra_address is not set" % TN1 in run.output


def test_a_refused_credential_on_the_pair_is_a_configuration_error(health_lab):
    run = health_lab.run(health_lab.inventory(group_vars=dict(sra_client_secret="not-the-secret")))
    assert run.rc != 0, run
    assert run.report["status"] == "config_error" and run.report["problems"] == [], run.report["problems"]
    assert set(row["state"] for row in run.report["appliances"]) == {"auth"}
    assert "UNREACHABLE" not in run.output
