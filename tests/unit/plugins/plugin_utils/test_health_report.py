# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health report, verdict by verdict: a healthy site, each way the pair can be wrong (the pair
engine's own output), the site's address elsewhere, traffic nodes, certificates, and every way a
read can fail, with configuration errors told apart from outages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.plugin_utils import _health_report as builder
from ansible_collections.sra.appliance.tests.unit.plugins.plugin_utils.health_inputs import (
    IDS, NOW, SHARED_IP, SITE1, SITE2, TN1, TN2, TN3, Site, failed, pair_read, pair_result, primary_list,
    traffic_read, view)


class AnsibleUndefinedVariable(Exception):
    """Stands for ansible.errors.AnsibleUndefinedVariable: the controller's own would make this process a
    controller, and every module test after it would report its warnings to a display."""


SETTINGS = dict(now=NOW, sync_max_age=86400, certificate_warn_days=30)


def build(site, config=None, **settings):
    return builder.build_report(site.groups, site.hostvars, dict(SETTINGS, **settings), config)


def row(report, name):
    return next(entry for entry in report["appliances"] if entry["name"] == name)


def only_problem(report, *words):
    assert len(report["problems"]) == 1, report["problems"]
    for word in words:
        assert word in report["problems"][0], report["problems"][0]
    return report["problems"][0]


# -- healthy ---------------------------------------------------------------------------------------
def test_a_healthy_site_is_healthy_with_every_fact_of_the_table():
    report = build(Site())
    assert report["status"] == "healthy" and report["healthy"] is True
    assert report["problems"] == [] and report["config_errors"] == [] and report["warnings"] == []
    assert report["schema"] == builder.SCHEMA and report["generated_epoch"] == NOW
    pair = report["pair"]
    assert pair["state"] == "normal" and pair["primary"] == SITE1 and pair["healthy"] is True
    assert pair["roles"] == {SITE1: "primary", SITE2: "backup"}
    assert pair["shared_ip"] == dict(configured=[SHARED_IP], holders=[SITE1])
    assert pair["site_address"]["addresses"] == {SHARED_IP: SITE1} and pair["site_address"]["reached"] is True
    assert pair["sync"]["age"] == 60 and pair["sync"]["stale"] is False and pair["sync"]["max_age"] == 86400
    first = row(report, SITE1)
    assert (first["state"], first["role"], first["cluster_role"], first["group"]) == (
        "healthy", "primary", "primary", "failover_pair")
    assert first["certificate"]["days_left"] == 300 and first["enabled_shared_ips"] == [SHARED_IP]
    assert first["last_data_sync"]["age"] == 60
    assert row(report, TN1)["in_cluster"] is True and row(report, TN1)["accepting_connections"] is True
    assert report["regions"] == [dict(name="eu-west", nodes=[TN1, TN2], total=2, healthy=2),
                                 dict(name="us-east", nodes=[TN3], total=1, healthy=1)]
    assert report["counts"] == dict(appliances=5, healthy=5)


def test_a_failed_over_pair_is_healthy_when_the_site_reaches_the_new_primary():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "backup"), view(SITE2, "primary"), reaches={SHARED_IP: IDS[SITE2]}))
    report = build(site)
    assert report["status"] == "healthy" and report["pair"]["state"] == "failed_over"
    assert report["pair"]["shared_ip"]["holders"] == [SITE2]


# -- the pair, by the engine -----------------------------------------------------------------------
@pytest.mark.parametrize("np_view, nb_view, words", [
    (view(SITE1, "primary", sync_age=3 * 86400), view(SITE2, "backup", sync_age=3 * 86400), ("3 days old",)),
    (view(SITE1, "primary", sync_status="Failed: disk full"), view(SITE2, "backup", sync_status="Failed: disk full"),
     ("last data sync failed", "disk full")),
    (view(SITE1, "primary"), view(SITE2, "primary", shared=[]), ("both appliances are primary",)),
    (view(SITE1, "primary", success=False, error_message="Storage failing"), view(SITE2, "backup"),
     ("reports a problem", "Storage failing")),
], ids=["stale sync", "failed sync", "both primary", "unhealthy primary"])
def test_a_pair_problem_of_the_engine_makes_the_site_unhealthy(np_view, nb_view, words):
    site = Site()
    site.set_pair(pair_result(np_view, nb_view))
    report = build(site)
    assert report["status"] == "unhealthy" and report["pair"]["healthy"] is False
    text = report["problems"][0]
    assert text.startswith("failover pair: ")
    for word in words:
        assert word in text


def test_a_normal_primary_that_cannot_be_reached_is_an_outage_not_a_configuration_error():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "down"), view(SITE2, "backup"), reaches={SHARED_IP: None},
                              errors={SHARED_IP: "cannot connect"}))
    report = build(site)
    assert report["status"] == "unhealthy" and report["config_errors"] == []
    assert row(report, SITE1)["state"] == "unreachable"
    assert any("normal primary cannot be reached" in text for text in report["problems"])


def test_a_probe_that_disagrees_with_check_health_is_the_reports_problem():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "primary"), view(SITE2, "backup", probe_ok=False)))
    report = build(site)
    assert row(report, SITE2)["state"] == "unhealthy"
    only_problem(report, SITE2, "/check_health answers 500")


# -- the site's address ----------------------------------------------------------------------------
def test_a_shared_ip_that_nobody_serves_makes_the_site_unhealthy():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "primary", shared=[]), view(SITE2, "backup"),
                              reaches={SHARED_IP: None}, errors={SHARED_IP: "cannot connect: refused"}))
    report = build(site)
    only_problem(report, "site address %s does not answer" % SHARED_IP, "refused")
    assert report["pair"]["site_address"]["reached"] is False and report["pair"]["shared_ip"]["holders"] == []


def test_a_dns_record_pointing_at_the_backup_makes_the_site_unhealthy_and_says_where():
    site = Site(method="dns_swing")
    dns = dict(changed=True, record="support.example.com.", addresses=[],
               diff=dict(before=dict(addresses=["192.0.2.12"]), after=dict(addresses=[])))
    site.set_pair(pair_result(reaches={"192.0.2.12": IDS[SITE2]}), dns=dns)
    report = build(site)
    only_problem(report, "192.0.2.12 reaches %s, not the primary %s" % (SITE2, SITE1))
    section = report["pair"]["site_address"]
    assert section["dns"] == dict(record="support.example.com.", server="192.0.2.53", addresses=["192.0.2.12"],
                                  error=None)
    assert section["holders"] == [SITE2] and section["addresses"] == {"192.0.2.12": SITE2}


def test_a_dns_record_that_does_not_exist_makes_the_site_unhealthy():
    site = Site(method="dns_swing")
    dns = dict(changed=False, record="support.example.com.", addresses=[], diff=dict(before=dict(addresses=[])))
    site.set_pair(pair_result(reaches={}), dns=dns)
    report = build(site)
    only_problem(report, "no A record on 192.0.2.53")
    assert report["pair"]["site_address"]["checked"] is False


def test_a_dns_record_that_cannot_be_read_makes_the_site_unhealthy():
    site = Site(method="dns_swing")
    site.set_pair(pair_result(reaches={}), dns=failed("server 192.0.2.53 refused: BADKEY"))
    report = build(site)
    only_problem(report, "cannot be read from 192.0.2.53", "BADKEY")


def test_a_nat_target_elsewhere_makes_the_site_unhealthy():
    site = Site(method="nat_swing")
    site.set_pair(pair_result(reaches={"192.0.2.60": IDS[SITE2]}))
    report = build(site)
    only_problem(report, "192.0.2.60 reaches %s" % SITE2)
    assert report["pair"]["site_address"]["configured"] == ["192.0.2.60"]


def test_a_site_address_not_given_is_a_warning_not_a_problem():
    site = Site(method="nat_swing")
    site.set(SITE1, sra_nat_site_address=None)
    site.set_pair(pair_result(reaches={}))
    report = build(site)
    assert report["status"] == "healthy"
    assert report["warnings"] == ["failover pair: the site's address is not checked: set sra_nat_site_address, "
                                  "the NAT device's address for the site"]


def test_no_shared_ip_in_the_inventory_is_a_warning():
    site = Site()
    site.set(SITE1, sra_shared_ips=[])
    site.set_pair(pair_result(reaches={}))
    assert build(site)["warnings"] == ["failover pair: the site's address is not checked: sra_shared_ips is empty"]


def test_site_addresses_for_pair_info_come_from_dns_for_dns_swing_and_from_the_inventory_otherwise():
    target = dict(site_addresses=[SHARED_IP])
    gathered = dict(changed=False, addresses=["192.0.2.12"], ttl=60)
    diffed = dict(changed=True, addresses=[], diff=dict(before=dict(addresses=["192.0.2.11"])))
    assert builder.site_addresses(target, None, "shared_ip") == [SHARED_IP]
    assert builder.site_addresses(target, gathered, "dns_swing") == ["192.0.2.12"]
    assert builder.site_addresses(target, diffed, "dns_swing") == ["192.0.2.11"]
    assert builder.site_addresses(target, failed("timeout"), "dns_swing") == []
    assert builder.site_addresses(None, dict(skipped=True), "dns_swing") == []
    assert builder.site_addresses(None, None, "nat_swing") == []
    assert builder.dns_addresses(dict(changed=False)) is None


# -- traffic nodes and standalone appliances -------------------------------------------------------
@pytest.mark.parametrize("read, state, words", [
    (traffic_read(TN3, success=False), "unhealthy", ("tn3.us.example.com (us-east): unhealthy", "disk full")),
    (traffic_read(TN3, probe_ok=False), "unhealthy", ("/check_health answers 500",)),
    (failed("192.0.2.23: GET /check_health failed: cannot connect: refused", "unreachable", appliance="192.0.2.23"),
     "unreachable", ("(us-east): unreachable", "refused")),
    (failed("192.0.2.23: the certificate does not verify", "tls", appliance="192.0.2.23"), "tls", ("TLS failed",)),
    (failed("192.0.2.23: GET /api/command answered HTTP 404", "http", appliance="192.0.2.23"), "error",
     ("cannot be read", "404")),
], ids=["unhealthy", "probe 500", "unreachable", "tls", "http"])
def test_a_traffic_node_that_is_not_healthy_makes_the_site_unhealthy(read, state, words):
    site = Site()
    site.set(TN3, sra_health_read=read)
    report = build(site)
    assert row(report, TN3)["state"] == state
    only_problem(report, *words)
    assert report["regions"][1] == dict(name="us-east", nodes=[TN3], total=1, healthy=0)


def test_a_traffic_node_outside_the_cluster_is_a_problem():
    site = Site()
    site.set(TN2, sra_health_read=traffic_read(TN2, cluster_role="single"))
    report = build(site)
    only_problem(report, TN2, "not a traffic node of the Atlas cluster", "cluster_role single")
    assert row(report, TN2)["in_cluster"] is False and report["regions"][0]["healthy"] == 1


def test_a_traffic_node_without_an_appliance_list_is_judged_by_the_primarys_and_the_error_shown():
    site = Site()
    site.set(TN1, sra_health_read=traffic_read(TN1, cluster_role=None, appliances_error="Unknown action"))
    site.set(SITE1, sra_health_read=pair_read(appliances=primary_list(traffic=(TN2, TN3))))
    report = build(site)
    assert row(report, TN1)["appliances_error"] == "Unknown action"
    only_problem(report, TN1, "the primary's get_appliances does not list it")


def test_an_appliance_list_error_everywhere_is_shown_and_is_no_problem():
    site = Site(traffic=(TN1,))
    site.set(TN1, sra_health_read=traffic_read(TN1, cluster_role=None, appliances_error="Unknown action"))
    site.set(SITE1, sra_health_read=dict(pair_read(), appliances=None, appliances_error="Unknown action"))
    report = build(site)
    assert report["status"] == "healthy"
    assert row(report, SITE1)["appliances_error"] == "Unknown action" and row(report, TN1)["in_cluster"] is None


def test_accepting_connections_other_than_the_inventory_says_is_a_warning():
    site = Site()
    site.set(SITE1, sra_health_read=pair_read(appliances=primary_list(accepting=False)))
    site.set(TN3, sra_accepting_connections=False)
    report = build(site)
    assert report["status"] == "healthy"
    assert report["warnings"] == ["%s: accepting connections is no, the inventory says yes (sra_accepting_connections)"
                                  % name for name in (TN1, TN2)]


def test_a_standalone_appliance_is_read_like_a_traffic_node():
    site = Site(traffic=(), standalone=(TN1,))
    report = build(site)
    standalone = row(report, TN1)
    assert standalone["group"] == "standalone" and standalone["state"] == "healthy"
    assert standalone["in_cluster"] is None and report["standalone"] == [TN1] and report["regions"] == []


def test_a_site_without_a_pair_has_no_pair_section():
    site = Site(traffic=(), standalone=(TN1,))
    site.groups["sra_failover_pair"] = []
    report = build(site)
    assert report["pair"] is None and report["status"] == "healthy"
    assert report["appliances"][0]["name"] == TN1


def test_a_host_in_the_pair_and_a_traffic_group_has_one_row():
    site = Site()
    site.groups["sra_traffic_nodes"].append(SITE2)
    assert [entry["name"] for entry in build(site)["appliances"]].count(SITE2) == 1


# -- certificates ----------------------------------------------------------------------------------
def test_an_expired_certificate_is_a_problem_and_an_expiring_one_a_warning():
    site = Site()
    site.set(SITE2, sra_health_read=pair_read(days_left=-2))
    site.set(TN1, sra_health_read=traffic_read(TN1, days_left=10))
    report = build(site)
    only_problem(report, SITE2, "expired 2 days ago")
    assert report["warnings"] == ["%s: the certificate it serves (support.example.com) expires in 10 days (later)" % TN1]
    assert build(site, certificate_warn_days=0)["warnings"] == []


def test_a_pair_members_certificate_that_cannot_be_read_is_a_warning_beside_the_engines_verdict():
    site = Site()
    site.set(SITE2, sra_health_read=failed("192.0.2.12:443: cannot read the served certificate: refused", "unreachable"))
    report = build(site)
    assert report["status"] == "healthy"
    error = "192.0.2.12:443: cannot read the served certificate: refused"
    assert row(report, SITE2)["certificate"] == dict(days_left=None, error=error)
    assert report["warnings"] == ["%s: the served certificate and the appliance list were not read: 192.0.2.12:443: "
                                  "cannot read the served certificate: refused" % SITE2]


# -- configuration errors --------------------------------------------------------------------------
def config_of(site, env=None):
    return builder.config_problems(site.groups, site.hostvars, env)


def test_a_missing_address_is_a_configuration_error_of_that_row_and_not_unreachable():
    site = Site()
    site.set(TN2, sra_address=None, sra_health_read=dict(skipped=True, changed=False))
    config = config_of(site)
    assert config == {TN2: ["sra_address is not set: give the appliance's own address (never the site host name)"]}
    report = build(site, config)
    assert report["status"] == "config_error" and report["problems"] == []
    assert row(report, TN2)["state"] == "config"
    assert report["config_errors"] == ["%s: %s" % (TN2, config[TN2][0])]


def test_missing_credentials_read_as_configuration_errors_unless_the_environment_has_them():
    site = Site()
    for name in site.hostvars:
        site.set(name, sra_client_id=None, sra_client_secret=None)
    config = config_of(site)
    assert sorted(config) == sorted(site.hostvars)
    assert "no API account credentials" in config[SITE1][0] and "BT_CLIENT_ID" in config[SITE1][0]
    assert config_of(site, dict(BT_CLIENT_ID=True, BT_CLIENT_SECRET=True)) == {}
    assert config_of(site, dict(BT_CLIENT_ID=True, BT_CLIENT_SECRET=False)) == config


def test_a_pair_member_with_a_configuration_error_leaves_the_pair_unread_as_a_configuration_error():
    site = Site()
    site.set(SITE2, sra_address="")
    site.set_pair(dict(skipped=True, changed=False), check=dict(skipped=True, changed=False))
    report = build(site, config_of(site))
    assert report["status"] == "config_error" and report["problems"] == []
    assert report["pair"]["state"] == "config" and report["pair"]["healthy"] is False
    assert report["config_errors"] == ["failover pair: %s: sra_address is not set: give the appliance's own address "
                                       "(never the site host name)" % SITE2]
    assert row(report, SITE2)["state"] == "config" and row(report, SITE1)["state"] == "not_read"


def test_an_inventory_the_pair_filter_refuses_is_a_configuration_error():
    site = Site()
    site.set_pair(dict(skipped=True), check=failed("The inventory of the failover pair: dns_swing needs sra_dns"))
    report = build(site)
    assert report["status"] == "config_error"
    assert report["config_errors"] == ["failover pair: The inventory of the failover pair: dns_swing needs sra_dns"]


def test_a_ca_path_that_does_not_exist_and_a_bad_port_are_configuration_errors(tmp_path):
    site = Site(traffic=(TN1,))
    bundle = tmp_path / "trust.pem"
    bundle.write_text("x")
    site.set(SITE1, sra_ca_path=str(bundle))
    site.set(SITE2, sra_ca_path=str(tmp_path / "missing.pem"))
    site.set(TN1, sra_port="https")
    config = config_of(site)
    assert sorted(config) == [SITE2, TN1]
    assert "missing.pem does not exist on the controller" in config[SITE2][0]
    assert config[TN1] == ["sra_port is 'https': give the appliance's HTTPS port, 1 to 65535"]


class Unresolvable(dict):
    """hostvars whose sra_ca_path names an undefined variable, as Ansible raises it when templated."""

    def get(self, key, default=None):
        if key == "sra_ca_path":
            raise AnsibleUndefinedVariable("'sra_lab_state_dir' is undefined")
        return dict.get(self, key, default)


def test_a_variable_that_cannot_be_templated_is_named_as_a_configuration_error():
    site = Site(traffic=(TN1,))
    site.hostvars[TN1] = Unresolvable(site.hostvars[TN1])
    assert config_of(site) == {TN1: ["sra_ca_path cannot be evaluated: 'sra_lab_state_dir' is undefined"]}


def test_a_refused_credential_on_a_traffic_node_is_a_configuration_error_with_the_fix():
    site = Site()
    site.set(TN1, sra_health_read=failed("192.0.2.21: POST /oauth2/token answered HTTP 401: denied", "auth",
                                         appliance="192.0.2.21", status=401))
    report = build(site)
    assert report["status"] == "config_error" and row(report, TN1)["state"] == "auth"
    assert "check sra_client_id and sra_client_secret" in report["config_errors"][0]


def test_a_refused_credential_on_the_pair_is_a_configuration_error_not_an_unreadable_pair():
    site = Site()
    refused = "192.0.2.1%d: POST /oauth2/token answered HTTP 401: The resource owner denied the request"
    site.set_pair(pair_result(view(SITE1, "error", error=refused % 1, error_kind="auth"),
                              view(SITE2, "error", error=refused % 2, error_kind="auth"),
                              reaches={SHARED_IP: None}, errors={SHARED_IP: refused % 52}))
    report = build(site)
    assert report["status"] == "config_error" and report["problems"] == []
    assert [row(report, name)["state"] for name in (SITE1, SITE2)] == ["auth", "auth"]
    assert "failover pair: the API account was refused, so the pair's state is not known" in report["config_errors"]


def test_a_tls_failure_on_the_pair_stays_a_problem():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "error", error="TLS: certificate verify failed", error_kind="tls"),
                              view(SITE2, "backup"), reaches={}))
    report = build(site)
    assert report["status"] == "unhealthy" and row(report, SITE1)["state"] == "tls"
    assert "an appliance cannot be read" in report["problems"][0]


def test_a_pair_info_failure_is_told_by_its_kind():
    site = Site()
    site.set_pair(failed("sync_max_age must be a positive number of seconds, got 0", "config"))
    report = build(site)
    assert report["status"] == "config_error" and report["pair"]["state"] == "config"
    site.set_pair(failed("something unexpected", appliance="192.0.2.11"))
    report = build(site)
    assert report["status"] == "unhealthy" and report["pair"]["state"] == "error"
    assert report["problems"] == ["failover pair: the failover pair cannot be read: something unexpected"]


def test_a_pair_that_was_never_read_is_not_healthy():
    site = Site()
    for name in (SITE1, SITE2):
        del site.hostvars[name]["sra_health_pair"]
    report = build(site)
    assert report["status"] == "unhealthy"
    assert report["problems"] == ["failover pair: not read (not read)"]
    assert row(report, SITE1)["state"] == "not_read"


@pytest.mark.parametrize("result, state", [
    (dict(failure="unreachable"), "unreachable"), (dict(failure="tls"), "tls"), (dict(failure="auth"), "auth"),
    (dict(failure="config"), "config"), (dict(failure="refused"), "error"), (dict(failure="http"), "error"),
    (dict(msg="Error while resolving value for 'host': 'sra_address' is undefined"), "config"),
    (dict(msg="something", appliance="192.0.2.1"), "error"),
])
def test_failure_states(result, state):
    assert builder.failure_state(dict(result, failed=True)) == state


@pytest.mark.parametrize("status, kind, state", [
    ("down", "unreachable", "unreachable"), ("error", "unreachable", "error"), ("error", "tls", "tls"),
    ("error", "auth", "auth"), ("error", "config", "config"), ("error", "http", "error"), ("error", None, "error"),
])
def test_view_states(status, kind, state):
    assert builder.view_state(dict(status=status, error_kind=kind)) == state


def test_a_row_the_play_never_reached_is_not_read():
    site = Site()
    del site.hostvars[TN1]["sra_health_read"]
    report = build(site)
    assert row(report, TN1)["state"] == "not_read" and report["status"] == "healthy"


def test_module_warnings_are_kept():
    site = Site()
    site.set(TN1, sra_health_read=dict(traffic_read(TN1), warnings=["a warning"]))
    assert build(site)["warnings"] == ["%s: a warning" % TN1]


@pytest.mark.parametrize("seconds, text", [
    (None, None), (5, "5 s"), (119, "119 s"), (600, "10 min"), (3 * 3600, "3 h"), (86400, "24 h"),
    (3 * 86400, "3 days"), (-4, "4 s in the future")])
def test_duration(seconds, text):
    assert builder.duration(seconds) == text


def test_settings_come_from_the_inventory_when_the_playbook_gives_none():
    site = Site()
    report = builder.build_report(site.groups, site.hostvars)
    assert report["settings"] == dict(sync_max_age=None, certificate_warn_days=30)
    assert report["site"] == dict(hostname="support.example.com", network_method="shared_ip")


def test_a_host_hostvars_does_not_know_reads_as_a_host_without_variables():
    site = Site()
    site.groups["sra_standalone"] = ["ghost.example.com"]
    config = config_of(site)
    assert config["ghost.example.com"][0].startswith("sra_address is not set")
    assert row(build(site, config), "ghost.example.com")["state"] == "config"


def test_a_port_that_cannot_be_templated_is_named():
    site = Site(traffic=(TN1,))

    class BadPort(dict):
        def get(self, key, default=None):
            if key == "sra_port":
                raise AnsibleUndefinedVariable("'lab_port' is undefined")
            return dict.get(self, key, default)

    site.hostvars[TN1] = BadPort(site.hostvars[TN1])
    assert config_of(site) == {TN1: ["sra_port cannot be evaluated: 'lab_port' is undefined"]}


def test_a_dns_record_not_read_is_shown_as_not_read():
    site = Site(method="dns_swing")
    site.set_pair(pair_result(reaches={}), dns=dict(skipped=True, changed=False))
    dns = build(site)["pair"]["site_address"]["dns"]
    assert dns["error"] == "not read" and dns["addresses"] is None


def test_a_pair_member_without_its_own_read_has_no_certificate():
    site = Site()
    del site.hostvars[SITE2]["sra_health_read"]
    site.set(SITE1, sra_health_read=dict(changed=False, appliances=primary_list()))
    report = build(site)
    assert row(report, SITE2)["certificate"] is None and row(report, SITE1)["certificate"] is None
    assert report["status"] == "healthy"
